"""The previous context stays bounded, whatever the outline's length."""

from __future__ import annotations

from pipeline_support import story_data

from dsr.pipeline.context import previous_context
from dsr.pipeline.stage1 import directives_messages
from dsr.story.model import Story


def big_story(n: int) -> Story:
    data = story_data(n)
    for i, scene in enumerate(data["scenes"]):
        scene["summary"] = f"Scene {i + 1}: " + "Maya walks and argues and searches the drawers. " * 30
    return Story.model_validate(data)


def test_context_of_a_500_scene_outline_is_bounded():
    story = big_story(500)
    prose = "word " * 5000
    sizes = [len(previous_context(story, i, prose)) for i in range(0, 500, 7)]
    assert max(sizes) < 4000
    late = previous_context(story, 499, prose)
    assert "1. INT. KITCHEN" in late  # the opening is kept
    assert "499. " in late and "498. " in late  # and the most recent scenes
    assert "scenes ...)" in late  # the middle is counted, not listed
    prompt = sum(len(m["content"]) for m in directives_messages(story, 499, late))
    assert prompt < 8000


def test_context_is_deterministic_and_carries_the_previous_ending():
    story = big_story(5)
    a = previous_context(story, 3, "She opens the door. The end of scene three.")
    b = previous_context(story, 3, "She opens the door. The end of scene three.")
    assert a == b and a.endswith("The end of scene three.")
    assert previous_context(story, 0, None) == "This is the first scene."


def test_editing_an_old_scene_outside_the_window_does_not_change_a_late_context():
    story = big_story(60)
    before = previous_context(story, 59, "x")
    story.scenes[20].summary = "Something else entirely happens here."
    assert previous_context(story, 59, "x") == before
