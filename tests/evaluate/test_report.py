"""Report rendering: Markdown from the JSON, missing numbers shown as '-',
position-bias warnings, terminal summary, atomic files."""

from __future__ import annotations

import json

from dsr.evaluate.report import markdown, new_report, position_warnings, summary_text, write_report


def pair(**overrides):
    base = {"system_a": "dsr", "system_b": "direct", "n_items": 10, "wins": 6, "ties": 2, "losses": 2,
            "win_rate": 0.7, "ci": {"low": 0.45, "high": 0.9}, "length_controlled": None, "flip_rate": 0.2,
            "first_position_rate": 0.55, "first_position_p_value": 0.6, "excluded": [],
            "failures": {"missing": 0}}
    return {**base, **overrides}


def test_pairwise_table_row_and_missing_values():
    report = new_report("pairwise", systems=["dsr", "direct"], items=["scene-001"])
    report["pairwise"] = [pair(), pair(system_a="x", system_b="y", ci=None, first_position_rate=None)]
    md = markdown(report)
    assert "| dsr | direct | 10 | 6 | 2 | 2 | 70.0 % | [45.0, 90.0] | - | 20.0 % | 55.0 % | 0 |" in md
    assert "| x | y | 10 | 6 | 2 | 2 | 70.0 % | - | - | 20.0 % | - | 0 |" in md
    assert "## Warnings" not in md


def test_position_bias_and_missing_verdicts_are_warned_about():
    assert position_warnings(pair()) == []
    warnings = position_warnings(pair(flip_rate=0.6, first_position_rate=0.9, first_position_p_value=0.001,
                                      failures={"missing": 3}, excluded=["scene-002"]))
    assert len(warnings) == 3
    assert "60.0 %" in warnings[0] and "first-shown scene (90.0 %" in warnings[1]
    assert "3 verdict(s) missing" in warnings[2] and "1 item(s) excluded" in warnings[2]
    second = position_warnings(pair(first_position_rate=0.1, first_position_p_value=0.01))
    assert "second-shown scene (90.0 %" in second[0]


def test_summary_lists_warnings_first_and_points_to_the_files(tmp_path):
    report = new_report("pairwise", systems=["dsr", "direct"], items=["scene-001"])
    report["pairwise"] = [pair()]
    report["warnings"] = ["first warning", "second warning"]
    text = summary_text(report, tmp_path)
    lines = text.splitlines()
    assert lines[:2] == ["warning: first warning", "warning: second warning"]
    assert "Blind pairwise win rate" in text and lines[-1].startswith(f"report: {tmp_path / 'report.md'}")


def test_write_report_writes_json_markdown_and_plots_and_no_temporary_files(tmp_path):
    report = new_report("pairwise", systems=["dsr", "direct"], items=["scene-001"])
    report["pairwise"] = [pair(length_controlled={"win_rate": 0.6, "ci": {"low": 0.4, "high": 0.8}})]
    write_report(report, tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert saved["pairwise"][0]["win_rate"] == 0.7 and saved["plots"] == ["plots/win_rates.png"]
    assert "![win_rates](plots/win_rates.png)" in (tmp_path / "out" / "report.md").read_text("utf-8")
    leftovers = [p.name for p in (tmp_path / "out").rglob("*") if ".tmp" in p.name]
    assert leftovers == []
