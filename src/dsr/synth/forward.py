"""Forward synthesis: the teacher writes directives + screen-oriented prose
from the reverse-synthesised inputs, exactly as stage 1 of ``dsr write``.

The teacher gets the pipeline's own stage-1 prompts (``directives_messages``
then ``prose_messages`` with its directives), built from the scene's story
file and context, so its output has stage 1's shape and the stage-1 dataset
can pair the very prompts inference sends with the teacher's answers.
Answers are read with stage 1's own parsers and cleaners.

``--samples K`` draws K independent answers per scene: sample k asks with
sample index ``k * 100 + retry`` (the pipeline's take numbering), so each
is a distinct cache entry and record. ``--with-reference`` (an ablation)
appends the real scene to both prompts as grounding; the dataset still uses
the plain prompts.

Unlike ``dsr write``, nothing falls back to the outline: an answer that
never parses becomes an ``unparsed`` record with its raw text and reason,
and prose still cut off at the raised token limit is kept whole-sentence
but flagged ``truncated`` (the filters drop it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dsr.errors import UserError
from dsr.files import canonical_json, read_json
from dsr.llm.base import ChatModel
from dsr.pipeline.calls import CallLog, ask, sample_index
from dsr.pipeline.prompts import prompt_version as pipeline_prompt_version
from dsr.pipeline.stage1 import (
    DIRECTIVES_SCHEMA, clean_prose, cut_to_last_sentence, directives_messages, format_directives,
    is_usable_prose, parse_directives, prose_messages,
)
from dsr.story.model import SceneDirectives, Story
from dsr.synth.prompts import prompt_version as synth_prompt_version
from dsr.synth.prompts import render
from dsr.synth.records import WorkItem, content_hash, outcome, params_from, record_id
from dsr.synth.settings import ForwardSettings


def with_reference(messages: list[dict], reference: str) -> list[dict]:
    """The same request with the real scene appended as grounding."""
    last = messages[-1]
    grounded = render("forward_reference", request=last["content"], reference=reference.strip())
    return [*messages[:-1], {**last, "content": grounded}]


def teacher_messages(story: Story, index: int, context: str, reference: str | None,
                     directives: SceneDirectives | None = None) -> list[dict]:
    messages = (directives_messages(story, index, context) if directives is None
                else prose_messages(story, index, context, directives))
    return with_reference(messages, reference) if reference else messages


def forward_prompt_version(grounded: bool) -> str:
    return pipeline_prompt_version() + ("+" + synth_prompt_version() if grounded else "")


# The prose request is rendered when the work is planned, before the
# directives exist: with this stand-in plan, whose rendering is replaced by
# the real plan's once the teacher has written it. So an item carries its two
# requests (a few KB), not its screenplay's whole story, to wherever it runs.
PLAN_STAND_IN = SceneDirectives(pacing="@@plan of the scene@@")


def fill_plan(messages: list[dict], directives: SceneDirectives) -> list[dict]:
    stand_in, plan = format_directives(PLAN_STAND_IN), format_directives(directives)
    return [{**m, "content": m["content"].replace(stand_in, plan)} for m in messages]


def plan_forward(inputs: list[dict], data_dir: Path, settings: ForwardSettings, model_id: str) -> list[WorkItem]:
    items = []
    d_params = replace(settings.params("directives"), json_schema=DIRECTIVES_SCHEMA).key_dict()
    p_params = settings.params("prose").key_dict()
    version = forward_prompt_version(settings.with_reference)
    stories: dict[str, Story] = {}
    for entry in inputs:
        story = stories.get(entry["story_file"])
        if story is None:
            data = read_json(Path(data_dir) / entry["story_file"])
            if data is None:
                raise UserError(f"{data_dir}: {entry['story_file']} is missing; run `dsr synth reverse` again")
            story = stories[entry["story_file"]] = Story.model_validate(data)
        reference = entry["reference"] if settings.with_reference else None
        first = teacher_messages(story, entry["scene"], entry["context"], reference)
        second = teacher_messages(story, entry["scene"], entry["context"], reference, PLAN_STAND_IN)
        if sum(m["content"].count(format_directives(PLAN_STAND_IN)) for m in second) != 1:
            raise AssertionError("the stage-1 prose prompt no longer shows the plan once")
        source = {"screenplay": entry["screenplay"], "scene": entry["scene"], "input": entry["id"],
                  "content_hash": content_hash(canonical_json([first, second]))}
        params = {"directives": d_params, "prose": p_params}
        for k in range(settings.samples):
            meta = {"model": model_id, "prompt_version": version, "params": params, "sample": k,
                    "with_reference": settings.with_reference}
            rid = record_id(step="forward", source=source, prompt_version=version, model=model_id,
                            params=params, sample=k)
            payload = {"meta": meta, "directives_messages": first, "prose_messages": second,
                       "retries": settings.junk_retries}
            items.append(WorkItem(rid, "forward", payload, source))
    return items


async def forward_step(payload: dict, model: ChatModel, log: CallLog) -> dict:
    sample, retries = payload["meta"]["sample"], payload.get("retries", 0)
    params = payload["meta"]["params"]

    d_params = params_from(params["directives"])
    directives, raw, reason = None, "", "no answer"
    for retry in range(retries + 1):
        completion = await ask(model, payload["directives_messages"], d_params, sample_index(sample, retry), log)
        raw = completion.text
        if completion.finish_reason == "length":
            reason = "directives cut off by the token limit"
            continue
        directives = parse_directives(completion.text)
        if directives is not None:
            break
        reason = "directives answer was not the JSON asked for"
    if directives is None:
        return outcome(reason=reason, raw=raw)

    messages = fill_plan(payload["prose_messages"], directives)
    p_params = params_from(params["prose"])
    truncated = ""
    for retry in range(retries + 1):
        completion = await ask(model, messages, p_params, sample_index(sample, retry), log)
        raw = completion.text
        prose = clean_prose(completion.text)
        if completion.finish_reason == "length":
            truncated = truncated or cut_to_last_sentence(prose)
            reason = "prose cut off by the token limit"
            continue
        if is_usable_prose(prose):
            return outcome({"directives": directives.model_dump(), "prose": prose})
        reason = "prose answer had no usable content"
    if truncated and is_usable_prose(truncated):
        return outcome({"directives": directives.model_dump(), "prose": truncated}, flags=["truncated"])
    return outcome(reason=reason, raw=raw)
