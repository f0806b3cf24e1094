"""The direct baseline (``dsr write --direct``): each outline scene straight
to a screenplay scene, with the same model, story inputs and previous
context as stage 1, but no directives and no prose. It goes through the same
checks, repair attempts and fallback as stage 2, so the two modes differ
only in the method, which is what the ablation measures.
"""

from __future__ import annotations

from dsr.llm.base import ChatModel, Params
from dsr.pipeline.calls import CallLog
from dsr.pipeline.prompts import render, scene_fields, speaker_names
from dsr.pipeline.scene import Source
from dsr.pipeline.stage1 import clean_prose
from dsr.pipeline.stage2 import Stage2Result, attempt_plan, elements_as_script, format_scene
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
    max_attempts: int, params: Params, take: int, log: CallLog,
) -> Stage2Result:
    scene = story.scenes[index]
    speakers = speaker_names(story, scene)

    def fallback_text(last_body) -> str:
        # The model's own words when any answer parsed (each sentence once, loops
        # cut, as stage 1 cleans prose); else the outline's.
        return clean_prose(elements_as_script(last_body)) or scene.summary

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
    )
