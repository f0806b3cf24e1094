"""The same `dsr train` under torchrun with two CPU processes (gloo): both
ranks train, one adapter is saved, and the loss matches a single-process run
with the same global batch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from train_helpers import run_dsr, write_config

from dsr.files import read_json

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def losses(ckpt: Path) -> list[float]:
    return [e["loss"] for e in read_json(ckpt / "figures.json")["history"] if "loss" in e]


def test_two_processes_train_one_adapter_with_the_single_process_loss(tmp_path, tiny_base, datasets_dir):
    dataset = datasets_dir / "stage1"
    one = tmp_path / "one"
    config = write_config(tmp_path, "eval_steps = 2\n")  # validation at the last step
    # global batch 2 either way: 1 process x 2 rows, or 2 processes x 1 row
    code, _, err = run_dsr("train", dataset, "-o", one, "--base", tiny_base, "--config", config,
                           "--max-steps", "2", "--batch-size", "2")
    assert code == 0, err

    two = tmp_path / "two"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(free_port()), "-m", "dsr", "train", str(dataset), "-o", str(two),
         "--base", str(tiny_base), "--config", str(config), "--max-steps", "2", "--batch-size", "1"],
        env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("2 steps, train loss") == 1  # one summary line: the main process's
    figures = read_json(two / "figures.json")
    assert figures["world_size"] == 2 and figures["steps"] == 2
    assert read_json(two / "manifest.json")["world_size"] == 2
    assert len(list((two / "adapter").glob("adapter_model.safetensors"))) == 1
    # both ranks trained: each step's loss is the mean over both processes' rows,
    # which is what one process computes on the same two rows
    assert losses(two) == pytest.approx(losses(one), rel=2e-3)
    assert figures["validation_loss"] == pytest.approx(read_json(one / "figures.json")["validation_loss"], rel=2e-3)
