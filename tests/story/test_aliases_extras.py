"""Optional ``aliases:`` per character and ``extras:`` per scene, in the three
formats, and the bad input around them: one clear line each."""

from __future__ import annotations

import json

import pytest

from dsr.cli import main
from dsr.story.loader import StoryError, load_story_text

YAML = """\
title: Low Water
characters:
  - name: NELL
    aliases: [Nelly, Mrs. Hart]
  - name: TESS
scenes:
  - place: HARBOR OFFICE
    characters: [NELL, Nelly, TESS]
    extras: [HARBORMASTER, a clerk]
    summary: Nell asks the harbormaster for the boat's papers. Tess waits outside.
"""

MARKDOWN = """\
# Low Water

## Characters
- **NELL** — the elder sister
  Aliases: Nelly, Mrs. Hart
- **TESS** — the younger

## Scenes
### INT. HARBOR OFFICE - DAY
Characters: NELL, TESS
Extras: HARBORMASTER, a clerk

Nell asks the harbormaster for the boat's papers. Tess waits outside.
"""


def test_aliases_and_extras_read_the_same_in_yaml_json_and_markdown():
    from_yaml = load_story_text(YAML, "yaml")
    from_json = load_story_text(json.dumps(from_yaml.model_dump(mode="json")), "json")
    from_markdown = load_story_text(MARKDOWN, "markdown")
    for story in (from_yaml, from_json, from_markdown):
        assert story.characters[0].aliases == ["Nelly", "Mrs. Hart"]
        assert story.scenes[0].extras == ["HARBORMASTER", "a clerk"]
        assert story.scenes[0].characters == ["NELL", "TESS"]  # "Nelly" is Nell: listed once, by name
        assert story.character("mrs. hart").name == "NELL"


def test_aliases_as_one_comma_separated_text():
    story = load_story_text(YAML.replace("aliases: [Nelly, Mrs. Hart]", "aka: Nelly, Mrs. Hart")
                            .replace("aka:", "aliases:"), "yaml")
    assert story.characters[0].aliases == ["Nelly", "Mrs. Hart"]


def problems(text: str, fmt: str = "yaml") -> str:
    with pytest.raises(StoryError) as caught:
        load_story_text(text, fmt, source="story.yaml")
    return str(caught.value)


def test_an_alias_that_is_another_characters_name_is_one_clear_problem():
    message = problems(YAML.replace("aliases: [Nelly, Mrs. Hart]", "aliases: [Nelly, Tess]"))
    assert "characters[0].aliases[1] (line 4): 'Tess' is the name of characters[1] (TESS); an alias must name only NELL" \
        in message
    assert message.startswith("story.yaml: 1 problem:")


def test_an_alias_shared_by_two_characters_is_a_problem():
    message = problems(YAML.replace("  - name: TESS\n", "  - name: TESS\n    aliases: [nelly]\n"))
    assert "characters[1].aliases[0]" in message and "also an alias of NELL" in message


def test_extras_naming_a_cast_member_is_one_clear_problem():
    message = problems(YAML.replace("extras: [HARBORMASTER, a clerk]", "extras: [HARBORMASTER, Tess]"))
    assert ("scenes[0].extras[1] (line 9): 'Tess' is TESS, a character of the story: list them under this "
            "scene's characters, not extras") in message
    message = problems(YAML.replace("extras: [HARBORMASTER, a clerk]", "extras: [mrs. hart]"))
    assert "'mrs. hart' is NELL, a character of the story" in message


def test_an_empty_summary_sentence_is_one_clear_problem():
    message = problems(YAML.replace("papers. Tess", "papers. . Tess"))
    assert "scenes[0].summary (line 10): sentence 2 is empty ('.'): remove the stray punctuation" in message
    message = problems(MARKDOWN.replace("papers. Tess", "papers. . Tess"), "markdown")
    assert "sentence 2 is empty" in message


def test_story_check_prints_each_problem_on_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(YAML.replace("[Nelly, Mrs. Hart]", "[Nelly, Tess]").replace("a clerk]", "TESS]")
                   .replace("papers. Tess", "papers. ! Tess"))
    assert main(["story", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"dsr: error: {bad}: 3 problems: ")
    for part in ("an alias must name only NELL", "not extras", "sentence 2 is empty"):
        assert part in err
