"""One stage of one scene as a step that owns its key, its run and its save
(the orchestrator only schedules the steps).

Keys: a step's artifact records the hash of every request it depends on,
rendered exactly, with placeholders where a model answer goes, plus the
model, parameters, take and what the fidelity gate checks. In two parts:

- ``key``: what the first answer needs (for stage 1 the directives and
  prose requests; for formatting the first request of the plan's first
  format). Any change redoes the step;
- ``repair_key``: the repair requests, the rest of the plan and the number
  of attempts. Recorded only when the step sent a repair, so an edited
  repair template or ``--max-attempts`` redoes exactly the scenes that
  were repaired, and nothing else.

``key_without_context`` is the key with the previous context left out: it
lets ``--scene N`` keep later scenes whose own inputs did not change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsr.files import hash_of, read_json
from dsr.pipeline.calls import StageError
from dsr.pipeline.direct import direct_messages, run_direct
from dsr.story.cast import scene_speakers
from dsr.story.model import language_name
from dsr.pipeline.stage1 import prose_repair_messages, run_stage1, stage1_requests
from dsr.pipeline.stage2 import Stage2Result, attempt_plan, repair_messages, run_stage2, stage2_messages
from dsr.story.model import SceneDirectives

if TYPE_CHECKING:
    from dsr.pipeline.orchestrate import Pipeline

# Bump when the checks, fallback or artifact layout change what a stage
# produces from the same answers: every artifact is then redone (from cache).
PIPELINE_VERSION = 8


@dataclass
class Keys:
    key: str
    repair_key: str
    key_without_context: str | None = None

    def matches(self, meta: dict, key: str | None = None) -> bool:
        """``meta`` was made from these requests (``key`` instead of ours: --scene N's keep)."""
        return meta.get("key") == (key or self.key) and meta.get("repair_key") in (None, self.repair_key)


class Stage1Step:
    """Directives and prose for one scene: the prose passes the gate, or is built from the outline."""

    section = "stage1"

    def __init__(self, pipe: "Pipeline"):
        self.pipe = pipe

    def keys(self, index: int, context: str) -> Keys:
        pipe = self.pipe
        common = {
            "v": PIPELINE_VERSION, "model": pipe.models.stage1.spec, "take": pipe.take(index),
            "params": [pipe.settings.params("directives").key_dict(), pipe.settings.params("prose").key_dict()],
            "gate": pipe.briefs[index].key_dict(),
        }

        def first(ctx: str) -> str:
            return hash_of({**common, "requests": stage1_requests(pipe.story, index, ctx)})

        repair = hash_of({"v": PIPELINE_VERSION, "attempts": max(1, pipe.settings.max_attempts),
                          "repair": prose_repair_messages([], "<answer>", "<findings>")})
        return Keys(first(context), repair, first("<context>"))

    def load(self, index: int, keys: Keys, key: str | None = None) -> tuple[SceneDirectives, str] | None:
        run = self.pipe.run
        meta = run.scene_meta(index).get(self.section) or {}
        if not keys.matches(meta, key):
            return None
        prose = run.read_scene_file(index, "prose.md")
        directives = read_json(run.scene_dir(index) / "directives.json")
        if prose is None or directives is None:
            return None
        try:
            return SceneDirectives.model_validate(directives), prose.strip()
        except ValueError:
            return None

    async def __call__(self, index: int, context: str, keep_if_unchanged_apart_from_context: bool) -> str:
        pipe, run = self.pipe, self.pipe.run
        outcome = pipe.outcomes[index]
        keys = self.keys(index, context)
        found = self.load(index, keys)
        meta = run.scene_meta(index).get(self.section) or {}
        if found is None and keep_if_unchanged_apart_from_context and meta.get("key_without_context") == keys.key_without_context:
            found = self.load(index, keys, meta.get("key"))
            if found is not None:  # --scene N: keep this scene as written, adopt the new context
                run.update_scene_meta(index, self.section, {**meta, "key": keys.key, "kept_from_earlier_take": True})
                outcome.kept_from_earlier_take = True
        if found is not None:
            saved = run.scene_meta(index).get(self.section) or {}
            outcome.prose, outcome.stage1_reused = found[1], True
            outcome.flags = list(saved.get("flags", []))
            outcome.from_outline = saved.get("fallback") == "outline"
            pipe.reporter.item_done("stage 1", index, True)
            return found[1]
        log = pipe.new_log("stage 1")
        started = time.perf_counter()
        try:
            result = await run_stage1(pipe.models.stage1, pipe.story, index, context, pipe.take(index),
                                      pipe.settings.params("directives"), pipe.settings.params("prose"), log,
                                      pipe.prose_gate(index), pipe.settings.max_attempts)
        except StageError as exc:
            raise pipe.fail(index, exc) from None
        run.write_scene_file(index, "directives.json", result.directives.model_dump_json(indent=2) + "\n")
        run.write_scene_file(index, "prose.md", result.prose + "\n")
        run.update_scene_meta(index, self.section, {
            "key": keys.key, "key_without_context": keys.key_without_context,
            "repair_key": keys.repair_key if result.attempts > 1 else None, "take": pipe.take(index),
            "flags": result.flags, "attempts": result.attempts, "fallback": result.fallback,
            "rejected": result.rejected, "usage": log.to_dict(), "seconds": round(time.perf_counter() - started, 3),
        })
        outcome.prose, outcome.stage1_reused, outcome.flags = result.prose, False, result.flags
        outcome.from_outline = result.fallback == "outline"
        pipe.reporter.item_done("stage 1", index, False)
        return result.prose


def _format_keys(pipe: "Pipeline", index: int, common: dict, first_messages, plan: list[str]) -> tuple[str, str]:
    """(key, repair key) of a formatting step: the plan's first request; the rest of the plan and the repairs."""
    formats = list(dict.fromkeys(plan))
    key = hash_of({**common, "first": plan[:1], "messages": first_messages[plan[0]] if plan else None})
    repair = hash_of({"v": PIPELINE_VERSION, "plan": plan,
                      "messages": {f: first_messages[f] for f in formats[1:]},
                      "repairs": {f: repair_messages([], "<answer>", "<findings>", f) for f in formats}})
    return key, repair


class _ScreenplayStep:
    """Reuse and save of a scene's screenplay (stage 2, or the direct baseline)."""

    section = ""
    stage = ""

    def __init__(self, pipe: "Pipeline"):
        self.pipe = pipe

    def reuse(self, index: int, keys: Keys, key: str | None = None) -> bool:
        run = self.pipe.run
        meta = run.scene_meta(index).get(self.section) or {}
        fountain = run.read_scene_file(index, "screenplay.fountain")
        if not keys.matches(meta, key) or fountain is None:
            return False
        outcome = self.pipe.outcomes[index]
        outcome.fountain, outcome.stage2_reused = fountain, True
        outcome.fallback, outcome.attempts = meta.get("fallback") is True, int(meta.get("attempts", 0))
        if self.section == "direct":
            outcome.from_outline = meta.get("fallback") == "outline"
        return True

    def save(self, index: int, keys: Keys, result: Stage2Result, log, started: float) -> None:
        pipe, run = self.pipe, self.pipe.run
        run.write_scene_file(index, "screenplay.fountain", result.fountain)
        # "fallback": false, true (the deterministic conversion of the source),
        # or "outline" (--direct only: no answer kept the outline; built from it).
        fallback = "outline" if result.fallback_kind == "outline" else result.fallback
        extra = {"key_without_context": keys.key_without_context} if keys.key_without_context else {}
        run.update_scene_meta(index, self.section, {
            "key": keys.key, **extra, "repair_key": keys.repair_key if result.attempts > 1 else None,
            "take": pipe.take(index), "format": result.format, "attempts": result.attempts,
            "fallback": fallback, "findings": result.findings, "rejected": result.rejected,
            "usage": log.to_dict(), "seconds": round(time.perf_counter() - started, 3),
        })
        outcome = pipe.outcomes[index]
        outcome.fountain, outcome.stage2_reused = result.fountain, False
        outcome.fallback, outcome.attempts = fallback is True, result.attempts
        if self.section == "direct":
            outcome.from_outline = fallback == "outline"


class Stage2Step(_ScreenplayStep):
    """One scene's prose -> its screenplay scene, checked, repaired, or converted by the fallback."""

    section, stage = "stage2", "stage 2"

    def keys(self, index: int, prose: str, speakers: list[str]) -> Keys:
        pipe = self.pipe
        plan = attempt_plan(pipe.models.stage2, pipe.settings.stage2_format, pipe.settings.max_attempts)
        common = {"v": PIPELINE_VERSION, "model": pipe.models.stage2.spec, "take": pipe.take(index),
                  "params": pipe.settings.params("stage2").key_dict(), "speakers": speakers,
                  "gate": pipe.briefs[index].key_dict()}
        first = stage2_messages(pipe.outcomes[index].heading, prose, speakers, language_name(pipe.story.language))
        return Keys(*_format_keys(pipe, index, common, first, plan))

    async def __call__(self, index: int, prose: str, slots) -> None:
        pipe = self.pipe
        scene = pipe.story.scenes[index]
        speakers = scene_speakers(pipe.story, scene)
        keys = self.keys(index, prose, speakers)
        if self.reuse(index, keys):
            pipe.reporter.item_done(self.stage, index, True)
            return
        async with slots:
            if pipe.failed.is_set():
                return
            log = pipe.new_log(self.stage)
            started = time.perf_counter()
            try:
                result = await run_stage2(
                    pipe.models.stage2, heading=scene.heading(), prose=prose, speakers=speakers,
                    language_name=language_name(pipe.story.language), preference=pipe.settings.stage2_format,
                    max_attempts=pipe.settings.max_attempts, params=pipe.settings.params("stage2"),
                    take=pipe.take(index), log=log, gate=pipe.screenplay_gate(index, events=False))
            except StageError as exc:
                raise pipe.fail(index, exc) from None
        self.save(index, keys, result, log, started)
        pipe.reporter.item_done(self.stage, index, False)


class DirectStep(_ScreenplayStep):
    """The direct baseline for one scene: outline -> screenplay scene, through the same gate."""

    section, stage = "direct", "direct"

    def keys(self, index: int, context: str) -> Keys:
        pipe = self.pipe
        plan = attempt_plan(pipe.models.stage2, pipe.settings.stage2_format, pipe.settings.max_attempts)
        common = {"v": PIPELINE_VERSION, "model": pipe.models.stage2.spec, "take": pipe.take(index),
                  "params": pipe.settings.params("stage2").key_dict(), "gate": pipe.briefs[index].key_dict()}
        key, repair = _format_keys(pipe, index, common, direct_messages(pipe.story, index, context), plan)
        without, _ = _format_keys(pipe, index, common, direct_messages(pipe.story, index, "<context>"), plan)
        return Keys(key, repair, without)

    async def __call__(self, index: int, context: str, keep_if_unchanged_apart_from_context: bool) -> str:
        pipe, run = self.pipe, self.pipe.run
        keys = self.keys(index, context)
        meta = run.scene_meta(index).get(self.section) or {}
        if (keep_if_unchanged_apart_from_context and meta.get("key") != keys.key
                and meta.get("key_without_context") == keys.key_without_context
                and self.reuse(index, keys, meta.get("key"))):
            # --scene N: keep this scene as written, adopt the new context (see Stage1Step)
            run.update_scene_meta(index, self.section, {**meta, "key": keys.key, "kept_from_earlier_take": True})
            pipe.outcomes[index].kept_from_earlier_take = True
        if self.reuse(index, keys):
            pipe.reporter.item_done(self.stage, index, True)
            return pipe.outcomes[index].fountain or ""
        log = pipe.new_log(self.stage)
        started = time.perf_counter()
        try:
            result = await run_direct(pipe.models.stage2, pipe.story, index, context,
                                      preference=pipe.settings.stage2_format, max_attempts=pipe.settings.max_attempts,
                                      params=pipe.settings.params("stage2"), take=pipe.take(index), log=log,
                                      gate=pipe.screenplay_gate(index, events=True))
        except StageError as exc:
            raise pipe.fail(index, exc) from None
        self.save(index, keys, result, log, started)
        pipe.reporter.item_done(self.stage, index, False)
        return result.fountain

