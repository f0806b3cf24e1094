"""Statistics on hand-built screenplays: page estimate, cast, balance, locations."""

from __future__ import annotations

import json

import pytest

from dsr.screenplay.headings import split_heading
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.stats import (
    LINES_PER_PAGE,
    character_key,
    element_lines,
    printed_lines,
    statistics,
    wrapped_line_count,
)


def cue(name: str, line: int = 1, extension: str | None = None, dual: bool = False) -> Element:
    text = f"{name} {extension}" if extension else name
    return Element("character", text, line, name=name, extension=extension, dual=dual)


def test_wrapping_counts_printed_lines():
    assert wrapped_line_count("", 10) == 1
    assert wrapped_line_count("a" * 10, 10) == 1
    assert wrapped_line_count("aaaa bbbb cc", 10) == 2  # "aaaa bbbb" fits exactly in 9
    assert wrapped_line_count("aaaa bbbbb c", 10) == 2
    assert wrapped_line_count("x" * 25, 10) == 3  # a word longer than a line is broken
    assert wrapped_line_count("ab " + "x" * 20, 10) == 3
    # Markup and notes do not print; line breaks do.
    assert printed_lines("**" + "a" * 60 + "**", 60) == 1
    assert printed_lines("one\ntwo [[a note]]\nthree", 60) == 3


def test_element_widths():
    long_text = " ".join(["word"] * 20)  # 99 characters
    assert element_lines(Element("action", long_text, 1)) == 2  # 60 wide
    assert element_lines(Element("dialogue", long_text, 1)) == 3  # 35 wide
    assert element_lines(Element("parenthetical", long_text, 1)) == 4  # 25 wide
    assert element_lines(Element("scene_heading", long_text, 1)) == 1
    assert element_lines(cue("BOB")) == 1
    assert element_lines(Element("note", long_text, 1)) == 0
    assert element_lines(Element("section", "Act one", 1, depth=1)) == 0


def test_printed_lines_and_pages():
    elements = [
        Element("scene_heading", "INT. KITCHEN - DAY", 1),  # 1
        Element("action", "Bread.", 3),  # blank + 1
        cue("ANNA", 5),  # blank + 1
        Element("parenthetical", "(quietly)", 6),  # 1, no blank inside the block
        Element("dialogue", "Where is it?", 7),  # 1
        Element("transition", "CUT TO:", 9),  # blank + 1
        Element("note", "not printed", 11),
    ]
    stats = statistics(Screenplay(elements=elements))
    assert stats["printed_lines"] == 9
    assert stats["pages"] == round(9 / LINES_PER_PAGE, 2)


def test_page_break_starts_a_new_page():
    page = [Element("action", "x", i) for i in range(30)]  # 30 + 29 blanks = 59 lines: 2 pages
    sp = Screenplay(elements=page + [Element("page_break", "", 99), Element("action", "y", 100)])
    stats = statistics(sp)
    assert stats["pages"] == round(2 + 1 / LINES_PER_PAGE, 2)


def test_dual_dialogue_prints_side_by_side():
    left = [cue("BOB"), Element("dialogue", "One.\nTwo.\nThree.", 2)]  # 4 lines
    right = [cue("MARY", dual=True), Element("dialogue", "Hi.", 6)]  # 2 lines, beside
    assert statistics(Screenplay(elements=left + right))["printed_lines"] == 4
    longer = [cue("MARY", dual=True), Element("dialogue", "1\n2\n3\n4\n5", 6)]  # 6 lines
    assert statistics(Screenplay(elements=left + longer))["printed_lines"] == 6


def test_characters_are_counted_by_normalised_name():
    elements = [
        Element("scene_heading", "INT. KITCHEN - DAY", 1),
        cue("BOB", 3),
        Element("dialogue", "Hello there, friend.", 4),
        cue("BOB", 6, extension="(CONT'D)"),
        Element("parenthetical", "(beat)", 7),
        Element("dialogue", "Still here.\nYes.", 8),
        cue("MOM", 11, extension="(O. S.)"),
        Element("dialogue", "Dinner!", 12),
        cue("ghost", 14),  # no dialogue: not a speaking character
        Element("action", "Silence falls on the house.", 16),
    ]
    stats = statistics(Screenplay(elements=elements))
    assert stats["characters"] == {
        "BOB": {"blocks": 2, "lines": 3, "words": 6},
        "MOM": {"blocks": 1, "lines": 1, "words": 1},
    }
    assert list(stats["characters"]) == ["BOB", "MOM"]  # most blocks first
    assert stats["dialogue_words"] == 7
    assert stats["action_words"] == 5
    assert stats["dialogue_action_ratio"] == 1.4


@pytest.mark.parametrize(
    ("name", "key"),
    [("BOB", "BOB"), ("Bob (CONT'D)", "BOB"), ("MOM (O. S.) (CONT’D)", "MOM"), ("BOB:", "BOB"), ("  Mary  Ann ", "MARY ANN")],
)
def test_character_key(name, key):
    assert character_key(Element("character", name, 1, name=name)) == key


def test_int_ext_and_time_of_day_mix():
    headings = [
        "INT. KITCHEN - DAY", "EXT. LIBRARY--NIGHT", "INT./EXT. CAR - MOVING - NIGHT", "EST. CITY - DAWN",
        "I/E VAN - CONTINUOUS", "INT. HALL", "FLASHBACK", "INT. HALL - MOMENTS LATER", "EXT. FIELD - Day",
    ]
    sp = Screenplay(elements=[Element("scene_heading", h, i) for i, h in enumerate(headings)])
    stats = statistics(sp)
    assert stats["scenes"] == 9
    assert stats["int_ext"] == {"INT": 3, "EXT": 3, "INT/EXT": 2, "OTHER": 1}
    assert stats["time_of_day"] == {
        "DAY": 2, "NIGHT": 2, "(none)": 2, "CONTINUOUS": 1, "DAWN": 1, "MOMENTS LATER": 1,
    }
    assert stats["day_night"] == {"day": 3, "night": 2, "other": 2, "unspecified": 2}


def test_split_heading():
    parts = split_heading("INT. HOUSE - KITCHEN - NIGHT (1985)")
    assert (parts.prefix, parts.place, parts.time) == ("INT", "HOUSE - KITCHEN", "NIGHT (1985)")
    assert parts.time_known
    assert split_heading("INT. - DAY").place == ""
    assert split_heading("EXT. A-B - NIGHT").place == "A-B"


def test_empty_script_statistics_are_zero_and_json_ready():
    stats = statistics(Screenplay())
    assert stats["scenes"] == 0 and stats["pages"] == 0 and stats["dialogue_action_ratio"] is None
    json.dumps(stats)


def test_lyrics_alone_print_at_action_width_and_in_dialogue_at_dialogue_width():
    song = " ".join(["la"] * 20)  # 59 characters
    alone = statistics(Screenplay(elements=[Element("lyrics", song, 1)]))
    sung = statistics(Screenplay(elements=[cue("BOB"), Element("lyrics", song, 2)]))
    assert alone["printed_lines"] == 1
    assert sung["printed_lines"] == 1 + 2
    assert sung["characters"]["BOB"] == {"blocks": 1, "lines": 2, "words": 20}
