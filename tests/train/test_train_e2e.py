"""The loop closed: synthesis (scripted teacher) -> `dsr train` (tiny model)
-> `dsr eval benchmark` with the trained system beside its base; and a few
steps on the real embedded base."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from train_helpers import run_dsr

from dsr.files import read_json
from dsr.llm.base import Params
from dsr.llm.cache import CallJournal
from dsr.llm.registry import resolve_model

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parents[1]


def test_synth_train_benchmark_with_the_trained_system_beside_the_base(trained, tiny_base, datasets_dir, tmp_path,
                                                                      monkeypatch):
    sys.path.insert(0, str(TESTS / "evaluate"))
    from eval_fakes import ScriptedJudge, longer_wins, no_embedding

    from dsr.evaluate import coverage
    from dsr.evaluate.benchmark import BenchmarkOptions, run_benchmark_protocol

    monkeypatch.setattr(coverage, "embed", no_embedding)
    ckpt, _ = trained
    out = tmp_path / "bench"
    options = BenchmarkOptions(
        corpus=datasets_dir.parent / "data",  # the reverse synthesis the training data came from
        systems=[f"base=dsr:hf:{tiny_base}", f"trained=dsr:hf:{ckpt}"], out=out, judge="fake:judge",
        max_scripts=1, max_scenes=1, max_characters=2, n_resamples=100,
        # a random 3M model never stops by itself: small budgets keep this short
        write_options={"directives_tokens": 16, "prose_tokens": 24, "stage2_tokens": 24, "max_attempts": 1})
    report = run_benchmark_protocol(options, judge_backend=ScriptedJudge(longer_wins), log=lambda line: None)
    assert report["systems"] == ["base", "trained"]
    assert ("base", "trained") in [(p["system_a"], p["system_b"]) for p in report["pairwise"]]
    assert set(report["rubric"]) == {"base", "trained", "human"}
    specs = {s["name"]: s["spec"] for s in report["benchmark"]["systems"]}
    assert specs["trained"] == f"hf:{ckpt}"
    for name, model_dir in (("base", tiny_base), ("trained", ckpt)):
        run = next((out / "runs" / name).iterdir())
        assert (run / "screenplay.fountain").is_file()
        assert {c["spec"].split("#")[0] for c in CallJournal(run / "calls.sqlite").calls()} == {f"hf:{model_dir}"}


def test_a_few_steps_on_the_real_embedded_base(datasets_dir, tmp_path):
    data = tmp_path / "data" / "stage2"  # the training rows only: no validation pass, to stay short
    data.mkdir(parents=True)
    (data / "train.jsonl").write_text((datasets_dir / "stage2" / "train.jsonl").read_text())
    ckpt = tmp_path / "ckpt"
    code, out, err = run_dsr("train", data, "-o", ckpt, "--max-steps", "2", "--batch-size", "1",
                             "--max-length", "1024")
    assert code == 0, err
    manifest, figures = read_json(ckpt / "manifest.json"), read_json(ckpt / "figures.json")
    assert manifest["base"] == "embedded" and "SmolLM2-135M-Instruct" in manifest["base_path"]
    # a pretrained model's loss on real scenes, far below a random model's ln(49152) = 10.8
    assert figures["steps"] == 2 and 0 < figures["train_loss"] < 6
    model = resolve_model(f"hf:{ckpt}")
    answer = asyncio.run(model.complete([{"role": "user", "content": "Name a colour."}],
                                        Params(temperature=0.0, max_tokens=8)))
    assert answer.text.strip() and answer.usage.completion_tokens <= 8
