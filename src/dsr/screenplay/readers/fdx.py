"""Final Draft ``.fdx`` -> ``Screenplay``.

FDX is XML: ``<Content>`` holds ``<Paragraph Type="Scene Heading|Action|
Character|Parenthetical|Dialogue|Transition|Shot|General...">`` with
``<Text Style="Bold+Italic+Underline">`` runs; dual dialogue is a
``<DualDialogue>`` inside a paragraph; the title page is a separate
``<TitlePage>`` of aligned paragraphs without keys. Styles become Fountain
emphasis, so nothing printable is lost; the title page keys are guessed
from the layout (see ``_title_page``), which the import report says.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import split_cue

# FDX paragraph type -> our element type. Types with no Fountain
# counterpart (Shot, General, Cast List, act markers) become action.
PARAGRAPH_TYPES = {
    "scene heading": "scene_heading",
    "action": "action",
    "character": "character",
    "parenthetical": "parenthetical",
    "dialogue": "dialogue",
    "transition": "transition",
    "lyrics": "lyrics",
}
_MARKS = (("Bold", "**"), ("Italic", "*"), ("Underline", "_"))
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)
_CREDIT = re.compile(r"^(?:written|screenplay|teleplay|story)?\s*by\b", re.IGNORECASE)


class FdxError(Exception):
    """Not a Final Draft document; the message says why in one line."""


def parse_fdx(text: str) -> tuple[Screenplay, list[str]]:
    """The screenplay and notes on what was guessed or mapped."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise FdxError(f"not well-formed XML ({exc})") from None
    if root.tag != "FinalDraft":
        raise FdxError(f"XML whose root is <{root.tag}>, not a Final Draft document <FinalDraft>")
    content = root.find("Content")
    if content is None:
        raise FdxError("a Final Draft document without <Content>")
    notes: list[str] = []
    mapped: dict[str, int] = {}
    elements: list[Element] = []
    for paragraph in content.findall("Paragraph"):
        dual = paragraph.find("DualDialogue")
        if dual is not None:
            _dual(dual, elements, mapped)
        else:
            _paragraph(paragraph, elements, mapped, in_dual=False)
    for name, count in sorted(mapped.items()):
        notes.append(f"{count} '{name}' paragraph(s) imported as action")
    sp = Screenplay(title_page=_title_page(root, notes), elements=elements)
    return sp, notes


def _dual(dual: ET.Element, out: list[Element], mapped: dict[str, int]) -> None:
    cues = 0
    for paragraph in dual.findall("Paragraph"):
        if (paragraph.get("Type") or "").lower() == "character":
            cues += 1
        _paragraph(paragraph, out, mapped, in_dual=cues >= 2)


def _paragraph(paragraph: ET.Element, out: list[Element], mapped: dict[str, int], in_dual: bool) -> None:
    kind = (paragraph.get("Type") or "General").strip()
    text = _styled_text(paragraph).strip("\n")
    if not text.strip():
        return
    type_ = PARAGRAPH_TYPES.get(kind.lower())
    line = len(out) + 1
    if type_ is None:
        mapped[kind] = mapped.get(kind, 0) + 1
        type_ = "action"
    if type_ == "character":
        name, extension = split_cue(" ".join(text.split()))
        out.append(Element("character", " ".join(text.split()), line, name=name, extension=extension, dual=in_dual))
    elif type_ == "scene_heading":
        out.append(Element("scene_heading", " ".join(text.split()), line, scene_number=paragraph.get("Number") or None))
    elif type_ == "parenthetical":
        words = " ".join(text.split())
        out.append(Element("parenthetical", words if words.startswith("(") else f"({words})", line))
    elif paragraph.get("Alignment") == "Center" and type_ == "action":
        out.append(Element("centered", text, line))
    else:
        out.append(Element(type_, text, line))


def _styled_text(paragraph: ET.Element) -> str:
    pieces = []
    for run in paragraph.findall("Text"):
        text = run.text or ""
        styles = set((run.get("Style") or "").split("+"))
        pieces.append(_emphasis(text, styles))
    return "".join(pieces).replace("\r\n", "\n").replace("\r", "\n")


def _emphasis(text: str, styles: set[str]) -> str:
    """Fountain markers around the run's words (spaces and line breaks stay outside)."""
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    for style, mark in _MARKS:
        if style in styles and "\n" not in core:
            core = f"{mark}{core}{mark}"
    return lead + core + trail


def _split_at_credit(group: list[str]) -> list[list[str]]:
    """``[TITLE, Written by, NAME]`` with no blank line between -> ``[[TITLE], [Written by, NAME]]``."""
    at = next((i for i, line in enumerate(group) if i and _CREDIT.match(line)), None)
    return [group] if at is None else [group[:at], group[at:]]


def _title_page(root: ET.Element, notes: list[str]) -> dict[str, list[str]]:
    """Title page keys from where the lines stand, as Final Draft (and our
    writer) lay them out: centred groups are title, credit, author and
    source; right-aligned lines at the foot are the draft date (copyright
    when they say so); left-aligned ones the contact block."""
    content = root.find("TitlePage/Content")
    if content is None:
        return {}
    lines = [(p.get("Alignment", "Left"), " ".join(_styled_text(p).split())) for p in content.findall("Paragraph")]
    if not any(text for _, text in lines):
        return {}
    centred = any(align == "Center" and text for align, text in lines)
    groups: list[list[str]] = [[]]
    right: list[str] = []
    left: list[str] = []
    for align, text in lines:
        if not text:
            if groups[-1]:
                groups.append([])
        elif align == "Center" or not centred:  # no centred lines: read it all in order, as groups
            groups[-1].append(text)
        else:
            (right if align == "Right" else left).append(text)
    groups = [part for g in groups if g for part in _split_at_credit(g)]
    page: dict[str, list[str]] = {"Title": groups[0]} if groups else {}
    rest = groups[1:]
    if not centred:  # the old guess: credit, author, and everything after it is contact
        left, rest = [line for group in rest for line in group], []
        if left and _CREDIT.match(left[0]):
            page["Credit"] = [left.pop(0)]
            if left:
                page["Author"] = [left.pop(0)]
    author_next = False
    for group in rest:
        if "Credit" not in page and _CREDIT.match(group[0]):
            page["Credit"] = [group[0]]
            if group[1:]:
                page["Author"] = group[1:]
            author_next = not group[1:]
        elif author_next:
            page["Author"] = group
            author_next = False
        else:
            page.setdefault("Source", []).extend(group)
    for text in right:
        page.setdefault("Copyright" if _COPYRIGHT.match(text) else "Draft date", []).append(text)
    if left:
        page["Contact"] = left
    notes.append("title page keys guessed from layout (FDX stores none)")
    return page
