"""One language table: every language the story accepts is named in the
prompts, by its English name (``language: he`` -> "Hebrew", not "he")."""

from __future__ import annotations

import pytest

from dsr.pipeline.prompts import scene_fields
from dsr.pipeline.stage1 import directives_messages
from dsr.story.loader import load_story_text
from dsr.story.model import LANGUAGES, language_name

STORY = """\
title: T
language: {language}
characters: [MAYA]
scenes:
  - summary: Maya waits.
"""


@pytest.mark.parametrize("written, code, name", [
    ("he", "he", "Hebrew"),
    ("Hebrew", "he", "Hebrew"),
    ("pt-br", "pt-BR", "Portuguese"),
    ("Deutsch", "de", "German"),
    ("tlh", "tlh", "tlh"),  # a valid code the table lacks is passed through as written
])
def test_the_prompt_names_the_language_the_story_accepted(written, code, name):
    story = load_story_text(STORY.format(language=written), "yaml")
    assert story.language == code
    assert scene_fields(story, 0, "", "short")["language_name"] == name
    prompt = "\n".join(m["content"] for m in directives_messages(story, 0, ""))
    assert f"in {name}" in prompt


def test_every_code_in_the_table_loads_and_is_named():
    for code, name in LANGUAGES.items():
        story = load_story_text(STORY.format(language=code), "yaml")
        assert language_name(story.language) == name
