"""The deterministic fallback: keeps the words, always a valid scene."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsr.pipeline.fallback import prose_to_elements, split_sentences
from dsr.pipeline.scene import render_scene
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate

SPEAKERS = ["MAYA", "JONAH", "DR. HALE"]
HEADING = "INT. KITCHEN - NIGHT"


def scene_of(prose: str):
    text = render_scene(HEADING, prose_to_elements(prose, SPEAKERS))
    return text, parse(text)


def errors_in(text: str) -> list:
    return [f for f in validate(parse(text), text) if f.severity == "error"]


def test_named_speech_becomes_cue_and_dialogue():
    prose = ('Rain on the glass. Maya turns to the door and says, "You are late."\n\n'
             '"Traffic," Jonah says. "Also, I forgot."\n\n'
             'Hale coughs. "Nobody move."')
    text, sp = scene_of(prose)
    blocks = [(e.type, e.text) for e in sp.elements]
    assert ("character", "MAYA") in blocks and ("dialogue", "You are late.") in blocks
    assert ("character", "JONAH") in blocks and ("dialogue", "Traffic. Also, I forgot.") in blocks
    assert ("character", "DR. HALE") in blocks
    assert ("action", "Rain on the glass. Maya turns to the door.") in blocks  # narration kept, attribution dropped
    assert not errors_in(text)


def test_unattributed_speech_stays_in_action_as_written():
    text, sp = scene_of('Someone in the dark whispers, "Run."')
    assert [e.type for e in sp.elements] == ["scene_heading", "action"]
    assert '"Run."' in sp.elements[1].text
    assert not errors_in(text)


def test_script_style_lines_and_headings_in_prose():
    prose = "INT. KITCHEN - NIGHT\n\nMAYA: Where is it?\nJONAH (quietly): Gone.\n\nCUT TO:"
    text, sp = scene_of(prose)
    kinds = [(e.type, e.text) for e in sp.elements]
    assert kinds.count(("scene_heading", HEADING)) == 1
    assert ("dialogue", "Where is it?") in kinds and ("parenthetical", "(quietly)") in kinds
    assert ("transition", "CUT TO:") in kinds
    assert not errors_in(text)


def test_long_action_is_split_into_short_paragraphs():
    prose = " ".join(f"Sentence number {i} describes the rain falling on the old roof tiles." for i in range(12))
    text, sp = scene_of(prose)
    actions = [e.text for e in sp.elements if e.type == "action"]
    assert len(actions) >= 4 and all(len(a) <= 230 for a in actions)
    assert " ".join(actions) == prose
    assert not [f for f in validate(sp, text) if f.code == "long-action"]


def test_sentences_are_not_split_inside_quotes():
    assert split_sentences('"I know. I saw it," Maya says. She leaves.') == ['"I know. I saw it," Maya says.', "She leaves."]


PIECES = list('abcXYZ:."\'!?()[]*/_\\#>=~@^\n\t-äß“”') + [
    " ", "\n\n", "INT. ", "EXT. ", "CUT TO:", "/*", "*/", "[[", "]]", "MAYA", "Jonah", "Hale", " says, ", "FADE OUT."]
NASTY = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NASTY)
def test_any_text_gives_a_valid_scene_that_round_trips(prose):
    elements = prose_to_elements(prose, SPEAKERS)
    text = render_scene(HEADING, elements)
    sp = parse(text)
    assert not errors_in(text), (prose, text)
    assert sp.elements[0].type == "scene_heading" and sp.elements[0].text == HEADING
    assert [e.type for e in sp.elements if e.type == "scene_heading"] == ["scene_heading"]
    assert [(e.type, e.text) for e in sp.elements[1:]] == [(e.type, e.text) for e in elements]


def test_a_capitalised_label_in_the_prose_is_a_speaker_but_a_letter_is_not():
    text, sp = scene_of("WAITER: Your table is ready.\n\nA: NELL: the eldest sister.")
    assert ("character", "WAITER") in [(e.type, e.text) for e in sp.elements]
    assert "A" not in [e.name for e in sp.elements if e.type == "character"]
    assert not errors_in(text)


def test_sentences_are_not_split_after_titles_initials_and_abbreviations():
    assert split_sentences("June's key does not fit. Mr. Okafor offers tea and hides the cat food.") == [
        "June's key does not fit.", "Mr. Okafor offers tea and hides the cat food."]
    assert split_sentences("Dr. Hale arrives at 9 a.m. and sits. She leaves at 5 p.m. Maya waits.") == [
        "Dr. Hale arrives at 9 a.m. and sits.", "She leaves at 5 p.m.", "Maya waits."]
    assert split_sentences("They meet outside St. Mary's church. J. R. Hartley waves from No. 5.") == [
        "They meet outside St. Mary's church.", "J. R. Hartley waves from No. 5."]
    assert split_sentences("Mrs. Okafor buys eggs, flour, etc. and goes home. Ms. Reyes, e.g. her aunt, stays.") == [
        "Mrs. Okafor buys eggs, flour, etc. and goes home.", "Ms. Reyes, e.g. her aunt, stays."]
    # A word that only looks like an abbreviation still ends its sentence.
    assert split_sentences("She shakes her head. No. He leaves!? Then silence...") == [
        "She shakes her head.", "No.", "He leaves!?", "Then silence..."]
    # A quotation is never cut, and the words after it may be its attribution.
    assert split_sentences('"Who? Mr. Hale?" Maya asks. He shrugs.') == ['"Who? Mr. Hale?" Maya asks.', "He shrugs."]


def test_a_title_is_no_line_of_its_own_and_speech_keeps_its_speaker():
    text, sp = scene_of("June's key does not fit. Mr. Okafor offers tea.\n\nDr. Hale coughs. \"Nobody move.\"")
    got = [(e.type, e.text) for e in sp.elements[1:]]
    assert got == [("action", "June's key does not fit. Mr. Okafor offers tea. Dr. Hale coughs."),
                   ("character", "DR. HALE"), ("dialogue", "Nobody move.")] or got == [
        ("action", "June's key does not fit. Mr. Okafor offers tea."), ("action", "Dr. Hale coughs."),
        ("character", "DR. HALE"), ("dialogue", "Nobody move.")]
    assert not errors_in(text)


def test_a_long_unattributed_quotation_stays_whole_in_one_paragraph():
    quote = "You're a woman, by the way. " * 7 + "You're a cat."
    prose = f'He tells her, "{quote}" She cries.'
    text, sp = scene_of(prose)
    actions = [e.text for e in sp.elements if e.type == "action"]
    assert any(f'"{quote}"' in a for a in actions), actions
    assert all(a.count('"') % 2 == 0 for a in actions)
    assert " ".join(actions) == prose
    assert not errors_in(text)
