"""Plain-text screenplays laid out by indentation -> ``Screenplay``.

This is how most public script archives store scripts (and what
``pdftotext -layout`` makes of a PDF): scene headings and action at the left
margin, character cues deep-indented in capitals, dialogue medium-indented,
parentheticals between the two, transitions far right; page numbers,
``(CONTINUED)``/``CONTINUED:`` lines, ``(MORE)`` and scene numbers in the
margins.

Rather than assume fixed columns (every typist used others), the layout is
measured from the file: the left margin is where headings (or most lines)
start; a cue is a short capitalised line indented well past the margin and
directly followed by a line that is indented less (its dialogue); the
dialogue column is where those following lines start. ``layout()`` returns
None when the file shows no such structure (then it is not laid out by
indentation, and the importer reads it as Fountain instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import split_cue

TAB_WIDTH = 8  # typewriter tab stops
MIN_CUES = 3  # cue candidates needed to call a file indentation-laid-out
MIN_CUE_INDENT = 8  # columns past the margin a cue must at least sit
MAX_CUE_CHARS = 45

_HEADING = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)[. ]\s*\S", re.IGNORECASE)
_SCENE_NUMBER_AROUND = re.compile(r"^(?P<num>\d+[A-Z]?)\.?\s+(?P<body>.*?)(?:\s+(?P=num)\.?)?$")
_TRAILING_SCENE_NUMBER = re.compile(r"^(?P<body>.*?\S)\s{2,}\d+[A-Z]?\.?$")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d+\.?$|^\d+\.?\s*\(?(?:continued|cont'd)?\)?$", re.IGNORECASE)
_NOISE = re.compile(
    r"^\(?\s*(?:continued|cont'd|more)\s*\)?\s*:?\s*(?:\(\d+\))?$|^continued\s*:\s*(?:\(\d+\))?$"
    r"|^\d+\s+continued\s*:?\s*(?:\(\d+\))?$|^\(?cont(?:inued)?\)?\s*\d*$",
    re.IGNORECASE,
)
_TRANSITION = re.compile(
    r"^(?:[A-Z][A-Z ]*\bTO:|FADE (?:OUT|IN|TO BLACK)[.:]?|CUT TO BLACK[.:]?|DISSOLVE:|SMASH CUT:|THE END\.?)$"
)
_CAPS_LETTERS = re.compile(r"[A-Za-z]")


@dataclass
class Layout:
    margin: int  # column of headings and action
    cue: int  # typical column of character cues
    dialogue: int  # typical column of dialogue
    cues_found: int


@dataclass
class _Line:
    number: int  # 1-based in the source
    indent: int
    text: str  # stripped


@dataclass
class PlainTextResult:
    screenplay: Screenplay
    notes: list[str] = field(default_factory=list)


def _lines(text: str) -> list[_Line | None]:
    """Non-blank lines as _Line, blank ones as None; tabs expanded."""
    out: list[_Line | None] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"), 1):
        line = raw.expandtabs(TAB_WIDTH).rstrip()
        stripped = line.lstrip()
        out.append(_Line(number, len(line) - len(stripped), stripped) if stripped else None)
    return out


def join_wrapped(lines: list[str]) -> str:
    """Lines wrapped on a page -> one paragraph. A line broken after a
    hyphen inside a word (``without-`` / ``you``) joins without a space."""
    text = ""
    for line in lines:
        line = " ".join(line.split())
        if text and re.search(r"[^\W\d_]-$", text) and line[:1].isalpha():
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text


def _is_caps(text: str) -> bool:
    body = re.sub(r"\([^)]*\)", "", text)  # a cue's extension may be lower case: (cont'd)
    letters = _CAPS_LETTERS.findall(body)
    return bool(letters) and all(ch.isupper() for ch in letters)


def _cue_shaped(text: str) -> bool:
    name, _ = split_cue(text)
    return (_is_caps(text) and len(text) <= MAX_CUE_CHARS and 0 < len(name.split()) <= 5
            and not _HEADING.match(text) and not _TRANSITION.match(text) and not text.endswith((":", ".", "!", "?")))


def layout(text: str) -> Layout | None:
    lines = _lines(text)
    present = [ln for ln in lines if ln is not None and not _is_noise(ln.text)]
    if len(present) < 5:
        return None
    heading_indents = [ln.indent for ln in present if _HEADING.match(_strip_scene_number(ln.text))]
    if heading_indents:
        margin = min(heading_indents)
    else:
        margin = min(ln.indent for ln in present)
    cue_cols, dialogue_cols = [], []
    for i, ln in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if ln is None or nxt is None:
            continue
        if (ln.indent - margin >= MIN_CUE_INDENT and _cue_shaped(ln.text)
                and margin < nxt.indent < ln.indent and not _is_caps_heading(nxt.text)):
            cue_cols.append(ln.indent)
            if not nxt.text.startswith("("):
                dialogue_cols.append(nxt.indent)
    if len(cue_cols) < MIN_CUES:
        return None
    cue, dialogue = int(median(cue_cols)), int(median(dialogue_cols or [margin + 10]))
    if dialogue - margin < 4:
        return None
    return Layout(margin, cue, dialogue, len(cue_cols))


def _is_caps_heading(text: str) -> bool:
    return bool(_HEADING.match(text))


def _is_noise(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text) or _NOISE.match(text))


def _strip_scene_number(text: str) -> str:
    match = _SCENE_NUMBER_AROUND.match(text)
    if match and _HEADING.match(match.group("body")):
        return match.group("body").strip()
    match = _TRAILING_SCENE_NUMBER.match(text)
    if match and _HEADING.match(match.group("body")):
        return match.group("body").strip()
    return text


class _Builder:
    """Turns measured lines into elements, paragraph by paragraph."""

    def __init__(self, lay: Layout):
        self.lay = lay
        self.elements: list[Element] = []

    def add(self, type_: str, text: str, line: int, **extra) -> None:
        self.elements.append(Element(type_, text, line, **extra))

    def speech_column(self, ln: _Line) -> bool:
        """Indented like dialogue or a parenthetical (past the margin, short of a far-right transition)."""
        return ln.indent - self.lay.margin >= max(3, (self.lay.dialogue - self.lay.margin) // 2)

    def paragraph(self, block: list[_Line]) -> None:
        i = 0
        while i < len(block):
            ln = block[i]
            rel = ln.indent - self.lay.margin
            heading = _strip_scene_number(ln.text)
            if rel <= 2 and _HEADING.match(heading):
                number = _SCENE_NUMBER_AROUND.match(ln.text)
                self.add("scene_heading", " ".join(heading.split()), ln.number,
                         scene_number=number.group("num") if number and heading != ln.text else None)
                i += 1
            elif rel >= MIN_CUE_INDENT and _cue_shaped(ln.text) and i + 1 < len(block) \
                    and self.speech_column(block[i + 1]) and block[i + 1].indent < ln.indent + 1:
                i = self.speech(block, i)
            elif _TRANSITION.match(ln.text) and (rel > self.lay.dialogue - self.lay.margin or ln.text.endswith("TO:")):
                self.add("transition", ln.text, ln.number)
                i += 1
            else:
                i = self.action(block, i)

    def speech(self, block: list[_Line], i: int) -> int:
        cue_line = block[i]
        cue = " ".join(cue_line.text.split())
        name, extension = split_cue(cue)
        self.add("character", cue, cue_line.number, name=name, extension=extension)
        i += 1
        words: list[str] = []
        start = None
        paren: list[str] | None = None
        while i < len(block) and self.speech_column(block[i]) and not self.next_cue(block[i], cue_line):
            ln = block[i]
            if paren is None and ln.text.startswith("("):
                self.flush_dialogue(words, start)
                words, start = [], None
                paren = [ln.text]
                paren_line = ln.number
            elif paren is not None:
                paren.append(ln.text)
            else:
                start = start or ln.number
                words.append(ln.text)
            if paren is not None and ")" in paren[-1]:
                self.add("parenthetical", " ".join(" ".join(paren).split()), paren_line)
                paren = None
            i += 1
        if paren is not None:  # never closed: it was words after all
            words = paren + words
            start = paren_line
        self.flush_dialogue(words, start)
        return i

    def next_cue(self, ln: _Line, cue_line: _Line) -> bool:
        """A line at (or past) the cue column that looks like a cue starts
        the next speech, even without a blank line before it (a page break
        between ``(MORE)`` and ``NAME (CONT'D)`` leaves none)."""
        return ln.indent >= min(cue_line.indent, self.lay.cue) - 2 and _cue_shaped(ln.text)

    def flush_dialogue(self, words: list[str], start: int | None) -> None:
        if words:
            self.add("dialogue", join_wrapped(words), start or 0)

    def action(self, block: list[_Line], i: int) -> int:
        start, words = block[i].number, []
        while i < len(block):
            ln = block[i]
            rel = ln.indent - self.lay.margin
            if words and ((rel <= 2 and _HEADING.match(_strip_scene_number(ln.text)))
                          or (rel >= MIN_CUE_INDENT and _cue_shaped(ln.text))):
                break
            words.append(ln.text)
            i += 1
        self.add("action", join_wrapped(words), start)
        return i


def parse_plain_text(text: str, lay: Layout | None = None) -> PlainTextResult:
    lay = lay or layout(text)
    if lay is None:
        raise ValueError("not laid out by indentation")
    builder = _Builder(lay)
    block: list[_Line] = []
    removed = 0
    for ln in _lines(text) + [None]:
        if ln is not None and _is_noise(ln.text):
            removed += 1
            continue
        if ln is None:
            if block:
                builder.paragraph(block)
            block = []
        else:
            block.append(ln)
    elements = _merge_continuations(builder.elements)
    title_page, elements = _front_matter(elements)
    notes = [f"layout: margin {lay.margin}, cues at {lay.cue}, dialogue at {lay.dialogue} "
             f"({lay.cues_found} cues measured)"]
    if removed:
        notes.append(f"removed {removed} page-number/CONTINUED/MORE line(s)")
    if title_page:
        notes.append("title page taken from the lines before the first scene")
    return PlainTextResult(Screenplay(title_page=title_page, elements=elements), notes)


def _front_matter(elements: list[Element]) -> tuple[dict[str, list[str]], list[Element]]:
    """Short capitalised front matter before the first heading becomes a title page."""
    first = next((k for k, el in enumerate(elements) if el.type in ("scene_heading", "character")), None)
    if not first:
        return {}, elements
    front = elements[:first]
    if len(front) > 12 or any(el.type != "action" for el in front):
        return {}, elements
    lines = [el.text for el in front if not re.match(r"^FADE IN\s*:?$", el.text, re.IGNORECASE)]
    if not lines or not _is_caps(lines[0]) or len(lines[0]) > 80:
        return {}, elements
    page: dict[str, list[str]] = {"Title": [lines[0]]}
    rest = lines[1:]
    if rest and re.match(r"^(?:written |screenplay |teleplay )?by\b", rest[0], re.IGNORECASE):
        by = rest.pop(0)
        page["Credit"] = ["Written by"]
        name = re.sub(r"^(?:written |screenplay |teleplay )?by\s*", "", by, flags=re.IGNORECASE).strip()
        if name:
            page["Author"] = [name]
        elif rest:
            page["Author"] = [rest.pop(0)]
    if rest:
        page["Contact"] = rest
    kept = [el for el in front if re.match(r"^FADE IN\s*:?$", el.text, re.IGNORECASE)]
    return page, kept + elements[first:]


_CONTINUED_CUE = re.compile(r"\(\s*CONT(?:'|\u2019)?D\s*\)|\(\s*CONTINUED\s*\)", re.IGNORECASE)


def _merge_continuations(elements: list[Element]) -> list[Element]:
    """``TEO (CONT'D)`` right after Teo's own dialogue (a speech split by a
    page break) continues that speech: its cue is dropped, its words joined."""
    out: list[Element] = []
    speaker = None
    skip_cue = False
    for el in elements:
        if el.type == "character":
            if speaker and out and out[-1].type == "dialogue" and el.name == speaker and _CONTINUED_CUE.search(el.text):
                skip_cue = True
                continue
            speaker, skip_cue = el.name, False
        elif el.type == "dialogue" and skip_cue and out and out[-1].type == "dialogue":
            out[-1] = Element("dialogue", out[-1].text + " " + el.text, out[-1].line)
            skip_cue = False
            continue
        elif el.type not in ("parenthetical", "dialogue"):
            speaker, skip_cue = None, False
        out.append(el)
    return out
