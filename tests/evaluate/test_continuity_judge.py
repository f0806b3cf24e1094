"""`dsr eval continuity` with a scripted judge: facts per scene, then each
scene checked against the facts of the scenes before it; one line per
contradiction with the scene numbers; cached; bad answers retried and counted."""

from __future__ import annotations

import json
import re

import pytest
from eval_fakes import ScriptedJudge, make_run, no_embedding

from dsr.cli import main
from dsr.llm import registry

STORY = """\
title: The Spare Key
characters: [JUNE, MR. OKAFOR]
scenes:
  - {place: LANDING, time: morning, characters: [JUNE, MR. OKAFOR], summary: June is locked out.}
  - {place: MR. OKAFOR'S FLAT, time: continuous, characters: [JUNE, MR. OKAFOR], summary: The cat is here.}
  - {place: LANDING, time: evening, characters: [JUNE], summary: June goes home.}
"""
SCENES = ["June drops her key down the stairwell drain.\n\nJUNE\nGone.",
          "A cat sleeps on the armchair.\n\nMR. OKAFOR\nTea?",
          "June unlocks her door with her key.\n\nJUNE\nHome."]
FACTS = {
    1: [{"kind": "object", "fact": "June's key fell down the drain."}],
    2: [{"kind": "alive", "fact": "The cat is alive."}, {"kind": "place", "fact": "June is at Mr. Okafor's."}],
    3: [],
}


def scene_number(request) -> int:
    return int(re.search(r"Scene (\d+)", request.user).group(1))


def judge_answer(request) -> str:
    """Lists FACTS; finds that scene 3's key contradicts scene 1."""
    if "List the facts" in request.user:
        return json.dumps({"facts": FACTS[scene_number(request)]})
    number = int(re.search(r"Does scene (\d+) contradict", request.user).group(1))
    if number == 3:
        return json.dumps({"contradictions": [{"earlier_scene": 1, "fact": "June's key fell down the drain.",
                                               "contradiction": "June opens her door with the key she lost."}]})
    return json.dumps({"contradictions": []})


@pytest.fixture(autouse=True)
def no_embedder(monkeypatch):
    from dsr.evaluate import coverage

    monkeypatch.setattr(coverage, "embed", no_embedding)


@pytest.fixture
def judges(monkeypatch):
    made = []

    def install(answer):
        def factory(spec):
            made.append(ScriptedJudge(answer, spec=spec))
            return made[-1]
        monkeypatch.setitem(registry.BACKENDS, "fake", factory)
        return made
    return install


@pytest.fixture
def run_dir(tmp_path):
    story = tmp_path / "key.yaml"
    story.write_text(STORY, "utf-8")
    return make_run(tmp_path / "run", SCENES, story_path=story)


def test_contradictions_with_earlier_facts_one_line_each_with_scene_numbers(tmp_path, run_dir, judges, capsys):
    made = judges(judge_answer)
    out = tmp_path / "report"
    assert main(["eval", "continuity", str(run_dir), "--judge", "fake:judge", "-o", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    review = report["continuity_review"]
    assert [(c["scene"], c["earlier_scene"]) for c in review["contradictions"]] == [(3, 1)]
    assert review["contradictions"][0]["line"] == (
        "scene 3 contradicts scene 1: June opens her door with the key she lost. "
        "(established in scene 1: June's key fell down the drain.)")
    assert review["facts"]["2"] == ["scene 2 [alive]: The cat is alive.", "scene 2 [place]: June is at Mr. Okafor's."]
    # Scene 3 was shown the facts of scenes 1 and 2, tagged, and could name only those scenes.
    check3 = next(r for r in made[0].requests if "Does scene 3 contradict" in r.user)
    assert "scene 1 [object]: June's key fell down the drain." in check3.user
    assert "scene 2 [place]: June is at Mr. Okafor's." in check3.user
    schema = check3.params.json_schema["properties"]["contradictions"]["items"]["properties"]["earlier_scene"]
    assert schema["enum"] == [1, 2]
    assert report["continuity"]["count"] == 0  # the model-free checks ran too (the outline is known)
    md = (out / "report.md").read_text()
    assert "| 3 | 1 | June opens her door with the key she lost. | June's key fell down the drain. |" in md
    printed = capsys.readouterr().out
    assert "continuity review: 1 contradiction with earlier scenes in 3 scenes" in printed
    # 3 facts + 2 checks; a second run answers from the cache.
    assert len(made[0].requests) == 5
    assert main(["eval", "continuity", str(run_dir), "--judge", "fake:judge", "-o", str(out)]) == 0
    assert len(made[1].requests) == 0


def test_a_contradiction_naming_a_scene_not_shown_is_retried_then_counted_missing(tmp_path, run_dir, judges):
    def later_scene(request):
        if "List the facts" in request.user:
            return judge_answer(request)
        return json.dumps({"contradictions": [{"earlier_scene": 7, "fact": "x", "contradiction": "y"}]})

    made = judges(later_scene)
    out = tmp_path / "report"
    assert main(["eval", "continuity", str(run_dir), "--judge", "fake:judge", "-o", str(out), "--retries", "1"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["continuity_review"]["unchecked_scenes"] == [2, 3]
    assert report["continuity_review"]["failures"]["check"]["missing_by_kind"]["invalid"] == 2
    assert any("could not be checked" in w for w in report["warnings"])
    assert sum("Does scene" in r.user for r in made[0].requests) == 4  # two scenes, each asked twice


def test_a_fountain_file_without_story_is_reviewed_with_a_note(tmp_path, run_dir, judges):
    judges(judge_answer)
    out = tmp_path / "report"
    assert main(["eval", "continuity", str(run_dir / "screenplay.fountain"), "--judge", "fake:j", "-o", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["continuity_review"]["count"] == 1 and "continuity" not in report
    assert any("need a run directory or --story" in w for w in report["warnings"])


def test_a_fountain_file_with_story_gets_the_outline_and_the_model_free_findings(tmp_path, run_dir, judges):
    made = judges(judge_answer)
    out = tmp_path / "report"
    assert main(["eval", "continuity", str(run_dir / "screenplay.fountain"), "--story", str(tmp_path / "key.yaml"),
                 "--judge", "fake:j", "-o", str(out)]) == 0
    assert json.loads((out / "report.json").read_text())["continuity"]["count"] == 0
    assert "What happens: June is locked out." in made[0].requests[0].user


def test_no_valid_answer_at_all_is_one_line_and_exit_4(tmp_path, run_dir, judges, capsys):
    judges(lambda request: "I cannot help with that.")
    assert main(["eval", "continuity", str(run_dir), "--judge", "fake:j", "-o", str(tmp_path / "r"),
                 "--retries", "0"]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dsr: error: the judge fake:j gave no valid answer at all")


def test_a_story_with_another_scene_count_is_one_line(tmp_path, run_dir, judges, capsys):
    judges(judge_answer)
    other = tmp_path / "other.yaml"
    other.write_text("title: T\ncharacters: [JUNE]\nscenes:\n  - {summary: One scene.}\n", "utf-8")
    assert main(["eval", "continuity", str(run_dir / "screenplay.fountain"), "--story", str(other),
                 "--judge", "fake:j", "-o", str(tmp_path / "r")]) == 2
    assert "has 3 scenes but the outline" in capsys.readouterr().err


def test_repeated_facts_are_kept_once_and_a_contradiction_that_repeats_its_fact_is_invalid():
    from dsr.evaluate.continuity_judge import VerdictError, parse_contradictions, parse_facts

    facts = parse_facts(1)({"facts": [{"kind": "object", "fact": "The key is lost."},
                                      {"kind": "object", "fact": "the key is lost."}]})
    assert [f.line() for f in facts] == ["scene 1 [object]: The key is lost."]
    check = parse_contradictions(2, [1])
    with pytest.raises(VerdictError):
        check({"contradictions": [{"earlier_scene": 1, "fact": "The key is lost.", "contradiction": "The key is lost."}]})
    with pytest.raises(VerdictError):
        check({"contradictions": [{"earlier_scene": 2, "fact": "a", "contradiction": "b"}]})
    assert check({"contradictions": [{"earlier_scene": "1", "fact": "a", "contradiction": "b"}]})[0].earlier_scene == 1
