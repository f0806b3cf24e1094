"""FDX export: well-formed Final Draft XML with title page, scene numbers, dual dialogue, emphasis."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from export_sample import sample

from dsr.screenplay.export.fdx import to_fdx
from dsr.screenplay.io import read_fountain
from dsr.screenplay.model import Element, Screenplay
from testkit.shared import shared_files

CORPUS = shared_files("corpus/*.fountain")
SCREENPLAIN_EXPECTED = shared_files("peer-fountain-tests/screenplain/*.fdx")


def text_of(paragraph: ET.Element) -> str:
    return "".join(t.text or "" for t in paragraph.findall("Text"))


def content(root: ET.Element) -> list[ET.Element]:
    return list(root.find("Content"))


def test_document_is_final_draft_xml():
    xml = to_fdx(sample())
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"')
    root = ET.fromstring(xml)
    assert root.tag == "FinalDraft"
    assert root.attrib == {"DocumentType": "Script", "Template": "No", "Version": "5"}


def test_paragraph_types_and_text():
    root = ET.fromstring(to_fdx(sample()))
    paragraphs = content(root)
    heading = paragraphs[0]
    assert heading.get("Type") == "Scene Heading" and heading.get("Number") == "1A"
    assert text_of(heading) == "EXT. BRICK'S PATIO - DAY"
    action = paragraphs[1]
    assert action.get("Type") == "Action"
    assert text_of(action) == "A gorgeous day. <Sun> & shade.\n\nSteel enters fast, now.\n    Indented <b>not bold</b>."
    assert [p.get("Type") for p in paragraphs[2:5]] == ["Character", "Parenthetical", "Dialogue"]
    assert text_of(paragraphs[2]) == "STEEL (O.S.)"
    types = [p.get("Type") for p in paragraphs]
    assert ("Transition", "SMASH CUT TO:") in [(p.get("Type"), text_of(p)) for p in paragraphs]
    centered = next(p for p in paragraphs if text_of(p) == "THE END")
    assert centered.get("Type") == "Action" and centered.get("Alignment") == "Center"
    second_heading = next(p for p in paragraphs if text_of(p) == "INT. GARAGE - NIGHT")
    assert second_heading.get("StartsNewPage") == "Yes" and second_heading.get("Number") is None
    assert text_of(paragraphs[-1]) == "A song line"  # a control character XML cannot carry is dropped
    assert "cut this?" not in to_fdx(sample())


def test_emphasis_becomes_styled_text_runs():
    root = ET.fromstring(to_fdx(sample()))
    styles = {(t.get("Style"), t.text) for t in root.iter("Text")}
    assert ("Italic", "shade") in styles
    assert ("Underline", "retirement") in styles and ("Bold", "fast") in styles
    assert ("Bold+Italic", "retirement") in styles
    sp = Screenplay(elements=[Element("action", "_***all three***_", 1)])
    (text,) = ET.fromstring(to_fdx(sp)).iter("Text")
    assert text.get("Style") == "Bold+Italic+Underline" and text.text == "all three"


def test_dual_dialogue_is_wrapped():
    root = ET.fromstring(to_fdx(sample()))
    (dual,) = root.iter("DualDialogue")
    inner = [(p.get("Type"), text_of(p)) for p in dual]
    assert inner == [("Character", "BRICK"), ("Dialogue", "To retirement."), ("Character", "STEEL"), ("Dialogue", "Cheers.")]


def test_title_page_has_its_content():
    root = ET.fromstring(to_fdx(sample()))
    title_page = root.find("TitlePage")
    assert title_page is not None
    paragraphs = list(title_page.find("Content"))
    texts = [text_of(p) for p in paragraphs]
    title = paragraphs[texts.index("BRICK & STEEL")]
    assert title.get("Alignment") == "Center"
    assert title.find("Text").get("Style") == "Bold"
    for expected in ("<script>alert(1)</script>", "Written by", "Stu Maschwitz", "1/27/2012", "Next Level Productions", "1588 Mission Dr."):
        assert expected in texts
    # Title about a third down, contact at the foot: blank paragraphs between.
    assert texts.index("BRICK & STEEL") > 10
    assert texts.index("Next Level Productions") - texts.index("Stu Maschwitz") > 10


def test_no_title_page_when_there_is_none():
    root = ET.fromstring(to_fdx(Screenplay(elements=[Element("action", "x", 1)])))
    assert root.find("TitlePage") is None


def _comparable(root: ET.Element) -> list[tuple[str | None, str]]:
    """(type, text) per paragraph; screenplain writes one Dialogue paragraph per line, so join those."""
    out: list[tuple[str | None, str]] = []
    for paragraph in content(root):
        dual = paragraph.find("DualDialogue")
        items = [("Dual", "")] + [(p.get("Type"), text_of(p)) for p in dual] if dual is not None else [(paragraph.get("Type"), text_of(paragraph))]
        for kind, text in items:
            if out and kind == "Dialogue" and out[-1][0] == "Dialogue":
                out[-1] = ("Dialogue", out[-1][1] + "\n" + text)
            else:
                out.append((kind, text))
    return out


def _parse(path: Path) -> Screenplay:
    return read_fountain(path)[1]


@pytest.mark.parametrize("expected", SCREENPLAIN_EXPECTED, ids=lambda p: p.stem)
def test_same_paragraphs_as_screenplain_expects(expected):
    ours = ET.fromstring(to_fdx(_parse(expected.with_suffix(".fountain"))))
    assert _comparable(ours) == _comparable(ET.parse(expected).getroot())


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_scripts_export(path):
    sp = _parse(path)
    root = ET.fromstring(to_fdx(sp))
    paragraphs = list(root.iter("Paragraph"))
    headings = [p for p in paragraphs if p.get("Type") == "Scene Heading"]
    assert len(headings) == sum(1 for el in sp.elements if el.type == "scene_heading")
    cues = [p for p in paragraphs if p.get("Type") == "Character"]
    assert len(cues) == sum(1 for el in sp.elements if el.type == "character")
    if sp.title:
        assert root.find("TitlePage") is not None
