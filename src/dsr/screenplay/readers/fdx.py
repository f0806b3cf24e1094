"""Final Draft ``.fdx`` -> ``Screenplay``.

FDX is XML: ``<Content>`` holds ``<Paragraph Type="Scene Heading|Action|
Character|Parenthetical|Dialogue|Transition|Shot|General...">`` with
``<Text Style="Bold+Italic+Underline">`` runs; dual dialogue is a
``<DualDialogue>`` inside a paragraph; the title page is a separate
``<TitlePage>`` of aligned paragraphs without keys. Styles become Fountain
emphasis, so nothing printable is lost; the title page keys are guessed
(first block: Title, "written by" and the name after it: Credit/Author,
the rest: Contact), which the import report says.
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


def _title_page(root: ET.Element, notes: list[str]) -> dict[str, list[str]]:
    content = root.find("TitlePage/Content")
    if content is None:
        return {}
    groups: list[list[str]] = [[]]
    for paragraph in content.findall("Paragraph"):
        text = " ".join(_styled_text(paragraph).split())
        if text:
            groups[-1].append(text)
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    if not groups:
        return {}
    page: dict[str, list[str]] = {"Title": groups[0]}
    rest = [line for group in groups[1:] for line in group]
    if rest and _CREDIT.match(rest[0]):
        page["Credit"] = [rest.pop(0)]
        if rest:
            page["Author"] = [rest.pop(0)]
    if rest:
        page["Contact"] = rest
    notes.append("title page keys guessed from layout (FDX stores none)")
    return page
