"""Atomic writes and the run-directory lock."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pipeline_support import run
from fakes import ScriptedModel

from dsr.errors import UserError
from dsr import files as files_module
from dsr.files import atomic_write_text
from dsr.pipeline.run import RunDir


def test_atomic_write_leaves_old_or_new_never_half(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(files_module.os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new text that never lands")
    assert target.read_text() == "old"
    monkeypatch.undo()
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir() if p.name != "a.txt" and not p.name.startswith(".a.txt.tmp")] == []


def test_a_second_writer_is_refused_while_the_first_runs(story_file, tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        out.mkdir()
        (out / ".lock").write_text(f"{holder.pid} {os.uname().nodename}\n")
        with pytest.raises(UserError, match=r"in use by another dsr write \(pid \d+\)") as info:
            run(story_file, out, ScriptedModel())
        assert info.value.exit_code == 3
        assert (out / ".lock").exists()  # not ours to remove
    finally:
        holder.kill()
        holder.wait()
    # its process is gone: the stale lock is taken over
    run(story_file, out, ScriptedModel())
    assert not (out / ".lock").exists()


def test_lock_is_released_on_failure(tmp_path):
    rd = RunDir(tmp_path / "r")
    with pytest.raises(RuntimeError):
        with rd.lock():
            raise RuntimeError("boom")
    assert not (tmp_path / "r/.lock").exists()
