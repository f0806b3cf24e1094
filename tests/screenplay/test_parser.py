"""Fountain parser: one test per element from the spec's examples, the quirks of
our corpus, and the peer implementations' test inputs."""

from __future__ import annotations


import pytest

from dsr.screenplay.model import ELEMENT_TYPES
from dsr.screenplay.parser import parse, split_cue
from testkit.shared import shared, shared_files



def kinds(text):
    return [(el.type, el.text) for el in parse(text).elements]


def only(text):
    (el,) = parse(text).elements
    return el


# --- scene headings -------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["INT. HOUSE - DAY", "EXT. HOUSE - DAY", "EST. HOUSE", "INT./EXT. CAR", "INT/EXT CAR",
     "I/E CAR", "int. house - day", "INT HOUSE DAY", "EXT. LIBRARY--DAY"],
)
def test_scene_heading_prefixes(line):
    assert kinds(f"Before.\n\n{line}\n\nAfter.")[1] == ("scene_heading", line)


@pytest.mark.parametrize("line", ["INTERIOR HOUSE", "ESTABLISHING", "I./E. HOUSE", "EXTRA! EXTRA!"])
def test_not_scene_headings(line):
    assert kinds(line) == [("action", line)]


def test_heading_needs_a_blank_line_after():
    # Glued to the next line, a heading is not one (the validator reports this).
    assert [t for t, _ in kinds("EXT. PATIO - DAY\nJohn walks in.")] != ["scene_heading", "action"]
    assert kinds("EXT. PATIO - DAY\nJohn walks in.")[0][0] == "character"  # all caps + text: a cue, by the spec
    assert kinds("EXT. PATIO - DAY\njohn walks in.") == [("character", "EXT. PATIO - DAY"), ("dialogue", "john walks in.")]


def test_forced_heading_and_ellipsis():
    el = only(".SNIPER SCOPE POV")
    assert (el.type, el.text, el.forced) == ("scene_heading", "SNIPER SCOPE POV", True)
    assert kinds("...and then") == [("action", "...and then")]
    assert kinds(".") == [("action", ".")]


@pytest.mark.parametrize(
    "line,number",
    [("INT. HOUSE - DAY #1#", "1"), ("INT. HOUSE - DAY #1A#", "1A"), ("INT. HOUSE - DAY #I-1-A#", "I-1-A"),
     ("INT. HOUSE - DAY #1.#", "1."), ("INT. HOUSE - DAY - FLASHBACK (1944) #110A#", "110A")],
)
def test_scene_numbers(line, number):
    el = only(line)
    assert el.scene_number == number
    assert "#" not in el.text


# --- action ---------------------------------------------------------------


def test_action_keeps_line_breaks_indentation_and_expands_tabs():
    el = only("They drink long and well from the beers.\n\tAnd then there's a long beat.\n    Longer than is funny.")
    assert el.text == "They drink long and well from the beers.\n    And then there's a long beat.\n    Longer than is funny."


def test_forced_action():
    el = only("!SCANNING THE AISLES...\nWhere is that pit boss?")
    assert (el.type, el.text, el.forced) == ("action", "SCANNING THE AISLES...\nWhere is that pit boss?", True)
    assert only("!BRICK\nhello").type == "action"


def test_fade_out_without_mark_is_action():
    assert kinds("FADE OUT:") == [("action", "FADE OUT:")]
    assert kinds("FADE IN:") == [("action", "FADE IN:")]


# --- characters and dialogue ----------------------------------------------


def test_cue_and_dialogue():
    sp = parse("Intro.\n\nSTEEL\nThe man's a myth!\n")
    cue, line = sp.elements[1:]
    assert (cue.type, cue.name, cue.extension, cue.line) == ("character", "STEEL", None, 3)
    assert (line.type, line.text, line.line) == ("dialogue", "The man's a myth!", 4)


@pytest.mark.parametrize(
    "cue,name,extension",
    [("MOM (V.O.)", "MOM", "(V.O.)"), ("MOM (O. S.)", "MOM", "(O. S.)"), ("HANS (on the radio)", "HANS", "(on the radio)"),
     ("EVE (cont'd)", "EVE", "(cont'd)"), ("BOB (V.O.) (CONT'D)", "BOB", "(V.O.) (CONT'D)"), ("R2D2", "R2D2", None)],
)
def test_cue_extensions_kept_as_written(cue, name, extension):
    el = parse(f"{cue}\nHello.").elements[0]
    assert (el.type, el.text, el.name, el.extension) == ("character", cue, name, extension)
    assert split_cue(cue) == (name, extension)


def test_cue_needs_a_letter_a_blank_line_before_and_text_after():
    assert kinds("23 (O.S.)\nA name needs a letter.")[0][0] == "action"
    assert kinds("BANG!") == [("action", "BANG!")]  # nothing after: action
    assert kinds("He says:\nBOB\nHi.") == [("action", "He says:\nBOB\nHi.")]  # no blank line before
    assert kinds("Mixed Case\nHi.")[0][0] == "action"
    assert kinds("李小龙\n你好")[0][0] == "action"  # no cased letter, no natural cue


def test_forced_cue_and_dual_dialogue():
    sp = parse("@McCLANE\nYippee ki-yay!\n\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n\n@Gus (O.S.) ^\nWhat?")
    cues = list(sp.iter_type("character"))
    assert [(c.text, c.name, c.dual, c.forced) for c in cues] == [
        ("McCLANE", "McCLANE", False, True), ("BRICK", "BRICK", False, False),
        ("STEEL", "STEEL", True, False), ("Gus (O.S.)", "Gus", True, True),
    ]
    assert cues[3].extension == "(O.S.)"


def test_parentheticals_and_multiline_dialogue_with_two_space_line():
    text = "STEEL\n(starting the engine)\nSo much for retirement!\n  \nOr not.\n(beat)\nFine."
    assert kinds(text) == [
        ("character", "STEEL"), ("parenthetical", "(starting the engine)"),
        ("dialogue", "So much for retirement!\n\nOr not."), ("parenthetical", "(beat)"), ("dialogue", "Fine."),
    ]
    # A line of three spaces is blank: the dialogue ends there.
    assert kinds("BOB\nHi.\n   \nSomething happens.")[-1] == ("action", "Something happens.")


def test_lyrics():
    assert kinds("~Willy Wonka! Willy Wonka!\n~The amazing chocolatier!") == [
        ("lyrics", "Willy Wonka! Willy Wonka!\nThe amazing chocolatier!")
    ]
    assert kinds("SINGER\n~These are the songs\n~That I sing.") == [
        ("character", "SINGER"), ("lyrics", "These are the songs\nThat I sing.")
    ]
    # A lyric line splits an action paragraph (lyrics are a per-line mark); a lone ~ is an empty lyric.
    assert kinds("He hums.\n~\nShe stares.") == [("action", "He hums."), ("lyrics", ""), ("action", "She stares.")]


# --- transitions, centered, page breaks -------------------------------------


def test_transitions():
    assert kinds("Before.\n\nCUT TO:\n\nAfter.")[1] == ("transition", "CUT TO:")
    assert kinds("> Burn to White.") == [("transition", "Burn to White.")]
    assert kinds("SMASH CUT TO:") == [("transition", "SMASH CUT TO:")]
    assert kinds("Cut to:")[0][0] == "action"
    assert kinds("FADE TO BLACK.")[0][0] == "action"
    # Trailing spaces: action, as the reference implementation's test file says.
    assert kinds("CUT TO:  ")[0][0] == "action"
    assert kinds("CUT TO:\nmore") == [("character", "CUT TO:"), ("dialogue", "more")]


def test_centered():
    assert kinds("> THE END <") == [("centered", "THE END")]
    assert kinds(">No space<\n\n>      Lots of Space\t\t<") == [("centered", "No space"), ("centered", "Lots of Space")]
    assert kinds("> ONE <\n> TWO <") == [("centered", "ONE\nTWO")]


def test_page_breaks():
    sp = parse("Page one.\n\n===\n\nPage two.\n=========\nPage three.")
    assert [(el.type, el.text, el.line) for el in sp.elements] == [
        ("action", "Page one.", 1), ("page_break", "", 3), ("action", "Page two.", 5),
        ("page_break", "", 6), ("action", "Page three.", 7),
    ]


# --- sections, synopses, notes, boneyard -------------------------------------


def test_sections_and_synopses():
    sp = parse("# Act 1\n= Synopsis 1\n\nINT. LOCATION - DAY\n\n## Sequence 1\n\n### Scene three\n\n=THE FINAL ACT")
    assert [(el.type, el.text, el.depth) for el in sp.elements] == [
        ("section", "Act 1", 1), ("synopsis", "Synopsis 1", None), ("scene_heading", "INT. LOCATION - DAY", None),
        ("section", "Sequence 1", 2), ("section", "Scene three", 3), ("synopsis", "THE FINAL ACT", None),
    ]


def test_notes_block_and_inline():
    sp = parse("A line.\n\n[[A note.]]\n\n[[This line spans\n  multiple lines.]]\n\nThis is an [[internal]] note.")
    assert [(el.type, el.text, el.line) for el in sp.elements] == [
        ("action", "A line.", 1), ("note", "A note.", 3), ("note", "This line spans\n  multiple lines.", 5),
        ("action", "This is an [[internal]] note.", 8),
    ]
    # A note with a blank line inside is not a note: it stays text.
    assert [el.type for el in parse("[[\na note\n\nbroken\n]]").elements] == ["action", "action"]


def test_boneyard_is_removed_kept_and_lines_stay_right():
    text = "A line of action.\n\n/* This is an inline Boneyard. */\n\n/* \nThis is a\nmulti-line \nBoneyard. \n*/\n\nThis is an /* internal */ boneyard."
    sp = parse(text)
    assert [(el.type, el.text, el.line) for el in sp.elements] == [
        ("action", "A line of action.", 1), ("action", "This is an boneyard.", 11),
    ]
    assert [(b.text, b.line) for b in sp.boneyard] == [
        (" This is an inline Boneyard. ", 3), (" \nThis is a\nmulti-line \nBoneyard. \n", 5), (" internal ", 11),
    ]
    # A boneyard on lines of its own separates paragraphs like a blank line (screenplain agrees).
    assert kinds("CUT TO:\n/*\nold scene\n*/\nEXT. MANSION - DAY\n\nBeer.")[:2] == [
        ("transition", "CUT TO:"), ("scene_heading", "EXT. MANSION - DAY")
    ]
    # Unclosed: text.
    assert kinds("He types /* and stops.") == [("action", "He types /* and stops.")]


def test_emphasis_is_kept_as_written():
    assert kinds("*italics* **bold** ***both*** _underline_ \\*literal\\*") == [
        ("action", "*italics* **bold** ***both*** _underline_ \\*literal\\*")
    ]


# --- title page ---------------------------------------------------------------


def test_title_page_with_indented_values():
    text = "Title:\n    _**BRICK & STEEL**_\n\t_**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\nDraft date: 1/20/2012\nContact:\n    Next Level Productions\n    1588 Mission Dr.\n\nEXT. BRICK'S PATIO - DAY"
    sp = parse(text)
    assert sp.title_page == {
        "Title": ["_**BRICK & STEEL**_", "_**FULL RETIRED**_"], "Credit": ["Written by"],
        "Author": ["Stu Maschwitz"], "Draft date": ["1/20/2012"],
        "Contact": ["Next Level Productions", "1588 Mission Dr."],
    }
    assert [(el.type, el.line) for el in sp.elements] == [("scene_heading", 11)]
    assert sp.title == "_**BRICK & STEEL**_ _**FULL RETIRED**_"


def test_prose_with_a_colon_is_not_a_title_page():
    sp = parse('instruction from Cyber boss: "Ask an AI."\n\nBOB\nHi.')
    assert sp.title_page == {}
    assert sp.elements[0].type == "action"


def test_title_page_ends_at_a_line_that_is_not_title_material():
    sp = parse("Title: X\nAuthor: Y\n[[a note]]\n\nINT. A - DAY")
    assert sp.title_page == {"Title": ["X"], "Author": ["Y"]}
    assert [(el.type, el.line) for el in sp.elements] == [("note", 3), ("scene_heading", 5)]


# --- robustness -----------------------------------------------------------------


def test_line_endings_bom_and_empty_input():
    for text in ("\ufeffINT. A - DAY\r\n\r\nBOB\r\nHi.", "INT. A - DAY\r\rBOB\rHi.", "INT. A - DAY\n\nBOB\nHi."):
        assert [(el.type, el.text, el.line) for el in parse(text).elements] == [
            ("scene_heading", "INT. A - DAY", 1), ("character", "BOB", 3), ("dialogue", "Hi.", 4)
        ]
    for text in ("", "\n\n", "   ", "\ufeff"):
        sp = parse(text)
        assert sp.elements == [] and sp.title_page == {}


def test_every_type_is_a_model_type():
    text = shared("peer-fountain-tests", "nyousefi-Fountain", "Simple.fountain").read_text(encoding="utf-8") + "\n\n~la\n\nBOB\n(beat)\nHi."
    types = {el.type for el in parse(text).elements}
    assert types <= set(ELEMENT_TYPES)
    assert len(types) == len(ELEMENT_TYPES)  # this input has every kind


# --- the corpus ---------------------------------------------------------------


@pytest.mark.parametrize("path", shared_files("corpus/*.fountain"), ids=lambda p: p.stem)
def test_corpus_parses_with_sane_lines(path):
    text = path.read_text(encoding="utf-8")
    sp = parse(text)
    assert sp.elements
    lines = text.split("\n")
    previous = 0
    for el in sp.elements:
        assert el.line >= previous  # in source order
        previous = el.line
        if el.type in ("action", "dialogue", "character", "scene_heading"):
            # The element's first line is where it says it is.
            first = el.text.split("\n")[0].strip()
            assert first[:10] in lines[el.line - 1].replace("\t", "    "), (el, lines[el.line - 1])


def test_corpus_quirks():
    ep3 = parse(shared("corpus", "Cyber_Bob_ep00003.fountain").read_text(encoding="utf-8"))
    assert ep3.title_value("Draft date") == ["2016-10-05"]
    assert ep3.elements[0].type == "action" and ep3.elements[0].text.startswith("Title:")  # the second block
    pants = parse(shared("corpus", "Cyber_Bob_epReconfigurePantsForFlight.fountain").read_text(encoding="utf-8"))
    assert pants.title_page == {} and pants.elements[0].text.startswith("instruction from Cyber boss:")
    lincoln = parse(shared("corpus", "Cyber_Bob_epWinDebateAgainstLincoln.fountain").read_text(encoding="utf-8"))
    assert ("action", "FADE OUT:") in [(el.type, el.text) for el in lincoln.elements]
    assert [b.text.strip() for b in lincoln.boneyard][0] == "Draft date: 2020-02-25"
    assert any(el.type == "character" and el.extension == "(V.O.)" for el in lincoln.elements)
    library = parse(shared("corpus", "THE_LIBRARY_FREAK-OUT.fountain").read_text(encoding="utf-8"))
    assert ("scene_heading", "EXT. LIBRARY--DAY") in [(el.type, el.text) for el in library.elements]
    assert library.elements[-1].type == "centered" and library.elements[-1].text == "THE END"
    sith = parse(shared("corpus", "Cyber_Bob_epSithSuperInformalLanguage.fountain").read_text(encoding="utf-8"))
    assert ("lyrics", "") in [(el.type, el.text) for el in sith.elements]


# --- nyousefi's test inputs (the reference implementation) ---------------------


def test_nyousefi_scene_headers():
    sp = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "SceneHeaders.fountain").read_text(encoding="utf-8"))
    assert [el.type for el in sp.elements] == (
        ["scene_heading"] * 7 + ["action"]  # I./E. is not in the spec's list
        + ["scene_heading"] * 6 + ["scene_heading", "action"]  # .KITCHEN forced; "... not" is not
        + ["character", "dialogue"]  # two headings glued together: all caps + text, a cue by the spec
        + ["action", "scene_heading"]  # ESTABLISHING; lower-case int.
    )


def test_nyousefi_dialogue():
    sp = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "Dialogue.fountain").read_text(encoding="utf-8"))
    cues = [(el.name, el.extension, el.dual) for el in sp.iter_type("character")]
    assert cues == [
        ("ADAM", None, False), ("EVE", "(O.S.)", False), ("ADAM", None, False), ("EVE", None, False),
        ("EVE", "(cont'd)", False), ("ADAM", None, False), ("EVE", None, False), ("ADAM", None, False),
        ("EVE", None, True), ("R2D2", None, False), ("ADAM", None, False), ("EVE", None, False),
    ]
    dialogue = [el.text for el in sp.iter_type("dialogue")]
    assert "That was really weird.\nI can be weird to. Here's\na space in the dialogue\nblock\n\nfor absolutely no good\nreason." in dialogue
    assert dialogue[-1] == "Well, then I'll just indent!"


def test_nyousefi_transitions_and_simple():
    sp = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "Transitions.fountain").read_text(encoding="utf-8"))
    assert [(el.type, el.text) for el in sp.elements] == [
        ("transition", "CUT TO:"), ("transition", "SMASH CUT TO:"), ("action", "FADE TO BLACK."),
        ("transition", "NOT A STANDARD TRANSITION:"), ("action", "CUT TO:"), ("transition", "GO TO:"),
        # fountain-py and screenplain make a bare "TO:" action; the spec's three rules make it a transition.
        ("transition", "TO:"),
    ]
    simple = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "Simple.fountain").read_text(encoding="utf-8"))
    assert simple.title_page == {"Title": ["A Simple Script"], "Author": ["Nima Yousefi"], "Draft date": ["2/1/2012"]}
    assert simple.elements[-1].type == "action"  # "CUT TO: " with a trailing space
    assert [b.text.strip() for b in simple.boneyard] == ["This text is in the boneyard.", "Boneyard 2"]


def test_nyousefi_forced_elements_and_indenting():
    forced = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "ForcedElements.fountain").read_text(encoding="utf-8"))
    assert [(el.type, el.text) for el in forced.elements] == [
        ("action", "BANG\nBANG\nBANG"), ("character", "McDUCK"), ("dialogue", "I'm vegan."),
        ("character", "SINGER"), ("lyrics", "These are the songs\nThat I sing."),
    ]
    indenting = parse(shared("peer-fountain-tests", "nyousefi-Fountain", "Indenting.fountain").read_text(encoding="utf-8"))
    assert [el.type for el in indenting.elements] == [
        "transition", "scene_heading", "action", "character", "dialogue", "character", "parenthetical", "dialogue", "action",
    ]


def test_pathological_inputs_stay_linear():
    # Each would take minutes with a backtracking regex or a rescan per line.
    cases = {
        "x\n" + " " * 100_000 + "\nx": ["action", "action"],
        "INT. A" + " " * 100_000 + "x#": ["scene_heading"],
        "[[" * 50_000: ["action"],
        "/*" * 50_000: ["action"],
        "a" * 1_000_000: ["action"],
    }
    for text, types in cases.items():
        assert [el.type for el in parse(text).elements] == types
