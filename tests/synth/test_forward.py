"""Forward synthesis with a scripted teacher: the pipeline's stage-1 prompts,
K samples as distinct cache entries, the reference ablation, junk answers."""

from __future__ import annotations

import json

import pytest
from synth_fakes import GoodModel
from synth_paths import make_corpus

from dsr.errors import UserError
from dsr.llm.cache import CallJournal
from dsr.pipeline.stage1 import DIRECTIVES_SCHEMA, directives_messages, prose_messages
from dsr.story.loader import load_story
from dsr.story.model import SceneDirectives
from dsr.synth.jobs import forward_job, reverse_job
from dsr.synth.records import RecordStore, read_jsonl
from dsr.synth.settings import ForwardSettings, ReverseSettings, RunOptions


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    reverse_job(make_corpus(tmp_path, names=()), data, ReverseSettings(), RunOptions(), backend=GoodModel())
    return data


def forward(data, model, **settings):
    return forward_job(data, ForwardSettings(**settings), RunOptions(), backend=model)


def test_teacher_gets_exactly_the_pipelines_stage1_prompts(data):
    model = GoodModel()
    forward(data, model)
    story = load_story(data / "stories" / "night_shift.json")
    inputs = read_jsonl(data / "inputs.jsonl")
    directives = [r for r in model.requests if r.kind == "directives"]
    proses = [r for r in model.requests if r.kind == "prose"]
    assert [r.messages for r in directives] == [directives_messages(story, i["scene"], i["context"]) for i in inputs]
    assert directives[0].params.json_schema == DIRECTIVES_SCHEMA
    records = RecordStore(data / "forward.jsonl").records()
    plan = SceneDirectives.model_validate(records[0]["result"]["directives"])
    assert proses[0].messages == prose_messages(story, 0, inputs[0]["context"], plan)
    assert records[0]["result"]["prose"].startswith(inputs[0]["outline"]["summary"])


def test_k_samples_are_distinct_cache_entries_and_records(data):
    model = GoodModel()
    summary = forward(data, model, samples=3)
    assert summary.planned == summary.new == 2 * 3
    records = RecordStore(data / "forward.jsonl").records()
    assert sorted(r["sample"] for r in records) == [0, 0, 1, 1, 2, 2]
    assert sorted({r.sample for r in model.requests}) == [0, 100, 200]  # the pipeline's take numbering
    assert len({r["result"]["prose"] for r in records}) == 6
    journal = CallJournal(data / "calls.sqlite")
    assert journal.repeated_keys() == {}
    # Asking for more samples later only draws the new ones.
    before = len(model.requests)
    summary = forward(data, model, samples=4)
    assert summary.already_done == 6 and summary.new == 2 and len(model.requests) - before == 4


def test_with_reference_grounds_the_teacher_and_is_a_separate_record(data):
    model = GoodModel()
    forward(data, model)
    forward(data, model, with_reference=True)
    grounded = [r for r in model.requests if "For reference, the scene as it appears" in r.user]
    assert len(grounded) == 4  # directives and prose of both scenes
    assert "Last bus left at twelve." in grounded[0].user
    records = RecordStore(data / "forward.jsonl").records()
    assert [r["with_reference"] for r in records] == [False, False, True, True]
    assert len({r["id"] for r in records}) == 4
    assert records[2]["prompt_version"].startswith(records[0]["prompt_version"] + "+")


def test_unparsed_directives_and_truncated_prose(data):
    model = GoodModel(overrides={"directives": lambda r: "I think the scene should be sad."})
    forward(data, model, junk_retries=1)
    records = RecordStore(data / "forward.jsonl").records()
    assert {r["status"] for r in records} == {"unparsed"}
    assert records[0]["reason"] == "directives answer was not the JSON asked for"
    assert records[0]["raw"] == "I think the scene should be sad."
    assert model.count("prose") == 0

    from synth_fakes import prose_answer

    model = GoodModel(overrides={"prose": lambda r: (prose_answer(r) + " And then she", "length")})
    forward(data, model, temperature=0.5)  # other params: other records
    cut = [r for r in RecordStore(data / "forward.jsonl") if r["params"]["prose"]["temperature"] == 0.5]
    assert all(r["status"] == "ok" and r["flags"] == ["truncated"] for r in cut)
    assert all(not r["result"]["prose"].endswith("And then she") for r in cut)


def test_only_scenes_with_a_parsed_beat_are_forwarded(tmp_path):
    data = tmp_path / "data"
    junk = GoodModel(overrides={"scene": lambda r: "no json here"})
    reverse_job(make_corpus(tmp_path, names=()), data, ReverseSettings(junk_retries=0), RunOptions(), backend=junk)
    summary = forward(data, GoodModel())
    assert summary.planned == 0
    assert summary.dropped == {"not forwarded: reverse beat unparsed": 2}


def test_forward_needs_reverse_first(tmp_path):
    with pytest.raises(UserError, match="run `dsr synth reverse"):
        forward(tmp_path, GoodModel())


def test_forward_plan_names_the_records_of_the_latest_run(data):
    forward(data, GoodModel(), samples=2)
    plan = json.loads((data / "forward_plan.json").read_text())
    assert len(plan["ids"]) == 4 and plan["settings"]["samples"] == 2
