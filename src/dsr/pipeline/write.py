"""``write_story``: the whole of ``dsr write`` as one call (CLI, tests and
benchmarks use it). Loads the story, locks the run directory, resolves the
models behind the call cache, runs the pipeline, writes the outputs."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path

from dsr.errors import UserError
from dsr.fidelity.prose import BestMatch
from dsr.llm.base import ChatModel, LLMError
from dsr.llm.cache import CachedModel
from dsr.llm.registry import check_spec
from dsr.pipeline.assemble import finish
from dsr.pipeline.orchestrate import Models, Pipeline, Reporter, check_mode
from dsr.pipeline.run import RunDir
from dsr.pipeline.settings import Settings
from dsr.story.loader import load_story


@dataclass
class WriteResult:
    summary: str
    pipeline: Pipeline
    run_dir: Path


def default_run_dir(story_path: Path, direct: bool) -> Path:
    slug = re.sub(r"[^\w-]+", "-", story_path.stem).strip("-").lower() or "story"
    return Path("runs") / (f"{slug}-direct" if direct else slug)


def build_models(settings: Settings, run: RunDir, inner: dict[str, ChatModel] | None = None) -> Models:
    """Both roles behind one call cache in the run directory. One backend
    object per distinct spec, so the embedded model loads once."""
    from dsr.llm.registry import resolve_model

    made: dict[str, CachedModel] = {}

    def get(role: str, spec: str) -> CachedModel:
        if inner and role in inner:
            backend = inner[role]
            spec = backend.spec
        else:
            backend = None
        if spec not in made:
            try:
                made[spec] = CachedModel(backend or resolve_model(spec), run.calls_db)
            except LLMError as exc:
                raise UserError(f"{role} model: {exc}") from None
        return made[spec]

    return Models(stage1=get("stage1", settings.stage1_model), stage2=get("stage2", settings.stage2_model))


def write_story(story_path: Path | str, run_dir: Path | str | None, settings: Settings,
                reporter: Reporter | None = None, backends: dict[str, ChatModel] | None = None,
                best_match: BestMatch | None = None) -> WriteResult:
    """Run ``dsr write``. ``backends`` (role -> ChatModel) replaces the spec
    resolution; tests pass scripted models here, and may pass ``best_match``
    (the gate's similarity; default: the offline sentence embedder)."""
    started = time.perf_counter()
    settings.check()
    story_path = Path(story_path)
    story = load_story(story_path)
    if settings.scene is not None and not 1 <= settings.scene <= len(story.scenes):
        raise UserError(f"--scene {settings.scene}: the outline has scenes 1 to {len(story.scenes)}")
    for role, spec in (("stage1", settings.stage1_model), ("stage2", settings.stage2_model)):
        if not backends or role not in backends:
            check_spec(spec)  # before the run directory exists: a bad option leaves nothing behind
    run = RunDir(run_dir or default_run_dir(story_path, settings.direct))
    with run.lock():
        check_mode(run, settings.direct)
        run.save_input(story_path, story.model_dump(mode="json"))
        run.prune_scenes(len(story.scenes))
        takes = {i: t for i, t in run.takes().items() if i < len(story.scenes)}
        if settings.scene is not None:
            index = settings.scene - 1
            takes[index] = takes.get(index, 0) + 1
            run.save_takes(takes)
        models = build_models(settings, run, backends)
        pipe = Pipeline(story, run, models, settings, reporter, takes, best_match)
        try:
            asyncio.run(pipe.run_all())
            summary = finish(pipe, story_path, started)
        finally:
            for model in {id(m): m for m in (models.stage1, models.stage2)}.values():
                model.close()
    return WriteResult(summary, pipe, run.root)
