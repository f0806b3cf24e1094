"""Inline markup -> styled runs (dsr.screenplay.inline)."""

from hypothesis import given, strategies as st

from dsr.screenplay.inline import Run, plain, run_lines, runs


def styles(text):
    return [(r.text, r.bold, r.italic, r.underline) for r in runs(text)]


def test_plain_text_is_one_unstyled_run():
    assert runs("He walks in.") == [Run("He walks in.")]
    assert runs("") == []


def test_spec_emphasis_kinds():
    assert styles("*italics*") == [("italics", False, True, False)]
    assert styles("**bold**") == [("bold", True, False, False)]
    assert styles("***bold italics***") == [("bold italics", True, True, False)]
    assert styles("_underline_") == [("underline", False, False, True)]


def test_combinations_nest():
    assert styles("_**bold underline**_") == [("bold underline", True, False, True)]
    assert styles("*_italic underline_*") == [("italic underline", False, True, True)]
    assert styles("**bold *and italic* text**") == [
        ("bold ", True, False, False),
        ("and italic", True, True, False),
        (" text", True, False, False),
    ]
    assert styles("*it **b** more*") == [
        ("it ", False, True, False),
        ("b", True, True, False),
        (" more", False, True, False),
    ]


def test_escapes_are_literal():
    # The spec's example: the asterisks around the number are printed, the outer pair is bold.
    assert styles(r"Steel enters the code on the keypad: **\*9765\***") == [
        ("Steel enters the code on the keypad: ", False, False, False),
        ("*9765*", True, False, False),
    ]
    assert plain(r"\_not underlined\_") == "_not underlined_"


def test_emphasis_does_not_cross_line_breaks():
    text = "Brick is pointing at *Steel\nwho* laughs."
    assert plain(text) == text
    assert all(not r.italic for r in runs(text))


def test_spaced_delimiters_and_intraword_underscores_stay_plain():
    assert plain("He dialed *69 and then *23, and hung up.") == "He dialed *69 and then *23, and hung up."
    assert plain("a * b * c") == "a * b * c"
    assert plain("file_name_here") == "file_name_here"
    assert plain("****") == "****"
    assert plain("*") == "*"


def test_unmatched_delimiter_is_literal_but_later_pairs_work():
    assert styles("5 * 3 and *this*") == [("5 * 3 and ", False, False, False), ("this", False, True, False)]


def test_inline_notes_are_removed_for_printing():
    assert plain("He walks [[fix this]] in.") == "He walks in."
    assert plain("He walks.[[note]]") == "He walks."
    # A note may span lines; a line left with only a note disappears.
    assert plain("One.\n[[a note\nover two lines]]\nTwo.") == "One.\nTwo."
    # Unclosed note brackets are text.
    assert plain("[[ not closed") == "[[ not closed"


def test_run_lines_splits_at_line_breaks_and_keeps_empty_lines():
    assert run_lines("*a*\n\nb") == [[Run("a", italic=True)], [], [Run("b")]]
    assert runs("*a*\nb") == [Run("a", italic=True), Run("\nb")]


@given(st.text(alphabet="ab *_\\[]\n\ufdd0", max_size=60))
def test_never_raises_and_only_removes_markup(text):
    printed = plain(text)
    # Printing never invents characters: every printed character comes from the input.
    for ch in set(printed):
        assert ch in text
    assert "".join(r.text for r in runs(text)) == printed


def test_long_lines_of_unmatched_markup_stay_fast():
    # Linear work per line: these would take minutes if every opener rescanned the line.
    for text in ("*a " * 20000, "_a " * 20000, "[[" * 20000, "**a *b " * 10000):
        assert plain(text).strip()
