"""Helpers of the pipeline tests (a module name of its own: another folder's
conftest.py can never shadow it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dsr.llm.cache import CallJournal
from dsr.pipeline.settings import Settings
from dsr.pipeline.write import write_story

from fakes import ScriptedModel

PLACES = ["KITCHEN", "HALLWAY", "ROOFTOP", "STAIRWELL", "GARAGE", "CELLAR", "GARDEN", "ATTIC"]


def story_data(n: int = 4) -> dict:
    return {
        "title": "The Missing Mug",
        "logline": "A woman finds out who has been using her kitchen.",
        "genre": "comedy",
        "style": "Quick and visual.",
        "characters": [
            {"name": "MAYA", "profile": "Thirty, suspicious, precise."},
            {"name": "JONAH", "profile": "Her brother, a poor liar."},
        ],
        "scenes": [
            {"place": PLACES[i % len(PLACES)] + ("" if i < len(PLACES) else f" {i}"), "time": "NIGHT",
             "characters": ["MAYA"] if i % 2 == 0 else ["MAYA", "JONAH"],
             "summary": f"Maya searches the place for the mug, step {i + 1}."}
            for i in range(n)
        ],
    }


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


def word_overlap(queries: list[str], passages: list[str]) -> list[float]:
    """A stand-in for the sentence embedder in orchestration tests (loading
    torch costs seconds): for each query, the best share of its words of 4+
    letters that a passage has. The real similarity has its own tests."""
    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}
    return [max((len(words(q) & words(p)) / max(1, len(words(q))) for p in passages), default=0.0) for q in queries]


def run(story: Path, run_dir: Path, model: ScriptedModel, **settings):
    """One ``dsr write`` with ``model`` in both roles, no PDF (fast)."""
    settings.setdefault("pdf", False)
    return write_story(story, run_dir, Settings(**settings), backends={"stage1": model, "stage2": model},
                       best_match=word_overlap)


def real_calls(run_dir: Path) -> int:
    return CallJournal(run_dir / "calls.sqlite").real_calls()
