"""`dsr eval format`: a continuity column, and the findings listed, when the
outline is known (a run directory, or a Fountain file with --story)."""

from __future__ import annotations

import json

import pytest
from eval_fakes import EXAMPLE_STORY, make_run, no_embedding

from dsr.cli import main

CLEAN = ["JUNE rattles the jammed lock.\n\nJUNE\nNo.", "A cat sleeps on the armchair.\n\nMR. OKAFOR\nTea?"]
# Scene 2 is CONTINUOUS after a MORNING scene: midnight contradicts it; JUNEY drifts from JUNE; BOB is nobody.
DRIFTING = ["JUNE rattles the jammed lock.\n\nJUNEY\nNo.",
            "Midnight. A cat sleeps on the armchair.\n\nMR. OKAFOR\nTea?\n\nBOB\nHello."]


@pytest.fixture(autouse=True)
def no_embedder(monkeypatch):
    from dsr.evaluate import coverage

    monkeypatch.setattr(coverage, "embed", no_embedding)


def test_runs_get_a_continuity_column_and_their_findings_listed(tmp_path, capsys):
    clean, drifting = make_run(tmp_path / "clean", CLEAN), make_run(tmp_path / "drifting", DRIFTING)
    out = tmp_path / "report"
    assert main(["eval", "format", f"clean={clean}", f"drifting={drifting}", "-o", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["format"]["clean"]["continuity"]["count"] == 0
    continuity = report["format"]["drifting"]["continuity"]
    assert continuity["by_code"] == {"name-drift": 1, "time-contradiction": 1, "uncast-speaker": 1}
    assert [f["scenes"] for f in continuity["findings"]] == [[1], [2], [2]]
    md = (out / "report.md").read_text()
    header = next(line for line in md.splitlines() if line.startswith("| System | Scenes"))
    assert header.rstrip(" |").endswith("Continuity")
    assert next(line for line in md.splitlines() if line.startswith("| drifting |")).rstrip(" |").endswith("| 3")
    assert "| drifting | scene 1 | name-drift | JUNEY looks like JUNE" in md
    assert "Continuity" in capsys.readouterr().out  # the terminal table has the column too


def test_a_fountain_file_with_story_is_checked_and_without_it_has_no_continuity(tmp_path):
    drifting = make_run(tmp_path / "drifting", DRIFTING, title_page=False)
    script = drifting / "screenplay.fountain"
    out = tmp_path / "report"
    assert main(["eval", "format", f"file={script}", "--story", str(EXAMPLE_STORY), "-o", str(out)]) == 0
    assert json.loads((out / "report.json").read_text())["format"]["file"]["continuity"]["count"] == 3
    assert main(["eval", "format", f"file={script}", "-o", str(out)]) == 0
    metrics = json.loads((out / "report.json").read_text())["format"]["file"]
    assert "continuity" not in metrics
    row = next(line for line in (out / "report.md").read_text().splitlines() if line.startswith("| file |"))
    assert row.rstrip(" |").endswith("| -")
