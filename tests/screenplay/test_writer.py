"""Canonical Fountain from the model: forcing marks only where needed."""

from __future__ import annotations

from dsr.screenplay.model import Boneyard, Element, Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.writer import write


def el(type_, text, **fields):
    return Element(type_, text, 0, **fields)


def written(*elements, title_page=None, boneyard=()):
    return write(Screenplay(title_page=title_page or {}, elements=list(elements), boneyard=list(boneyard)))


def test_a_model_built_by_hand_writes_plain_fountain():
    text = written(
        el("scene_heading", "INT. KITCHEN - DAY", scene_number="1"),
        el("action", "Steam rises from a kettle."),
        el("character", "ANNA (V.O.)", name="ANNA", extension="(V.O.)"),
        el("parenthetical", "(quietly)"),
        el("dialogue", "Tea?\n\nOr coffee?"),
        el("character", "BEN", name="BEN", dual=True),
        el("dialogue", "Both."),
        el("transition", "CUT TO:"),
        el("centered", "THE END"),
    )
    assert text == (
        "INT. KITCHEN - DAY #1#\n\n"
        "Steam rises from a kettle.\n\n"
        "ANNA (V.O.)\n(quietly)\nTea?\n  \nOr coffee?\n\n"
        "BEN ^\nBoth.\n\n"
        "CUT TO:\n\n"
        "> THE END <\n"
    )


def test_forcing_marks_only_where_the_element_would_not_be_recognised():
    # all-caps action followed by a line would be a cue
    assert written(el("action", "BANG\nThe door flies open.")) == "!BANG\nThe door flies open.\n"
    # a cue with lower case needs @
    assert written(el("character", "McCLANE", name="McCLANE"), el("dialogue", "Yippee.")) == "@McCLANE\nYippee.\n"
    # a heading without INT/EXT needs .
    assert written(el("scene_heading", "SNIPER SCOPE POV")) == ".SNIPER SCOPE POV\n"
    assert written(el("scene_heading", ".HIDDEN")) == ". .HIDDEN\n"  # ".." would not be a heading
    # a lower-case transition, or one not ending in TO:, needs >
    assert written(el("transition", "Burn to white.")) == "> Burn to white.\n"
    assert written(el("transition", "FADE OUT.")) == "> FADE OUT.\n"
    # action that looks like a transition or heading needs !
    assert written(el("action", "CUT TO:")) == "!CUT TO:\n"
    assert written(el("action", "INT. HOUSE")) == "!INT. HOUSE\n"
    # a cue with no dialogue after it is only a cue when forced
    assert written(el("character", "BOB", name="BOB")) == "@BOB\n"
    # plain elements carry no marks
    assert written(el("action", "He waits."), el("transition", "SMASH CUT TO:")) == "He waits.\n\nSMASH CUT TO:\n"


def test_first_paragraph_must_not_read_as_a_title_page():
    assert written(el("action", "Title: not a title page")) == "!Title: not a title page\n"
    assert written(el("action", "Title: x"), title_page={"Title": ["Real"]}) == "Title: Real\n\nTitle: x\n"


def test_marked_elements():
    text = written(
        el("section", "Act One", depth=1), el("section", "Sequence", depth=2), el("synopsis", "They meet."),
        el("note", "check this"), el("note", "ends with ]"), el("lyrics", "La la\nLa"), el("page_break", ""),
    )
    assert text == "# Act One\n\n## Sequence\n\n= They meet.\n\n[[check this]]\n\n[[ends with ] ]]\n\n~La la\n~La\n\n===\n"


def test_title_page_single_and_multiple_values():
    text = written(el("action", "Go."), title_page={"Author": ["A"], "Title": ["One", "Two"], "Contact": []})
    assert text == "Author: A\nTitle:\n    One\n    Two\nContact:\n\nGo.\n"
    # A title page opens only with a known key: a custom key is moved after one.
    assert written(title_page={"Episode code": ["X1"], "Title": ["T"]}).startswith("Title: T\nEpisode code: X1\n")


def test_boneyard_written_back_where_it_was():
    sp = parse("One.\n\n/* cut scene\nINT. OLD - DAY */\n\nTwo.\n\nThree /* inline */ here.")
    text = write(sp)
    assert text == "One.\n\n/* cut scene\nINT. OLD - DAY */\n\nTwo.\n\n/* inline */\n\nThree here.\n"
    again = parse(text)
    assert [b.text for b in again.boneyard] == [b.text for b in sp.boneyard]
    # an unclosed "/*" in the text would swallow later boneyard: then boneyard goes first
    tricky = Screenplay(elements=[el("action", "A /* B")], boneyard=[Boneyard(" x ", 5)])
    assert write(tricky) == "/* x */\n\nA /* B\n"


def test_empty_screenplay_writes_nothing():
    assert write(Screenplay()) == ""


def test_dialogue_groups_and_lyrics_after_lyrics():
    sp = parse("SINGER\n~One\n\n~Two")
    assert write(sp) == "SINGER\n~One\n\n~Two\n"
    assert [(e.type, e.text) for e in parse(write(sp)).elements] == [("character", "SINGER"), ("lyrics", "One"), ("lyrics", "Two")]
