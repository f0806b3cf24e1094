"""What the README and the examples promise, checked as a user would type it:
the story examples load, the sample screenplay is clean, the README's
commands on shipped files run, and `make bench` runs every benchmark."""

from __future__ import annotations

import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from dsr.cli import main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
STORY_DOCS = [REPO / "README.md", REPO / "docs" / "story-format.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def blocks(text: str, *languages: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text) if m.group(1) in languages]


def feed_stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def test_the_readme_story_example_is_the_example_file():
    (language, text), = [b for b in blocks(README, "yaml")]
    assert text == (REPO / "examples" / "story_input.yaml").read_text("utf-8")


@pytest.mark.parametrize("doc", STORY_DOCS, ids=lambda p: p.name)
def test_every_story_in_the_docs_loads(doc, monkeypatch, capsys):
    stories = blocks(doc.read_text("utf-8"), "yaml", "json", "markdown")
    assert stories
    for language, text in stories:
        feed_stdin(monkeypatch, text)
        assert main(["story", "check", "-", "--format", language]) == 0, capsys.readouterr().err
    capsys.readouterr()


@pytest.mark.parametrize("example", sorted(p.name for p in (REPO / "examples").iterdir()
                                           if p.suffix in (".yaml", ".md")))
def test_every_story_example_passes_strict_check(example, capsys):
    assert main(["story", "check", str(REPO / "examples" / example), "--strict"]) == 0, capsys.readouterr().out
    assert "warning" not in capsys.readouterr().out


def test_the_sample_screenplay_is_clean(capsys):
    samples = sorted((REPO / "examples").glob("*.fountain"))
    assert samples
    assert main(["check", *map(str, samples)]) == 0
    out = capsys.readouterr().out
    for sample in samples:
        assert f"{sample}: 0 errors, 0 warnings" in out


def readme_commands_on_shipped_files() -> list[str]:
    commands = []
    for _, text in blocks(README, "sh"):
        for line in text.splitlines():
            if not line.startswith("dsr ") or "examples/" not in line or line.rstrip().endswith("\\"):
                continue
            words = shlex.split(line, comments=True)
            if words[1] in ("parse", "check", "export", "story") and not {"|", ">"} & set(words):
                commands.append(line)
    return commands


@pytest.mark.parametrize("line", readme_commands_on_shipped_files())
def test_readme_commands_on_shipped_files_run_as_typed(line, tmp_path, monkeypatch, capsys):
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(line, comments=True)[1:]) == 0, capsys.readouterr().err
    assert "warning" not in capsys.readouterr().err


def test_readme_runs_the_sample_commands():
    assert len(readme_commands_on_shipped_files()) >= 4


def test_make_bench_runs_every_benchmark():
    makefile = (REPO / "Makefile").read_text("utf-8")
    target = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    run = set(re.findall(r"bench/(\w+\.py)", target))
    # Not benchmarks: a server the benchmarks and tests start, and measurement
    # tools that take run directories or settings as arguments (docs/ says how).
    helpers = {"sim_server.py", "embedded_defaults.py", "fidelity_table.py"}
    assert run == {p.name for p in (REPO / "bench").glob("*.py")} - helpers


def test_readme_benchmark_commands_are_inside_code_blocks():
    outside = FENCE.sub("", README)
    assert not re.search(r"^\s*\.venv/bin/python bench/", outside, re.M)
    assert README.count("\n```") % 2 == 0
