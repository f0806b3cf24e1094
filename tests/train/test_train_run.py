"""`dsr train` on a tiny random Llama (SmolLM2's tokenizer) with datasets the
synthesis code made from real screenplays; the adapter through `hf:` in
`dsr write`. Training, even tiny, costs seconds: marked slow."""

from __future__ import annotations

import asyncio
import json

import pytest
from train_helpers import run_dsr, train_tiny, write_config

from dsr.files import read_json
from dsr.llm.base import Params
from dsr.llm.cache import CallJournal
from dsr.llm.registry import resolve_model
from dsr.screenplay.parser import parse
from testkit.shared import REPO

pytestmark = pytest.mark.slow


def test_training_writes_a_readable_checkpoint_directory(trained, datasets_dir):
    ckpt, summary = trained
    assert summary.startswith("4 steps, train loss ") and f"adapter: {ckpt / 'adapter'}" in summary
    for name in ("adapter/adapter_model.safetensors", "adapter/adapter_config.json", "adapter/tokenizer_config.json",
                 "manifest.json", "train.toml", "figures.json", "loss.png", "dataset-card.md", "dataset-stats.json"):
        assert (ckpt / name).is_file(), name
    manifest = read_json(ckpt / "manifest.json")
    assert manifest["status"] == "finished" and manifest["steps"] == 4
    assert manifest["rows"]["train"] == len((datasets_dir / "stage1" / "train.jsonl").read_text().splitlines())
    assert {"torch", "transformers", "trl", "peft"} <= set(manifest["packages"])
    figures = read_json(ckpt / "figures.json")
    assert figures["steps"] == 4 and figures["validation_loss"] > 0 and figures["tokens_per_s"] > 0
    assert [e["step"] for e in figures["history"] if "loss" in e] == [1, 2, 3, 4]
    assert [e["step"] for e in figures["history"] if "eval_loss" in e] == [4]  # at each eval step (eval_steps 4)
    assert (ckpt / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ckpt / "dataset-card.md").read_text() == (datasets_dir / "README.md").read_text()
    # the saved settings are a config dsr train reads back
    from dsr.train.config import load_config

    assert load_config(ckpt / "train.toml").lora_rank == 8


def test_rerunning_a_finished_training_does_nothing(trained, datasets_dir, tiny_base):
    ckpt, _ = trained
    before = (ckpt / "adapter" / "adapter_model.safetensors").stat().st_mtime_ns
    code, out, err = run_dsr("train", datasets_dir / "stage1", "-o", ckpt, "--base", tiny_base,
                             "--config", ckpt.parent / "train.toml", "--max-steps", 4)
    assert code == 0 and out.startswith("already trained: 4 steps")
    assert (ckpt / "adapter" / "adapter_model.safetensors").stat().st_mtime_ns == before
    # another dataset into the same directory: refused, nothing touched
    code, _, err = run_dsr("train", datasets_dir / "stage2", "-o", ckpt, "--base", tiny_base,
                           "--config", ckpt.parent / "train.toml", "--max-steps", 4)
    assert code == 2 and "another dataset, base or settings (the dataset files differ)" in err


def test_loss_falls_on_a_batch_it_overfits(tmp_path, tiny_base, datasets_dir):
    data = tmp_path / "one-batch" / "stage2"
    data.mkdir(parents=True)
    row = (datasets_dir / "stage2" / "train.jsonl").read_text().splitlines()[0]
    (data / "train.jsonl").write_text(row + "\n")  # every step sees the same batch: this row
    ckpt, _ = train_tiny(tmp_path, tiny_base, data, 8, "--learning-rate", "0.01")
    losses = [e["loss"] for e in read_json(ckpt / "figures.json")["history"] if "loss" in e]
    assert len(losses) == 8
    assert losses[-1] < 0.8 * losses[0], losses
    assert all(b < a for a, b in zip(losses, losses[1:])), losses  # step after step


def greedy(spec: str, messages: list[dict], tokens: int = 12) -> str:
    return asyncio.run(resolve_model(spec).complete(messages, Params(temperature=0.0, max_tokens=tokens))).text


def test_the_adapter_reloads_through_hf_and_changes_the_model(trained, tiny_base, datasets_dir):
    ckpt, _ = trained
    model = resolve_model(f"hf:{ckpt}")
    assert model.spec.startswith(f"hf:{ckpt}#weights=") and model.describe()["structured_output"] == "none"
    row = json.loads((datasets_dir / "stage1" / "train.jsonl").read_text().splitlines()[0])
    trained_text = greedy(f"hf:{ckpt}", row["prompt"])
    assert trained_text == greedy(f"hf:{ckpt}", row["prompt"])  # greedy is deterministic
    assert trained_text == greedy(f"hf:{ckpt / 'adapter'}", row["prompt"])  # the adapter directory alone
    assert trained_text != greedy(f"hf:{tiny_base}", row["prompt"])  # the adapter changed the model
    # sampling follows the seed and the sample index
    sampled = [asyncio.run(model.complete(row["prompt"], Params(temperature=1.0, max_tokens=8, seed=1), sample=s)).text
               for s in (0, 0, 1)]
    assert sampled[0] == sampled[1] != sampled[2]


def test_dsr_write_runs_on_the_trained_adapter_through_the_call_cache(trained, tmp_path):
    ckpt, _ = trained
    config = tmp_path / "write.toml"
    # a random 3M model never stops by itself: small budgets keep the test short;
    # stage 2 still has to turn whatever comes back into a valid screenplay
    config.write_text("directives_tokens = 24\nprose_tokens = 32\nstage2_tokens = 32\nmax_attempts = 1\n")
    run = tmp_path / "run"
    args = ("write", REPO / "examples" / "two_scenes.yaml", "-o", run, "--model", f"hf:{ckpt}", "--no-pdf",
            "--config", config)
    code, out, err = run_dsr(*args)
    assert code == 0, err
    screenplay = parse((run / "screenplay.fountain").read_text("utf-8"))
    headings = [e.text for e in screenplay.elements if e.type == "scene_heading"]
    assert len(headings) == 2
    manifest = read_json(run / "manifest.json")
    assert f"hf:{ckpt}#weights=" in json.dumps(manifest)
    journal = CallJournal(run / "calls.sqlite")
    calls = journal.real_calls()
    assert calls >= 4 and all(c["spec"].startswith(f"hf:{ckpt}") for c in journal.calls())
    code, _, err = run_dsr(*args)  # again: every answer from the cache
    assert code == 0 and journal.real_calls() == calls
