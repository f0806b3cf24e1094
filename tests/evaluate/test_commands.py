"""`dsr eval` commands end to end with a scripted judge: report files, JSON
numbers that match the statistics, one-line errors for bad input."""

from __future__ import annotations

import json

import pytest
from eval_fakes import ScriptedJudge, always_first, longer_wins, make_run, no_embedding

from dsr.cli import main
from dsr.evaluate.judge_common import EMBEDDED_WARNING
from dsr.evaluate.stats import PairwiseItem, Verdict, mean_score, share_of_human, summarize_pairwise
from dsr.llm import registry
from testkit.shared import shared

LANDING = ["JUNE rattles the lock.\n\nJUNE\nNo.", "A cat sleeps.\n\nMR. OKAFOR\nTea?"]
LONGER = ["JUNE rattles the jammed lock twice, then kicks the door and sighs at the ceiling.\n\nJUNE\nNo. No, no.",
          "A cat sleeps on the armchair in a knitted collar. MR. OKAFOR hides a bag of cat food.\n\nMR. OKAFOR\nTea?"]
HUMAN = ("INT. LANDING OUTSIDE JUNE'S FLAT - MORNING\n\nJune turns the key. Nothing. She leans her forehead on the "
         "door and laughs, once, without humour. Across the landing a chain rattles.\n\nMR. OKAFOR\n(too brightly)\n"
         "Locked out? Come, come. Tea.\n\nINT. MR. OKAFOR'S FLAT - CONTINUOUS\n\nHer cat, asleep in his armchair, "
         "wears a knitted collar in her hospital's colours.\n\nJUNE\nHow long?\n\nMR. OKAFOR\nHow long what?\n")


@pytest.fixture(autouse=True)
def no_embedder(monkeypatch):
    """Outline coverage without the sentence embedder (loading torch takes
    seconds; the embedder has its own slow test)."""
    from dsr.evaluate import coverage

    monkeypatch.setattr(coverage, "embed", no_embedding)


@pytest.fixture
def fake_judges(monkeypatch):
    """Specs fake:longer and fake:first resolve to scripted judges; `embedded` too,
    so that the default judge's warning can be checked without the real model."""
    made = {}

    def factory(spec):
        made[spec] = ScriptedJudge(always_first if spec.endswith("first") else longer_wins, spec=spec)
        return made[spec]

    monkeypatch.setitem(registry.BACKENDS, "fake", factory)
    monkeypatch.setitem(registry.BACKENDS, "embedded", factory)
    return made


@pytest.fixture
def runs(tmp_path):
    dsr = make_run(tmp_path / "run-dsr", LONGER)
    direct = make_run(tmp_path / "run-direct", LANDING)
    human = tmp_path / "real.fountain"
    human.write_text(HUMAN, "utf-8")
    return dsr, direct, human


def read_report(out):
    return json.loads((out / "report.json").read_text("utf-8")), (out / "report.md").read_text("utf-8")


def test_pairwise_command_writes_report_whose_numbers_are_the_statistics(tmp_path, runs, fake_judges, capsys):
    dsr, direct, _ = runs
    out = tmp_path / "report"
    assert main(["eval", "pairwise", f"dsr={dsr}", f"direct={direct}", "--judge", "fake:longer", "-o", str(out),
                 "--resamples", "300"]) == 0
    report, md = read_report(out)
    pair = report["pairwise"][0]
    items = [PairwiseItem(iid, Verdict.parse(v["ab"]), Verdict.parse(v["ba"]), v["words_a"], v["words_b"])
             for iid, v in pair["per_item"].items()]
    expected = summarize_pairwise(items, system_a="dsr", system_b="direct", n_resamples=300).to_dict()
    for key in ("wins", "ties", "losses", "win_rate", "ci", "flip_rate", "length_controlled", "first_position_rate"):
        assert pair[key] == expected[key]
    assert pair["wins"] == 2 and pair["win_rate"] == 1.0
    assert "| dsr | direct | 2 | 2 | 0 | 0 | 100.0 % |" in md
    for png in ("win_rates.png", "format.png"):
        assert (out / "plots" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["judge"]["spec"] == "fake:longer" and (out / "judge_calls.sqlite").exists()
    printed = capsys.readouterr().out
    assert "Blind pairwise win rate" in printed and str(out / "report.md") in printed


def test_rerunning_a_command_answers_every_judge_call_from_the_cache(tmp_path, runs, fake_judges):
    dsr, direct, _ = runs
    out = tmp_path / "report"
    args = ["eval", "pairwise", f"dsr={dsr}", f"direct={direct}", "--judge", "fake:longer", "-o", str(out),
            "--resamples", "200"]
    assert main(args) == 0
    first = read_report(out)[0]
    assert main(args) == 0
    again = read_report(out)[0]
    assert fake_judges["fake:longer"].requests == []
    assert again["judge"]["calls"]["hits"] == first["judge"]["calls"]["misses"] == 4
    assert again["pairwise"] == first["pairwise"]


def test_human_share_reports_share_of_human_level_with_paired_ci(tmp_path, runs, fake_judges):
    dsr, direct, human = runs
    out = tmp_path / "report"
    assert main(["eval", "human-share", f"dsr={dsr}", f"direct={direct}", "--reference", str(human),
                 "--gain", "dsr:direct", "--judge", "fake:longer", "-o", str(out), "--resamples", "300"]) == 0
    report, md = read_report(out)
    assert report["human"] == "human"
    scores = {name: {i: v["score"] for i, v in entry["verdicts"].items()} for name, entry in report["rubric"].items()}
    expected = share_of_human(scores["dsr"], scores["human"], system_name="dsr", n_resamples=300)
    assert report["human_level"]["dsr"]["share"] == pytest.approx(expected.share)
    assert report["human_level"]["dsr"]["ci"] == expected.ci.to_dict()
    mean = mean_score(scores["direct"], n_resamples=300)
    assert report["rubric"]["direct"]["summary"]["mean"]["value"] == mean.value
    gain = report["gains"][0]
    assert gain["difference"] == pytest.approx(gain["mean_a"] - gain["mean_b"])
    assert [(p["system_a"], p["system_b"]) for p in report["pairwise"]] == [("dsr", "human"), ("direct", "human")]
    assert "## Rubric score" in md and "## Decomposition gain" in md and "(human)" in md
    assert (out / "plots" / "scores.png").exists()


def test_three_systems_get_bradley_terry_ratings(tmp_path, runs, fake_judges):
    dsr, direct, human = runs
    out = tmp_path / "report"
    assert main(["eval", "pairwise", f"dsr={dsr}", f"direct={direct}", f"human={human}", "--judge", "fake:longer",
                 "-o", str(out), "--resamples", "200"]) == 0
    report, md = read_report(out)
    assert len(report["pairwise"]) == 3
    assert [r["system"] for r in report["bradley_terry"]["ratings"]][0] == "human"
    assert "## Bradley-Terry ratings" in md and (out / "plots" / "bradley_terry.png").exists()


def test_a_position_biased_judge_is_reported(tmp_path, runs, fake_judges, capsys):
    dsr, direct, _ = runs
    out = tmp_path / "report"
    assert main(["eval", "pairwise", f"a={dsr}", f"b={direct}", "--judge", "fake:first", "-o", str(out),
                 "--resamples", "200"]) == 0
    report, md = read_report(out)
    assert report["pairwise"][0]["flip_rate"] == 1.0 and report["pairwise"][0]["ties"] == 2
    assert "judging position more than quality" in md
    assert "warning: a vs b: the judge's verdict changed with the order" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["rubric", "pairwise"])
def test_the_default_judge_is_the_embedded_model_with_one_warning(tmp_path, runs, fake_judges, capsys, command):
    dsr, direct, _ = runs
    out = tmp_path / "report"
    assert main(["eval", command, str(dsr), str(direct), "-o", str(out), "--resamples", "200"]) == 0
    assert "embedded" in fake_judges
    captured = capsys.readouterr()
    assert EMBEDDED_WARNING in captured.err  # before the judging starts
    assert (captured.out + captured.err).count(EMBEDDED_WARNING) == 1
    assert EMBEDDED_WARNING in read_report(out)[0]["warnings"]


def test_a_windows_1252_screenplay_is_read_by_eval_as_by_check(tmp_path, capsys):
    """One reading policy: a file `dsr check` reads (with a warning), `dsr eval` reads too."""
    script = tmp_path / "old.fountain"
    script.write_bytes(HUMAN.replace("Come, come.", "Caf\u00e9? \u201cCome, come.\u201d").encode("cp1252"))
    assert main(["check", str(script)]) in (0, 1)  # 1: format findings, not a failure to read
    check_err = capsys.readouterr().err
    assert main(["eval", "format", str(script), "-o", str(tmp_path / "report")]) == 0
    eval_err = capsys.readouterr().err
    for err in (check_err, eval_err):
        assert err.count("Windows-1252") == 1 and "old.fountain" in err and "error" not in err
    report, _ = read_report(tmp_path / "report")
    assert report["format"]["old"]["scenes"] == 2


def test_format_command_needs_no_model(tmp_path, fake_judges):
    out = tmp_path / "report"
    assert main(["eval", "format", str(shared("corpus", "ASCENT_TO_GURU_PEAK.fountain")),
                 str(shared("corpus", "Cyber_Bob_epSithSuperInformalLanguage.fountain")), "-o", str(out)]) == 0
    report, md = read_report(out)
    assert set(report["format"]) == {"ASCENT_TO_GURU_PEAK", "Cyber_Bob_epSithSuperInformalLanguage"}
    assert fake_judges == {} and "judge" not in report
    assert "## Format metrics" in md


@pytest.mark.parametrize("make_args, message", [
    (lambda r, t: ["pairwise", f"a={r[0]}", str(shared("corpus", "THE_LIBRARY_FREAK-OUT.fountain"))],
     "a has 2 scenes and THE_LIBRARY_FREAK-OUT has 3"),
    (lambda r, t: ["pairwise", f"a={r[0]}"], "give at least 2 systems"),
    (lambda r, t: ["pairwise", f"a={r[0]}", f"b={t / 'nope'}"], "no such run directory or file"),
    (lambda r, t: ["human-share", f"a={r[0]}"], "human-share needs --reference"),
    (lambda r, t: ["rubric", f"a={r[0]}", f"b={r[1]}", "--gain", "a:c"], "--gain a:c: give two different"),
    (lambda r, t: ["rubric", f"a={r[0]}", "--reference", f"a={r[2]}"], "both named a"),
    (lambda r, t: ["rubric", f"a={r[0]}", "--judge", "nonsense:x"], "nonsense"),
    (lambda r, t: ["rubric", f"a={r[0]}", "--resamples", "5"], "--resamples must be at least 100"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path, runs, fake_judges, capsys, make_args, message):
    args = ["eval", *make_args(runs, tmp_path), "-o", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
