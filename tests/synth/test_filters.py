"""The filters: text checks, and outline adherence with the real offline embedder."""

from __future__ import annotations

import pytest
from synth_paths import make_corpus

from dsr.synth import textchecks
from dsr.synth.corpus import load_corpus, scene_as_prose
from dsr.synth.filters import FilterConfig, Verdict, check_beat, check_forward, mark_near_duplicates, reason_key

CFG = FilterConfig()


@pytest.fixture(scope="module")
def embedder():
    from dsr.synth.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    corpus = make_corpus(tmp_path_factory.mktemp("c"), names=())
    return load_corpus(corpus)[0]


def entry_for(sp, index, summary, directives=None, status="ok"):
    scene = sp.scenes[index]
    return {"id": f"in{index}", "screenplay": sp.id, "scene": index, "beat_status": status, "beat_reason": None,
            "outline": {"summary": summary, "characters": scene.characters},
            "directives": directives or {"pacing": "Slow, then quick.", "revelation": "Teo is running away.",
                                         "emotional_trajectory": "Wary to warm.",
                                         "action_beats": ["Ruth mops.", "Teo arrives.", "They talk."]},
            "reference_prose": scene_as_prose(scene)}


GOOD_SUMMARY = "At night in an empty bus depot, Ruth the cleaner meets Teo, a soaked young man who will wait for the first bus."
GOOD_PROSE = (
    "Fluorescent tubes buzz over rows of empty benches in the bus depot. RUTH, sixty, mops the same tile again and again.\n\n"
    "The door bangs open. TEO, twenty, soaked to the skin, drips on her clean floor.\n\n"
    'RUTH says without looking up, "Last bus left at twelve."\n\n'
    'TEO says, "Then I\'ll wait for the first one." He sits on a bench, water pooling under him.\n\n'
    'Ruth leans the mop against the wall and looks at him properly for the first time. "You got a name?"')


@pytest.mark.parametrize("text, reason", [
    ("I'm leery, I'm leery, I'm leery, I'm leery, I'm leery, I'm leery about the trail", "repetition loop"),
    ("The old depot is very quiet. Ruth mops. " * 3, "the same sentence again and again"),
    ("What the audience learns, and when (one sentence)", "echoes the prompt's instructions"),
    ("I'm sorry, but I cannot write that scene.", "refusal"),
    ("Sure! Here is the prose you asked for.\n\nRuth mops.", "chatter addressed to the user"),
    ('{"pacing": "fast"}', "markup or JSON left in the text"),
    ("", "empty"),
])
def test_degenerate_text(text, reason):
    assert reason in textchecks.degenerate(text)


def test_real_speech_is_not_taken_for_a_refusal_or_a_loop():
    text = 'TEO says, "I\'m sorry. I can\'t help it." LINCOLN says, "What?" LINCOLN says, "What?" LINCOLN says, "What?"'
    assert textchecks.degenerate(text) == []
    assert textchecks.degenerate(GOOD_PROSE) == []


def test_telling_counts_interior_markers_outside_quotes():
    told = "Ruth thinks about her son. She realizes he is gone and feels sad. She remembers the war."
    reasons, count = textchecks.telling(told)
    assert count >= 4 and reasons and reasons[0].startswith("tells instead of shows")
    assert textchecks.telling('RUTH says, "I think you know what I remember."') == ([], 0)
    assert textchecks.telling(GOOD_PROSE)[0] == []


def test_names_match_any_part_of_a_name():
    assert textchecks.missing_names("Cyber rolls his eyes. Margaret laughs.", ["CYBER BOB", "MARGARET", "DOG"]) == ["DOG"]


def test_beat_kept_when_about_the_scene(night, embedder):
    verdict = check_beat(entry_for(night, 0, GOOD_SUMMARY), embedder, CFG)
    assert verdict.kept, verdict.reasons
    assert verdict.scores["summary_vs_scene"] > CFG.beat_similarity


def test_beat_about_another_story_is_dropped(night, embedder):
    summary = "Captain Vega lands the shuttle on Mars and Teo radios the crew about the dust storm."
    verdict = check_beat(entry_for(night, 0, summary), embedder, CFG)
    assert [reason_key(r) for r in verdict.reasons] == ["summary is not about the scene"]


def test_beat_junk_from_a_small_model_is_dropped(night, embedder):
    summary = "The scene ends with a dramatic twist, and it is a moment of great beauty, but it is a moment of great beauty."
    directives = {"pacing": "How fast the scene moves and where it slows down (one sentence)", "revelation": "x",
                  "emotional_trajectory": "y", "action_beats": ["GURU 12 MI.", "GURU 12 MI.", "GURU 12 MI."]}
    verdict = check_beat(entry_for(night, 0, summary, directives), embedder, CFG)
    keys = {reason_key(r) for r in verdict.reasons}
    assert {"directives: echoes the prompt's instructions", "directives: repeated action beats",
            "summary names none of the scene's characters", "summary is not about the scene"} <= keys


def record(prose, sample=0, status="ok", flags=()):
    return {"id": f"f{sample}", "sample": sample, "status": status, "flags": list(flags), "reason": "x",
            "result": {"prose": prose, "directives": {"pacing": "Slow.", "revelation": "His name.",
                                                      "emotional_trajectory": "Cold to warm.",
                                                      "action_beats": ["He enters.", "She talks."]}}}


def kept_beat(entry):
    return Verdict("beat", entry["id"], entry["screenplay"], scene=entry["scene"], reasons=[])


def test_good_prose_is_kept(night, embedder):
    entry = entry_for(night, 0, GOOD_SUMMARY)
    verdict = check_forward(record(GOOD_PROSE), entry, kept_beat(entry), embedder, CFG)
    assert verdict.kept, verdict.reasons
    assert verdict.scores["outline_vs_prose"] >= CFG.prose_similarity


def test_prose_problems_each_have_their_reason(night, embedder):
    entry = entry_for(night, 0, GOOD_SUMMARY + " Teo admits he is running from his brother.")
    prose = ("Ruth thinks about the old days. She feels sad and remembers her husband. She wonders why "
             "the rain never stops and realizes she is tired. " * 2 + "The depot is quiet and the tubes buzz.")
    verdict = check_forward(record(prose, flags=["truncated"]), entry, kept_beat(entry), embedder, CFG)
    keys = {reason_key(r) for r in verdict.reasons}
    assert {"prose cut off by the token limit", "tells instead of shows",
            "characters of the beat not in the prose", "an event of the outline is missing from the prose"} <= keys
    assert "characters of the beat not in the prose (TEO)" in verdict.reasons


def test_unparsed_teacher_and_dropped_beat(night, embedder):
    entry = entry_for(night, 0, GOOD_SUMMARY)
    beat = Verdict("beat", "in0", night.id, scene=0, reasons=["summary is not about the scene"])
    verdict = check_forward(record("", status="unparsed"), entry, beat, embedder, CFG)
    assert verdict.reasons == ["its outline beat was dropped", "teacher answer unparsed: x"]


def test_near_duplicates_keep_the_first(night, embedder):
    entry = entry_for(night, 0, GOOD_SUMMARY)
    other = GOOD_PROSE.replace("sixty", "about sixty")
    verdicts = [Verdict("forward", f"f{k}", night.id, scene=0, sample=k, reasons=[]) for k in range(3)]
    different = "TEO and RUTH sit together outside under the shelter while the rain hammers the roof and a car passes."
    mark_near_duplicates(verdicts, [GOOD_PROSE, other, different], embedder, CFG)
    assert [v.kept for v in verdicts] == [True, False, True]
    assert reason_key(verdicts[1].reasons[0]) == "near-duplicate of another sample"
    assert entry["screenplay"] == night.id


def test_real_scenes_read_as_prose_pass_the_prose_checks(embedder, tmp_path):
    """The reverse-only targets (real scenes) are what good prose looks like."""
    corpus = load_corpus(make_corpus(tmp_path, names=("ASCENT_TO_GURU_PEAK", "Cyber_Bob_ep00001")))
    failing = []
    for sp in corpus:
        for scene in sp.scenes:
            prose = scene_as_prose(scene)
            problems = textchecks.degenerate(prose) + textchecks.missing_names(prose, scene.characters)
            if problems:
                failing.append((sp.id, scene.index, problems))
    assert len(failing) <= 1, failing
