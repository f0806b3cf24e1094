"""`dsr check --story`: continuity findings with scene numbers, in text and
JSON, against a hand-made outline and a corpus script's reversed outline."""

from __future__ import annotations

import json

from testkit.shared import shared

from dsr.cli import main


STORY = """\
title: Low Water
characters: [NELL, TESS, ARCHIE]
scenes:
  - {place: CAUSEWAY CAR PARK, time: dawn, interior: ext, characters: [NELL, TESS], summary: Nell waits.}
  - {place: THE CAUSEWAY, time: night, interior: ext, characters: [NELL, TESS], summary: They cross.}
"""

SCRIPT = """\
Title: Low Water

EXT. CAUSEWAY CAR PARK - DAWN

Grey light. Nell waits by her van.

NELLY
You're late.

EXT. THE CAUSEWAY - NIGHT

Morning sun on the flats. Tess follows.

ARCHIE
Tide.
"""


def files(tmp_path, script=SCRIPT, story=STORY):
    (tmp_path / "story.yaml").write_text(story, "utf-8")
    (tmp_path / "script.fountain").write_text(script, "utf-8")
    return str(tmp_path / "story.yaml"), str(tmp_path / "script.fountain")


def test_findings_print_one_a_line_with_their_scene_and_do_not_fail_the_check(tmp_path, capsys):
    story, script = files(tmp_path)
    assert main(["check", "--story", story, script]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (f"{script}:7: warning name-drift: scene 1: NELLY looks like NELL under a drifting name (write NELL, "
            "or declare NELLY among NELL's aliases in the story)") in out
    assert any(line.startswith(f"{script}:12: warning time-contradiction: scene 2: 'morning sun") for line in out)
    assert any(line.startswith(f"{script}:14: warning not-in-scene-outline: scene 2: ARCHIE speaks here")
               for line in out)
    assert f"{script}: 0 errors, 0 warnings, 3 continuity findings" in out


def test_json_has_the_findings_per_file_and_their_count(tmp_path, capsys):
    story, script = files(tmp_path)
    assert main(["check", "--story", story, script, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["continuity"] == 3
    found = report["files"][0]["continuity"]
    assert [(f["code"], f["scenes"], f["line"]) for f in found] == [
        ("name-drift", [1], 7), ("time-contradiction", [2], 12), ("not-in-scene-outline", [2], 14)]


def test_without_story_there_is_no_continuity_in_the_output(tmp_path, capsys):
    _, script = files(tmp_path)
    assert main(["check", script, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "continuity" not in report and "continuity" not in report["files"][0]


def test_another_number_of_scenes_is_one_line_and_exit_2_other_files_still_checked(tmp_path, capsys):
    story, script = files(tmp_path)
    short = tmp_path / "short.fountain"
    short.write_text("EXT. CAUSEWAY CAR PARK - DAWN\n\nNell waits.\n", "utf-8")
    assert main(["check", "--story", story, str(short), script]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (f"dsr: error: {short}: the screenplay has 1 scene heading but the story has 2 "
                                    "scenes: continuity is checked scene by scene, so give the outline the "
                                    "screenplay was written from")
    assert f"{script}: 0 errors, 0 warnings, 3 continuity findings" in captured.out


def test_a_bad_story_is_one_line(tmp_path, capsys):
    _, script = files(tmp_path)
    assert main(["check", "--story", str(tmp_path / "missing.yaml"), script]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dsr: error: ") and "missing.yaml: no such file" in err and len(err.splitlines()) == 1


def test_a_corpus_script_against_its_reversed_outline_as_a_run_would_store_it(tmp_path, capsys):
    from dsr.synth.corpus import load_corpus
    from dsr.synth.inputs import build_story

    sp = next(s for s in load_corpus(shared("corpus")) if s.id == "THE_LIBRARY_FREAK-OUT")
    (tmp_path / "story.json").write_text(json.dumps(build_story(sp, {}, {}).model_dump(mode="json")), "utf-8")
    script = tmp_path / "script.fountain"
    script.write_text("\n\n".join(scene.fountain for scene in sp.scenes), "utf-8")
    assert main(["check", "--story", str(tmp_path / "story.json"), str(script), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["continuity"] == 0 and report["files"][0]["statistics"]["scenes"] == len(sp.scenes)


def test_the_hand_written_low_water_has_no_findings_and_planted_slips_are_found(tmp_path, capsys):
    from testkit.shared import REPO

    story, script = REPO / "examples" / "short_film.yaml", REPO / "examples" / "low_water.fountain"
    assert main(["check", "--story", str(story), str(script), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["continuity"] == 0
    text = script.read_text("utf-8")
    slipped = text.replace("\nNELL\n", "\nNELLY\n", 1).replace(
        "Low water under a hard white moon.", "Low water under a hard white moon. Morning sun glints on the sand.")
    slipped = slipped.replace("EXT. THE CAUSEWAY - MORNING\n", "EXT. THE CAUSEWAY - MORNING\n\nARCHIE\nMind the tide.\n", 1)
    planted = tmp_path / "low_water.fountain"
    planted.write_text(slipped, "utf-8")
    assert main(["check", "--story", str(story), str(planted), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["files"][0]["continuity"]
    assert sorted((f["code"], f["scenes"][0]) for f in found) == [
        ("name-drift", 1), ("not-in-scene-outline", 2), ("time-contradiction", 6)]
