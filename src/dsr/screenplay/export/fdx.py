"""Final Draft (.fdx): the XML that Final Draft, Fade In and WriterDuet open.

Ours rather than screenplain's because its FDX leaves out the title page and
scene numbers. Paragraph types are Final Draft's own names (``Scene
Heading``, ``Action``, ``Character``, ``Parenthetical``, ``Dialogue``,
``Transition``, ``General``); emphasis becomes ``<Text Style="Bold+Italic">``
runs; ``===`` marks the next paragraph ``StartsNewPage="Yes"``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dsr.screenplay.export.structure import Dual, Speech, printable, printable_items, title_page
from dsr.screenplay.inline import run_lines
from dsr.screenplay.model import Element, Screenplay

_PARAGRAPH_TYPES = {
    "scene_heading": "Scene Heading",
    "action": "Action",
    "centered": "Action",
    "transition": "Transition",
    "lyrics": "General",
    "character": "Character",
    "parenthetical": "Parenthetical",
    "dialogue": "Dialogue",
}

# Title page: blank paragraphs put the title about a third of the way down
# and the contact block near the foot, as Final Draft's own title pages do.
_TITLE_TOP_BLANKS = 16
_TITLE_FOOT_BLANKS = 18


def _style(run, italic: bool) -> str:
    flags = ((run.bold, "Bold"), (run.italic or italic, "Italic"), (run.underline, "Underline"))
    return "+".join(name for on, name in flags if on)


def _add_text(paragraph: ET.Element, text: str, italic: bool = False) -> None:
    """Append ``<Text>`` runs for ``text``; a line break ends its run with ``\n``."""
    lines = run_lines(printable(text))
    last = len(lines) - 1
    for index, line_runs in enumerate(lines):
        pieces = [(run.text, _style(run, italic)) for run in line_runs]
        if index < last:
            pieces = pieces or [("", "")]
            pieces[-1] = (pieces[-1][0] + "\n", pieces[-1][1])
        for run_text, style in pieces:
            node = ET.SubElement(paragraph, "Text", {"Style": style} if style else {})
            node.text = run_text


def _element(parent: ET.Element, el: Element, in_speech: bool = False) -> ET.Element:
    attrs = {}
    if el.type == "scene_heading" and el.scene_number:
        attrs["Number"] = el.scene_number
    if el.type == "centered":
        attrs["Alignment"] = "Center"
    type_ = "Dialogue" if el.type == "lyrics" and in_speech else _PARAGRAPH_TYPES.get(el.type, "Action")
    paragraph = ET.SubElement(parent, "Paragraph", {"Type": type_, **attrs})
    _add_text(paragraph, el.text, italic=el.type == "lyrics")
    return paragraph


def _speech(parent: ET.Element, speech: Speech) -> ET.Element | None:
    first = _element(parent, speech.cue) if speech.cue is not None else None
    for part in speech.parts:
        paragraph = _element(parent, part, in_speech=True)
        first = first if first is not None else paragraph
    return first


def _title_page(root: ET.Element, sp: Screenplay) -> None:
    page = title_page(sp)
    if page is None:
        return
    content = ET.SubElement(ET.SubElement(root, "TitlePage"), "Content")

    def paragraph(text: str, align: str) -> None:
        node = ET.SubElement(content, "Paragraph", {"Alignment": align})
        _add_text(node, text)
        if not text:
            ET.SubElement(node, "Text").text = ""  # Final Draft writes blank lines so

    for _ in range(_TITLE_TOP_BLANKS):
        paragraph("", "Center")
    for index, group in enumerate(page.groups):
        if index:
            paragraph("", "Center")
        for value in group:
            paragraph(value, "Center")
    for _ in range(_TITLE_FOOT_BLANKS):
        paragraph("", "Left")
    for value in page.foot_right:
        paragraph(value, "Right")
    for value in page.foot_left:
        paragraph(value, "Left")


def to_fdx(sp: Screenplay) -> str:
    """``sp`` as a Final Draft document (a str of XML)."""
    root = ET.Element("FinalDraft", {"DocumentType": "Script", "Template": "No", "Version": "5"})
    content = ET.SubElement(root, "Content")
    new_page = False
    for item in printable_items(sp):
        if isinstance(item, Element) and item.type == "page_break":
            new_page = True
            continue
        if isinstance(item, Dual):
            first = ET.SubElement(content, "Paragraph")
            dual = ET.SubElement(first, "DualDialogue")
            _speech(dual, item.left)
            _speech(dual, item.right)
        elif isinstance(item, Speech):
            first = _speech(content, item)
        else:
            first = _element(content, item)
        if new_page and first is not None:
            first.set("StartsNewPage", "Yes")
            new_page = False
    _title_page(root, sp)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + body + "\n"
