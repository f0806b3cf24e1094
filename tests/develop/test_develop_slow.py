"""The embedded model end to end: a logline -> `dsr develop` -> a story.yaml
that `dsr story check --strict` accepts -> `dsr write` -> a screenplay.
Kept small (two scenes, a short structure, small token limits)."""

from __future__ import annotations

import pytest

from dsr.cli import main
from dsr.develop.project import DevelopOptions, develop
from dsr.pipeline.settings import Settings
from dsr.pipeline.write import write_story
from dsr.screenplay.parser import parse
from dsr.screenplay.validate import validate
from dsr.story.loader import load_story

LOGLINE = "A night nurse discovers that the patient in room nine has been dead for a week, yet keeps ringing the bell."


@pytest.mark.slow
def test_embedded_model_from_a_logline_to_a_screenplay(tmp_path, capsys):
    folder = tmp_path / "dev"
    result = develop(folder, DevelopOptions(logline=LOGLINE, structure="short", scenes=2, max_attempts=2))
    assert [r.action for r in result.reports] == ["written"] * 4
    for name in ("premise", "characters", "beats", "story"):
        assert (folder / f"{name}.yaml").is_file()
    story_path = folder / "story.yaml"
    assert main(["story", "check", str(story_path), "--strict"]) == 0, capsys.readouterr().out
    story = load_story(story_path)
    assert len(story.scenes) == 2 and 2 <= len(story.characters) <= 8
    assert all(scene.characters and scene.place for scene in story.scenes)

    # A second run asks the model nothing.
    again = develop(folder, DevelopOptions())
    assert [r.action for r in again.reports] == ["unchanged"] * 4

    settings = Settings(pdf=False, directives_tokens=160, prose_tokens=200, stage2_tokens=400, max_attempts=1)
    write_story(story_path, tmp_path / "run", settings)
    text = (tmp_path / "run" / "screenplay.fountain").read_text()
    screenplay = parse(text)
    assert [f for f in validate(screenplay, text) if f.severity == "error"] == []
    headings = [el.text for el in screenplay.elements if el.type == "scene_heading"]
    assert headings == [scene.heading() for scene in story.scenes]
