"""`dsr story check`: summary and warnings, one-line errors, --json, --strict."""

from __future__ import annotations

import json
from pathlib import Path

from dsr.cli import main
from dsr.story.loader import load_story_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_check_prints_a_summary(capsys):
    assert main(["story", "check", str(EXAMPLES / "short_film.yaml")]) == 0
    out = capsys.readouterr().out
    assert "'Low Water' (drama, en): 6 scenes, 3 characters" in out
    assert "characters: NELL (6 scenes), TESS (6 scenes), ARCHIE (3 scenes)" in out
    assert "warning" not in out


def test_check_reports_bad_input_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\ncharacters: [MAYA]\nscenes: [{summary: s, characters: [MAIA]}]\n")
    assert main(["story", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == (f"dsr: error: {bad}: 1 problem: scenes[0].characters[0] (line 3): "
                   "'MAIA' is not in characters (did you mean 'MAYA'?)\n")


def test_strict_fails_on_warnings_and_json_round_trips(tmp_path, capsys):
    story = tmp_path / "s.md"
    story.write_text("# T\n\n## Characters\n- A\n- B\n\n## Scenes\n### INT. ROOM - DAY\nCharacters: A\n\nA sits.\n")
    assert main(["story", "check", str(story), "--strict"]) == 1
    assert "warning: characters[1]: B is in no scene's characters" in capsys.readouterr().out
    assert main(["story", "check", str(story), "--json"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["scenes"][0]["place"] == "ROOM"
    assert load_story_text(printed, "json").scenes[0].heading() == "INT. ROOM - DAY"
