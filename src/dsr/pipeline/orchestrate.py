"""``dsr write``, end to end: outline -> stage 1 -> stage 2 -> screenplay.

Stage 1 runs scene by scene (each scene's context holds the end of the one
before). Stage 2 of a scene starts as soon as its stage 1 is done and runs
beside the next scenes' stage 1, up to ``concurrency`` at once: the critical
path is the chain of stage-1 calls plus one stage-2 conversion.

Each stage of a scene is a step (``steps.py``) that owns its key, its run
and its save; this module only schedules them, and accounts for the calls.
What to redo is decided by the steps' keys (the exact rendered requests a
scene's artifacts depend on), and every model call also goes through the
SQLite cache, so even a scene half done when the process was killed
repeats no call.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from dsr.errors import UserError
from dsr.fidelity.prose import BestMatch, ProseGate, SceneBrief, scene_brief, screenplay_findings
from dsr.files import atomic_write_json, read_json
from dsr.llm.base import ChatModel
from dsr.pipeline.calls import CallLog, StageError
from dsr.pipeline.context import previous_context
from dsr.pipeline.run import RunDir
from dsr.pipeline.settings import Settings
from dsr.pipeline.steps import PIPELINE_VERSION, DirectStep, Stage1Step, Stage2Step
from dsr.progress import Reporter, SilentReporter
from dsr.screenplay.model import Element
from dsr.story.model import Story

__all__ = ["PIPELINE_VERSION", "Models", "Pipeline", "Reporter", "SceneOutcome", "check_mode", "save_manifest"]


@dataclass
class SceneOutcome:
    index: int
    heading: str
    prose: str | None = None
    fountain: str | None = None
    stage1_reused: bool | None = None
    stage2_reused: bool | None = None
    flags: list[str] = field(default_factory=list)
    fallback: bool = False  # the screenplay came from the deterministic conversion
    from_outline: bool = False  # the prose (or --direct's scene) was built from the outline
    attempts: int = 0
    kept_from_earlier_take: bool = False


@dataclass
class Models:
    stage1: ChatModel
    stage2: ChatModel


class Pipeline:
    """One run over one story into one run directory (lock held by the caller)."""

    def __init__(self, story: Story, run: RunDir, models: Models, settings: Settings,
                 reporter: Reporter | None = None, takes: dict[int, int] | None = None,
                 best_match: BestMatch | None = None):
        self.story, self.run, self.models, self.settings = story, run, models, settings
        self.reporter = reporter or SilentReporter()
        self.takes = takes or {}
        self.briefs: list[SceneBrief] = [scene_brief(story, i) for i in range(len(story.scenes))]
        self._best_match = best_match
        self.logs: list[CallLog] = []
        self.outcomes = [SceneOutcome(i, s.heading()) for i, s in enumerate(story.scenes)]
        self.stage_seconds: dict[str, float] = {}
        self.failed = asyncio.Event()
        self.stage1, self.stage2, self.direct = Stage1Step(self), Stage2Step(self), DirectStep(self)

    # ---------------------------------------------------------------- helpers
    def new_log(self, stage: str) -> CallLog:
        log = CallLog(stage, listener=self.reporter.completion)
        self.logs.append(log)
        return log

    def take(self, index: int) -> int:
        return self.takes.get(index, 0)

    def best_match(self, queries: list[str], passages: list[str]) -> list[float]:
        """The evaluation's similarity (all-MiniLM-L6-v2), loaded on first use."""
        if self._best_match is None:
            from dsr.fidelity.similarity import shared_embedder

            self._best_match = shared_embedder().best_match
        return self._best_match(queries, passages)

    def prose_gate(self, index: int) -> ProseGate:
        return ProseGate(self.briefs[index], self.best_match)

    def screenplay_gate(self, index: int, events: bool):
        """Stage 2 keeps the cast (the prose passed the event checks); --direct gets them all."""
        def gate(body: list[Element]):
            findings = screenplay_findings(body, self.briefs[index], self.best_match if events else None)
            return [f for f in findings if events or f.code != "time-of-day"]
        return gate

    def fail(self, index: int, exc: StageError) -> UserError:
        self.failed.set()
        return UserError(f"scene {index + 1} ({self.outcomes[index].heading}): {exc.stage}: {exc.error}", exit_code=4)

    # ---------------------------------------------------------------- the runs
    async def run_two_stage(self) -> None:
        n = len(self.story.scenes)
        self.reporter.start("stage 1", n)
        self.reporter.start("stage 2", n)
        slots = asyncio.Semaphore(self.settings.concurrency)
        stage2_tasks: list[asyncio.Task] = []
        previous: str | None = None
        redrawn = self.settings.scene - 1 if self.settings.scene else None
        started = time.perf_counter()
        error: Exception | None = None
        try:
            for index in range(n):
                if self.failed.is_set():
                    break
                context = previous_context(self.story, index, previous)
                keep = redrawn is not None and index > redrawn
                previous = await self.stage1(index, context, keep)
                stage2_tasks.append(asyncio.create_task(self.stage2(index, previous, slots)))
        except asyncio.CancelledError:  # Ctrl-C: stop now; the cache keeps what was answered
            for task in stage2_tasks:
                task.cancel()
            await asyncio.gather(*stage2_tasks, return_exceptions=True)
            raise
        except Exception as exc:  # let running stage-2 work land before stopping
            error = exc
        self.stage_seconds["stage1"] = round(time.perf_counter() - started, 3)
        results = await asyncio.gather(*stage2_tasks, return_exceptions=True)
        self.stage_seconds["stage2_end"] = round(time.perf_counter() - started, 3)
        if error is not None:
            raise error
        for result in results:  # the first failure in scene order
            if isinstance(result, BaseException):
                raise result

    async def run_direct(self) -> None:
        n = len(self.story.scenes)
        self.reporter.start("direct", n)
        previous: str | None = None
        redrawn = self.settings.scene - 1 if self.settings.scene else None
        started = time.perf_counter()
        for index in range(n):
            context = previous_context(self.story, index, previous, previous_label="screenplay")
            keep = redrawn is not None and index > redrawn
            previous = await self.direct(index, context, keep)
        self.stage_seconds["direct"] = round(time.perf_counter() - started, 3)

    async def run_all(self) -> None:
        try:
            if self.settings.direct:
                await self.run_direct()
            else:
                await self.run_two_stage()
        finally:
            await self.close_backends()

    async def close_backends(self) -> None:
        """Let backends close their connection pools while this event loop
        still runs (an HTTP client collected after the loop closed complains
        on stderr). Backends without ``aclose`` hold nothing loop-bound."""
        seen: set[int] = set()
        for model in (self.models.stage1, self.models.stage2):
            backend = getattr(model, "inner", model)
            close = getattr(backend, "aclose", None)
            if close is not None and id(backend) not in seen:
                seen.add(id(backend))
                try:
                    await close()
                except Exception:  # closing is best effort; the run's result stands
                    pass

    # ---------------------------------------------------------------- accounting
    def usage_by_stage(self) -> dict[str, dict]:
        totals: dict[str, dict] = {}
        for log in self.logs:
            t = totals.setdefault(log.stage, {"calls": 0, "model_calls": 0, "prompt_tokens": 0,
                                              "completion_tokens": 0, "model_seconds": 0.0})
            for k in t:
                t[k] += getattr(log, k)
        for t in totals.values():
            t["model_seconds"] = round(t["model_seconds"], 3)
        return totals


def check_mode(run: RunDir, direct: bool) -> None:
    """A run directory holds one kind of run; mixing would overwrite one with the other."""
    manifest = read_json(run.manifest_path) or {}
    existing = manifest.get("mode")
    wanted = "direct" if direct else "two-stage"
    if existing and existing != wanted:
        raise UserError(f"{run.root} holds a {existing} run; use another -o directory for the {wanted} run")


def save_manifest(path: Path, data: dict) -> None:
    atomic_write_json(path, json.loads(json.dumps(data, default=str)))
