"""PDF export: read the PDF back (pypdf text positions, pdftotext) and check the layout.

Positions are in points from the bottom-left corner; 72 pt = 1 in. Courier
12 pt advances 7.2 pt a character, so a column of text starts exactly on
the industry indents: action 1.5 in = 108 pt, dialogue 2.5 in = 180 pt,
parenthetical 3.1 in = 223.2 pt, cue 3.7 in = 266.4 pt.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from pypdf import PdfReader

from dsr.errors import UserError
from dsr.screenplay.export import write_pdf
from dsr.screenplay.export.layout import Block, Line
from dsr.screenplay.export.paginate import paginate
from dsr.screenplay.io import read_fountain
from dsr.screenplay.model import Element, Screenplay
from testkit.shared import shared_files

ACTION_X, DIALOGUE_X, PAREN_X, CUE_X = 108.0, 180.0, 223.2, 266.4
RIGHT_EDGE_X = 540.0  # 7.5 in
CHAR = 7.2
CORPUS = shared_files("corpus/*.fountain")


@dataclass
class Segment:
    """A stretch of text drawn contiguously on one line (runs joined)."""

    page: int
    x: float
    y: float
    text: str
    fonts: list[str]

    @property
    def end(self) -> float:
        return self.x + len(self.text) * CHAR


def read_segments(pdf: bytes | Path) -> list[list[Segment]]:
    """Per page, the text segments top to bottom, left to right."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    pages = []
    for number, page in enumerate(reader.pages):
        runs = []

        def visit(text, cm, tm, font, size):
            text = text.rstrip("\n")
            if text:
                x = tm[4] * cm[0] + cm[4]
                y = tm[5] * cm[3] + cm[5]
                runs.append((round(-y, 1), round(x, 1), text, str((font or {}).get("/BaseFont", ""))))

        page.extract_text(visitor_text=visit)
        # Stable sort: pypdf reports text that continues in one text object
        # (a glyph borrowed from another font) at the object's start x.
        runs.sort(key=lambda r: (r[0], r[1]))
        segments: list[Segment] = []
        for neg_y, x, text, font in runs:
            last = segments[-1] if segments else None
            if last and last.y == -neg_y and last.x == x and not last.text.strip():
                last.text, last.fonts = text, [font]  # pypdf's guessed word space, not ours
            elif last and last.y == -neg_y and (abs(last.end - x) < 0.5 or last.x == x):
                last.text += text
                last.fonts.append(font)
            else:
                segments.append(Segment(number, x, -neg_y, text, [font]))
        pages.append(segments)
    return pages


def render(sp: Screenplay, **kwargs) -> tuple[int, list[list[Segment]], bytes]:
    buf = io.BytesIO()
    count = write_pdf(sp, buf, **kwargs)
    data = buf.getvalue()
    return count, read_segments(data), data


def body(page: list[Segment]) -> list[Segment]:
    """Page text without the page number line and scene numbers in the margins."""
    return [s for s in page if s.y < 792 - 72 + 1 and ACTION_X - 1 <= s.x < 7.7 * 72]


def cue(name, line=1, extension=None, dual=False):
    text = f"{name} {extension}" if extension else name
    return Element("character", text, line, name=name, extension=extension, dual=dual)


def speech(name, *lines_, paren=None):
    out = [cue(name)]
    if paren:
        out.append(Element("parenthetical", paren, 1))
    out.append(Element("dialogue", "\n".join(lines_) if lines_ else "Yes.", 1))
    return out


SENTENCES = [
    "I told you before.",
    "We go at dawn, whatever the weather does tonight.",
    "Nobody leaves this room until the money is back on the table where it belongs.",
    "Fine.",
    "You never listen to a word I say, do you?",
]


def long_dialogue(n_sentences: int) -> str:
    return " ".join(SENTENCES[i % len(SENTENCES)] for i in range(n_sentences))


# --------------------------------------------------------------------------
# Indents, alignment, fonts


def test_element_indents_match_the_industry_layout():
    sp = Screenplay(
        elements=[
            Element("scene_heading", "INT. DINER - NIGHT", 1),
            Element("action", "Rain on the windows.", 2),
            *speech("MARGE", "Coffee?", paren="(tired)"),
            Element("transition", "CUT TO:", 5),
            Element("centered", "THE END", 6),
        ]
    )
    count, pages, _ = render(sp)
    assert count == 1
    seg = {s.text: s for s in pages[0]}
    assert seg["INT. DINER - NIGHT"].x == ACTION_X
    assert seg["Rain on the windows."].x == ACTION_X
    assert seg["MARGE"].x == CUE_X
    assert seg["(tired)"].x == PAREN_X
    assert seg["Coffee?"].x == DIALOGUE_X
    assert seg["CUT TO:"].end == pytest.approx(RIGHT_EDGE_X)
    assert (seg["THE END"].x + seg["THE END"].end) / 2 == pytest.approx(4.5 * 72)
    # 12 pt leading, one blank line between elements, none inside a speech
    assert seg["INT. DINER - NIGHT"].y - seg["Rain on the windows."].y == 24
    assert seg["MARGE"].y - seg["(tired)"].y == 12
    assert seg["(tired)"].y - seg["Coffee?"].y == 12
    # The first line sits 1 in from the top of a Letter page.
    assert 792 - 72 - 12 < seg["INT. DINER - NIGHT"].y < 792 - 72


def test_dialogue_wraps_at_35_columns_and_action_at_60():
    words = " ".join(["word"] * 60)
    sp = Screenplay(elements=[Element("action", words, 1), *speech("AL", words)])
    _, pages, _ = render(sp)
    action = [s for s in pages[0] if s.x == ACTION_X]
    dialogue = [s for s in pages[0] if s.x == DIALOGUE_X]
    assert max(len(s.text) for s in action) <= 60
    assert max(len(s.text) for s in action) >= 55
    assert max(len(s.text) for s in dialogue) <= 35
    assert max(len(s.text) for s in dialogue) >= 30
    assert " ".join(s.text for s in dialogue) == words


def test_action_keeps_line_breaks_and_indentation():
    sp = Screenplay(elements=[Element("action", "One.\n    Indented two.\nThree.", 1)])
    _, pages, _ = render(sp)
    assert [(s.x, s.text) for s in pages[0]] == [(ACTION_X, "One."), (ACTION_X, "    Indented two."), (ACTION_X, "Three.")]
    assert pages[0][0].y - pages[0][1].y == 12


def test_emphasis_uses_bold_italic_fonts_and_draws_underline():
    sp = Screenplay(elements=[Element("action", "A **bold** and *italic* and ***both*** and _under_.", 1)])
    _, pages, data = render(sp, font="courier")
    fonts = {f for s in pages[0] for f in s.fonts}
    assert {"/Courier", "/Courier-Bold", "/Courier-Oblique", "/Courier-BoldOblique"} <= fonts
    assert "".join(s.text for s in pages[0]) == "A bold and italic and both and under."
    # The underline is a stroked line in the page's content stream.
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    assert re.search(r"\bl\s+S\b|\bS\b", content)


def test_courier_prime_is_used_when_available():
    sp = Screenplay(elements=[Element("action", "Hello.", 1)])
    _, pages, _ = render(sp)
    assert any("CourierPrime" in f or f == "/Courier" for s in pages[0] for f in s.fonts)


def test_scene_numbers_print_in_both_margins():
    sp = Screenplay(elements=[Element("scene_heading", "EXT. FIELD - DAY", 1, scene_number="12A")])
    _, pages, _ = render(sp)
    numbers = [s for s in pages[0] if s.text == "12A"]
    heading = next(s for s in pages[0] if s.text == "EXT. FIELD - DAY")
    assert len(numbers) == 2
    assert all(n.y == heading.y for n in numbers)
    left, right = sorted(numbers, key=lambda s: s.x)
    assert left.end < ACTION_X
    assert right.x > RIGHT_EDGE_X


def test_notes_sections_synopses_are_not_printed():
    sp = Screenplay(
        elements=[
            Element("section", "ACT ONE", 1, depth=1),
            Element("synopsis", "Things happen.", 2),
            Element("note", "fix this", 3),
            Element("action", "Visible [[inline note]] text.", 4),
        ]
    )
    _, pages, _ = render(sp)
    assert [s.text for s in pages[0]] == ["Visible text."]


def test_dual_dialogue_prints_side_by_side():
    sp = Screenplay(elements=[*speech("GIRL", "Hey!"), cue("GUY", dual=True), Element("dialogue", "Hello!", 3)])
    _, pages, _ = render(sp)
    seg = {s.text: s for s in pages[0]}
    assert seg["GIRL"].y == seg["GUY"].y
    assert seg["Hey!"].y == seg["Hello!"].y
    assert seg["GIRL"].x < seg["GUY"].x
    assert seg["Hey!"].end < seg["Hello!"].x
    assert seg["Hello!"].x > 4 * 72


def test_control_characters_and_tabs_keep_the_grid():
    sp = Screenplay(elements=[Element("action", "Bell\u0007 rings.\n\tTabbed.", 1)])
    _, pages, _ = render(sp)
    assert [s.text for s in pages[0]] == ["Bell rings.", "    Tabbed."]


def test_unprintable_characters_do_not_break_the_pdf():
    sp = Screenplay(elements=[Element("action", "Caf\u00e9 \u201cquotes\u201d \u2014 \u4e2d\u6587 \u2603", 1)])
    for font in ("courier", "courier-prime"):
        count, pages, _ = render(sp, font=font)
        assert count == 1 and "Caf\u00e9" in pages[0][0].text


# --------------------------------------------------------------------------
# Title page, page numbers, paper


def test_title_page_is_page_one_without_a_number():
    sp = Screenplay(
        title_page={
            "Title": ["_BIG FISH_"],
            "Credit": ["written by"],
            "Author": ["John August"],
            "Draft date": ["March 2003"],
            "Contact": ["Agent Name", "555-0100"],
        },
        elements=[Element("action", f"Line {i}.", i) for i in range(40)],
    )
    count, pages, data = render(sp)
    reader = PdfReader(io.BytesIO(data))
    assert count == len(reader.pages) == 3
    assert reader.metadata.title == "BIG FISH"
    assert reader.metadata.author == "John August"
    title = {s.text: s for s in pages[0]}
    assert (title["BIG FISH"].x + title["BIG FISH"].end) / 2 == pytest.approx(4.5 * 72)  # middle of the text area
    assert 792 * 0.55 < title["BIG FISH"].y < 792 * 0.75  # about a third of the way down
    assert title["written by"].y < title["BIG FISH"].y
    assert title["Agent Name"].x == ACTION_X and title["Agent Name"].y < 2 * 72
    assert title["March 2003"].end == pytest.approx(RIGHT_EDGE_X) and title["March 2003"].y < 2 * 72
    assert not any(re.fullmatch(r"\d+\.", s.text) for s in pages[0])
    # The body's first page has no number; the second says "2." top right, 0.5 in down.
    assert not any(re.fullmatch(r"\d+\.", s.text) for s in pages[1])
    number = next(s for s in pages[2] if s.text == "2.")
    assert number.end == pytest.approx(RIGHT_EDGE_X)
    assert 792 - 36 - 12 < number.y < 792 - 36


def test_long_title_page_corners_stack_instead_of_colliding():
    sp = Screenplay(
        title_page={
            "Title": ["X"],
            "Contact": ["http://example.com/a/long/contact/page"],
            "Copyright": ["Creative Commons Attribution 4.0"],
        }
    )
    _, pages, _ = render(sp)
    seg = {s.text: s for s in pages[0]}
    contact, rights = seg["http://example.com/a/long/contact/page"], seg["Creative Commons Attribution 4.0"]
    assert rights.y > contact.y  # stacked: the dates/rights above the contact
    assert contact.x == ACTION_X and rights.end == pytest.approx(RIGHT_EDGE_X)


def test_page_numbers_count_body_pages():
    sp = Screenplay(elements=[Element("action", f"Line {i}.", i) for i in range(100)])
    count, pages, _ = render(sp)
    assert count == 4  # 100 one-line paragraphs with blank lines between: 27 a page
    for index, page in enumerate(pages[1:], start=2):
        assert f"{index}." in [s.text for s in page]


def test_a4_fits_more_lines_and_keeps_the_indents():
    sp = Screenplay(elements=[Element("action", f"Line {i}.", i) for i in range(200)] + speech("AL", "Hi."))
    letter_count, letter_pages, _ = render(sp)
    a4_count, a4_pages, data = render(sp, paper="a4")
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert a4_count < letter_count
    assert max(len(p) for p in a4_pages) > max(len(p) for p in letter_pages)
    assert any(s.x == CUE_X for s in a4_pages[-1])


def test_page_break_starts_a_new_page():
    sp = Screenplay(elements=[Element("action", "Before.", 1), Element("page_break", "", 2), Element("action", "After.", 3)])
    count, pages, _ = render(sp)
    assert count == 2
    assert [s.text for s in body(pages[1])] == ["After."]


def test_bad_paper_and_font_are_user_errors():
    sp = Screenplay(elements=[Element("action", "x", 1)])
    with pytest.raises(UserError):
        write_pdf(sp, io.BytesIO(), paper="legal")
    with pytest.raises(UserError):
        write_pdf(sp, io.BytesIO(), font="comic-sans")


def test_unwritable_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cannot write"):
        write_pdf(Screenplay(), tmp_path / "missing" / "x.pdf")


def test_headings_are_plain_unless_bold_is_asked_for():
    sp = Screenplay(elements=[Element("scene_heading", "INT. HALL - DAY", 1), Element("action", "Quiet.", 2)])
    _, plain_pages, _ = render(sp, font="courier")
    _, bold_pages, _ = render(sp, font="courier", bold_headings=True)
    assert plain_pages[0][0].fonts == ["/Courier"]
    assert bold_pages[0][0].fonts == ["/Courier-Bold"]
    assert bold_pages[0][1].fonts == ["/Courier"]


def test_empty_screenplay_is_one_blank_page(tmp_path):
    out = tmp_path / "empty.pdf"
    assert write_pdf(Screenplay(), out) == 1
    assert len(PdfReader(out).pages) == 1


# --------------------------------------------------------------------------
# Pagination: (MORE) / (CONT'D), widows and orphans


def filler(lines: int) -> list[Element]:
    """One-line action paragraphs that take ``lines`` lines with their blank lines."""
    return [Element("action", f"Filler {i}.", i) for i in range(lines // 2)]


def test_long_dialogue_breaks_with_more_and_contd():
    sp = Screenplay(
        elements=[
            *filler(40),
            cue("BIG FISH", extension="(V.O.)"),
            Element("dialogue", long_dialogue(20), 99),
            Element("action", "After.", 100),
        ]
    )
    count, pages, _ = render(sp)
    assert count == 2
    first, second = body(pages[0]), body(pages[1])
    assert first[-1].text == "(MORE)" and first[-1].x == CUE_X
    before = first[-2]
    assert before.x == DIALOGUE_X
    assert re.search(r"[.!?]$", before.text), "breaks at a sentence end"
    assert sum(1 for s in first if s.x == DIALOGUE_X) >= 2
    assert second[0].text == "BIG FISH (V.O.) (CONT'D)" and second[0].x == CUE_X
    assert sum(1 for s in second if s.x == DIALOGUE_X) >= 2
    # Nothing is lost or repeated across the break.
    spoken = " ".join(s.text for page in (first, second) for s in page if s.x == DIALOGUE_X)
    assert spoken == long_dialogue(20)


def test_dialogue_that_cannot_keep_two_lines_each_side_moves_whole():
    # 50 lines of filler leave 3 free lines: cue + 2 lines + (MORE) would not fit.
    sp = Screenplay(elements=[*filler(52), *speech("AL", long_dialogue(3))])
    _, pages, _ = render(sp)
    assert "AL" not in [s.text for s in pages[0]]
    assert "(MORE)" not in [s.text for page in pages for s in page]
    assert body(pages[1])[0].text == "AL"


def test_dialogue_does_not_break_after_a_parenthetical():
    sp = Screenplay(
        elements=[
            *filler(44),
            cue("AL"),
            Element("dialogue", "Line one is here.\nLine two is here.", 1),
            Element("parenthetical", "(beat)", 2),
            Element("dialogue", long_dialogue(8), 3),
        ]
    )
    _, pages, _ = render(sp)
    for page in pages:
        lines = body(page)
        if lines and lines[-1].text == "(MORE)":
            assert lines[-2].x == DIALOGUE_X


def test_scene_heading_is_never_the_last_line_of_a_page():
    sp = Screenplay(elements=[*filler(50), Element("scene_heading", "INT. ATTIC - NIGHT", 1), Element("action", "Dust.\nMore dust.\nEven more dust.", 2)])
    _, pages, _ = render(sp)
    assert "INT. ATTIC - NIGHT" not in [s.text for s in pages[0]]
    assert body(pages[1])[0].text == "INT. ATTIC - NIGHT"


def test_action_splits_between_sentences_keeping_two_lines_each_side():
    paragraph = " ".join(SENTENCES * 6)  # ~20 lines at 60 columns
    sp = Screenplay(elements=[*filler(40), Element("action", paragraph, 1)])
    _, pages, _ = render(sp)
    first = [s for s in body(pages[0]) if not s.text.startswith("Filler")]
    second = body(pages[1])
    assert len(first) >= 2 and len(second) >= 2
    assert re.search(r"[.!?]$", first[-1].text)
    assert " ".join(s.text for s in first + second) == paragraph


def test_transition_never_opens_a_page():
    # 52 lines of filler + blank + one action line fill the page exactly: no room for CUT TO:.
    sp = Screenplay(elements=[*filler(52), Element("action", "The door slams.", 1), Element("transition", "CUT TO:", 2)])
    _, pages, _ = render(sp)
    second = [s.text for s in body(pages[1])]
    assert second == ["The door slams.", "CUT TO:"]
    # A long paragraph splits instead, so its last lines go over with the transition.
    sp = Screenplay(elements=[*filler(40), Element("action", " ".join(SENTENCES * 4), 1), Element("transition", "CUT TO:", 2)])
    _, pages, _ = render(sp)
    first, second = body(pages[0]), body(pages[1])
    assert not first[-1].text.startswith("Filler") and len(second) >= 3
    assert second[-1].text == "CUT TO:"


def _last_lines_ok(pages: list[list[Segment]], headings: set[str]) -> None:
    for page in pages[:-1]:
        lines = body(page)
        last = lines[-1]
        assert last.text not in headings, f"heading last on page {last.page + 1}"
        assert not (last.x == CUE_X and last.text != "(MORE)"), f"cue last on page {last.page + 1}: {last.text}"
        assert last.x not in (PAREN_X, PAREN_X + CHAR), f"parenthetical last on page {last.page + 1}"
        if last.text == "(MORE)":
            assert lines[-2].x == DIALOGUE_X


def test_mixed_script_never_ends_a_page_on_heading_cue_or_parenthetical():
    elements: list[Element] = []
    headings = set()
    for scene in range(30):
        heading = f"INT. ROOM {scene} - DAY"
        headings.add(heading)
        elements.append(Element("scene_heading", heading, 1))
        for k in range(scene % 4 + 1):
            elements.append(Element("action", long_dialogue((scene + k) % 5 + 1), 1))
            elements += speech(f"SPEAKER{k}", long_dialogue((scene * 3 + k) % 7 + 1), paren="(quietly)" if k % 2 else None)
    count, pages, _ = render(Screenplay(elements=elements))
    assert count > 5
    _last_lines_ok(pages, headings)


# --------------------------------------------------------------------------
# The paginator alone, on made-up blocks


def _line(kind: str, text: str = "text.", sentence_end: bool = True) -> tuple[Line]:
    return (Line(0, [(text, 0)], kind, sentence_end=sentence_end),)


def test_dialogue_prefers_a_sentence_then_a_source_line_end():
    def speech_block(flags):
        rows = [_line("cue", "NAME")]
        for sentence, line_end in flags:
            rows.append((Line(0, [("words", 0)], "dialogue", sentence_end=sentence, line_end=line_end),))
        return Block("dialogue", rows, cue="NAME (CONT'D)")

    filler_block = Block("action", [_line("action") for _ in range(10)])
    # 10 + blank + cue leave room for 3 dialogue lines + (MORE) on a 16-line page.
    mid = [(False, False)] * 8
    with_line_end = [(False, False), (False, True), (False, False), (False, False)] + [(False, False)] * 4
    with_sentence = [(False, False), (True, False), (False, False), (False, False)] + [(False, False)] * 4
    kept = {}
    for name, flags in (("mid", mid), ("line_end", with_line_end), ("sentence", with_sentence)):
        pages = paginate([filler_block, speech_block(flags)], 16)
        kept[name] = sum(1 for _, row in pages[0] if row[0].kind == "dialogue")
        assert pages[0][-1][1][0].kind == "more"
    assert kept == {"mid": 3, "line_end": 2, "sentence": 2}
    # A sentence end wins over a later source line end.
    flags = [(False, False), (True, False), (False, True), (False, False)] + [(False, False)] * 4
    pages = paginate([filler_block, speech_block(flags)], 16)
    assert sum(1 for _, row in pages[0] if row[0].kind == "dialogue") == 2


@st.composite
def block_lists(draw):
    blocks = []
    for _ in range(draw(st.integers(1, 25))):
        after_heading = bool(blocks) and blocks[-1].kind == "heading"
        # Real scripts follow a heading with its scene, not with another heading or a page break.
        kinds = ["action", "dialogue", "transition"] if after_heading else ["heading", "action", "dialogue", "transition", "page_break"]
        kind = draw(st.sampled_from(kinds))
        if kind == "page_break":
            blocks.append(Block("page_break", space_before=0))
            continue
        if kind == "dialogue":
            rows = [_line("cue", "NAME")]
            for _ in range(draw(st.integers(1, 12))):
                part = draw(st.sampled_from(["dialogue", "dialogue", "dialogue", "paren"]))
                rows.append(_line(part, sentence_end=draw(st.booleans())))
            rows.append(_line("dialogue"))  # a speech ends with spoken words
            blocks.append(Block("dialogue", rows, cue="NAME (CONT'D)"))
        else:
            height = 1 if kind != "action" else draw(st.integers(1, 14))
            rows = [_line(kind, sentence_end=draw(st.booleans())) for _ in range(height)]
            blocks.append(Block(kind, rows))
    return blocks


@settings(max_examples=150, deadline=None)
@given(block_lists(), st.integers(16, 58))
def test_paginate_places_every_row_once_within_the_page(blocks, lines_per_page):
    pages = paginate(blocks, lines_per_page)
    placed = [row for page in pages for _, row in page]
    original = [row for block in blocks for row in block.rows]
    kept = [row for row in placed if row[0].kind != "more" and not (row[0].kind == "cue" and row[0].text == "NAME (CONT'D)")]
    assert [id(r) for r in kept] == [id(r) for r in original]
    for page in pages:
        numbers = [n for n, _ in page]
        assert numbers == sorted(set(numbers))
        assert all(0 <= n < lines_per_page for n in numbers)
    for page in pages[:-1]:
        if not page:
            continue
        last = page[-1][1][0]
        assert last.kind not in ("heading", "cue", "paren") or last.text == "(MORE)"
    for page in pages:
        for index, (_, row) in enumerate(page):
            if row[0].kind == "more":
                assert page[index - 1][1][0].kind == "dialogue"
                assert index == len(page) - 1


# --------------------------------------------------------------------------
# Corpus: real scripts, through the real parser


def _parse(path: Path) -> Screenplay:
    return read_fountain(path)[1]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_scripts_render(path, tmp_path):
    sp = _parse(path)
    out = tmp_path / "script.pdf"
    count = write_pdf(sp, out)
    pages = read_segments(out)
    assert count == len(pages) >= 1
    headings = {el.text for el in sp.elements if el.type == "scene_heading"}
    _last_lines_ok(pages, headings)
    cues = {el.text for el in sp.elements if el.type == "character" and not el.dual}
    placed = [s for page in pages for s in page if s.text in cues]
    assert all(s.x == CUE_X for s in placed)
    assert len(placed) >= len(cues) and (not cues or placed)
    for index, page in enumerate(pages[1:] if sp.title_page else pages, start=1):
        if index > 1:
            assert f"{index}." in [s.text for s in page]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdftotext_sees_the_layout(tmp_path):
    sp = Screenplay(elements=[Element("scene_heading", "INT. DINER - NIGHT", 1), *speech("MARGE", "Coffee?", paren="(tired)")])
    out = tmp_path / "s.pdf"
    write_pdf(sp, out, font="courier")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    lines = {line.strip(): len(line) - len(line.lstrip()) for line in text.splitlines() if line.strip()}
    # pdftotext turns points into columns; the relative indents survive.
    assert lines["MARGE"] - lines["INT. DINER - NIGHT"] == 22
    assert lines["(tired)"] - lines["INT. DINER - NIGHT"] == 16
    assert lines["Coffee?"] - lines["INT. DINER - NIGHT"] == 10
