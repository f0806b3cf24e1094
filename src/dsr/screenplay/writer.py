"""``Screenplay`` -> canonical Fountain.

Canonical means: title page first (one ``Key: value`` line, or ``Key:`` with
values indented by four spaces when there are several), then one paragraph
per element separated by a blank line, except that a cue and its
parentheticals, dialogue and lyrics form one paragraph. Empty lines inside a
paragraph are written as two spaces (the spec's way to keep it together).

Forcing marks (``!`` ``@`` ``.`` ``>``) appear only where the element would
not be recognised without them. Rather than keep a second copy of the
recognition rules here, each paragraph is written plainly, read back with the
parser, and forced if it does not come back as the same element(s). So the
writer can never drift from the parser. Sections, synopses, lyrics, centered
text, notes and page breaks always carry their marks: they have no other form.

Boneyard (``/* */``) is written back as paragraphs of its own, before the
paragraph it sat in (or the next one), so it reads back as removed text; if
some text holds a literal, unclosed ``/*``, all boneyard goes first instead,
where that ``/*`` cannot swallow it.
"""

from __future__ import annotations

import math

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import parse, parse_body
from dsr.screenplay.title_page import title_page_lines

__all__ = ["write"]

_GROUP_TYPES = frozenset({"parenthetical", "dialogue", "lyrics"})


def _multiline(text: str) -> list[str]:
    """Lines of a paragraph; an empty line becomes two spaces so the paragraph holds."""
    return [line if line else "  " for line in text.split("\n")]


def _reads_back(lines: list[str], expected: list[Element], first: bool) -> bool:
    """Does this paragraph parse back to ``expected``? ``first``: it opens the file
    (no title page before it), so it must not read as a title page either."""
    text = "\n".join(lines)
    if first:
        sp = parse(text)
        if sp.title_page:
            return False
        got = sp.elements
    else:
        got = parse_body(text)
    return len(got) == len(expected) and all(map(_same, got, expected))


def _same(a: Element, b: Element) -> bool:
    """``Element.same_content``, field by field (this runs for every paragraph)."""
    return (
        a.type == b.type
        and a.text == b.text
        and a.scene_number == b.scene_number
        and a.name == b.name
        and a.extension == b.extension
        and a.dual == b.dual
        and a.depth == b.depth
    )


def _heading_line(el: Element, forced: bool) -> str:
    text = el.text
    if forced:
        # ".." is not a forced heading, so a text that starts with "." gets a space.
        text = ". " + text if text.startswith(".") or not text else "." + text
    if el.scene_number:
        text += f" #{el.scene_number}#"
    return text


def _group_lines(group: list[Element], forced: bool) -> list[str]:
    cue = group[0]
    first = ("@" if forced else "") + cue.text + (" ^" if cue.dual else "")
    lines = [first]
    for el in group[1:]:
        if el.type == "lyrics":
            lines.extend("~" + line for line in el.text.split("\n"))
        elif el.type == "dialogue":
            lines.extend(_multiline(el.text))
        else:
            lines.append(el.text)
    return lines


def _paragraph(group: list[Element], first: bool) -> list[str]:
    """Fountain lines for one element, or for a cue with what it says."""
    el = group[0]
    kind = el.type
    if kind == "character":
        lines = _group_lines(group, forced=False)
        return lines if _reads_back(lines, group, first) else _group_lines(group, forced=True)
    if kind == "action":
        lines = _multiline(el.text)
        return lines if _reads_back(lines, group, first) else ["!" + lines[0], *lines[1:]]
    if kind == "scene_heading":
        line = _heading_line(el, forced=False)
        return [line] if _reads_back([line], group, first) else [_heading_line(el, forced=True)]
    if kind == "transition":
        return [el.text] if _reads_back([el.text], group, first) else ["> " + el.text]
    if kind == "dialogue":  # dialogue with no cue: the best Fountain can do is action
        return _multiline(el.text)
    if kind == "parenthetical":
        return [el.text]
    if kind == "lyrics":
        return ["~" + line for line in el.text.split("\n")]
    if kind == "centered":
        return [f"> {line} <" for line in el.text.split("\n")]
    if kind == "section":
        return ["#" * (el.depth or 1) + " " + el.text]
    if kind == "synopsis":
        return ["= " + el.text]
    if kind == "note":
        # "]" right before the closing "]]" would close the note early.
        return _multiline("[[" + el.text + (" ]]" if el.text.endswith("]") else "]]"))
    return ["==="]  # page_break


def _groups(elements: list[Element]) -> list[list[Element]]:
    """Elements grouped into paragraphs: a cue takes the dialogue elements after it."""
    groups: list[list[Element]] = []
    in_dialogue = False
    for el in elements:
        # Two lyrics in a row were two paragraphs: inside one they would merge.
        if el.type in _GROUP_TYPES and in_dialogue and not (el.type == "lyrics" == groups[-1][-1].type):
            groups[-1].append(el)
            continue
        in_dialogue = el.type == "character"
        groups.append([el])
    return groups


def _has_literal_opener(sp: Screenplay) -> bool:
    return any("/*" in el.text for el in sp.elements) or any(
        "/*" in value for values in sp.title_page.values() for value in values
    )


def write(sp: Screenplay) -> str:
    """Canonical Fountain for ``sp``; ``parse(write(sp))`` gives back the same elements."""
    paragraphs: list[str] = []
    boneyard = sorted(sp.boneyard, key=lambda b: b.line)
    pending = 0  # index of the next boneyard to write

    def boneyard_up_to(last_line: float) -> None:
        nonlocal pending
        while pending < len(boneyard) and boneyard[pending].line <= last_line:
            paragraphs.append("/*" + boneyard[pending].text + "*/")
            pending += 1

    if boneyard and _has_literal_opener(sp):
        # A "/*" left in the text (an unclosed one) would swallow any boneyard
        # written after it, so then all boneyard goes first.
        boneyard_up_to(math.inf)
    if sp.title_page:
        lines = title_page_lines(sp.title_page)
        boneyard_up_to(len(lines))
        paragraphs.append("\n".join(lines))
    for index, group in enumerate(_groups(sp.elements)):
        lines = _paragraph(group, first=index == 0 and not sp.title_page)
        # Boneyard that sat inside or before this paragraph goes before it.
        boneyard_up_to(group[0].line + len(lines) - 1)
        paragraphs.append("\n".join(lines))
    boneyard_up_to(math.inf)
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""
