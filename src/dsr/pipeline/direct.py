"""The direct baseline (``dsr write --direct``): each outline scene straight
to a screenplay scene, with the same model, story inputs and previous
context as stage 1, but no directives and no prose. It goes through the same
checks, repair attempts and fallback as stage 2, and through the same
fidelity gate as stage-1 prose (the scene's cast named, no invented
speaker, the summary's events covered, the time of day kept), so the two
modes differ only in the method, which is what the ablation measures. When
no answer passes, the scene is built from the outline (``floor.py``),
flagged ``fallback: outline``.
"""

from __future__ import annotations

from dsr.llm.base import ChatModel, Params
from dsr.pipeline.calls import CallLog
from dsr.pipeline.floor import outline_prose
from dsr.pipeline.prompts import render, scene_fields
from dsr.story.cast import scene_speakers
from dsr.pipeline.scene import Source, errors
from dsr.pipeline.stage1 import clean_prose
from dsr.pipeline.stage2 import SceneGate, Stage2Result, attempt_plan, elements_as_script, format_scene
from dsr.story.model import Story

DIRECT_LENGTH = "about 150 to 300 words"


def direct_messages(story: Story, index: int, context: str) -> dict[str, list[dict]]:
    fields = scene_fields(story, index, context, DIRECT_LENGTH)
    system = {"role": "system", "content": render("direct_system", **fields)}
    return {
        "fountain": [system, {"role": "user", "content": render("direct_fountain", **fields)}],
        "json": [system, {"role": "user", "content": render("direct_json", **fields)}],
    }


async def run_direct(
    model: ChatModel, story: Story, index: int, context: str, *, preference: str,
    max_attempts: int, params: Params, take: int, log: CallLog, gate: SceneGate,
) -> Stage2Result:
    scene = story.scenes[index]
    speakers = scene_speakers(story, scene)

    def fallback_text(last_body) -> tuple[str, str]:
        # The last answer's own words when they keep the outline (each sentence
        # once, loops cut, as stage 1 cleans prose); else the outline's.
        if last_body and not errors(gate(last_body)):
            words = clean_prose(elements_as_script(last_body))
            if words:
                return words, "format"
        return outline_prose(story, index), "outline"

    return await format_scene(
        model,
        heading=scene.heading(),
        first_messages=direct_messages(story, index, context),
        source=Source(speakers, None),
        fallback_text=fallback_text,
        plan=attempt_plan(model, preference, max_attempts),
        params=params,
        take=take,
        log=log,
        gate=gate,
    )
