"""``dsr synth`` on the command line: the chain, its tables, and one-line errors."""

from __future__ import annotations

import json
import re

import pytest
from synth_paths import make_corpus

from dsr.cli import main


def test_synth_without_a_step_prints_help(capsys):
    assert main(["synth"]) == 0
    assert "reverse" in capsys.readouterr().out


def test_chain_on_the_command_line(tmp_path, sim_server, capsys):
    server = sim_server(ttft=0.01, tps=5000, slots=8, answer_tokens=40)
    corpus, data = make_corpus(tmp_path, names=()), tmp_path / "data"
    model = f"openai:sim@{server.url}"
    assert main(["synth", "reverse", str(corpus), "-o", str(data), "--model", model, "--max-characters", "1"]) == 0
    assert re.search(r"reverse\s+3\s+0\s+3\s", capsys.readouterr().out)  # 1 profile + 2 scenes
    assert main(["synth", "forward", str(data), "--teacher", model, "--samples", "2"]) == 0
    assert re.search(r"forward\s+4\s+0\s+4\s", capsys.readouterr().out)
    assert main(["synth", "dataset", str(data), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "filter: beats" in out and "datasets and card in" in out
    # The sim server answers random words in the right JSON shape: they parse, and
    # the filters throw every one of them out.
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["filters_report"]["beats"]["dropped"] == 2
    assert "summary is not about the scene" in stats["filters_report"]["beats"]["reasons"]
    assert stats["filters_report"]["teacher samples"]["dropped"] == 4
    assert sum(stats["rows"]["stage1"].values()) == 0
    assert "| stage1 | 0 | 0 | 0 | 0 |" in (tmp_path / "out" / "README.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["synth", "forward", "{tmp}"], "run `dsr synth reverse"),
    (["synth", "reverse", "{tmp}/none", "-o", "{tmp}/d"], "not a directory of screenplays"),
    (["synth", "reverse", "{corpus}", "-o", "{tmp}/d", "--concurrency", "0"], "--concurrency must be at least 1"),
    (["synth", "reverse", "{corpus}", "-o", "{tmp}/d", "--model", "gpt4"], "bad model spec 'gpt4'"),
    (["synth", "reverse", "{corpus}", "-o", "{tmp}/d", "--temperature", "3"], "--temperature must be between"),
    (["synth", "forward", "{tmp}", "--samples", "0"], "--samples must be at least 1"),
    (["synth", "filter", "{tmp}"], "run `dsr synth reverse"),
])
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    corpus = make_corpus(tmp_path, names=())
    argv = [a.format(tmp=tmp_path, corpus=corpus) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
