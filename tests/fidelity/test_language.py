"""The draft is in the story's language (small models answer a German
outline in English)."""

import pytest

from dsr.fidelity.language import foreign_language
from dsr.fidelity.prose import prose_findings, scene_brief
from dsr.story.loader import load_story_text
from testkit.shared import CORPUS, needs_shared

GERMAN = ("Lina steht vor dem Automaten und zählt die Flaschen. Horst lehnt an der Wand, er sagt nichts. "
          "Sie schiebt die letzte Flasche hinein, aber der Automat piept und gibt sie zurück. "
          "Dilek lacht hinter der Theke und fragt, seit wann er Lehrlinge hat.")
ENGLISH = ("Lina stands at the machine and counts the bottles. Horst leans on the wall; he says nothing. "
           "She pushes the last bottle in, but the machine beeps and gives it back to her. "
           "Dilek laughs behind the counter and asks him when he started taking apprentices.")


def test_english_prose_for_a_german_story_is_found_and_german_is_not():
    assert foreign_language(ENGLISH, "de") == "English"
    assert foreign_language(GERMAN, "de") is None
    assert foreign_language(GERMAN, "en") == "German"
    assert foreign_language(ENGLISH, "en") is None


def test_little_text_or_an_unlisted_language_says_nothing():
    assert foreign_language("Lina counts the bottles.", "de") is None
    assert foreign_language(ENGLISH, "ja") is None


@needs_shared
def test_the_corpus_scripts_are_english():
    scripts = sorted(CORPUS.glob("*.fountain"))
    assert scripts
    for path in scripts:
        assert foreign_language(path.read_text("utf-8", errors="replace"), "en") is None, path.name


STORY = """\
title: Pfand
language: de
characters:
  - name: LINA
  - name: HORST
scenes:
  - place: SPÄTI
    time: NACHT
    characters: [LINA, HORST]
    summary: Lina zählt Flaschen am Automaten. Horst schweigt.
"""


@pytest.mark.parametrize("prose, found", [(ENGLISH, True), (GERMAN, False)])
def test_the_gate_sends_back_prose_in_the_wrong_language(prose, found):
    brief = scene_brief(load_story_text(STORY, "yaml"), 0)
    findings = [f for f in prose_findings(prose, brief) if f.code == "language"]
    assert bool(findings) == found
    if found:
        assert findings[0].message == ("the story is in German, but this text is in English: "
                                       "write the scene in German")
