"""False positives on real screenplays: each corpus script against the outline
reversed from it by the synthesis code (no model: extractive summaries, the
scene's people as its characters). A real script against its own outline
should give almost nothing; what it does give here is a real slip."""

from __future__ import annotations

import re

from testkit.shared import shared

from dsr.fidelity.continuity import check_screenplay
from dsr.screenplay.parser import parse
from dsr.synth.corpus import load_corpus
from dsr.synth.inputs import build_story


def corpus_findings():
    for sp in load_corpus(shared("corpus")):
        story = build_story(sp, {}, {})
        script = parse("\n\n".join(scene.fountain for scene in sp.scenes))
        yield sp, check_screenplay(story, script)


def test_real_screenplays_against_their_own_outlines_give_only_the_one_real_slip():
    scenes = 0
    found = []
    for sp, findings in corpus_findings():
        scenes += len(sp.scenes)
        found += [(sp.id, f.code, f.message) for f in findings]
    assert scenes >= 15
    # The author typed "Margeret" once for MARGARET (Cyber_Bob_ep00001, line 97): a true finding.
    assert found == [("Cyber_Bob_ep00001", "name-drift",
                      "MARGERET looks like MARGARET under a drifting name (write MARGARET, "
                      "or declare MARGERET among MARGARET's aliases in the story)")]


def test_a_drifted_cue_planted_in_each_real_screenplay_is_found():
    """Recall on real text: one cue of a scene's first speaker renamed NAME -> NAMEIE."""
    for sp in load_corpus(shared("corpus")):
        story = build_story(sp, {}, {})
        target = next(scene for scene in sp.scenes if any(el.type == "character" for el in scene.elements))
        name = target.characters[0]
        scenes = [scene.fountain for scene in sp.scenes]
        scenes[target.index] = scenes[target.index].replace(f"\n{name}\n", f"\n{name}IE\n", 1)
        assert f"{name}IE" in scenes[target.index], sp.id
        findings = check_screenplay(story, parse("\n\n".join(scenes)))
        drift = [f for f in findings if f.code == "name-drift" and f.message.startswith(f"{name}IE looks like")]
        assert [f.scenes for f in drift] == [(target.index + 1,)], sp.id


def test_with_every_heading_turned_to_day_the_real_moonlight_is_the_one_time_finding():
    """Recall on real action lines: the corpus names a time of day in its action
    twice ("It is early evening." in a NIGHT scene, fine; "beautiful moonlight");
    only the moonlight contradicts DAY."""
    found = []
    for sp in load_corpus(shared("corpus")):
        story = build_story(sp, {}, {})
        day = "\n\n".join(scene.fountain.replace(
            scene.heading.text, re.split(r"\s+-\s+|--", scene.heading.text)[0] + " - DAY", 1) for scene in sp.scenes)
        found += [(sp.id, f.scenes, f.message.split("'")[1]) for f in check_screenplay(story, parse(day))
                  if f.code == "time-contradiction"]
    assert found == [("ASCENT_TO_GURU_PEAK", (4,), "is beautiful moonlight and twilight")]
