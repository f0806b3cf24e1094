"""``dsr write``, end to end: outline -> stage 1 -> stage 2 -> screenplay.

Stage 1 runs scene by scene (each scene's context holds the end of the one
before). Stage 2 of a scene starts as soon as its stage 1 is done and runs
beside the next scenes' stage 1, up to ``concurrency`` at once: the critical
path is the chain of stage-1 calls plus one stage-2 conversion.

What to redo is decided by hashes: each scene's stage-1 artifact records the
hash of the exact requests it came from (messages, parameters, model, take),
its stage-2 artifact the hash of the prose and the formatting requests. A
re-run recomputes the hashes and skips every match; all model calls also go
through the SQLite cache, so even a scene half done when the process was
killed repeats no call.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from dsr.errors import UserError
from dsr.files import atomic_write_json, hash_of, read_json
from dsr.llm.base import ChatModel, Completion
from dsr.pipeline.calls import CallLog, StageError
from dsr.pipeline.context import previous_context
from dsr.pipeline.direct import direct_messages, run_direct
from dsr.pipeline.prompts import language_name, speaker_names
from dsr.pipeline.run import RunDir
from dsr.pipeline.settings import Settings
from dsr.pipeline.stage1 import directives_messages, run_stage1
from dsr.pipeline.stage2 import attempt_plan, run_stage2, stage2_messages
from dsr.progress import Reporter, SilentReporter
from dsr.story.model import SceneDirectives, Story

# Bump when the checks, fallback or artifact layout change what a stage
# produces from the same answers: every artifact is then redone (from cache).
PIPELINE_VERSION = 4


@dataclass
class SceneOutcome:
    index: int
    heading: str
    prose: str | None = None
    fountain: str | None = None
    stage1_reused: bool | None = None
    stage2_reused: bool | None = None
    flags: list[str] = field(default_factory=list)
    fallback: bool = False
    attempts: int = 0
    kept_from_earlier_take: bool = False


@dataclass
class Models:
    stage1: ChatModel
    stage2: ChatModel


class Pipeline:
    """One run over one story into one run directory (lock held by the caller)."""

    def __init__(self, story: Story, run: RunDir, models: Models, settings: Settings,
                 reporter: Reporter | None = None, takes: dict[int, int] | None = None):
        self.story, self.run, self.models, self.settings = story, run, models, settings
        self.reporter = reporter or SilentReporter()
        self.takes = takes or {}
        self.logs: list[CallLog] = []
        self.outcomes = [SceneOutcome(i, s.heading()) for i, s in enumerate(story.scenes)]
        self.stage_seconds: dict[str, float] = {}
        self._failed = asyncio.Event()

    # ---------------------------------------------------------------- helpers
    def _log(self, stage: str) -> CallLog:
        log = CallLog(stage, listener=self.reporter.completion)
        self.logs.append(log)
        return log

    def take(self, index: int) -> int:
        return self.takes.get(index, 0)

    def _fail(self, index: int, exc: StageError) -> UserError:
        self._failed.set()
        return UserError(f"scene {index + 1} ({self.outcomes[index].heading}): {exc.stage}: {exc.error}", exit_code=4)

    # ---------------------------------------------------------------- stage 1
    def stage1_keys(self, index: int, context: str) -> tuple[str, str]:
        """(key, key without the context): the second lets ``--scene N`` keep
        later scenes whose own inputs did not change."""
        common = {
            "v": PIPELINE_VERSION, "model": self.models.stage1.spec, "take": self.take(index),
            "params": [self.settings.params("directives").key_dict(), self.settings.params("prose").key_dict()],
        }
        return (hash_of({**common, "messages": directives_messages(self.story, index, context)}),
                hash_of({**common, "messages": directives_messages(self.story, index, "<context>")}))

    def load_stage1(self, index: int, key: str) -> tuple[SceneDirectives, str] | None:
        meta = self.run.scene_meta(index).get("stage1") or {}
        if meta.get("key") != key:
            return None
        prose = self.run.read_scene_file(index, "prose.md")
        directives = read_json(self.run.scene_dir(index) / "directives.json")
        if prose is None or directives is None:
            return None
        try:
            return SceneDirectives.model_validate(directives), prose.strip()
        except ValueError:
            return None

    async def stage1_scene(self, index: int, context: str, keep_if_unchanged_apart_from_context: bool) -> str:
        outcome = self.outcomes[index]
        key, key_wo_context = self.stage1_keys(index, context)
        found = self.load_stage1(index, key)
        meta = self.run.scene_meta(index).get("stage1") or {}
        if found is None and keep_if_unchanged_apart_from_context and meta.get("key_without_context") == key_wo_context:
            found = self.load_stage1(index, meta.get("key"))
            if found is not None:  # --scene N: keep this scene as written, adopt the new context
                self.run.update_scene_meta(index, "stage1", {**meta, "key": key, "kept_from_earlier_take": True})
                outcome.kept_from_earlier_take = True
        if found is not None:
            outcome.prose, outcome.stage1_reused = found[1], True
            outcome.flags = list((self.run.scene_meta(index).get("stage1") or {}).get("flags", []))
            self.reporter.item_done("stage 1", index, True)
            return found[1]
        log = self._log("stage 1")
        started = time.perf_counter()
        try:
            result = await run_stage1(self.models.stage1, self.story, index, context, self.take(index),
                                      self.settings.params("directives"), self.settings.params("prose"), log)
        except StageError as exc:
            raise self._fail(index, exc) from None
        self.run.write_scene_file(index, "directives.json", result.directives.model_dump_json(indent=2) + "\n")
        self.run.write_scene_file(index, "prose.md", result.prose + "\n")
        self.run.update_scene_meta(index, "stage1", {
            "key": key, "key_without_context": key_wo_context, "take": self.take(index),
            "flags": result.flags, "usage": log.to_dict(), "seconds": round(time.perf_counter() - started, 3),
        })
        outcome.prose, outcome.stage1_reused, outcome.flags = result.prose, False, result.flags
        self.reporter.item_done("stage 1", index, False)
        return result.prose

    # ---------------------------------------------------------------- stage 2
    def stage2_key(self, index: int, prose: str, speakers: list[str]) -> str:
        heading = self.outcomes[index].heading
        plan = attempt_plan(self.models.stage2, self.settings.stage2_format, self.settings.max_attempts)
        return hash_of({
            "v": PIPELINE_VERSION, "model": self.models.stage2.spec, "take": self.take(index), "plan": plan,
            "params": self.settings.params("stage2").key_dict(), "speakers": speakers,
            "messages": stage2_messages(heading, prose, speakers, language_name(self.story.language)),
        })

    def _reuse_screenplay(self, index: int, section: str, key: str) -> bool:
        meta = self.run.scene_meta(index).get(section) or {}
        fountain = self.run.read_scene_file(index, "screenplay.fountain")
        if meta.get("key") != key or fountain is None:
            return False
        outcome = self.outcomes[index]
        outcome.fountain, outcome.stage2_reused = fountain, True
        outcome.fallback, outcome.attempts = bool(meta.get("fallback")), int(meta.get("attempts", 0))
        return True

    def _save_screenplay(self, index: int, section: str, key: str, result, log: CallLog, started: float,
                         **extra: str) -> None:
        self.run.write_scene_file(index, "screenplay.fountain", result.fountain)
        self.run.update_scene_meta(index, section, {
            "key": key, **extra, "take": self.take(index), "format": result.format, "attempts": result.attempts,
            "fallback": result.fallback, "findings": result.findings, "rejected": result.rejected,
            "usage": log.to_dict(), "seconds": round(time.perf_counter() - started, 3),
        })
        outcome = self.outcomes[index]
        outcome.fountain, outcome.stage2_reused = result.fountain, False
        outcome.fallback, outcome.attempts = result.fallback, result.attempts

    async def stage2_scene(self, index: int, prose: str, slots: asyncio.Semaphore) -> None:
        scene = self.story.scenes[index]
        speakers = speaker_names(self.story, scene)
        key = self.stage2_key(index, prose, speakers)
        if self._reuse_screenplay(index, "stage2", key):
            self.reporter.item_done("stage 2", index, True)
            return
        async with slots:
            if self._failed.is_set():
                return
            log = self._log("stage 2")
            started = time.perf_counter()
            try:
                result = await run_stage2(
                    self.models.stage2, heading=scene.heading(), prose=prose, speakers=speakers,
                    language_name=language_name(self.story.language), preference=self.settings.stage2_format,
                    max_attempts=self.settings.max_attempts, params=self.settings.params("stage2"),
                    take=self.take(index), log=log)
            except StageError as exc:
                raise self._fail(index, exc) from None
        self._save_screenplay(index, "stage2", key, result, log, started)
        self.reporter.item_done("stage 2", index, False)

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
                if self._failed.is_set():
                    break
                context = previous_context(self.story, index, previous)
                keep = redrawn is not None and index > redrawn
                previous = await self.stage1_scene(index, context, keep)
                stage2_tasks.append(asyncio.create_task(self.stage2_scene(index, previous, slots)))
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
            previous = await self.direct_scene(index, context, keep)
        self.stage_seconds["direct"] = round(time.perf_counter() - started, 3)

    def direct_keys(self, index: int, context: str) -> tuple[str, str]:
        plan = attempt_plan(self.models.stage2, self.settings.stage2_format, self.settings.max_attempts)
        common = {"v": PIPELINE_VERSION, "model": self.models.stage2.spec, "take": self.take(index), "plan": plan,
                  "params": self.settings.params("stage2").key_dict()}
        return (hash_of({**common, "messages": direct_messages(self.story, index, context)}),
                hash_of({**common, "messages": direct_messages(self.story, index, "<context>")}))

    async def direct_scene(self, index: int, context: str, keep_if_unchanged_apart_from_context: bool) -> str:
        key, key_wo_context = self.direct_keys(index, context)
        meta = self.run.scene_meta(index).get("direct") or {}
        if (keep_if_unchanged_apart_from_context and meta.get("key") != key
                and meta.get("key_without_context") == key_wo_context
                and self._reuse_screenplay(index, "direct", meta.get("key"))):
            # --scene N: keep this scene as written, adopt the new context (see stage1_scene)
            self.run.update_scene_meta(index, "direct", {**meta, "key": key, "kept_from_earlier_take": True})
            self.outcomes[index].kept_from_earlier_take = True
        if self._reuse_screenplay(index, "direct", key):
            self.reporter.item_done("direct", index, True)
            return self.outcomes[index].fountain or ""
        log = self._log("direct")
        started = time.perf_counter()
        try:
            result = await run_direct(self.models.stage2, self.story, index, context,
                                      preference=self.settings.stage2_format, max_attempts=self.settings.max_attempts,
                                      params=self.settings.params("stage2"), take=self.take(index), log=log)
        except StageError as exc:
            raise self._fail(index, exc) from None
        self._save_screenplay(index, "direct", key, result, log, started, key_without_context=key_wo_context)
        self.reporter.item_done("direct", index, False)
        return result.fountain

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
