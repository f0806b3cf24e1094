"""Faults in `dsr train`: Ctrl-C and kill -9 mid-training resume from the
last checkpoint and end with the same number of steps; out of memory is one
line; long rows are truncated and counted, or dropped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_helpers import run_dsr, write_config

from dsr.files import read_json
from dsr.train.trainer import complete_checkpoints, measure_lengths

SRC = Path(__file__).resolve().parents[2] / "src"


def short_row(words: int, prompt_words: int = 5) -> dict:
    return {"prompt": [{"role": "user", "content": " ".join(["outline"] * prompt_words)}],
            "completion": [{"role": "assistant", "content": " ".join(["scene"] * words)}]}


def test_long_rows_are_truncated_and_counted_or_dropped(tiny_base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    rows = [short_row(10), short_row(300), short_row(10, prompt_words=300)]
    kept, report = measure_lengths(rows, tokenizer, max_length=120, drop_long=False)
    # the long completion is kept (the trainer cuts it at 120 tokens); a prompt
    # that alone fills max_length would train on nothing and is dropped
    assert kept == rows[:2] and (report.truncated, report.dropped) == (1, 1)
    assert report.longest > 300 and report.tokens <= 2 * 120
    kept, report = measure_lengths(rows, tokenizer, max_length=120, drop_long=True)
    assert kept == rows[:1] and (report.truncated, report.dropped) == (0, 2)


def test_all_rows_too_long_is_one_line(tmp_path, tiny_base):
    data = tmp_path / "ds" / "stage2"
    data.mkdir(parents=True)
    (data / "train.jsonl").write_text(json.dumps(short_row(300)) + "\n")
    code, _, err = run_dsr("train", data, "-o", tmp_path / "ckpt", "--base", tiny_base, "--max-length", "64",
                           "--drop-long")
    assert code == 2 and "all 1 training rows are longer than max_length=64" in err and err.count("\n") == 1


def test_resume_with_nothing_to_resume_is_one_line(tmp_path, tiny_base, datasets_dir):
    code, _, err = run_dsr("train", datasets_dir / "stage1", "-o", tmp_path / "ckpt", "--base", tiny_base, "--resume")
    assert code == 2 and "--resume:" in err and "no finished checkpoint to resume from" in err


@pytest.mark.slow
def test_out_of_memory_is_one_line_suggesting_what_to_lower(tmp_path, tiny_base, datasets_dir, monkeypatch):
    import torch
    from trl import SFTTrainer

    def no_memory(self, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SFTTrainer, "training_step", no_memory)
    code, out, err = run_dsr("train", datasets_dir / "stage1", "-o", tmp_path / "ckpt", "--base", tiny_base,
                             "--config", write_config(tmp_path), "--max-steps", "2")
    assert code == 5 and out == "" and err.count("\n") == 1
    assert "out of memory" in err and "lower batch_size (now 2" in err and "max_length (now 1024)" in err


def start_training(ckpt: Path, config: Path, dataset: Path, base: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "dsr", "train", str(dataset), "-o", str(ckpt), "--base", str(base),
                             "--config", str(config), "--max-steps", "5"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_checkpoint(process: subprocess.Popen, ckpt: Path, step: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.name == f"checkpoint-{step}" for p in complete_checkpoints(ckpt / "checkpoints")):
            return
        if process.poll() is not None:
            raise AssertionError(f"training ended before checkpoint {step}: {process.stderr.read()}")
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"no checkpoint {step} within {timeout} s")


@pytest.mark.slow
def test_ctrl_c_then_kill_9_then_rerun_ends_with_the_same_steps(tmp_path, tiny_base, datasets_dir):
    ckpt, dataset = tmp_path / "ckpt", datasets_dir / "stage1"
    config = write_config(tmp_path, "save_steps = 2\n")  # checkpoints at steps 2 and 4

    first = start_training(ckpt, config, dataset, tiny_base)
    wait_for_checkpoint(first, ckpt, 2)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert read_json(ckpt / "manifest.json")["status"] == "running"

    second = start_training(ckpt, config, dataset, tiny_base)
    wait_for_checkpoint(second, ckpt, 4)
    second.kill()  # SIGKILL: no chance to clean up
    second.communicate(timeout=60)

    code, out, err = run_dsr("train", dataset, "-o", ckpt, "--base", tiny_base, "--config", config,
                             "--max-steps", "5")
    assert code == 0, err
    figures = read_json(ckpt / "figures.json")
    assert figures["steps"] == 5 and figures["resumed_from_step"] == 4 and figures["steps_this_run"] == 1
    assert [e["step"] for e in figures["history"] if "loss" in e] == [1, 2, 3, 4, 5]  # each step once
    assert read_json(ckpt / "manifest.json")["status"] == "finished"
    assert (ckpt / "adapter" / "adapter_model.safetensors").is_file()
