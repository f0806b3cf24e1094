"""A cast on its own (`dsr develop`'s characters.yaml), checked by the story checker's rules."""

from __future__ import annotations

import pytest

from dsr.errors import UserError
from dsr.story.loader import StoryError, load_characters_text


def test_a_cast_file_loads_with_the_story_formats_friendly_forms():
    cast = load_characters_text("characters:\n  - NELL: the elder sister\n  - name: TESS\n    relationships: {NELL: sister}\n")
    assert [(c.name, c.profile) for c in cast] == [("NELL", "the elder sister"), ("TESS", "")]
    assert cast[1].relationships == {"NELL": "sister"}


def test_every_problem_is_named_with_its_line():
    text = "characters:\n  - name: NELL\n  - name: NELL\n  - nmae: TESS\n    profile: the younger one\nscenes: []\n"
    with pytest.raises(StoryError) as caught:
        load_characters_text(text, "cast.yaml")
    message = str(caught.value)
    assert message.startswith("cast.yaml: 4 problems: ")
    assert "characters[2].name (line 4): required (every character needs a name)" in message
    assert "characters[1].name (line 3): 'NELL' repeats characters[0]" in message
    assert "characters[2].nmae (line 4): unknown key (did you mean 'name'?)" in message
    assert "scenes (line 6): unknown key (this file holds characters: only)" in message


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("title: x\n", "expected characters: at the top"),
    ("characters: [\n", "not valid YAML at line"),
])
def test_files_that_are_not_a_cast_get_one_line(text, message):
    with pytest.raises(UserError, match=message):
        load_characters_text(text, "cast.yaml")
