"""Format metrics without a model: agreement with `dsr check`, the
novelization index, outline coverage."""

from __future__ import annotations

import pytest
from eval_fakes import EXAMPLE_STORY, make_run, no_embedding

from dsr.evaluate import coverage
from dsr.evaluate.format_metrics import script_metrics, system_metrics
from dsr.evaluate.items import load_system
from dsr.evaluate.novelization import novelization_index, sentence_kinds
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import validate
from dsr.story.loader import load_story
from testkit.shared import shared


@pytest.mark.parametrize("name", ["THE_LIBRARY_FREAK-OUT", "Cyber_Bob_epWinDebateAgainstLincoln",
                                  "Cyber_Bob_epSithSuperInformalLanguage", "ASCENT_TO_GURU_PEAK"])
def test_metrics_of_corpus_scripts_agree_with_the_validator_and_statistics(name):
    text = shared("corpus", f"{name}.fountain").read_text("utf-8")
    metrics = script_metrics(text)
    script = parse(text)  # what `dsr check` reports
    findings, stats = validate(script, text), statistics(script)
    assert metrics["scenes"] == stats["scenes"]
    assert metrics["pages"] == stats["pages"]
    assert metrics["dialogue_action_ratio"] == stats["dialogue_action_ratio"]
    assert metrics["speaking_characters"] == len(stats["characters"])
    errors = sum(f.severity == "error" for f in findings)
    assert metrics["validator"]["errors"] == errors
    assert metrics["validator"]["warnings"] == len(findings) - errors
    assert sum(metrics["validator"]["by_code"].values()) == len(findings)
    if metrics["printed_elements"]:
        assert metrics["validator"]["warnings_per_100_elements"] == pytest.approx(
            100 * (len(findings) - errors) / metrics["printed_elements"])


def test_a_script_without_headings_has_an_error_rate_and_no_scene_rate():
    metrics = script_metrics(shared("corpus", "Cyber_Bob_epSithSuperInformalLanguage.fountain").read_text("utf-8"))
    assert metrics["scenes"] == 0
    assert metrics["validator"]["by_code"].get("no-scene-heading") == 1
    assert metrics["validator"]["errors_per_scene"] is None


@pytest.mark.parametrize("sentence, kinds", [
    ("She walks to the door.", []),
    ("She walked to the door.", ["past_tense"]),
    ("It was late.", ["past_tense"]),
    ("He looks where the other sign was.", []),
    ("The bored clerk stamps a form.", []),
    ("We see the harbour at dawn.", ["camera"]),
    ("She realizes he has gone.", ["interior"]),
    ("Bob remembered the day and felt a pang of regret.", ["interior", "past_tense"]),
    ("A sign reads \"We see everything\".", []),
])
def test_novelization_kinds_of_action_sentences(sentence, kinds):
    assert sentence_kinds(sentence) == kinds


def test_novelization_index_counts_action_sentences_only():
    script = parse("INT. ROOM - DAY\n\nShe walked in. She sits. We see a clock. The kettle hums.\n\n"
                   "BOB\nI walked here, I was tired.\n")
    result = novelization_index(script)
    assert (result.sentences, result.novelistic) == (4, 2)
    assert result.index == 0.5
    assert result.by_kind == {"interior": 0, "camera": 1, "past_tense": 1}
    assert result.examples == ["She walked in.", "We see a clock."]


def test_coverage_counts_named_characters_and_says_when_it_cannot_embed(tmp_path, monkeypatch):
    monkeypatch.setattr(coverage, "embed", no_embedding)
    run = load_system(str(make_run(tmp_path / "r", [
        "JUNE rattles the lock. A door opens across the landing.\n\nMR. OKAFOR\nTea?",
        "A cat sleeps on an armchair.",
    ])))
    result = system_metrics(run)["coverage"]
    assert (result["characters_named"], result["characters_present"]) == (4, 2)
    assert result["character_coverage"] == 0.5
    assert result["per_scene"][1]["characters_missing"] == ["JUNE", "MR. OKAFOR"]
    assert result["event_similarity"] is None
    assert result["notes"] == ["event similarity left out: no sentence embedder in this test"]


@pytest.mark.slow
def test_coverage_matches_scenes_to_their_own_beats_with_the_offline_embedder():
    story = load_story(EXAMPLE_STORY)
    scenes = [
        "INT. LANDING - MORNING\n\nJUNE's key will not turn in the jammed lock. MR. OKAFOR opens his door, offers a "
        "chair and tea, and hides a bag of cat food behind his back.",
        "INT. FLAT - CONTINUOUS\n\nJune's cat sleeps in Mr. Okafor's armchair wearing a knitted collar. June sits "
        "beside the cat and takes the tea.",
    ]
    result = coverage.outline_coverage(story, scenes)
    assert result["beat_match_rate"] == 1.0
    assert result["event_similarity"] > 0.5
    swapped = coverage.outline_coverage(story, scenes[::-1])
    assert swapped["beat_match_rate"] == 0.0
    assert swapped["event_similarity"] < result["event_similarity"]
