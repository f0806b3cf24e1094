"""write/parse round trips: parse(write(parse(x))) has the same elements, title
page and boneyard as parse(x), for every corpus and peer file and for any text."""

from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.writer import write
from testkit.shared import shared, shared_files, shared_glob

PATTERNS = ("corpus/*.fountain", "peer-fountain-tests/*/*.fountain")
FILES = shared_files(*PATTERNS)


def assert_same(a: Screenplay, b: Screenplay) -> None:
    assert a.title_page == b.title_page
    assert [el.type for el in a.elements] == [el.type for el in b.elements]
    for x, y in zip(a.elements, b.elements):
        assert x.same_content(y), (x, y)
    assert [bone.text for bone in a.boneyard] == [bone.text for bone in b.boneyard]


def test_there_are_files_to_check():
    assert len(shared_glob(*PATTERNS)) >= 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_file_round_trips(path):
    first = parse(path.read_text(encoding="utf-8"))
    text = write(first)
    second = parse(text)
    assert_same(first, second)
    assert write(second) == text  # canonical: writing again changes nothing


def test_round_trip_keeps_line_numbers_of_a_canonical_file():
    text = write(parse(shared("corpus", "THE_LIBRARY_FREAK-OUT.fountain").read_text(encoding="utf-8")))
    again = parse(text)
    lines = text.split("\n")
    for el in again.elements:
        if el.type in ("scene_heading", "character", "action"):
            assert el.text.split("\n")[0].strip() in lines[el.line - 1]


# Pieces of Fountain that interact: marks, cue/heading/transition shapes,
# boneyard and note brackets, emphasis, title keys, odd whitespace and line ends.
TOKENS = [
    "INT. HOUSE - DAY", "EXT", "EST ", ".", "..", "!", "@", "~", "#", "=", "===", ">", "<", "[[", "]]", "/*", "*/",
    "*", "_", "\\", "(", ")", "^", "TO:", "CUT TO:", "Title:", "Author: x", "Draft date: 1", "BOB", "bob", "McB",
    "a", " ", "  ", "   ", "\t", "\n", "\n", "\n", "\n\n", "\n  \n", "\r", "\r\n", "#1A#", ":", "é", "李", "\ufeff",
]
fountainish = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)


def check_stable(text: str) -> None:
    first = parse(text)
    written = write(first)
    assert_same(first, parse(written))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fountainish)
def test_fountain_like_text_round_trips(text):
    check_stable(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_and_round_trips(text):
    check_stable(text)
