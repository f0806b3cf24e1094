"""Datasets: split by screenplay, rows that are the pipeline's own prompts,
the card, loading with `datasets`, one batch through TRL's collator."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synth_fakes import GoodModel
from synth_paths import make_corpus

from dsr.cli import main
from dsr.errors import UserError
from dsr.pipeline.direct import direct_messages
from dsr.pipeline.stage1 import directives_messages
from dsr.pipeline.stage2 import stage2_messages
from dsr.screenplay.parser import parse
from dsr.story.loader import load_story
from dsr.synth.dataset import KINDS, dataset_job
from dsr.synth.jobs import forward_job, reverse_job
from dsr.synth.records import read_jsonl
from dsr.synth.settings import ForwardSettings, ReverseSettings, RunOptions
from dsr.synth.split import SPLITS, split_counts, split_screenplays


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=4), max_size=40), st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_split_is_by_screenplay_seeded_and_complete(ids, seed):
    assignment = split_screenplays(ids, seed, (0.8, 0.1, 0.1))
    assert set(assignment) == set(ids)  # every screenplay in exactly one split (a dict cannot hold two)
    assert split_screenplays(list(reversed(ids)), seed, (0.8, 0.1, 0.1)) == assignment  # order-free
    if ids:
        assert "train" in assignment.values()


def test_split_counts():
    assert split_counts(10, (0.8, 0.1, 0.1)) == [8, 1, 1]
    assert split_counts(3, (0.8, 0.1, 0.1)) == [1, 1, 1]
    assert split_counts(2, (0.8, 0.1, 0.1)) == [2, 0, 0]
    assert split_counts(1, (0.0, 0.5, 0.5)) == [1, 0, 0]
    assert sum(split_counts(1000, (0.7, 0.2, 0.1))) == 1000
    seeds = {tuple(sorted(k for k, v in split_screenplays(list("abcdefghij"), s, (0.8, 0.1, 0.1)).items()
                          if v == "test")) for s in range(10)}
    assert len(seeds) > 1  # the seed matters


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Good data from the scripted model (two samples per scene, grounded), then datasets."""
    tmp = tmp_path_factory.mktemp("ds")
    corpus = make_corpus(tmp, names=("ASCENT_TO_GURU_PEAK", "Cyber_Bob_epLocalTransDimensionalRift",
                                      "Cyber_Bob_ep00001"))
    data = tmp / "data"
    model = GoodModel()
    reverse_job(corpus, data, ReverseSettings(max_scenes=3), RunOptions(), backend=model)
    forward_job(data, ForwardSettings(samples=2, with_reference=True), RunOptions(), backend=model)
    out = tmp / "datasets"
    summaries, card = dataset_job(data, out, seed=3)
    return data, out, summaries, card


def rows(out, kind):
    return [row for split in SPLITS for row in read_jsonl(out / kind / f"{split}.jsonl")]


def test_files_and_no_screenplay_in_two_splits(made):
    data, out, summaries, card = made
    for kind in KINDS:
        seen = {}
        for split in SPLITS:
            for row in read_jsonl(out / kind / f"{split}.jsonl"):
                assert seen.setdefault(row["meta"]["screenplay"], split) == split
    stats = json.loads((out / "stats.json").read_text())
    assignment = {s: split for split, ids in stats["screenplays"].items() for s in ids}
    assert sorted(assignment) == ["ASCENT_TO_GURU_PEAK", "Cyber_Bob_ep00001", "Cyber_Bob_epLocalTransDimensionalRift",
                                  "night_shift"]
    assert all(stats["rows"][kind][split] == len(read_jsonl(out / kind / f"{split}.jsonl"))
               for kind in KINDS for split in SPLITS)
    assert all(rows(out, kind) for kind in KINDS)


def test_rows_are_the_pipelines_prompts_with_the_right_targets(made):
    data, out, _, _ = made
    inputs = {(i["screenplay"], i["scene"]): i for i in read_jsonl(data / "inputs.jsonl")}
    verdicts = {v["id"]: v for v in read_jsonl(data / "verdicts.jsonl") if v["kind"] == "forward"}
    for row in rows(out, "stage1"):
        entry = inputs[(row["meta"]["screenplay"], row["meta"]["scene"])]
        story = load_story(data / entry["story_file"])
        assert verdicts[row["meta"]["forward_id"]]["kept"]
        if row["task"] == "stage1.directives":
            assert row["prompt"] == directives_messages(story, entry["scene"], entry["context"])
            assert set(json.loads(row["completion"][0]["content"])) == {"pacing", "revelation",
                                                                        "emotional_trajectory", "action_beats"}
    for row in rows(out, "stage2"):
        entry = inputs[(row["meta"]["screenplay"], row["meta"]["scene"])]
        story = load_story(data / entry["story_file"])
        assert row["prompt"][0] == stage2_messages(entry["heading"], "", [], "English")["fountain"][0]
        target = row["completion"][0]["content"]
        assert target.startswith(entry["heading"] + "\n\n")
        assert [e.type for e in parse(target).elements][0] == "scene_heading"
    for row in rows(out, "direct"):
        entry = inputs[(row["meta"]["screenplay"], row["meta"]["scene"])]
        story = load_story(data / entry["story_file"])
        assert row["prompt"] == direct_messages(story, entry["scene"], entry["direct_context"])["fountain"]
    prose_rows = [r for r in rows(out, "reverse_only") if r["task"] == "reverse_only.prose"]
    assert all(r["completion"][0]["content"] == inputs[(r["meta"]["screenplay"], r["meta"]["scene"])]["reference_prose"]
               for r in prose_rows)


def test_card_reports_counts_tokens_drops_and_models(made):
    _, out, summaries, card = made
    text = card.read_text()
    assert "| stage1 |" in text and "SmolLM2-135M tokenizer" in text
    assert "teacher samples" in text and "fake:good" in text and "yes (ablation)" in text
    stats = json.loads((out / "stats.json").read_text())
    assert stats["tokens"]["stage2"]["completion"]["max"] > 0
    report = stats["filters_report"]["teacher samples"]
    assert report["items"] == report["kept"] + report["dropped"]
    assert [s.step for s in summaries] == ["filter: profiles", "filter: beats", "filter: teacher", "dataset"]


def test_datasets_load_and_a_batch_goes_through_trls_collator(made, tmp_path):
    datasets = pytest.importorskip("datasets")
    pytest.importorskip("trl")
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import SFTConfig, SFTTrainer

    from dsr.llm.embedded import default_gguf_path

    _, out, _, _ = made
    loaded = datasets.load_dataset("json", data_files={s: str(out / "stage1" / f"{s}.jsonl") for s in SPLITS
                                                       if (out / "stage1" / f"{s}.jsonl").stat().st_size})
    assert {"prompt", "completion", "task", "meta"} <= set(loaded["train"].column_names)
    gguf = default_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048)
    trainer = SFTTrainer(model=LlamaForCausalLM(config), processing_class=tokenizer, train_dataset=loaded["train"],
                         args=SFTConfig(output_dir=str(tmp_path), per_device_train_batch_size=2, max_length=1024,
                                        report_to=[], use_cpu=True))
    batch = next(iter(trainer.get_train_dataloader()))
    labels = batch["labels"]
    assert labels.shape == batch["input_ids"].shape and labels.shape[0] == 2
    trained = labels != -100
    assert 0 < trained.sum() < trained.numel()  # the completion is learned, the prompt is not
    first = trained[0].nonzero()[0].item()  # the completion comes after the whole prompt
    assert first > 50


def test_no_filter_keeps_every_parsed_item(made, tmp_path):
    data, out, _, _ = made
    summaries, _ = dataset_job(data, tmp_path / "raw", use_filters=False)
    assert len(rows(tmp_path / "raw", "stage2")) == len(
        [r for r in read_jsonl(data / "forward.jsonl") if r["status"] == "ok" and r["with_reference"]])
    assert "--no-filter" in (tmp_path / "raw" / "README.md").read_text()


def test_bad_split_option_is_one_line(made, capsys):
    data, out, _, _ = made
    with pytest.raises(UserError, match="three shares"):
        dataset_job(data, out, shares=(0.5, 0.6, 0.1))
    assert main(["synth", "dataset", str(data), "-o", str(out), "--split", "a,b"]) == 2
    assert "--split wants three numbers" in capsys.readouterr().err
