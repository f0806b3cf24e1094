"""The validator on hand-built screenplays (one check each), on Fountain text, and on the corpus."""

from __future__ import annotations

import pytest

from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.validate import Finding, validate


def script(*elements: Element, title_page: dict | None = None) -> Screenplay:
    return Screenplay(title_page=title_page or {}, elements=list(elements))


def heading(text: str = "INT. KITCHEN - DAY", line: int = 1) -> Element:
    return Element("scene_heading", text, line)


def action(text: str, line: int) -> Element:
    return Element("action", text, line)


def cue(name: str, line: int, extension: str | None = None, dual: bool = False) -> Element:
    text = f"{name} {extension}" if extension else name
    return Element("character", text, line, name=name, extension=extension, dual=dual)


def speech(text: str, line: int) -> Element:
    return Element("dialogue", text, line)


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings]


def test_clean_scene_has_no_findings():
    sp = script(
        heading(),
        action("Anna slices bread. The knife slips.", 3),
        cue("ANNA", 5),
        Element("parenthetical", "(wincing)", 6),
        speech("Ow.", 7),
        Element("transition", "CUT TO:", 9),
        heading("EXT. GARDEN - NIGHT", 11),
        action("Rain.", 13),
    )
    assert validate(sp) == []


def test_empty_script_is_an_error():
    assert codes(validate(script())) == [(1, "empty-script")]
    findings = validate(script(), source="  \n\n")
    assert findings[0].severity == "error" and "empty" in findings[0].message
    # A title page and notes alone print nothing either.
    sp = script(Element("note", "todo", 3), title_page={"Title": ["X"]})
    assert codes(validate(sp)) == [(1, "empty-script")]


def test_script_without_any_heading_is_an_error():
    sp = script(action("A room.", 2), cue("BOB", 4), speech("Hi.", 5))
    assert codes(validate(sp)) == [(2, "no-scene-heading")]
    assert validate(sp)[0].severity == "error"


def test_action_before_the_first_heading_is_a_warning_but_fade_in_is_not():
    sp = script(Element("transition", "FADE IN:", 1), action("A note to the reader.", 3), heading(line=5),
                action("Bread.", 7))
    (finding,) = validate(sp)
    assert (finding.line, finding.code, finding.severity) == (3, "content-before-heading", "warning")
    assert "INT. KITCHEN - DAY" in finding.message
    assert validate(script(Element("transition", "FADE IN:", 1), heading(line=3), action("x", 5))) == []


def test_dialogue_without_cue():
    sp = script(heading(), action("Bread.", 3), speech("Where is it?", 5))
    (finding,) = validate(sp)
    assert (finding.line, finding.code, finding.severity) == (5, "dialogue-without-cue", "error")
    assert "'Where is it?'" in finding.message


def test_parenthetical_alone_in_a_paragraph_has_no_cue():
    sp = script(heading(), cue("BOB", 3), speech("Hi.", 4), action("(beat)", 6))
    assert codes(validate(sp)) == [(6, "dialogue-without-cue")]


def test_cue_without_dialogue_in_the_model():
    sp = script(heading(), cue("BOB", 3), Element("parenthetical", "(beat)", 4), action("He leaves.", 6))
    (finding,) = validate(sp)
    assert (finding.line, finding.code, finding.severity) == (3, "cue-without-dialogue", "error")


def test_cue_separated_from_its_dialogue_by_a_blank_line():
    # "BOB\n\nHello." parses as two action paragraphs.
    sp = script(heading(), cue("BOB", 3), speech("Hi.", 4), action("BOB", 6), action("Where were we?", 8))
    (finding,) = validate(sp)
    assert (finding.line, finding.code) == (6, "cue-without-dialogue")
    assert "'Where were we?'" in finding.message and "next line" in finding.message
    # A name nobody else speaks as counts when action follows; a sound or a label does not.
    sp = script(heading(), action("BOOM!", 3), action("MONTAGE", 5), action("MARY (V.O.)", 7), action("Hi.", 8),
                action("TOM", 10), action("Bye.", 11), action("SILENCE.", 13), action("Dark.", 14))
    assert codes(validate(sp)) == [(7, "cue-without-dialogue"), (10, "cue-without-dialogue")]


def test_heading_glued_to_the_next_line_parses_as_action():
    sp = script(heading(), action("Bread.", 3), action("EXT. PATIO - DAY\nJohn walks in.", 5))
    (finding,) = validate(sp)
    assert (finding.line, finding.code, finding.severity) == (5, "heading-not-recognized", "error")
    assert "'EXT. PATIO - DAY'" in finding.message and "blank line" in finding.message


def test_heading_glued_to_the_previous_line_and_inside_dialogue():
    sp = script(heading(), action("John leaves.\nINT. HALL - NIGHT", 3), cue("JOHN", 6), speech("Bye.\nEXT. ROAD - DAY", 7))
    assert codes(validate(sp)) == [(4, "heading-not-recognized"), (8, "heading-not-recognized")]


def test_heading_glued_to_an_all_caps_line_parses_as_a_cue():
    sp = script(heading(), cue("EXT. PATIO - DAY", 3), speech("JOHN WALKS IN.", 4))
    assert codes(validate(sp)) == [(3, "heading-not-recognized")]


def test_cue_written_with_a_colon():
    sp = script(heading(), cue("BOB:", 3), speech("Hi.", 4))
    (finding,) = validate(sp)
    assert (finding.line, finding.code, finding.severity) == (3, "cue-with-colon", "error")
    assert finding.message.endswith(": BOB")
    assert finding.instruction().startswith("line 3: 'BOB:' looks like a character cue")


def test_play_style_dialogue_in_action():
    sp = script(heading(), action("BOB: Hi there.\nMARY (O.S.): Hello.", 3))
    findings = validate(sp)
    assert codes(findings) == [(3, "cue-with-colon"), (4, "cue-with-colon")]
    assert "(MARY (O.S.))" in findings[1].message


@pytest.mark.parametrize("line", ["SUPER: Paris, 1942", "NOTE: cut later", "INT. HOUSE: DAY", "Later: nothing"])
def test_labels_that_are_not_cues(line):
    assert "cue-with-colon" not in {f.code for f in validate(script(heading(), action(line, 3)))}


def test_emphasised_note_is_not_a_cue():
    sp = script(heading(), action("**ADAPT THIS: do it.**", 3))
    assert validate(sp) == []


def test_title_page_that_swallowed_dialogue():
    source = "BOB: Hi.\nMARY: Hello.\n\nINT. KITCHEN - DAY\n\nBread.\n"
    sp = script(heading(line=4), action("Bread.", 6), title_page={"BOB": ["Hi."], "MARY": ["Hello."], "Title": ["X"]})
    assert codes(validate(sp, source)) == [(1, "cue-with-colon"), (2, "cue-with-colon")]


@pytest.mark.parametrize("text", ["FADE OUT:", "CUT TO:", "Cut to:", "SMASH CUT TO:", "FADE TO BLACK."])
def test_transition_written_as_action(text):
    (finding,) = validate(script(heading(), action(text, 3)))
    assert (finding.line, finding.code, finding.severity) == (3, "transition-not-recognized", "warning")
    assert f"'> {text.upper()}'" in finding.message


def test_transition_glued_to_action_or_to_a_following_line():
    sp = script(heading(), action("He goes.\nCUT TO:", 3), cue("CUT TO:", 6), speech("HE RUNS.", 7))
    assert codes(validate(sp)) == [(4, "transition-not-recognized"), (6, "transition-not-recognized")]


def test_fade_in_as_action_is_conventional():
    sp = script(action("FADE IN:", 1), heading(line=3), action("Bread.", 5))
    assert "transition-not-recognized" not in {f.code for f in validate(sp)}


def test_unclosed_boneyard_and_note_need_the_source():
    source = "INT. KITCHEN - DAY\n\nBread. [[todo\n\nMore.\n\n/* cut\nthis\n"
    sp = script(heading(), action("Bread.", 3), action("More.", 5))
    assert validate(sp) == []
    findings = validate(sp, source)
    assert codes(findings) == [(3, "unclosed-note"), (7, "unclosed-boneyard")]
    assert all(f.severity == "error" for f in findings)
    assert "'*/'" in findings[1].message


def test_closed_comments_are_fine_and_crlf_counts_lines():
    source = "/* a\nb */\r\n[[note\r\nspans]]\r\nINT. X - DAY\r\n[[x]] /* y */"
    assert validate(script(heading(line=5), action("ok", 7)), source) == []
    assert codes(validate(script(heading(line=5)), "a\r\nb\r\n/* open")) == [(3, "unclosed-boneyard")]
    assert codes(validate(script(heading(line=5)), "a\rb\r[[ x [[ y ]]")) == [(3, "unclosed-note")]


@pytest.mark.parametrize(
    "text",
    ["We see a dog.", "The camera pans to the door.", "CLOSE ON her hands.", "ANGLE ON the car.",
     "we hear a scream", "Extreme close-up of an eye.", "She steps into frame."],
)
def test_camera_directions(text):
    (finding,) = validate(script(heading(), action(text, 3)))
    assert (finding.code, finding.severity) == ("camera-direction", "warning")


@pytest.mark.parametrize(
    "text",
    ["She thinks about her mother.", "He feels sad.", "Anna remembers the summer.", "He wonders why.",
     "She realizes the truth.", "He knows she lied.", "He feels that it is over.", "Tom decides to stay."],
)
def test_interior_thought(text):
    (finding,) = validate(script(heading(), action(text, 3)))
    assert (finding.code, finding.severity) == ("interior-thought", "warning")
    assert "show it" in finding.message


@pytest.mark.parametrize(
    "text",
    ["She feels along the wall for the switch.", "A sign reads: \"I KNOW WHAT YOU DID\".",
     "He looks at us (or the camera).", "The thinker statue.", "A pan sizzles on the stove."],
)
def test_visible_action_is_not_flagged(text):
    assert validate(script(heading(), action(text, 3))) == []


def test_findings_point_at_the_line_inside_a_paragraph():
    sp = script(heading(), action("Rain falls.\nHe sits.\nWe see a dog.", 3))
    assert codes(validate(sp)) == [(5, "camera-direction")]


def test_long_action_paragraph():
    long_text = "word " * 60  # 300 characters: 5 lines at 60 characters
    (finding,) = validate(script(heading(), action(long_text.strip(), 3)))
    assert (finding.line, finding.code, finding.severity) == (3, "long-action", "warning")
    assert "5 lines" in finding.message
    # Measured as text, not as the writer's line breaks: eight short lines are light to read.
    short_lines = "\n".join(["He stops."] * 8)
    assert validate(script(heading(), action(short_lines, 3))) == []
    four = " ".join(["word"] * 48)  # 239 characters: 4 lines
    assert validate(script(heading(), action(four, 3))) == []
    # Just over: 4 lines of 12 words and one more word.
    assert [f.code for f in validate(script(heading(), action(four + " word", 3)))] == ["long-action"]


@pytest.mark.parametrize(
    ("text", "code", "hint"),
    [
        ("INT. KITCHEN", "heading-missing-time", "' - DAY'"),
        ("INT. KITCHEN DAY", "heading-missing-time", "'INT. KITCHEN - DAY'"),
        ("INT. - DAY", "heading-missing-place", "INT. PLACE - DAY"),
        ("EXT. HOUSE - BACKYARD", "heading-unknown-time", "'BACKYARD'"),
    ],
)
def test_malformed_headings(text, code, hint):
    (finding,) = validate(script(heading(text), action("x", 3)))
    assert (finding.code, finding.severity) == (code, "warning")
    assert hint in finding.message


@pytest.mark.parametrize(
    "text",
    ["EXT. LIBRARY--DAY", "INT./EXT. CAR - MOVING - NIGHT", "I/E VAN - CONTINUOUS", "INT. HALL - MOMENTS LATER",
     "EST. CITY - DAWN", "FLASHBACK", "INT. LAB - NIGHT (1985)", "INT. HOUSE - DAY - FLASHBACK (1944)"],
)
def test_wellformed_headings(text):
    assert validate(script(heading(text), action("x", 3))) == []


def test_findings_are_sorted_by_line_errors_first():
    sp = script(heading(), action("We see him.", 9), cue("BOB:", 4), action("BOB: Hi. We see it.", 2))
    findings = validate(sp)
    assert codes(findings) == [(2, "cue-with-colon"), (2, "camera-direction"), (4, "cue-with-colon"),
                               (4, "cue-without-dialogue"), (9, "camera-direction")]


def test_docstring_table_lists_every_code_with_its_severity():
    import dsr.screenplay.validate as module
    from dsr.screenplay.validate_rules import CODES

    rows = {}
    for line in module.__doc__.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[1] in ("error", "warning"):
            rows[cells[0]] = cells[1]
    assert rows == {code: severity for code, (severity, _) in CODES.items()}


def test_long_action_shortcut_agrees_with_measuring_every_paragraph():
    import random

    from dsr.screenplay.stats import ACTION_WIDTH, reflowed_lines

    rng = random.Random(7)
    for _ in range(400):
        words = ["x" * rng.choice([1, 3, 8, 15, 30, 59, 75]) for _ in range(rng.randint(1, 12))]
        text = "\n".join(" ".join(words[i:i + 3]) for i in range(0, len(words), 3))
        flagged = any(f.code == "long-action" for f in validate(script(heading(), action(text, 3))))
        assert flagged == (reflowed_lines(text, ACTION_WIDTH) > 4), text


# ---------------------------------------------------------------- from Fountain text

from dsr.screenplay.parser import parse  # noqa: E402
from testkit.shared import shared, shared_glob  # noqa: E402


def check(source: str) -> list[tuple[int, str]]:
    return codes(validate(parse(source), source))


def test_fountain_clean_scene():
    source = "INT. KITCHEN - DAY\n\nAnna slices bread.\n\nANNA\n(wincing)\nOw.\n\n> CUT TO:\n\nEXT. GARDEN - NIGHT\n\nRain.\n"
    assert check(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A heading glued to the line after it parses as action.
        ("INT. KITCHEN - DAY\n\nBread.\n\nEXT. PATIO - DAY\nJohn walks in.\n", [(5, "heading-not-recognized")]),
        # ... and to an all-caps line, as a cue.
        ("INT. KITCHEN - DAY\n\nBread.\n\nEXT. PATIO - DAY\nJOHN WALKS IN.\n", [(5, "heading-not-recognized")]),
        # Glued to the line before it.
        ("INT. KITCHEN - DAY\n\nBread.\nEXT. PATIO - DAY\n\nRain.\n", [(4, "heading-not-recognized")]),
        # Markdown habits: a bold heading is action, a '#' heading is an unprinted section.
        ("INT. KITCHEN - DAY\n\nBread.\n\n**EXT. PARK - DAY**\n\nRain.\n", [(5, "heading-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBread.\n\n**EXT. PARK**\n\nRain.\n", [(5, "heading-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBread.\n\n## EXT. PARK - DAY\n\nRain.\n", [(5, "heading-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBread.\n\n**EXT. PARK - DAY**\nRain falls.\n", [(5, "heading-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBread.\n\n**EXT. PARK - DAY**\nRAIN.\n", [(5, "heading-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBOB:\nWhere is the bread?\n", [(3, "cue-with-colon")]),
        ("INT. KITCHEN - DAY\n\nBOB: Where is the bread?\nANNA: Gone.\n", [(3, "cue-with-colon"), (4, "cue-with-colon")]),
        ("INT. KITCHEN - DAY\n\nBread.\n\nFADE OUT:\n", [(5, "transition-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nShe leaves.\nCUT TO:\n\nEXT. ROAD - DAY\n\nRain.\n", [(4, "transition-not-recognized")]),
        ("INT. KITCHEN - DAY\n\nBOB\n\nWhere is the bread?\n", [(3, "cue-without-dialogue")]),
        ("INT. KITCHEN - DAY\n\nBOB\nHi.\n\n(beat)\n\nBOB\nBye.\n", [(6, "dialogue-without-cue")]),
        ("INT. KITCHEN - DAY\n\nBread. /* cut this\n\nand this\n", [(3, "unclosed-boneyard")]),
        ("INT. KITCHEN - DAY\n\nBread. [[fix this\n\nMore bread.\n", [(3, "unclosed-note")]),
        ("INT. KITCHEN\n\nBread.\n", [(1, "heading-missing-time")]),
        ("INT. KITCHEN - DAY\n\nWe see the bread. Anna realizes it is stale.\n",
         [(3, "camera-direction"), (3, "interior-thought")]),
        ("Bread.\n\nINT. KITCHEN - DAY\n\nMore bread.\n", [(1, "content-before-heading")]),
        ("Bread on a table.\n", [(1, "no-scene-heading")]),
        ("", [(1, "empty-script")]),
        ("\ufeff\r\n\r\n", [(1, "empty-script")]),
    ],
)
def test_fountain_mistakes(source, expected):
    assert check(source) == expected


def test_crlf_source_keeps_line_numbers():
    source = "INT. KITCHEN - DAY\r\n\r\nBread.\r\n\r\nBOB:\r\nHi.\r\n\r\n/* open\r\n"
    assert check(source) == [(5, "cue-with-colon"), (8, "unclosed-boneyard")]


def test_play_script_at_the_top_lands_in_the_title_page():
    source = "BOB: Where is the bread?\nANNA: Gone.\n\nINT. KITCHEN - DAY\n\nBread.\n"
    sp = parse(source)
    found = check(source)
    if sp.title_page:  # the parser read the first lines as a title page: still caught
        assert found == [(1, "cue-with-colon"), (2, "cue-with-colon")]
    else:
        assert (1, "cue-with-colon") in found


# What the validator says about real scripts, reviewed by hand: every finding
# below is a true one (the authors' notes before the first heading, walls of
# action text, a FADE OUT: without '>', two drafts with no headings at all).
CORPUS_FINDINGS = {
    "ASCENT_TO_GURU_PEAK": [(182, "interior-thought"), (184, "interior-thought"), (272, "long-action")],
    "Cyber_Bob_ep00001": [(19, "content-before-heading"), (26, "long-action"), (53, "long-action"),
                          (165, "long-action")],
    "Cyber_Bob_ep00003": [(17, "content-before-heading"), (17, "long-action")],
    "Cyber_Bob_epLocalTransDimensionalRift": [],
    "Cyber_Bob_epReconfigurePantsForFlight": [(1, "no-scene-heading")],
    "Cyber_Bob_epSithSuperInformalLanguage": [(1, "no-scene-heading")],
    "Cyber_Bob_epWinDebateAgainstLincoln": [(18, "content-before-heading"), (24, "long-action"),
                                            (85, "long-action"), (387, "transition-not-recognized")],
    "THE_LIBRARY_FREAK-OUT": [(15, "content-before-heading"), (15, "long-action"), (29, "long-action"),
                              (417, "interior-thought")],
}


@pytest.mark.parametrize("name", sorted(CORPUS_FINDINGS))
def test_corpus_findings_are_the_reviewed_ones(name):
    source = shared("corpus", f"{name}.fountain").read_text(encoding="utf-8")
    assert check(source) == CORPUS_FINDINGS[name]


def test_peer_inputs_never_break_the_validator():
    files = shared_glob("peer-fountain-tests/**/*.fountain")
    assert len(files) > 30
    for path in files:
        source = path.read_text(encoding="utf-8-sig")
        findings = validate(parse(source), source)
        assert [f.line for f in findings] == sorted(f.line for f in findings)
    notes = shared("peer-fountain-tests", "screenplain", "notes.fountain").read_text()
    assert (14, "unclosed-note") in check(notes)  # "This is not [[ a proper note" spans a blank line
