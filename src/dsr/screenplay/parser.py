"""Fountain 1.1 -> ``Screenplay`` (https://fountain.io/syntax).

``parse(text)`` never raises on any ``str``: whatever is not recognised is
action, which is what Fountain says unrecognised text is.

How it works, in one pass:

1. Normalise and cut out boneyard (``preprocess.py``).
2. Title page (``title_page.py``).
3. Body: paragraphs (``preprocess.split_paragraphs``: runs of non-blank lines;
   a line of exactly two spaces inside a paragraph keeps it going, the spec's
   rule for dialogue; a ``===`` line is a page break and ends a paragraph).
   Each paragraph is classified from its first line, because the spec's
   context rules are paragraph rules: a cue, a scene heading and a transition
   need a blank line before; a scene heading and a transition need one after
   (so ``INT. HOUSE`` glued to the next line is not a heading); a cue needs a
   non-blank line after. Single-line marked elements (section, synopsis,
   forced transition, centered, lyrics) end where they end, and the rest of
   the paragraph is classified afresh.

Where peers differ, we follow the spec:
- ``I./E.`` is not in the spec's list of heading prefixes: action (nyousefi
  and screenplain agree).
- ``TO:`` alone is a transition (upper case, ends in ``TO:``); screenplain and
  fountain-py make it action.
- ``CUT TO:`` followed by trailing spaces is action, as the reference
  implementation's own test file says (screenplain and fountain-py agree).
- An all-caps line followed by text is a cue even if it starts with ``INT.``
  (the spec's cue rule; screenplain agrees): ``INT. HOUSE`` glued to the next
  line makes a cue, which the validator reports.
- A line starting with ``~`` is a lyric wherever it stands (lyrics are a
  per-line mark in the spec), so it splits an action paragraph.

Text keeps inline markup (emphasis, inline notes) exactly as written, minus
the forcing marks; ``inline.py`` interprets it for printing.
"""

from __future__ import annotations

import gc
import re

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.preprocess import contains, cut_boneyard, normalize, split_paragraphs
from dsr.screenplay.title_page import read_title_page

__all__ = ["parse", "parse_body", "split_cue", "is_natural_heading", "is_natural_transition"]

# Spec list: INT, EXT, EST, INT./EXT, INT/EXT, I/E, then a dot or a space; any case.
_HEADING = re.compile(r"(?:INT\./EXT|INT/EXT|INT|EXT|EST|I/E)[. ]", re.IGNORECASE)
# Scene number at the end of a heading: alphanumerics, dashes and periods.
_SCENE_NUMBER = re.compile(r"#([A-Za-z0-9.\-]+)#\s*$")
_NOTE = re.compile(r"\s*\[\[(.*?)\]\]\s*", re.DOTALL)
# First characters of a line that may carry a forcing mark.
_MARKS = frozenset("!@~#=>[.")
_SPACE = frozenset(c for c in map(chr, range(0x3001)) if c.isspace())  # every whitespace character


def parse(text: str) -> Screenplay:
    """Parse Fountain text. Never raises on a ``str``."""
    # Parsing makes many small objects and no reference cycles: pausing the
    # cyclic GC saves its repeated scans of the growing element list (~20%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse(text)
    finally:
        if collecting:
            gc.enable()


def _parse(text: str) -> Screenplay:
    text = normalize(text)
    text, boneyard = cut_boneyard(text) if contains(text, "/*") else (text, [])
    title_page, body_start, body_line = read_title_page(text)
    elements = parse_body(text, body_start, body_line)
    return Screenplay(title_page=title_page, elements=elements, boneyard=boneyard)


def parse_body(text: str, pos: int = 0, line: int = 1) -> list[Element]:
    """Elements of normalised, boneyard-free ``text`` from offset ``pos``, which
    lies on source line ``line``. No title page is looked for."""
    text = text[pos:] if pos else text
    elements: list[Element] = []
    append = elements.append
    tilde = "~" in text  # lyrics and page breaks are rare: looked for in a paragraph only if the text has any
    rare = tilde or contains(text, "===")
    all_ascii = text.isascii()
    it = iter(split_paragraphs(text))
    # The hot loop (~1,700 paragraphs in 120 pages): common shapes inline, as _classify would do them.
    for gap, para in zip(it, it):
        line += 2 if gap == "\n\n" else gap.count("\n")
        first, nl, rest = para.partition("\n")
        if not nl:  # one line: a blank line (or the end) follows
            s = para.strip()
            c = s[0]
            if rare and "===" in para:
                _split_page_breaks([para], line, elements)
            elif c in _MARKS:
                _classify([para], line, elements)
            elif (c in "IiEe" or not c.isascii()) and _HEADING.match(s):  # only these can start one
                append(_heading(s, line, forced=False) if s[-1] == "#" else Element("scene_heading", s, line))
            elif para[-3:] == "TO:" and para.upper() == para:  # is_natural_transition
                append(Element("transition", s, line))
            elif tilde and "~" in para:
                _action([para], 0, line, elements)
            else:  # _action_text of one line
                append(Element("action", para.rstrip(), line))
            continue
        c = first[0]
        if c in _SPACE:  # indented: the mark, if any, comes after the blanks
            c = first.lstrip()[0]
        if c in _MARKS or "(" in para or (rare and ("~" in para or "===" in para)):
            block = para.split("\n")  # a mark, parenthetical, cue extension, lyrics, ...
            (_split_page_breaks if rare and "===" in para else _classify)(block, line, elements)
            line += len(block) - 1
            continue
        ascii = all_ascii or para.isascii()
        # A cue, by _cue's test: for ASCII that is isupper(), which ignores the blanks strip() removes.
        if first.isupper() if ascii else (first.upper() == first and first.lower() != first):
            s = first.strip()
            if s[-1] == "^" or rest[:3] == "  \n":  # dual dialogue, or a two-space line first
                _classify(para.split("\n"), line, elements)
                line += para.count("\n")
                continue
            append(Element("character", s, line, None, s))  # type, text, line, scene_number, name
            if "\n" in rest:  # _dialogue: the lines stripped (a two-space line stays, empty)
                lines = rest.split("\n")
                append(Element("dialogue", "\n".join([x.strip() for x in lines]), line + 1))
                line += len(lines)
            else:
                append(Element("dialogue", rest.strip(), line + 1))
                line += 1
            continue
        if not ascii or " \n" in para or para[-1].isspace():
            para = "\n".join([x.rstrip() for x in para.split("\n")])  # _action_text
        append(Element("action", para, line))
        line += para.count("\n")
    return elements


def split_cue(body: str) -> tuple[str, str | None]:
    """``"MOM (O. S.)"`` -> ``("MOM", "(O. S.)")``: the extension runs from the
    first ``(`` when the cue ends with ``)``, as written (any case)."""
    if body.endswith(")"):
        p = body.find("(")
        if p != -1:
            return body[:p].rstrip(), body[p:]
    return body, None


def is_natural_heading(line: str) -> bool:
    """Starts like a scene heading (stripped line; the blank lines around are not checked)."""
    return _HEADING.match(line) is not None


def is_natural_transition(line: str) -> bool:
    """Upper case and ending in ``TO:`` (unstripped line; blank lines around not checked)."""
    return line.endswith("TO:") and line.upper() == line


def _split_page_breaks(block: list[str], line: int, out: list[Element]) -> None:
    """A ``===`` line is a page break and ends the paragraph it stands in."""
    start = 0
    for k, raw in enumerate([*block, "==="]):
        s = raw.strip()
        if not (s[:1] == "=" and len(s) >= 3 and s.count("=") == len(s)):  # not a page break
            continue
        part = block[start:k]
        first = 0
        while first < len(part) and not part[first].strip():
            first += 1  # two-space lines right after a page break
        while part and not part[-1].strip():
            part.pop()  # ... or right before one
        if first < len(part):
            _classify(part[first:], line + start + first, out)
        if k < len(block):
            out.append(Element("page_break", "", line + k))
        start = k + 1


def _classify(block: list[str], line: int, out: list[Element]) -> None:
    """Turn one paragraph (``block``, first line on source ``line``) into elements."""
    m = len(block)
    k = 0
    while k < m:
        raw = block[k]
        s = raw.strip()
        if not s:
            k += 1
            continue
        if s[0] in _MARKS:
            after = _marked(block, k, s, line, out)
            if after >= 0:
                k = after
                continue
            if after == -1:
                return
            # -2: the mark did not apply (".." or a bracket that is no note)
        ln = line + k
        if k == m - 1:  # alone: a blank line (or the end) follows
            if _HEADING.match(s):
                out.append(_heading(s, ln, forced=False))
                return
            if is_natural_transition(raw):
                out.append(Element("transition", s, ln))
                return
        else:
            # Cheap test first: the part before any "(" must be in capitals.
            p = s.find("(")
            name_part = s if p == -1 else s[:p]
            if name_part.upper() == name_part:
                cue = _cue(s, ln, forced=False)
                if cue is not None:
                    out.append(cue)
                    _dialogue(block, k + 1, line, out)
                    return
        _action(block, k, line, out)
        return


def _marked(block: list[str], k: int, s: str, line: int, out: list[Element]) -> int:
    """Handle a line starting with a forcing mark. Returns the index to go on
    from, -1 when the paragraph is used up, -2 when the mark does not apply."""
    c = s[0]
    ln = line + k
    if c == "!":
        raw = block[k]
        first = raw[raw.index("!") + 1 :]
        out.append(Element("action", _action_text([first, *block[k + 1 :]]), ln, forced=True))
        return -1
    if c == "@":
        out.append(_cue(s, ln, forced=True))  # type: ignore[arg-type]
        _dialogue(block, k + 1, line, out)
        return -1
    if c == "~":
        return _lyrics(block, k, line, out)
    if c == "#":
        depth = len(s) - len(s.lstrip("#"))
        out.append(Element("section", s[depth:].strip(), ln, depth=depth, forced=True))
        return k + 1
    if c == "=":
        out.append(Element("synopsis", s[1:].strip(), ln, forced=True))
        return k + 1
    if c == ">":
        if len(s) > 1 and s[-1] == "<":
            return _centered(block, k, line, out)
        out.append(Element("transition", s[1:].strip(), ln, forced=True))
        return k + 1
    if c == "." and len(s) > 1 and s[1] != "." and k == len(block) - 1:
        out.append(_heading(s, ln, forced=True))
        return -1
    if c == "[" and s.startswith("[[") and _only_notes("\n".join(block[k:]), ln, out):
        return -1
    return -2


def _cue(s: str, line: int, forced: bool) -> Element | None:
    """A cue from a stripped cue line, or None if it is not a natural one."""
    body = s[1:] if forced else s
    dual = body.endswith("^")
    if dual:
        body = body[:-1]
    body = body.strip()
    name, extension = split_cue(body)
    # A natural cue's name is in capitals with a cased letter ("R2D2" yes, "23" no; CJK never).
    if not forced and (name.upper() != name or name.lower() == name):
        return None
    # Positional, as keywords cost more: type, text, line, scene_number, name, extension, dual, depth, forced.
    return Element("character", body, line, None, name, extension, dual, None, forced)


def _heading(s: str, line: int, forced: bool) -> Element:
    text = s[1:].strip() if forced else s
    number = None
    if text.endswith("#"):
        m = _SCENE_NUMBER.search(text, text.rfind("#", 0, len(text) - 1))
        if m:
            number = m.group(1)
            text = text[: m.start()].strip()
    return Element("scene_heading", text, line, scene_number=number, forced=forced)


def _centered(block: list[str], k: int, line: int, out: list[Element]) -> int:
    """Consecutive ``> text <`` lines as one centered element."""
    start = k
    centered = []
    while k < len(block):
        t = block[k].strip()
        if not (len(t) > 1 and t[0] == ">" and t[-1] == "<"):
            break
        centered.append(t[1:-1].strip())
        k += 1
    out.append(Element("centered", "\n".join(centered), line + start, forced=True))
    return k


def _lyrics(block: list[str], k: int, line: int, out: list[Element]) -> int:
    """A run of ``~`` lines from ``block[k]``; returns the index after it. Empty
    (two-space) lines between ``~`` lines belong to the lyric."""
    start = k
    lyric = []
    m = len(block)
    while k < m:
        t = block[k].strip()
        if t[:1] == "~":
            lyric.append(t[1:].strip())
            k += 1
            continue
        gap = k
        while gap < m and not block[gap].strip():
            gap += 1
        if gap == k or gap == m or block[gap].lstrip()[:1] != "~":
            break
        lyric.extend([""] * (gap - k))
        k = gap
    out.append(Element("lyrics", "\n".join(lyric), line + start, forced=True))
    return k


def _dialogue(block: list[str], k: int, line: int, out: list[Element]) -> None:
    """Parentheticals, dialogue and lyrics after a cue, from ``block[k:]``."""
    m = len(block)
    buf: list[str] = []  # dialogue lines not yet emitted
    buf_line = 0
    while k < m:
        s = block[k].strip()
        if s[:1] == "(" and s[-1:] == ")":
            _flush_dialogue(buf, buf_line, out)
            out.append(Element("parenthetical", s, line + k))
        elif s[:1] == "~":
            _flush_dialogue(buf, buf_line, out)
            k = _lyrics(block, k, line, out)
            continue
        else:
            if not buf:
                buf_line = line + k
            buf.append(s)
        k += 1
    _flush_dialogue(buf, buf_line, out)


def _flush_dialogue(buf: list[str], line: int, out: list[Element]) -> None:
    """Emit ``buf`` as one dialogue element, without empty lines at its ends."""
    lead, end = 0, len(buf)
    while lead < end and not buf[lead]:
        lead += 1
    while end > lead and not buf[end - 1]:
        end -= 1
    if end > lead:
        out.append(Element("dialogue", "\n".join(buf[lead:end]), line + lead))
    buf.clear()


def _action(block: list[str], k: int, line: int, out: list[Element]) -> None:
    """Action from ``block[k:]``; any ``~`` line in it is a lyric and splits it."""
    text = _action_text(block[k:] if k else block)
    if "~" not in text:
        out.append(Element("action", text, line + k))
        return
    m = len(block)
    while k < m:
        end = k
        while end < m and not block[end].lstrip().startswith("~"):
            end += 1
        start, last = k, end
        while start < last and not block[start].strip():
            start += 1  # two-space lines right after a lyric
        while last > start and not block[last - 1].strip():
            last -= 1  # ... or right before one
        if last > start:
            out.append(Element("action", _action_text(block[start:last]), line + start))
        k = _lyrics(block, end, line, out) if end < m else end


def _action_text(lines: list[str]) -> str:
    """Action keeps its indentation (the spec) but not trailing whitespace."""
    text = "\n".join(lines)
    # Cheap scans first: ASCII text has no trailing whitespace but spaces (tabs are spaces by now).
    if " \n" in text or text[-1:].isspace() or not text.isascii():
        return "\n".join([line.rstrip() for line in lines])
    return text


def _only_notes(rest: str, line: int, out: list[Element]) -> bool:
    """If ``rest`` is nothing but ``[[notes]]``, append a note element for each."""
    notes = []
    pos = 0
    while pos < len(rest):
        m = _NOTE.match(rest, pos)  # anchored: an unclosed "[[" costs one scan
        if m is None:
            return False
        notes.append(m)
        pos = m.end()
    if not notes:
        return False
    for m in notes:
        text = "\n".join([part.rstrip() for part in m.group(1).strip().split("\n")])
        out.append(Element("note", text, line + rest.count("\n", 0, m.start(1)), forced=True))
    return True
