"""Datasets: split by screenplay, rows that are the pipeline's own prompts,
the card, loading with `datasets`, one batch through TRL's collator."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synth_fakes import GoodModel
from testkit.scripted import ScriptedModel
from synth_paths import make_corpus

from dsr.cli import main
from dsr.errors import UserError
from dsr.pipeline.direct import direct_messages
from dsr.pipeline.settings import Settings
from dsr.pipeline.stage1 import directives_messages
from dsr.pipeline.stage2 import stage2_messages
from dsr.pipeline.write import write_story
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


class _PipelineModel(ScriptedModel):
    """Answers ``dsr write``'s requests: stage 1 with the teacher's own
    directives and prose for the scene (by its number; a scene the teacher
    has no kept answer for gets its summary), stage 2 and direct with the
    scene's heading and one line, and keeps every request."""

    def __init__(self, teacher: dict[int, tuple[dict, str]]):
        super().__init__()
        self.teacher = teacher

    def kind_of(self, messages: list) -> str:
        user = [m for m in messages if m["role"] == "user"][0]["content"]
        for marker, kind in (("before it is written", "directives"), ("as prose for the screen", "prose"),
                             ("Convert this scene into Fountain", "stage2"),
                             ("as a screenplay scene in Fountain format", "direct")):
            if marker in user:
                return kind
        return "other"

    def answer(self, request):
        if request.kind in ("directives", "prose"):
            number = int(re.search(r"scene (\d+) of the film", request.first_user).group(1))
            directives, prose = self.teacher.get(number - 1, (
                {"pacing": "even", "revelation": "", "emotional_trajectory": "", "action_beats": ["It happens."]},
                request.field("What happens:")))
            return json.dumps(directives) if request.kind == "directives" else prose
        heading = request.field("Where:") or request.field("Scene heading (use it exactly, as the first line):")
        return f"{heading}\n\nThe room is quiet.\n"


def test_stage2_and_direct_rows_are_what_dsr_write_sends_for_the_scene(made, tmp_path):
    """The same story, written by the pipeline with the teacher's stage-1
    answers: its first stage-2 request for a scene is that scene's stage-2
    row, and its direct request for the first scene is the direct row."""
    data, out, _, _ = made
    inputs = {(i["screenplay"], i["scene"]): i for i in read_jsonl(data / "inputs.jsonl")}
    stage2_rows = rows(out, "stage2")
    forward = {r["id"]: r for r in read_jsonl(data / "forward.jsonl")}
    narrowed = directs = 0
    for screenplay in sorted({r["meta"]["screenplay"] for r in stage2_rows}):
        mine = [r for r in stage2_rows if r["meta"]["screenplay"] == screenplay and r["meta"]["sample"] == 0]
        entry = inputs[(screenplay, mine[0]["meta"]["scene"])]
        story = load_story(data / entry["story_file"])
        teacher = {}
        for row in mine:
            result = forward[row["meta"]["forward_id"]]["result"]
            teacher[row["meta"]["scene"]] = (result["directives"], result["prose"])
        model = _PipelineModel(teacher)
        write_story(data / entry["story_file"], tmp_path / screenplay, Settings(pdf=False),
                    backends={"stage1": model, "stage2": model}, best_match=lambda q, p: [1.0] * len(q))
        for row in mine:
            index = row["meta"]["scene"]
            # Stage 1 of dsr write cleans the teacher's prose with the story at
            # hand (a sentence the scene before had is dropped): the request
            # must be the row's with that prose in place of the teacher's.
            prose = (tmp_path / screenplay / "scenes" / f"{index + 1:03d}" / "prose.md").read_text("utf-8").strip()
            heading_line = f"Scene heading (use it exactly, as the first line): {story.scenes[index].heading()}\n"
            sent = [r.messages for r in model.requests if r.kind == "stage2" and not r.is_repair
                    and heading_line in r.first_user and prose in r.first_user][0]
            assert row["prompt"][:-1] == sent[:-1]
            assert row["prompt"][-1] == {**sent[-1], "content": sent[-1]["content"].replace(prose, teacher[index][1].strip())}
            scene = story.scenes[index]
            narrowed += len(scene.characters) < len(story.characters)

        model = _PipelineModel(teacher)
        write_story(data / entry["story_file"], tmp_path / f"{screenplay}-direct", Settings(pdf=False, direct=True),
                    backends={"stage1": model, "stage2": model}, best_match=lambda q, p: [1.0] * len(q))
        first_direct = [r.messages for r in model.requests if r.kind == "direct" and not r.is_repair
                        and "Write scene 1 of the film" in r.first_user][0]
        # Only the first scene: later ones follow the real screenplay in synthesis, the written one here.
        for direct_row in rows(out, "direct"):
            if direct_row["meta"]["screenplay"] == screenplay and direct_row["meta"]["scene"] == 0:
                assert direct_row["prompt"] == first_direct
                directs += 1
    assert narrowed  # a scene without the whole cast, whose prompt lists only its own people
    assert directs
