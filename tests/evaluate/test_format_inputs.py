"""`dsr eval format` refuses what is not a screenplay instead of scoring it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["short_film.yaml", "short_film.md"])
def test_a_story_outline_is_refused(name, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["eval", "format", str(EXAMPLES / name), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "(it looks like" in err and "not a screenplay to evaluate" in err
    assert not out.exists()


def test_an_empty_file_is_refused(tmp_path, capsys):
    empty = tmp_path / "empty.fountain"
    empty.write_text("", "utf-8")
    assert main(["eval", "format", str(empty), "-o", str(tmp_path / "report")]) == 2
    assert "empty.fountain is empty: not a screenplay to evaluate" in capsys.readouterr().err

