"""Stage 2 (and the direct baseline's formatting): a scene's source -> a
Fountain scene that parses and validates, whatever the model answers.

Per attempt the model answers either in Fountain or, where the backend can
constrain decoding, as JSON screenplay elements that our writer renders.
Each answer is checked (scene.check); on errors the model is asked again
with the concrete findings, up to ``max_attempts`` answers; then the
deterministic fallback turns the source into a valid scene, flagged.

Which format first: ``auto`` asks a backend that constrains decoding with a
grammar (the embedded llama.cpp model) for JSON only, since a 135M model
cannot write Fountain unaided; other backends get Fountain (capable models
write it well) and its repair, and from three attempts on, JSON last.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from dsr.llm.base import ChatModel, Params
from dsr.llm.text import clean_answer
from dsr.pipeline.calls import CallLog, ask, sample_index
from dsr.pipeline.fallback import prose_to_elements, split_sentences
from dsr.pipeline.prompts import render
from dsr.pipeline.scene import (
    Source, check, elements_from_fountain, elements_schema, errors, findings_text, json_is_looping,
    parse_json_answer,
)
from dsr.screenplay.model import Element
from dsr.screenplay.validate import Finding

FORMATS = ("auto", "fountain", "json")

# body -> what is wrong with it against the outline (``dsr.fidelity.prose``)
SceneGate = Callable[[list[Element]], list[Finding]]


@dataclass
class Stage2Result:
    fountain: str  # the scene: heading + body, canonical Fountain
    attempts: int  # model answers used
    fallback: bool
    findings: list[dict] = field(default_factory=list)  # of the kept scene (warnings only)
    rejected: list[list[dict]] = field(default_factory=list)  # errors of each rejected answer
    format: str = ""  # fountain | json | fallback
    fallback_kind: str | None = None  # "format": the source's words, restructured; "outline": built from the outline


def structured_output(model: ChatModel) -> str | None:
    describe = getattr(model, "describe", None)
    try:
        return (describe() or {}).get("structured_output") if describe else None
    except Exception:  # describing is informational; never let it stop a run
        return None


def attempt_plan(model: ChatModel, preference: str, max_attempts: int) -> list[str]:
    if max_attempts <= 0:
        return []
    if preference in ("fountain", "json"):
        return [preference] * max_attempts
    structured = structured_output(model)
    if structured == "grammar":
        return ["json"] * max_attempts
    if max_attempts <= 2 or structured == "none":
        return ["fountain"] * max_attempts  # an answer, and its repair with the findings
    return ["fountain"] * (max_attempts - 1) + ["json"]


def repair_messages(conversation: list[dict], answer: str, findings: str, fmt: str) -> list[dict]:
    return conversation + [
        {"role": "assistant", "content": answer[:4000] or "(empty)"},
        {"role": "user", "content": render("repair", findings=findings,
                                           format_reminder=render(f"format_reminder_{fmt}"))},
    ]


def finding_dicts(findings) -> list[dict]:
    return [{"line": f.line, "severity": f.severity, "code": f.code, "message": f.message} for f in findings]


def json_max_items(source: Source) -> int:
    """About one element per sentence of prose, and some room (30 without prose)."""
    if not source.prose:
        return 30
    return max(6, min(40, len(split_sentences(" ".join(source.prose.split()))) + 4))


def json_token_budget(source_words: int, params: Params) -> int:
    """Room for the JSON wrapping of a scene: about four tokens per prose word."""
    return max(params.max_tokens, min(4096, 200 + 4 * source_words))


async def format_scene(
    model: ChatModel,
    *,
    heading: str,
    first_messages: dict[str, list[dict]],  # format -> messages of a first attempt
    source: Source,
    fallback_text: Callable[[list[Element] | None], tuple[str, str]],  # last parsed answer -> (text, kind)
    plan: list[str],
    params: Params,
    take: int,
    log: CallLog,
    gate: SceneGate | None = None,
) -> Stage2Result:
    rejected: list[list[dict]] = []
    conversation: list[dict] | None = None
    last_format = None
    last_body: list[Element] | None = None
    for attempt, fmt in enumerate(plan, 1):
        if fmt != last_format or conversation is None:
            conversation = list(first_messages[fmt])
        attempt_params, worth_more = params, (lambda _text: True)
        if fmt == "json":
            words = len((source.prose or " ".join(m["content"] for m in conversation)).split())
            attempt_params = replace(params, json_schema=elements_schema(source.speakers, json_max_items(source)),
                                     max_tokens=json_token_budget(words, params))
            worth_more = lambda text: not json_is_looping(text)  # noqa: E731
        completion = await ask(model, conversation, attempt_params, sample_index(take), log, worth_more=worth_more)
        last_format = fmt
        if completion.finish_reason == "length":
            problems = [_cut_off()]
            text, findings = "", problems
        elif fmt == "json":
            body = parse_json_answer(completion.text)
            if body is None:
                text, findings = "", [_not_json()]
            else:
                last_body = body
                text, findings = check(body, heading, source)
        else:
            body, extra = elements_from_fountain(completion.text)
            last_body = body or last_body
            text, findings = check(body, heading, source, extra_headings=extra)
        if text and gate is not None and not errors(findings):
            findings = findings + gate(last_body or [])
        if text and not errors(findings):
            return Stage2Result(text, attempt, False, finding_dicts(findings), rejected, fmt)
        rejected.append(finding_dicts(errors(findings)))
        log.note(f"attempt {attempt} ({fmt}) rejected: " + ", ".join(sorted({f.code for f in errors(findings)})))
        conversation = repair_messages(conversation, clean_answer(completion.text),
                                       findings_text(errors(findings)), fmt)
    source_text, kind = fallback_text(last_body)
    body = prose_to_elements(source_text, source.speakers)
    # The fallback's cues come from the text itself (a known name, or a name the
    # text writes in capitals as a speaker label), so only the format is checked.
    own_cues = [el.name for el in body if el.type == "character" and el.name]
    text, findings = check(body, heading, Source(source.speakers + own_cues, None))
    # It keeps its source's words as they are, repeats included: only format errors count.
    findings = [f for f in findings if f.code != "repeated-text"]
    if errors(findings):  # the fallback's own contract; tests hold it to this
        raise AssertionError(f"fallback produced format errors for {heading}: {findings_text(errors(findings))}")
    return Stage2Result(text, len(plan), True, finding_dicts(findings), rejected, "fallback", kind)


def _cut_off() -> Finding:
    return Finding(1, "error", "cut-off", "the answer was cut off by the length limit: write the scene more concisely")


def _not_json() -> Finding:
    return Finding(1, "error", "not-json", 'the answer was not the JSON asked for: {"elements": [...]}')


def elements_as_script(body: list[Element] | None) -> str:
    """Parsed elements of an answer written as ``NAME: words`` lines and action paragraphs,
    for the fallback (it keeps the words and redoes the structure)."""
    if not body:
        return ""
    lines, cue = [], None
    for el in body:
        if el.type == "character":
            cue = el.name
        elif el.type == "dialogue" and cue:
            lines.append(f"{cue}: {el.text}")
            cue = None
        elif el.type in ("action", "transition"):
            lines.append(el.text)
    return "\n\n".join(lines)


def stage2_messages(heading: str, prose: str, speakers: list[str], language_name: str) -> dict[str, list[dict]]:
    system = {"role": "system", "content": render("stage2_system", language_name=language_name)}
    fields = {"heading": heading, "prose": prose, "speakers": ", ".join(speakers) or "(none)"}
    return {
        "fountain": [system, {"role": "user", "content": render("stage2_fountain", **fields)}],
        "json": [system, {"role": "user", "content": render("stage2_json", **fields)}],
    }


async def run_stage2(
    model: ChatModel, *, heading: str, prose: str, speakers: list[str], language_name: str,
    preference: str, max_attempts: int, params: Params, take: int, log: CallLog, gate: SceneGate | None = None,
) -> Stage2Result:
    return await format_scene(
        model,
        heading=heading,
        first_messages=stage2_messages(heading, prose, speakers, language_name),
        source=Source.of(speakers, prose),
        fallback_text=lambda _json_body: (prose, "format"),  # stage 2's fallback keeps the prose's words
        plan=attempt_plan(model, preference, max_attempts),
        params=params,
        take=take,
        log=log,
        gate=gate,
    )
