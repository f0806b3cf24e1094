"""`dsr eval continuity` with the real embedded model as the judge (slow):
structured answers come back through the grammar, the scene numbers a
contradiction may name are only the earlier ones, and a re-run is free."""

from __future__ import annotations

import json

import pytest
from eval_fakes import make_run, no_embedding

from dsr.cli import main
from dsr.evaluate.judge_common import EMBEDDED_WARNING
from dsr.llm.cache import CallJournal

SCENES = ["JUNE drops her key down the stairwell drain and swears.\n\nJUNE\nGone. Perfect.",
          "JUNE unlocks her own front door with her key and steps inside.\n\nMR. OKAFOR\nYou found it?"]


@pytest.mark.slow
def test_the_embedded_judge_reviews_a_two_scene_run(tmp_path, monkeypatch, capsys):
    from dsr.evaluate import coverage

    monkeypatch.setattr(coverage, "embed", no_embedding)
    run = make_run(tmp_path / "run", SCENES)
    out = tmp_path / "report"
    args = ["eval", "continuity", str(run), "-o", str(out), "--judge-tokens", "500", "--retries", "1"]
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    review = report["continuity_review"]
    assert EMBEDDED_WARNING in report["warnings"]
    assert review["scenes"] == 2 and review["failures"]["facts"]["requested"] == 2
    assert review["failures"]["facts"]["valid"] >= 1
    assert all(c["scene"] == 2 and c["earlier_scene"] == 1 for c in review["contradictions"])
    assert "## Continuity review" in (out / "report.md").read_text()
    calls = CallJournal(out / "judge_calls.sqlite").real_calls()
    assert main(args) == 0  # answered from the cache
    assert CallJournal(out / "judge_calls.sqlite").real_calls() == calls
