"""One screenplay scene: rendering model answers to Fountain, and the checks
that decide whether stage 2 keeps an answer.

A scene passes when it parses, starts with the outline's heading (we put it
there: the heading is the outline's, never the model's), holds no other
heading, has no validator error, and is faithful to its source: nobody
speaks who is not in the story or the prose, the prose's dialogue is not
mostly dropped, and the scene is not padded with text the prose does not
have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsr.llm.text import clean_answer, extract_json
from dsr.pipeline.fallback import safe_text, split_sentences
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import Finding, validate
from dsr.screenplay.writer import write
from dsr.text import without_speech

MAX_ELEMENTS = 60
TRANSITIONS = ("CUT TO:", "SMASH CUT TO:", "MATCH CUT TO:", "JUMP CUT TO:", "DISSOLVE TO:", "FADE OUT.")
# Fidelity bounds (see module docstring), in words of the scene body.
MIN_SHARE_OF_PROSE = 0.3
MAX_SHARE_OF_PROSE = 2.5
MIN_DIALOGUE_KEPT = 0.5
MIN_WORDS_FROM_PROSE = 0.6  # share of the scene's content words (4+ letters) found in the prose


def elements_schema(speakers: list[str], max_items: int = MAX_ELEMENTS) -> dict:
    """JSON schema of a scene as screenplay elements. Cue names are limited
    to ``speakers``, so a constrained model cannot invent a speaker; the
    number of elements to about what the source needs, so a looping model
    stops early."""
    names = speakers or ["NARRATOR"]
    return {
        "type": "object",
        "properties": {
            "elements": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_items,
                "items": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "type": {"enum": ["action"]},
                                "text": {"type": "string", "minLength": 1, "maxLength": 300},
                            },
                            "required": ["type", "text"],
                        },
                        {
                            "type": "object",
                            "properties": {
                                "type": {"enum": ["dialogue"]},
                                "character": {"enum": names},
                                "parenthetical": {"type": "string", "maxLength": 40},
                                "text": {"type": "string", "minLength": 1, "maxLength": 300},
                            },
                            "required": ["type", "character", "text"],
                        },
                        {
                            "type": "object",
                            "properties": {
                                "type": {"enum": ["transition"]},
                                # only real transitions: a free string let a small model write
                                # "The scene ends with Captain Ib" (cut at its length limit)
                                "text": {"enum": list(TRANSITIONS)},
                            },
                            "required": ["type", "text"],
                        },
                    ]
                },
            }
        },
        "required": ["elements"],
    }


def heading_element(heading: str) -> Element:
    return Element("scene_heading", heading, 0)


def json_is_looping(answer: str) -> bool:
    """A (cut-off) JSON answer that mostly repeats the same element texts."""
    texts = [t.lower() for t in re.findall(r'"text"\s*:\s*"([^"]*)"', answer)]
    return len(texts) >= 4 and len(set(texts)) < 0.6 * len(texts)


def elements_from_json(data: dict | None) -> list[Element] | None:
    """Screenplay elements from the JSON answer, or None if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        return None
    out: list[Element] = []
    seen: set[tuple[str, str]] = set()
    for item in data["elements"][:MAX_ELEMENTS]:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "")).lower()
        text = safe_text(str(item.get("text", ""))).strip('"')
        if not text or (kind, text.lower()) in seen:  # small models repeat elements verbatim
            continue
        seen.add((kind, text.lower()))
        if kind == "dialogue":
            cue = " ".join(str(item.get("character", "")).upper().split())
            cue = safe_text(cue).strip(":")
            if not cue:
                out.append(Element("action", text, 0))
                continue
            text = re.sub(rf"^{re.escape(cue)}\s*:\s*", "", text, flags=re.IGNORECASE)
            out.append(Element("character", cue, 0, name=cue))
            paren = safe_text(str(item.get("parenthetical") or "")).strip("() ")
            if paren:
                out.append(Element("parenthetical", f"({paren})", 0))
            out.append(Element("dialogue", text, 0))
        elif kind == "transition" and re.fullmatch(r"[A-Z][A-Z .']*(TO:|OUT\.?|IN:?)", text.upper()):
            out.append(Element("transition", text.upper(), 0))
        else:
            out.append(Element("action", text, 0))
    return out or None


def elements_from_fountain(answer: str) -> tuple[list[Element], int]:
    """The body of a Fountain answer and how many extra scene headings it
    had. Its first heading and its title page are dropped (the heading is
    ours); sections, synopses, notes and page breaks are not scene content."""
    sp = parse(clean_answer(answer))
    body = [el for el in sp.elements if el.type not in ("section", "synopsis", "note", "page_break")]
    if body and body[0].type == "scene_heading":
        body = body[1:]
    extra = sum(1 for el in body if el.type == "scene_heading")
    return [el for el in body if el.type != "scene_heading"], extra


def render_scene(heading: str, body: list[Element]) -> str:
    return write(Screenplay(title_page={}, elements=[heading_element(heading), *body])).strip() + "\n"


@dataclass
class Source:
    """What a scene must stay faithful to."""

    speakers: list[str]  # cue names from the story
    prose: str | None = None  # stage 1's prose (None in the direct baseline)
    quotes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, speakers: list[str], prose: str | None) -> "Source":
        quotes = re.findall(r'"([^"]{3,})"', prose.translate({0x201C: 34, 0x201D: 34, 0x201E: 34})) if prose else []
        return cls(speakers, prose, quotes)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def fidelity_findings(body: list[Element], source: Source) -> list[Finding]:
    findings: list[Finding] = []
    if not any(el.type in ("action", "dialogue") for el in body):
        return [Finding(1, "error", "empty-scene", "the scene has no action and no dialogue")]
    prose_lower = (source.prose or "").lower()
    for el in body:
        if el.type == "character" and el.name not in source.speakers and (el.name or "").lower() not in prose_lower:
            findings.append(Finding(el.line, "error", "invented-speaker",
                                    f"{el.name} speaks but is not in the story or the prose"))
    findings += spoken_narration(body, source)
    sentences = [s.lower() for el in body if el.type in ("action", "dialogue")
                 for s in split_sentences(el.text) if len(s.split()) >= 5]
    if len(sentences) != len(set(sentences)):
        findings.append(Finding(1, "error", "repeated-text",
                                "the same sentence appears more than once: write each line of the prose once"))
    if source.prose is None:
        return findings
    body_words = sum(len(_words(el.text)) for el in body if el.type != "character")
    prose_words = len(_words(source.prose))
    if body_words < MIN_SHARE_OF_PROSE * prose_words:
        findings.append(Finding(1, "error", "dropped-content",
                                f"the scene keeps {body_words} of the prose's {prose_words} words: convert all of it"))
    if body_words > MAX_SHARE_OF_PROSE * prose_words + 40:
        findings.append(Finding(1, "error", "added-content",
                                f"the scene has {body_words} words for {prose_words} words of prose: add nothing"))
    content = [w for el in body if el.type in ("action", "dialogue") for w in _words(el.text) if len(w) >= 4]
    prose_vocabulary = set(_words(source.prose))
    if content and _share_in(content, prose_vocabulary) < MIN_WORDS_FROM_PROSE:
        findings.append(Finding(1, "error", "added-content",
                                "the scene is not made of the prose's words: convert the prose, do not write new text"))
    if source.quotes:
        spoken = set(_words(" ".join(el.text for el in body if el.type == "dialogue")))
        kept = sum(1 for q in source.quotes if _share_in(_words(q), spoken) >= 0.7)
        if kept < MIN_DIALOGUE_KEPT * len(source.quotes):
            findings.append(Finding(1, "error", "dropped-dialogue",
                                    f"only {kept} of the prose's {len(source.quotes)} spoken lines are dialogue"))
    return findings


# As a screenplay writes them (capitals, colon or full stop): "Cut to the chase." is speech.
_TRANSITION_IN_SPEECH = re.compile(
    r"^\W*(?:(?:SMASH |MATCH |JUMP )?CUT TO:|DISSOLVE TO:|FADE (?:OUT\.|IN:|TO(?: BLACK)?[.:]))")
NARRATION_WORDS = 4  # a spoken line this long that is word for word the prose's narration


def spoken_narration(body: list[Element], source: Source) -> list[Finding]:
    """Dialogue that is not speech: a transition ("CUT TO: ...") or, word for
    word, a whole sentence the prose narrates rather than has someone say (small
    models hand the narration to a character: TOMAS / "Rosa does not open
    the hatch."). Reported speech turned into dialogue is fine: it is not
    the narration's own words."""
    findings: list[Finding] = []
    narration = {" ".join(_words(sentence))
                 for sentence in split_sentences(" ".join(without_speech(source.prose or "").split()))}
    narration -= {" ".join(_words(quote)) for quote in source.quotes}
    cue = ""
    for el in body:
        if el.type == "character":
            cue = el.name or el.text
        elif el.type == "dialogue":
            if _TRANSITION_IN_SPEECH.match(el.text):
                findings.append(Finding(el.line, "error", "transition-in-dialogue",
                                        f"{cue} speaks a transition ({el.text[:40]!r}): transitions are their own line"))
                continue
            said = " ".join(_words(el.text))
            if len(said.split()) >= NARRATION_WORDS and said in narration:
                findings.append(Finding(el.line, "error", "narration-as-dialogue",
                                        f"{cue} speaks the prose's narration ({el.text[:60]!r}): narration is "
                                        "action; dialogue is only what the prose has people say"))
    return findings


def _share_in(words: list[str], pool: set[str]) -> float:
    return sum(1 for w in words if w in pool) / len(words) if words else 1.0


def check(body: list[Element], heading: str, source: Source, extra_headings: int = 0) -> tuple[str, list[Finding]]:
    """The scene as Fountain and what is wrong with it (errors and warnings)."""
    text = render_scene(heading, body)
    reparsed = parse(text)
    findings = [f for f in validate(reparsed) if f.code not in ("empty-script",)]
    heads = [el for el in reparsed.elements if el.type == "scene_heading"]
    if not heads or heads[0].text.upper() != heading.upper() or reparsed.elements[0] is not heads[0]:
        findings.append(Finding(1, "error", "heading", f"the scene must start with {heading}"))
    if len(heads) > 1 or extra_headings:
        findings.append(Finding(1, "error", "extra-heading", "one scene only: no other scene heading"))
    findings += fidelity_findings(body, source)
    return text, findings


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def findings_text(findings: list[Finding], limit: int = 8) -> str:
    return "\n".join(f"- line {f.line}: {f.message}" for f in findings[:limit])


def parse_json_answer(answer: str) -> list[Element] | None:
    # A raw line break inside a JSON string is invalid JSON; small models write them.
    return elements_from_json(extract_json(answer.replace("\n", " ")))
