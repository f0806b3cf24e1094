"""The human-rating kit: a blind, self-contained page; rating files read
back with clear exclusions; aggregation with the same statistics; and the
page driven in a real headless Chromium (two ratings entered, saved,
imported)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eval_fakes import ScriptedJudge, longer_wins, make_run

from dsr.cli import main
from dsr.evaluate.human_import import import_ratings
from dsr.evaluate.human_kit import load_key, write_kit
from dsr.evaluate.items import align, load_system
from dsr.evaluate.stats import krippendorff_alpha

SCENES_A = ["JUNE rattles the jammed lock and kicks the door.\n\nJUNE\nNo. No, no.",
            "A cat sleeps on the armchair in a knitted collar.\n\nMR. OKAFOR\nTea?"]
SCENES_B = ["JUNE tries the key.\n\nJUNE\nNo.", "A cat.\n\nMR. OKAFOR\nTea?"]
SCENES_C = ["JUNE sighs at the door, key in hand, and laughs once.\n\nJUNE\nOf course.",
            "The cat wears a collar. MR. OKAFOR looks at the ceiling.\n\nMR. OKAFOR\nMilk?"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def kit(tmp_path):
    systems = [load_system(f"{name}={make_run(tmp_path / name, scenes)}")
               for name, scenes in (("dsr_model", SCENES_A), ("direct_model", SCENES_B), ("human", SCENES_C))]
    align(systems)
    write_kit(systems, tmp_path / "kit", seed=3, human="human")
    return tmp_path / "kit"


def ratings_file(path: Path, key: dict, rater: str, choices: dict[str, tuple], **extra) -> Path:
    """choices: pair id -> (preference, left score, right score)."""
    ratings = [{"pair": pid, "preference": pref, "left": {"score": ls, "errors": {"pacing": 1}},
                "right": {"score": rs}, "comment": ""} for pid, (pref, ls, rs) in choices.items()]
    data = {"format": "dsr-human-ratings", "version": 1, "kit_id": key["kit_id"], "rater": rater,
            "saved_at": "2026-01-01T00:00:00Z", "ratings": ratings, **extra}
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_the_page_is_blind_self_contained_and_randomly_ordered(kit, tmp_path):
    html = (kit / "index.html").read_text("utf-8")
    key = load_key(kit)
    for leak in ("dsr_model", "direct_model", str(tmp_path), "secret-run-metadata", "dsr 0.1.0"):
        assert leak not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)  # nothing fetched from anywhere
    assert "default-src 'none'" in html
    assert "Exceptional" in html and "directly usable" in html
    assert len(key["pairs"]) == 6  # 2 scenes x 3 system pairs
    assert {(p["left"], p["right"]) for p in key["pairs"]} != {(p["right"], p["left"]) for p in key["pairs"]}
    items = [p["item"] for p in key["pairs"]]
    assert items != sorted(items)
    lefts = {p["left"] for p in key["pairs"]}
    assert len(lefts) > 1  # sides vary
    rebuilt = tmp_path / "kit2"
    systems = [load_system(f"{n}={tmp_path / n}") for n in ("dsr_model", "direct_model", "human")]
    write_kit(align(systems), rebuilt, seed=3, human="human")
    assert load_key(rebuilt)["pairs"] == key["pairs"]


def test_ratings_of_two_raters_give_win_rates_scores_and_agreement(kit, tmp_path):
    key = load_key(kit)
    by_pair = {p["id"]: p for p in key["pairs"]}
    # Both raters prefer the human scene and score it 10, the others 4 (rater 2: 5).
    def choices(other_score):
        out = {}
        for pid, p in by_pair.items():
            if "human" in (p["left"], p["right"]):
                pref = "left_better" if p["left"] == "human" else "right_better"
            else:
                pref = "tie"
            score = lambda side: 10 if p[side] == "human" else other_score  # noqa: E731
            out[pid] = (pref, score("left"), score("right"))
        return out

    files = [ratings_file(tmp_path / "r1.json", key, "Ann", choices(4)),
             ratings_file(tmp_path / "r2.json", key, "Bob", choices(5))]
    report = import_ratings(files, kit, judge_spec=None, out=tmp_path / "out", n_resamples=200)
    pairs = {(p["system_a"], p["system_b"]): p for p in report["pairwise"]}
    assert pairs[("dsr_model", "human")]["win_rate"] == 0.0
    assert pairs[("dsr_model", "direct_model")]["win_rate"] == 0.5
    assert pairs[("dsr_model", "human")]["n_judgments"] == 4
    assert report["rubric"]["human"]["summary"]["mean"]["value"] == 10.0
    assert report["rubric"]["dsr_model"]["summary"]["mean"]["value"] == 4.5
    assert report["human_level"]["dsr_model"]["share"] == pytest.approx(0.45)
    assert report["bradley_terry"]["ratings"][0]["system"] == "human"
    # alpha as the stats function computes it from the same rows
    ids = [p["id"] for p in key["pairs"]]
    rows = [[{"left_better": 1, "right_better": -1, "tie": 0}[c[pid][0]] for pid in ids]
            for c in (choices(4), choices(5))]
    expected = krippendorff_alpha(rows, metric="ordinal").alpha
    assert report["agreement"]["preference alpha (ordinal)"]["alpha"] == pytest.approx(expected)
    assert report["warnings"] == []


def test_bad_rating_files_are_excluded_with_their_reason(kit, tmp_path):
    key = load_key(kit)
    first = key["pairs"][0]["id"]
    good = ratings_file(tmp_path / "good.json", key, "Ann", {first: ("tie", 6, 7)})
    (tmp_path / "empty.json").write_text("", "utf-8")
    (tmp_path / "corrupt.json").write_text('{"format": "dsr-human-ratings", "kit', "utf-8")
    other = ratings_file(tmp_path / "other.json", {**key, "kit_id": "0123456789ab"}, "Cy", {first: ("tie", 6, 7)})
    nameless = ratings_file(tmp_path / "nameless.json", key, " ", {first: ("tie", 6, 7)})
    partly = ratings_file(tmp_path / "partly.json", key, "Dee",
                          {first: ("tie", 13, 7), key["pairs"][1]["id"]: ("left_better", 8, None),
                           "p999": ("tie", 5, 5)})
    old = ratings_file(tmp_path / "ann-old.json", key, "Ann", {first: ("left_better", 2, 2)},
                       saved_at="2025-01-01T00:00:00Z")
    files = [good, tmp_path / "empty.json", tmp_path / "corrupt.json", other, nameless, partly, old]
    report = import_ratings(files, kit, judge_spec=None, out=tmp_path / "out", n_resamples=200)
    reasons = " | ".join(e["reason"] for e in report["excluded_files"])
    assert "empty.json is empty" in reasons
    assert "corrupt.json is not valid JSON" in reasons
    assert "other.json was made with another kit" in reasons
    assert "nameless.json has no rater name" in reasons
    assert "ann-old.json: superseded by good.json" in reasons
    assert set(report["raters"]) == {"Ann", "Dee"}
    dee = report["raters"]["Dee"]
    assert dee["ratings"] == 1
    assert sorted(e["reason"] for e in dee["excluded_ratings"]) == [
        "left score 13 is not a whole number from 1 to 12", "unknown pair 'p999'"]
    assert any("rating of p999 left out" in w for w in report["warnings"])


def test_importing_only_unusable_files_is_a_one_line_error(kit, tmp_path, capsys):
    (tmp_path / "empty.json").write_text("  ", "utf-8")
    code = main(["eval", "human-import", str(tmp_path / "empty.json"), "--kit", str(kit), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "none of the 1 rating file(s) could be used (empty.json is empty)" in err
    code = main(["eval", "human-import", str(tmp_path / "empty.json"), "--kit", str(tmp_path), "-o", str(tmp_path)])
    assert code == 2 and "key.json is missing" in capsys.readouterr().err


def test_judge_vs_human_kappa_on_the_kits_pairs(kit, tmp_path):
    key = load_key(kit)

    def longer_side(p):  # the judge below prefers the longer scene
        left, right = len(p["left_text"].split()), len(p["right_text"].split())
        return "left_better" if left > right else "right_better" if right > left else "tie"

    agreeing = {p["id"]: (longer_side(p), 6, 6) for p in key["pairs"]}
    files = [ratings_file(tmp_path / "r1.json", key, "Ann", agreeing)]
    report = import_ratings(files, kit, judge_spec=None, out=tmp_path / "out", n_resamples=200,
                            backend=ScriptedJudge(longer_wins))
    kappa = report["agreement"]["judge vs human majority (Cohen's kappa)"]
    assert kappa["observed_agreement"] == 1.0 and kappa["n_items"] == 6
    assert report["judge"]["spec"] == "fake:judge"
    assert report["agreement"]["note"] == "inter-rater agreement needs at least two raters"


def _browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium chromium-driver)")
    return playwright


def test_the_kit_in_headless_chromium_two_ratings_saved_and_imported(kit, tmp_path):
    playwright = _browser()
    key = load_key(kit)
    page_url = (kit / "index.html").resolve().as_uri()
    saved = tmp_path / "ratings-ann.json"
    problems, requests = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_url)
            assert page.text_content("#progress").startswith(f"Pair 1 of {len(key['pairs'])}")
            assert page.text_content("#left-text") == key["pairs"][0]["left_text"]
            page.click("#save")  # no name yet: refused with a message, nothing saved
            assert "Enter your name" in page.text_content("#status")
            page.fill("#rater", "Ann")
            page.check("input[name=preference][value=left_much_better]")
            page.select_option("#score-left", "9")
            page.select_option("#score-right", "4")
            page.fill("#errors-right-plot_coherence", "2")
            page.click("#next")
            assert page.text_content("#right-text") == key["pairs"][1]["right_text"]
            page.check("input[name=preference][value=right_better]")
            page.select_option("#score-left", "5")
            page.select_option("#score-right", "7")
            page.click("#prev")  # what was entered is kept when going back and forth
            assert page.input_value("#score-left") == "9"
            page.click("#next")
            with page.expect_download() as download:
                page.click("#save")
            download.value.save_as(saved)
            assert "Saved 2 rating(s)" in page.text_content("#status")
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_url]  # the page fetched nothing
    data = json.loads(saved.read_text("utf-8"))
    assert data["rater"] == "Ann" and data["kit_id"] == key["kit_id"]
    assert [(r["pair"], r["preference"], r["left"]["score"], r["right"]["score"]) for r in data["ratings"]] == [
        (key["pairs"][0]["id"], "left_much_better", 9, 4), (key["pairs"][1]["id"], "right_better", 5, 7)]
    assert data["ratings"][0]["right"]["errors"]["plot_coherence"] == 2

    # a second rater's file, then the import through the command line
    second = json.loads(saved.read_text("utf-8"))
    second["rater"] = "Bob"
    second["ratings"][1]["preference"] = "tie"
    (tmp_path / "ratings-bob.json").write_text(json.dumps(second), "utf-8")
    out = tmp_path / "report"
    assert main(["eval", "human-import", str(saved), str(tmp_path / "ratings-bob.json"), "--kit", str(kit),
                 "-o", str(out), "--resamples", "200"]) == 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert set(report["raters"]) == {"Ann", "Bob"}
    first = key["pairs"][0]
    left_system = first["left"]
    scores = report["rubric"][left_system]["verdicts"][first["item"]]
    assert scores["ratings"] >= 2
    assert "preference alpha (ordinal)" in report["agreement"]
    assert (out / "report.md").exists() and (out / "plots" / "scores.png").exists()


def test_the_page_shows_texts_that_look_like_markup_as_text(tmp_path):
    playwright = _browser()
    hostile = "A note reads </script><script>window.hacked=1</script> <b>bold</b>."
    systems = [load_system(f"{n}={make_run(tmp_path / n, [hostile, hostile])}") for n in ("a", "b")]
    write_kit(align(systems), tmp_path / "kit", max_pairs=1)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((tmp_path / "kit" / "index.html").resolve().as_uri())
            texts = page.text_content("#left-text") + page.text_content("#right-text")
            hacked = page.evaluate("window.hacked !== undefined")
        finally:
            browser.close()
    assert not hacked
    assert texts.count(hostile) == 2


def test_human_kit_command_writes_the_page_and_the_key(tmp_path, capsys):
    a = make_run(tmp_path / "a", SCENES_A)
    b = make_run(tmp_path / "b", SCENES_B)
    assert main(["eval", "human-kit", f"a={a}", f"b={b}", "-o", str(tmp_path / "kit"), "--pairs", "1"]) == 0
    assert "1 pairs over 1 scenes" in capsys.readouterr().out
    assert len(load_key(tmp_path / "kit")["pairs"]) == 1
    assert main(["eval", "human-kit", f"a={a}", "-o", str(tmp_path / "kit2")]) == 2
    assert "at least two systems" in capsys.readouterr().err
