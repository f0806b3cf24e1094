"""Reverse synthesis with a scripted model: plan, records, stories, inputs,
unparsed answers, failures, resume, lock."""

from __future__ import annotations

import json
import os

import pytest
from synth_fakes import GoodModel, scene_answer
from synth_paths import make_corpus

from dsr.errors import UserError
from dsr.llm.base import LLMError
from dsr.llm.cache import CallJournal
from dsr.pipeline.context import previous_context
from dsr.story.loader import load_story
from dsr.synth.corpus import load_corpus, scene_as_prose
from dsr.synth.jobs import reverse_job
from dsr.synth.records import RecordStore, read_jsonl
from dsr.synth.reverse import plan_reverse
from dsr.synth.settings import ReverseSettings, RunOptions


def reverse(corpus, data, model, **settings):
    return reverse_job(corpus, data, ReverseSettings(**settings), RunOptions(), backend=model)


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path)


def test_plan_is_deterministic_and_respects_limits(corpus):
    screenplays = load_corpus(corpus, max_scenes=1)
    assert [sp.id for sp in screenplays] == ["Cyber_Bob_epLocalTransDimensionalRift", "night_shift"]
    items = plan_reverse(screenplays, ReverseSettings(max_characters=1), "fake:good")
    assert [i.step for i in items] == ["reverse.character", "reverse.scene"] * 2
    again = plan_reverse(load_corpus(corpus, max_scenes=1), ReverseSettings(max_characters=1), "fake:good")
    assert [i.id for i in items] == [i.id for i in again]
    other_model = plan_reverse(screenplays, ReverseSettings(max_characters=1), "fake:other")
    assert not {i.id for i in items} & {i.id for i in other_model}


def test_reverse_writes_records_stories_and_inputs(tmp_path, corpus):
    model = GoodModel()
    data = tmp_path / "data"
    summary = reverse(corpus, data, model, max_characters=2)
    records = RecordStore(data / "reverse.jsonl").records()
    assert summary.new == len(records) == model.count("scene") + model.count("character")
    assert all(r["status"] == "ok" and r["model"] == "fake:good" and r["prompt_version"] for r in records)
    # Every scene input has provenance and the outline in dsr write's shape.
    inputs = read_jsonl(data / "inputs.jsonl")
    assert [(i["screenplay"], i["scene"]) for i in inputs] == [
        ("Cyber_Bob_epLocalTransDimensionalRift", 0), ("Cyber_Bob_epLocalTransDimensionalRift", 1),
        ("Cyber_Bob_epLocalTransDimensionalRift", 2), ("night_shift", 0), ("night_shift", 1)]
    first = inputs[3]
    assert first["provenance"]["file"] == "night_shift.fountain" and first["provenance"]["scene_hash"]
    assert first["outline"] | {"summary": "-"} == {"summary": "-", "place": "BUS DEPOT", "time": "NIGHT",
                                                   "interior": True, "characters": ["RUTH", "TEO"], "extras": [], "directives": ""}
    assert first["heading"] == "INT. BUS DEPOT - NIGHT"
    assert first["reference"].startswith("INT. BUS DEPOT - NIGHT #1#\n") or first["reference"].startswith("INT. BUS DEPOT - NIGHT\n")
    # The story file is a valid dsr write story (the loader's cross-checks included).
    story = load_story(data / "stories" / "night_shift.json")
    assert [c.name for c in story.characters] == ["RUTH", "TEO"]
    assert "Wants:" in story.character("RUTH").profile
    assert story.scenes[1].summary == inputs[4]["outline"]["summary"]
    # The context is the pipeline's, with the previous real scene as prose.
    prev = load_corpus(corpus)[1].scenes[0]
    assert inputs[4]["context"] == previous_context(story, 1, scene_as_prose(prev))
    assert inputs[3]["context"] == "This is the first scene."
    assert "RUTH says" in inputs[4]["context"]


def test_rerun_makes_no_call_and_no_new_record(tmp_path, corpus):
    model = GoodModel()
    data = tmp_path / "data"
    reverse(corpus, data, model)
    calls, lines = len(model.requests), (data / "reverse.jsonl").read_text()
    summary = reverse(corpus, data, model)
    assert len(model.requests) == calls
    assert (data / "reverse.jsonl").read_text() == lines
    assert summary.new == 0 and summary.already_done == summary.planned


def test_unparseable_answers_are_kept_with_raw_text_and_reason(tmp_path, corpus):
    model = GoodModel(overrides={"scene": lambda r: "Sure! The scene is about a man. Hope this helps."})
    data = tmp_path / "data"
    summary = reverse(corpus, data, model, junk_retries=1)
    scenes = [r for r in RecordStore(data / "reverse.jsonl") if r["step"] == "reverse.scene"]
    assert scenes and all(r["status"] == "unparsed" for r in scenes)
    assert all(r["raw"].startswith("Sure!") and r["reason"] == "no JSON object in the answer" for r in scenes)
    # One retry each, with its own sample index (a distinct cache entry).
    assert sorted({r.sample for r in model.requests if r.kind == "scene"}) == [0, 1]
    assert model.count("scene") == 2 * len(scenes)
    assert summary.dropped == {"unparsed: no JSON object in the answer": len(scenes)}
    # The story stays whole (extractive summaries), the inputs say why.
    inputs = read_jsonl(data / "inputs.jsonl")
    assert all(i["beat_status"] == "unparsed" and i["directives"] is None for i in inputs)
    assert load_story(data / "stories" / "night_shift.json").scenes[0].summary.startswith("Fluorescent tubes")


def test_truncated_answer_is_unparsed_with_the_limit_in_the_reason(tmp_path, corpus):
    model = GoodModel(overrides={"scene": lambda r: ('{"summary": "Ruth mops', "length")})
    data = tmp_path / "data"
    reverse(corpus, data, model, junk_retries=0, max_tokens=64)
    scene = next(r for r in RecordStore(data / "reverse.jsonl") if r["step"] == "reverse.scene")
    assert scene["reason"] == "cut off by the token limit (asked with 64, then 128 tokens)"
    assert {r.params.max_tokens for r in model.requests if r.kind == "scene"} == {64, 128}


def test_junk_beats_and_profiles_stay_out_of_the_stories(tmp_path, corpus):
    echo = json.dumps({"summary": "What happens, in one to three sentences that name the characters",
                       "pacing": "fast", "revelation": "none", "emotional_trajectory": "flat",
                       "action_beats": ["walks"]})
    same = json.dumps({"who": "RUTH's voice", "wants": "RUTH's voice", "flaws": "RUTH's voice",
                       "voice": "RUTH's voice", "relationships": []})
    model = GoodModel(overrides={"scene": lambda r: echo, "character": lambda r: same})
    data = tmp_path / "data"
    summary = reverse(corpus, data, model)
    inputs = read_jsonl(data / "inputs.jsonl")
    assert all(i["beat_status"] == "rejected" and "echoes the prompt" in i["beat_reason"] for i in inputs)
    story = load_story(data / "stories" / "night_shift.json")
    assert story.character("RUTH").profile == "" and "What happens" not in story.scenes[0].summary
    assert summary.kept == 0
    assert summary.dropped["profile left out: profile fields repeat each other"] >= 2
    profiles = read_jsonl(data / "profiles.jsonl")
    assert profiles and not any(p["kept"] for p in profiles)


def test_failed_calls_leave_no_record_and_are_retried_next_run(tmp_path, corpus):
    def flaky(request):
        if "BUS DEPOT" in request.user:
            raise LLMError("fake: HTTP 503 after 4 retries")
        return scene_answer(request)

    model = GoodModel(overrides={"scene": flaky})
    data = tmp_path / "data"
    summary = reverse(corpus, data, model)
    assert summary.failed == 2 and summary.errors == {"fake: HTTP 503 after 4 retries": 2}
    done = RecordStore(data / "reverse.jsonl").records()
    assert not [r for r in done if r["source"].get("scene") is not None and r["source"]["screenplay"] == "night_shift"]
    inputs = read_jsonl(data / "inputs.jsonl")
    assert [i["beat_status"] for i in inputs if i["screenplay"] == "night_shift"] == ["missing", "missing"]
    # The server is back: only the two failed scenes are asked again.
    model.overrides.clear()
    before = len(model.requests)
    summary = reverse(corpus, data, model)
    assert len(model.requests) - before == 2 and summary.new == 2 and summary.failed == 0


def test_a_dead_server_stops_the_run_after_max_failures(tmp_path, corpus):
    def down(request):
        raise LLMError("fake: connection refused")

    model = GoodModel(overrides={"scene": down, "character": down})
    with pytest.raises(UserError) as err:
        reverse_job(corpus, tmp_path / "data", ReverseSettings(), RunOptions(max_failures=3, concurrency=1),
                    backend=model)
    assert err.value.exit_code == 4 and "3 items failed in a row" in str(err.value)
    assert len(model.requests) == 3


def test_second_run_on_the_same_directory_is_refused(tmp_path, corpus):
    data = tmp_path / "data"
    data.mkdir()
    (data / ".lock").write_text(f"{os.getppid()} {os.uname().nodename}\n")  # a live process holds it
    with pytest.raises(UserError) as err:
        reverse(corpus, data, GoodModel())
    assert err.value.exit_code == 3 and "in use by another dsr synth" in str(err.value)


def test_corpus_errors_are_one_line(tmp_path):
    with pytest.raises(UserError, match="not a directory"):
        reverse(tmp_path / "nowhere", tmp_path / "data", GoodModel())
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "script.fdx").write_text("<FinalDraft/>")
    with pytest.raises(UserError, match=r"no \.fountain files .*run `dsr import` first"):
        reverse(tmp_path / "raw", tmp_path / "data", GoodModel())


def test_journal_has_one_successful_call_per_record(tmp_path, corpus):
    data = tmp_path / "data"
    reverse(corpus, data, GoodModel())
    journal = CallJournal(data / "calls.sqlite")
    assert journal.real_calls() == len(RecordStore(data / "reverse.jsonl").records())
    assert journal.repeated_keys() == {}


def test_unusable_corpus_files_are_left_out_with_why(tmp_path, corpus):
    (corpus / "broken.fountain").write_bytes(b"\x00\x01binary" * 20)
    (corpus / "notes.fountain").write_text("Just some notes about the film, no scenes at all.\n")
    summary = reverse(corpus, tmp_path / "data", GoodModel())
    assert any(n.startswith("left out broken.fountain: a binary file") for n in summary.notes)
    assert any(n.startswith("left out notes.fountain: no scene heading") for n in summary.notes)
    assert {i["screenplay"] for i in read_jsonl(tmp_path / "data" / "inputs.jsonl")} == {
        "Cyber_Bob_epLocalTransDimensionalRift", "night_shift"}
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "empty.fountain").write_text("")
    with pytest.raises(UserError, match=r"no screenplay with a usable scene \(empty.fountain: empty file\)"):
        reverse(only_bad, tmp_path / "data2", GoodModel())
