"""Scripted judges for unit tests of the evaluation's orchestration.

``ScriptedJudge(answer)`` is a ``ChatModel`` (on ``testkit.scripted``'s
skeleton) whose answer is a function of the request: ``answer(request)``
returns the text (or raises ``LLMError``).
``Request`` tells which judge asked (``kind``: rubric or pairwise) and pulls
the scenes out of the prompt, so a script can answer by content ("the longer
scene wins") or by position ("scene 1 always wins").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from dsr.llm.base import Usage
from testkit import scripted

REPO = Path(__file__).resolve().parents[2]


class Request(scripted.Request):
    def scenes(self) -> list[str]:
        """The scene texts between <<< and >>>, in prompt order."""
        return re.findall(r"<<<\n(.*?)\n>>>", self.user, re.DOTALL)


class ScriptedJudge(scripted.ScriptedModel):
    request_type = Request

    def __init__(self, answer: Callable[[Request], str], spec: str = "fake:judge"):
        super().__init__(spec)
        self.verdict = answer

    def kind_of(self, messages: list) -> str:
        user = [m for m in messages if m["role"] == "user"][-1]["content"]
        return "rubric" if "12-point scale" in user else "pairwise"

    def answer(self, request: Request) -> str:
        return self.verdict(request)

    def usage(self, request: Request, text: str) -> Usage:
        return Usage(10, 10)


def rubric_answer(score: int, plot: int = 0, character: int = 0, pacing: int = 0, why: str = "ok") -> str:
    return json.dumps({"justification": why, "plot_coherence_errors": plot, "character_development_errors": character,
                       "pacing_errors": pacing, "score": score})


def pairwise_answer(verdict: str, reason: str = "because") -> str:
    return json.dumps({"reason": reason, "verdict": verdict})


def always_first(request: Request) -> str:
    """A judge with total position bias: scene 1 always wins; rubric 6."""
    return pairwise_answer("scene 1 better") if request.kind == "pairwise" else rubric_answer(6)


def longer_wins(request: Request) -> str:
    """A consistent judge: the longer scene wins (much, if twice as long);
    rubric score grows with length."""
    scenes = request.scenes()
    if request.kind == "rubric":
        return rubric_answer(min(12, 2 + len(scenes[0].split()) // 100), plot=1)
    first, second = (len(s.split()) for s in scenes)
    if first == second:
        return pairwise_answer("tie")
    winner = "scene 1" if first > second else "scene 2"
    much = max(first, second) >= 2 * min(first, second)
    return pairwise_answer(f"{winner} {'much better' if much else 'better'}")


EXAMPLE_STORY = REPO / "examples" / "two_scenes.yaml"


def make_run(root: Path, scene_bodies: list[str], story_path: Path = EXAMPLE_STORY, title_page: bool = True) -> Path:
    """A finished run directory as ``dsr write`` leaves it, as far as the
    evaluation reads it: story.json and screenplay.fountain (the outline's
    headings followed by ``scene_bodies``)."""
    from dsr.story.loader import load_story

    story = load_story(story_path)
    root.mkdir(parents=True, exist_ok=True)
    (root / "story.json").write_text(json.dumps(story.model_dump(mode="json")), "utf-8")
    parts = ["Title: " + story.title + "\nAuthor: dsr 0.1.0\nSource: secret-run-metadata\n"] if title_page else []
    for outline_scene, body in zip(story.scenes, scene_bodies):
        parts.append(f"{outline_scene.heading()}\n\n{body.strip()}\n")
    (root / "screenplay.fountain").write_text("\n".join(parts), "utf-8")
    return root


def no_embedding(texts):
    """Stands in for ``coverage.embed`` where loading torch would only cost
    time (the real embedder has its own slow test)."""
    from dsr.errors import UserError

    raise UserError("no sentence embedder in this test")
