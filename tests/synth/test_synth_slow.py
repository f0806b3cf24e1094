"""End to end with the embedded model (SmolLM2-135M), small limits:
import -> reverse -> forward -> filter -> dataset.

A 135M model writes poor outlines; what is tested is the machinery: every
answer becomes a record (parsed, or unparsed with its raw text and reason),
the stories load as `dsr write` input, the filters judge every item with
reasons, the datasets load. Forward synthesis is also run on inputs from a
scripted reverse step, so the real teacher is exercised whatever the small
model's beats are worth.
"""

from __future__ import annotations

import json

import pytest
from synth_fakes import GoodModel


from dsr.cli import main
from dsr.llm.cache import CallJournal
from dsr.story.loader import load_story
from dsr.synth.records import RecordStore, read_jsonl
from testkit.shared import shared

pytestmark = pytest.mark.slow

# Room for a whole constrained answer at once: a cut-off one is asked again at twice the limit.
SMALL = ["--max-tokens", "320", "--junk-retries", "0"]
TEACHER = ["--directives-tokens", "160", "--prose-tokens", "160", "--junk-retries", "0"]


def test_end_to_end_on_the_corpus_with_the_embedded_model(tmp_path, capsys):
    corpus, data, out = tmp_path / "corpus", tmp_path / "data", tmp_path / "datasets"
    assert main(["import", str(shared("corpus")), "-o", str(corpus)]) == 0
    assert main(["synth", "reverse", str(corpus), "-o", str(data), "--max-screenplays", "2", "--max-scenes", "1",
                 "--max-characters", "1", *SMALL]) == 0
    records = RecordStore(data / "reverse.jsonl").records()
    assert len(records) == 2 * (1 + 1)
    for record in records:
        assert record["model"] == "embedded"
        assert (record["status"] == "ok") == (record["result"] is not None)
        if record["status"] != "ok":
            assert record["reason"] and "raw" in record
    for story in (data / "stories").glob("*.json"):
        load_story(story)  # dsr write can take it as input
    assert main(["synth", "forward", str(data), "--max-items", "1", *TEACHER]) == 0
    assert main(["synth", "dataset", str(data), "-o", str(out)]) == 0
    verdicts = read_jsonl(data / "verdicts.jsonl")
    assert len([v for v in verdicts if v["kind"] == "beat"]) == 2
    assert all(v["kept"] or v["reasons"] for v in verdicts)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["models"]["reverse"] == ["embedded"]
    assert CallJournal(data / "calls.sqlite").repeated_keys() == {}
    capsys.readouterr()


def test_embedded_teacher_on_good_inputs(tmp_path):
    from datasets import load_dataset

    from synth_paths import make_corpus
    from dsr.synth.jobs import reverse_job
    from dsr.synth.settings import ReverseSettings, RunOptions

    data = tmp_path / "data"
    reverse_job(make_corpus(tmp_path, names=()), data, ReverseSettings(), RunOptions(), backend=GoodModel())
    assert main(["synth", "forward", str(data), "--samples", "2", "--max-items", "1", *TEACHER]) == 0
    teacher = RecordStore(data / "forward.jsonl").records()
    assert sorted(r["sample"] for r in teacher) == [0, 1]  # samples finish in any order
    for record in teacher:
        if record["status"] == "ok":
            assert set(record["result"]["directives"]) == {"pacing", "revelation", "emotional_trajectory",
                                                           "action_beats"}
            assert record["result"]["prose"].strip()
        else:
            assert record["reason"] and record["raw"] is not None
    calls = CallJournal(data / "calls.sqlite").calls()
    assert {c["sample"] for c in calls if c["spec"] == "embedded"} >= {0, 100}  # two distinct draws
    assert main(["synth", "dataset", str(data), "-o", str(tmp_path / "out"), "--no-filter"]) == 0
    rows = [r for s in ("train", "validation", "test")
            for r in read_jsonl(tmp_path / "out" / "direct" / f"{s}.jsonl")]
    assert len(rows) == 2
    kept = [s for s in ("train", "validation", "test") if (tmp_path / "out" / "stage2" / f"{s}.jsonl").stat().st_size]
    if kept:
        loaded = load_dataset("json", data_files={s: str(tmp_path / "out" / "stage2" / f"{s}.jsonl") for s in kept})
        assert sum(len(loaded[s]) for s in kept) == len([r for r in teacher if r["status"] == "ok"])
