"""Stage 1: one outline scene -> narrative directives -> screen-oriented prose.

Two calls per scene. The directives call is constrained to a JSON schema
where the backend can constrain decoding (even the 135M embedded model then
answers with the right keys); the prose call is free text, cleaned of
reasoning blocks and chatter. Every failure mode has a bounded answer:
junk directives are asked again with a new sample index, then replaced by
what the outline says (flagged); a truncated answer is asked again with a
higher token limit, then cut back to its last whole sentence (flagged).

The prose goes through the fidelity gate (``dsr.fidelity.prose``: the
scene's cast named, nobody invented, the summary's events covered, the
heading's time of day kept). Prose with findings is asked for again with
the findings in the request, up to ``max_attempts`` answers; when none
passes, the scene's prose is built from the outline (``floor.py``),
flagged ``prose_from_outline`` and ``fallback: outline``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from dsr.fidelity.prose import ProseGate
from dsr.llm.base import ChatModel, Params
from dsr.llm.text import clean_answer, extract_json
from dsr.pipeline.calls import CallLog, ask, sample_index
from dsr.pipeline.fallback import split_sentences
from dsr.pipeline.floor import outline_prose
from dsr.pipeline.prompts import render, scene_fields
from dsr.pipeline.scene import errors, findings_text
from dsr.screenplay.validate import Finding
from dsr.story.model import SceneDirectives, Story

PROSE_LENGTH = "about 150 to 300 words"
PROSE_MOST_WORDS = 300  # the top of PROSE_LENGTH: a cut answer this long already said enough
JUNK_RETRIES = 1  # extra draws of the same directives request when the answer is unusable
MIN_PROSE_WORDS = 20

DIRECTIVES_SCHEMA = {
    "type": "object",
    "properties": {
        # Bounds keep a looping small model from filling the token budget.
        "pacing": {"type": "string", "maxLength": 150},
        "revelation": {"type": "string", "maxLength": 150},
        "emotional_trajectory": {"type": "string", "maxLength": 150},
        "action_beats": {
            "type": "array",
            "items": {"type": "string", "maxLength": 100},
            "minItems": 1,
            "maxItems": 5,
        },
    },
    "required": ["pacing", "revelation", "emotional_trajectory", "action_beats"],
}

_HEADING_LINE = re.compile(r"^\s*(?:#+\s*|\*\*)?(?:INT|EXT|EST|I/E|INT\./EXT)[ .]", re.IGNORECASE)
_PLAN_LABEL = re.compile(r"^\W*(?:pacing|revelation|emotional trajectory|action beats|plan for the scene)\s*:", re.IGNORECASE)
_MARKDOWN_HEADER = re.compile(r"^\s*(?:#{1,6}\s+.*|(?:scene|szene|escena)\s+\d+\s*[:.-].*|\*\*[^*]+\*\*\s*)$", re.IGNORECASE)


Gate = ProseGate  # prose -> what is wrong with it against the outline

@dataclass
class Stage1Result:
    directives: SceneDirectives
    prose: str
    flags: list[str] = field(default_factory=list)  # directives_from_outline, prose_from_outline, truncated
    attempts: int = 0  # prose answers used
    fallback: str | None = None  # "outline": no answer passed the gate
    rejected: list[list[dict]] = field(default_factory=list)  # findings of each rejected prose answer


def sentences(text: str) -> list[str]:
    return split_sentences(" ".join(text.split()))


def directives_from_outline(story: Story, index: int) -> SceneDirectives:
    """The plan the outline itself implies: used when the model gives none."""
    scene = story.scenes[index]
    return SceneDirectives(pacing=scene.directives, action_beats=sentences(scene.summary)[:6])


def format_directives(d: SceneDirectives) -> str:
    lines = [
        f"Pacing: {d.pacing or '-'}",
        f"Revelation: {d.revelation or '-'}",
        f"Emotional trajectory: {d.emotional_trajectory or '-'}",
        "Action beats:",
    ]
    lines += [f"{n}. {beat}" for n, beat in enumerate(d.action_beats, 1)] or ["1. -"]
    return "\n".join(lines)


def parse_directives(text: str) -> SceneDirectives | None:
    # A raw line break inside a JSON string is invalid JSON; small models write them.
    data = extract_json(text.replace("\n", " "))
    if not data:
        return None
    beats = data.get("action_beats")
    if isinstance(beats, str):
        data["action_beats"] = [b for b in sentences(beats)]
    elif isinstance(beats, list):
        data["action_beats"] = [str(b).strip() for b in beats if str(b).strip()]
    known = {k: data[k] for k in SceneDirectives.model_fields if k in data}
    for key in ("pacing", "revelation", "emotional_trajectory"):
        if key in known and not isinstance(known[key], str):
            known[key] = str(known[key])
    try:
        directives = SceneDirectives.model_validate(known)
    except ValidationError:
        return None
    if not (directives.action_beats or directives.pacing or directives.emotional_trajectory):
        return None
    return directives


def clean_prose(text: str) -> str:
    """The prose without wrapping: chatter, fences, think blocks (llm.text),
    plus headings, titles and markdown the model adds although asked not to,
    and sentences repeated word for word (small models loop: the first
    occurrence is kept)."""
    text = clean_answer(text)
    paragraphs, seen = [], set()
    for number, block in enumerate(re.split(r"\n\s*\n", text)):
        lines = [ln for ln in block.splitlines() if not _HEADING_LINE.match(ln) and not _MARKDOWN_HEADER.match(ln)]
        para = " ".join(" ".join(lines).split()).replace("**", "")
        if number == 0 and _is_title(para):
            continue
        kept = []
        for sentence in split_sentences(para):
            if _PLAN_LABEL.match(sentence):
                continue  # the plan's labels echoed back
            sentence = cut_repetition(sentence)
            key = sentence.lower()
            if key not in seen:
                seen.add(key)
                kept.append(sentence)
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs)


def cut_repetition(sentence: str, n: int = 4, times: int = 3) -> str:
    """A run-on sentence that keeps cycling through the same phrase (``a
    little girl who would be a little girl who ...``) ends where a phrase of
    ``n`` words comes round the ``times``-th time."""
    words = sentence.split()
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - n + 1):
        gram = tuple(w.lower().strip(",.;:!?") for w in words[i:i + n])
        seen[gram] = seen.get(gram, 0) + 1
        if seen[gram] == times:
            return " ".join(words[:i]).rstrip(",;: ") + " ..."
    return sentence


def _is_title(paragraph: str) -> bool:
    """``<<The Sea of Dreams>>`` or ``Low Water`` alone above the prose."""
    words = paragraph.split()
    return 0 < len(words) <= 8 and not re.search(r"[.!?…\"”:]\W*$", paragraph)


def is_looping(text: str) -> bool:
    """Mostly the same sentences again: more tokens would bring more of them."""
    found = split_sentences(" ".join(text.split()))
    return len(found) >= 6 and len({s.lower() for s in found}) < 0.6 * len(found)


ECHO_WORDS = 8  # a run of this many words copied from the prompt is an echo, not prose


def _shingles(words: list[str], n: int = ECHO_WORDS) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def drop_echo(prose: str, prompt: str, allowed: str) -> str:
    """Sentences that copy the prompt (instructions, profiles, context: small
    models parrot them) removed. Copying ``allowed`` (the scene's own
    summary) is fine: that is what the scene is."""
    echo = _shingles(re.findall(r"\w+", prompt.lower())) - _shingles(re.findall(r"\w+", allowed.lower()))
    paragraphs = []
    for paragraph in prose.split("\n\n"):
        kept = [s for s in split_sentences(paragraph) if not _shingles(re.findall(r"\w+", s.lower())) & echo]
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs)


def worth_more_room(cut_text: str) -> bool:
    """Whether a prose answer cut off by the token limit should be asked
    again with a higher limit: only when what it wrote is still short of the
    length asked for (its room went on reasoning or chatter). A looping
    answer, or one already past ``PROSE_MOST_WORDS``, is cut to its whole
    sentences instead, and the gate judges what remains (on the embedded
    model: 1,347 fewer tokens in ``make demo``, but the repair that follows
    a longer cut answer is longer too, so only ~5 s of 5 minutes)."""
    return not is_looping(cut_text) and len(clean_prose(cut_text).split()) < PROSE_MOST_WORDS


def is_usable_prose(text: str) -> bool:
    words = re.findall(r"\w+", text)
    return len(words) >= MIN_PROSE_WORDS


def cut_to_last_sentence(text: str) -> str:
    """What remains of a truncated answer: whole sentences only."""
    match = None
    for match in re.finditer(r"[.!?…][\"'”»)]*(?=\s|$)", text):
        pass
    return text[: match.end()].strip() if match else text.strip()


def directives_messages(story: Story, index: int, context: str) -> list[dict]:
    fields = scene_fields(story, index, context, PROSE_LENGTH)
    return [
        {"role": "system", "content": render("stage1_system", **fields)},
        {"role": "user", "content": render("stage1_directives", **fields)},
    ]


def prose_messages(story: Story, index: int, context: str, directives: SceneDirectives | str) -> list[dict]:
    """The prose request with the scene's plan (or a text standing in for it)."""
    if isinstance(directives, SceneDirectives):
        directives = format_directives(directives)
    fields = scene_fields(story, index, context, PROSE_LENGTH)
    return [
        {"role": "system", "content": render("stage1_system", **fields)},
        {"role": "user", "content": render("stage1_prose", directives=directives, **fields)},
    ]


def prose_repair_messages(first: list[dict], answer: str, findings: str) -> list[dict]:
    """The prose request again, with the rejected answer and what was wrong with it."""
    return first + [
        {"role": "assistant", "content": answer[:4000] or "(empty)"},
        {"role": "user", "content": render("stage1_repair", findings=findings)},
    ]


def stage1_requests(story: Story, index: int, context: str) -> dict:
    """The requests a scene's first directives and prose answers come from,
    rendered exactly, with a placeholder where the model's plan goes (the
    repair request is keyed apart: see ``steps.py``)."""
    return {"directives": directives_messages(story, index, context),
            "prose": prose_messages(story, index, context, "<directives>")}


def finding_dicts(findings: list[Finding]) -> list[dict]:
    return [{"line": f.line, "severity": f.severity, "code": f.code, "message": f.message} for f in findings]


async def write_directives(
    model: ChatModel, story: Story, index: int, context: str, take: int, params: Params, log: CallLog
) -> tuple[SceneDirectives, bool]:
    """The scene's directives, and whether they had to come from the outline."""
    messages = directives_messages(story, index, context)
    constrained = replace(params, json_schema=DIRECTIVES_SCHEMA)
    for retry in range(JUNK_RETRIES + 1):
        completion = await ask(model, messages, constrained, sample_index(take, retry), log)
        if completion.finish_reason == "length":
            log.note("directives cut off by the token limit")
            continue
        directives = parse_directives(completion.text)
        if directives is not None:
            return directives, False
        log.note("directives answer was not the JSON asked for")
    return directives_from_outline(story, index), True


async def write_prose(
    model: ChatModel, story: Story, index: int, context: str, directives: SceneDirectives,
    take: int, params: Params, log: CallLog, gate: Gate, max_attempts: int,
) -> Stage1Result:
    """Prose that passes the gate, asked again with the findings up to
    ``max_attempts`` answers (at least one); else the outline's own prose."""
    first = prose_messages(story, index, context, directives)
    conversation = first
    rejected: list[list[dict]] = []
    attempts = max(1, max_attempts)
    for attempt in range(attempts):
        completion = await ask(model, conversation, params, sample_index(take, attempt), log,
                               worth_more=worth_more_room)
        prose = drop_echo(clean_prose(completion.text), first[-1]["content"], story.scenes[index].summary)
        flags = []
        if completion.finish_reason == "length":
            prose = cut_to_last_sentence(prose)  # its whole sentences, flagged if kept
            log.note("prose cut off by the token limit")
            flags = ["truncated"]
        findings = errors(gate(prose))
        if not is_usable_prose(prose):
            findings = [Finding(1, "error", "no-prose", f"the answer has no usable prose (at least {MIN_PROSE_WORDS} "
                                                        "words): write the whole scene"),
                        *[f for f in findings if f.code == "missing-character"]]
        if not findings:
            return Stage1Result(directives, prose, flags, attempt + 1, None, rejected)
        rejected.append(finding_dicts(findings))
        log.note(f"prose attempt {attempt + 1} rejected: " + ", ".join(sorted({f.code for f in findings})))
        conversation = prose_repair_messages(first, clean_answer(completion.text), findings_text(findings))
    prose = outline_prose(story, index, directives, gate.best_match)
    return Stage1Result(directives, prose, ["prose_from_outline"], attempts, "outline", rejected)


async def run_stage1(
    model: ChatModel, story: Story, index: int, context: str, take: int,
    directives_params: Params, prose_params: Params, log: CallLog, gate: Gate, max_attempts: int,
) -> Stage1Result:
    directives, from_outline = await write_directives(model, story, index, context, take, directives_params, log)
    result = await write_prose(model, story, index, context, directives, take, prose_params, log, gate, max_attempts)
    if from_outline:
        result.flags = ["directives_from_outline", *result.flags]
    return result
