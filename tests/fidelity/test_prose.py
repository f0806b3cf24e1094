"""The stage-1 fidelity findings, from the story and the draft alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from dsr.fidelity.speakers import Person, actors
from dsr.fidelity.prose import prose_findings, scene_brief, time_contradictions
from dsr.story.loader import load_story_text

STORY = """\
title: Low Water
characters:
  - name: NELL
    aliases: [Nelly]
  - name: TESS
  - name: ARCHIE
  - name: MR. OKAFOR
scenes:
  - place: HARBOR OFFICE
    time: NIGHT
    characters: [NELL, TESS]
    extras: [HARBORMASTER]
    summary: Nell asks for the boat's papers. Tess waits by the door.
  - place: QUAY
    time: CONTINUOUS
    characters: [MR. OKAFOR]
    summary: Mr. Okafor ties up his boat.
  - place: QUAY
    summary: The quay at dawn.
"""


@pytest.fixture(scope="module")
def story():
    return load_story_text(STORY, "yaml")


def codes(prose, brief, best_match=None):
    return sorted(f.code for f in prose_findings(prose, brief, best_match))


def test_faithful_prose_has_no_findings(story):
    prose = ('Nelly leans on the counter of the harbor office. "The papers for the Heron," she says. '
             "The HARBORMASTER slides a folder across. Tess waits by the door, arms folded.")
    assert codes(prose, scene_brief(story, 0)) == []


def test_a_missing_character_is_named_in_the_finding(story):
    findings = prose_findings("Nell asks for the papers. The clerk shrugs and shuffles off.", scene_brief(story, 0))
    assert [(f.code, f.message) for f in findings] == [
        ("missing-character", "TESS is in this scene but never named: show TESS by name")]


def test_invented_and_absent_speakers_and_actors(story):
    prose = ('Nell and Tess wait. "Evening," Bob says. ARCHIE walks in. Archie sits down. '
             'A waiter brings tea. "Sit," says the Harbormaster.')
    findings = {f.code: f.message for f in prose_findings(prose, scene_brief(story, 0))}
    assert findings["invented-character"].startswith("Bob speaks here but is not in the story: use only NELL, TESS")
    assert findings["absent-character"].startswith("ARCHIE acts here, but the outline keeps ARCHIE out of this scene")


def test_pronouns_roles_and_sentence_openers_are_not_people(story):
    prose = ("Rain taps on the glass. She looks up. The Clerk nods. Mom calls from the stairs. "
             'Then Nell speaks. "Morning, Archie," Tess says. Tess and Nell laugh. Someone knocks.')
    assert codes(prose, scene_brief(story, 0)) == []


def test_a_name_talked_about_in_dialogue_is_free(story):
    prose = 'Nell turns to Tess. "Archie took the boat," she says. "Archie never asks," Tess says.'
    assert codes(prose, scene_brief(story, 0)) == []


def test_mr_okafor_is_named_by_his_surname():
    assert Person("MR. OKAFOR").named_in("Okafor opens the door.")
    assert not Person("MR. OKAFOR").named_in("Mr. Owens opens the door.")
    assert Person("NELL", ("Nelly",)).named_in("Nelly waits.")
    assert not Person("WILL").named_in("It will rain.")


def test_time_of_day_words_that_contradict_the_heading(story):
    assert time_contradictions("night", "Morning light floods the room.") == ["morning light floods"]
    assert time_contradictions("night", 'It was like that last morning. "Good morning," she says.') == []
    assert time_contradictions("day", "The afternoon drags.") == []
    assert "time-of-day" in codes("Nell and Tess watch the morning sun.", scene_brief(story, 0))


def test_continuous_takes_the_time_of_the_scene_before(story):
    assert scene_brief(story, 1).period == "night"
    assert "time-of-day" in codes("Mr. Okafor ties up his boat in the noon heat.", scene_brief(story, 1))


def test_a_scene_listing_nobody_allows_the_whole_cast(story):
    brief = scene_brief(story, 2)
    assert brief.cast == () and len(brief.allowed) == 4
    assert codes('ARCHIE walks along the quay. "Dawn," he says.', brief) == []


def test_other_languages_count_only_capitals_and_speaker_labels():
    story = load_story_text(STORY.replace("title: Low Water", "title: T\nlanguage: de"), "yaml")
    prose = 'Nell und Tess warten. Der Kellner bringt Tee. Kellner Bob lacht. "Hallo," sagt BOB.'
    assert [a.name for a in actors(prose, "de")] == ["BOB"]
    assert codes(prose, scene_brief(story, 0)) == ["invented-character"]


@pytest.mark.parametrize("junk", ["", "   ", "...", "\x00\x01", '"""', "1. 2. 3.", "INT. - DAY", "\n\n\n"])
def test_empty_or_junk_prose_is_a_finding_never_an_error(story, junk):
    found = codes(junk, scene_brief(story, 0), lambda q, p: [0.0] * len(q))
    assert "no-prose" in found and "missing-character" in found


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_the_gate_never_crashes(text):
    story = load_story_text(STORY, "yaml")
    for index in range(3):
        prose_findings(text, scene_brief(story, index), lambda q, p: [0.5] * len(q))


def test_the_evaluation_counts_a_declared_alias_as_the_gate_does(story):
    from dsr.evaluate.coverage import character_present

    brief = scene_brief(story, 0)
    prose = "Nelly leans on the counter. Tess waits by the door."
    assert "missing-character" not in codes(prose, brief)
    assert character_present("NELL", prose, set(), story.characters[0].aliases)
    assert not character_present("NELL", prose, set())


@pytest.mark.parametrize("opening", ["The scene begins with Nell at the counter.", "In this scene, Nell waits.",
                                     "This scene opens on the harbor office."])
def test_text_about_the_scene_is_a_finding(story, opening):
    prose = opening + " Nell asks for the boat's papers. Tess waits by the door."
    findings = prose_findings(prose, scene_brief(story, 0))
    assert [f.code for f in findings] == ["scene-narration"]
    assert "show what happens" in findings[0].message


@pytest.mark.parametrize("prose", [
    'Nell reads aloud: "In this scene, you are the king." Tess waits by the door.',
    "Nell says the story begins with a wolf. Tess waits by the door. The scene shows no sign of a struggle.",
    "Nell and Tess wait. The story continues to spread through the harbor; the scene is set for a fight.",
])
def test_speech_and_ordinary_uses_of_scene_are_not_narration(story, prose):
    assert codes(prose, scene_brief(story, 0)) == []


def test_narration_the_outline_itself_uses_is_not_held_against_the_prose(story):
    told = story.model_copy(deep=True)
    told.scenes[0].summary = "In this scene, Nell asks for the papers. Tess waits by the door."
    assert codes("In this scene, Nell asks for the papers. Tess waits by the door.", scene_brief(told, 0)) == []
