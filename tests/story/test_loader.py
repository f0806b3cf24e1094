"""Story loading: the examples, the three formats, friendly variants, and
every kind of bad input reported at once with its path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dsr.errors import UserError
from dsr.story import loader
from dsr.story.loader import StoryError, load_story, load_story_text, story_warnings
from dsr.story.headings import parse_heading
from dsr.story.model import Story

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MINIMAL = """\
title: T
characters: [MAYA, JONAH]
scenes:
  - summary: Maya waits.
    characters: [MAYA]
"""


def problems_of(text: str, fmt: str = "yaml") -> StoryError:
    with pytest.raises(StoryError) as caught:
        load_story_text(text, fmt, source="story.yaml")
    return caught.value


# -- the examples ----------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("*.md")), ids=lambda p: p.name)
def test_every_example_loads_without_warnings_about_casting(path):
    story = load_story(path)
    assert story.title and story.characters and story.scenes
    declared = {c.name for c in story.characters}
    for scene in story.scenes:
        assert set(scene.characters) <= declared
        assert len(scene.summary.split()) >= 15  # specific, visual summaries, not one-liners
    assert not [w for w in story_warnings(story) if "is in no scene" in w]


def test_examples_cover_the_promised_shapes():
    short = load_story(EXAMPLES / "short_film.yaml")
    assert 5 <= len(short.scenes) <= 8 and 2 <= len(short.characters) <= 4
    assert all(c.profile and c.relationships for c in short.characters)
    pilot = load_story(EXAMPLES / "tv_pilot_act_one.yaml")
    assert 13 <= len(pilot.scenes) <= 17
    german = load_story(EXAMPLES / "kurzfilm_de.yaml")
    assert german.language == "de" and 4 <= len(german.scenes) <= 6
    assert len(load_story(EXAMPLES / "two_scenes.yaml").scenes) == 2


def test_yaml_json_and_markdown_of_the_same_story_are_equal(tmp_path):
    from_yaml = load_story(EXAMPLES / "short_film.yaml")
    as_json = tmp_path / "short_film.json"
    as_json.write_text(json.dumps(yaml.safe_load((EXAMPLES / "short_film.yaml").read_text())), encoding="utf-8")
    assert load_story(as_json) == from_yaml
    assert load_story(EXAMPLES / "short_film.md") == from_yaml
    # and the normalised JSON that `dsr story check --json` prints reads back the same
    assert load_story_text(from_yaml.model_dump_json(), "json") == from_yaml


# -- friendly variants -------------------------------------------------------------

def test_friendly_variants_are_normalised():
    story = load_story_text("""\
title: 1917
language: German
characters:
  - Maya Ortega
  - JONAH: her brother, broke
  - name: Ruth
    relationships: ["MAYA ORTEGA: her boss"]
scenes:
  - summary: a
    time: night
    interior: ext
    characters: "maya ortega, jonah"
  - summary: b
    interior: "int/ext"
    time: late  night.
    characters: ruth
  - summary: c
    heading: INT. KITCHEN - DAWN
  - summary: d
    interior: no
    time:
    place:
""", "yaml")
    assert story.title == "1917" and story.language == "de"
    assert [c.name for c in story.characters] == ["Maya Ortega", "JONAH", "Ruth"]
    assert story.characters[1].profile == "her brother, broke"
    assert story.characters[2].relationships == {"MAYA ORTEGA": "her boss"}
    first, second, third, fourth = story.scenes
    assert (first.time, first.interior) == ("NIGHT", False)
    assert first.characters == ["Maya Ortega", "JONAH"]  # spelled as declared
    assert (second.interior, second.time, second.characters) == ("both", "LATE NIGHT", ["Ruth"])
    assert third.heading() == "INT. KITCHEN - DAWN"
    assert (fourth.interior, fourth.time, fourth.place) == (False, "DAY", "")


@pytest.mark.parametrize("value, expected", [
    ("int", True), ("INT.", True), ("interior", True), ("true", True), ("ext", False), ("EXT.", False),
    ("outside", False), ("int/ext", "both"), ("INT./EXT.", "both"), ("I/E", "both"), ("both", "both"),
])
def test_interior_spellings(value, expected):
    story = load_story_text(json.dumps({"title": "T", "characters": ["A"],
                                        "scenes": [{"summary": "s", "interior": value}]}), "json")
    assert story.scenes[0].interior == expected


def test_characters_as_a_mapping_of_name_to_profile():
    story = load_story_text("""\
title: T
characters:
  NELL: the elder sister
  TESS: {profile: the younger one, relationships: {NELL: sister}}
  ARCHIE:
scenes: [{summary: s, characters: "nell, tess, Archie"}]
""", "yaml")
    assert [(c.name, c.profile) for c in story.characters] == [
        ("NELL", "the elder sister"), ("TESS", "the younger one"), ("ARCHIE", "")]
    assert story.characters[1].relationships == {"NELL": "sister"}
    assert story.scenes[0].characters == ["NELL", "TESS", "ARCHIE"]
    error = problems_of("title: T\ncharacters: {NELL: x}\nscenes: [{summary: s, characters: [NEL]}]\n")
    assert "'NEL' is not in characters (did you mean 'NELL'?)" in str(error)


def test_shapes_that_cannot_be_a_story_part():
    error = problems_of("""\
title: T
characters: [5, {name: A, relationships: brother}]
scenes: [just a string, {summary: s, characters: 7, time: [a]}]
""")
    assert str(error) == (
        "story.yaml: 5 problems: "
        "characters[0] (line 2): expected a name or name:/profile:/relationships: keys, got the number 5; "
        "characters[1].relationships (line 2): expected lines such as 'NAME: how they relate', got text 'brother'; "
        "scenes[0] (line 3): expected keys and values, got text 'just a string'; "
        "scenes[1].time (line 3): expected text, got a list; "
        "scenes[1].characters (line 3): expected a list, got the number 7")


def test_norwegian_survives_yaml_1_1():
    text = MINIMAL.replace("title: T", "title: T\nlanguage: no")
    assert load_story_text(text, "yaml").language == "no"


@pytest.mark.parametrize("heading, expected", [
    ("INT. KITCHEN - NIGHT", {"interior": True, "place": "KITCHEN", "time": "NIGHT"}),
    ("EXT ROOF – DAWN", {"interior": False, "place": "ROOF", "time": "DAWN"}),
    ("I/E. CAR - DAY", {"interior": "both", "place": "CAR", "time": "DAY"}),
    ("INT./EXT. VAN", {"interior": "both", "place": "VAN"}),
    ("12. INT. ISLAND - CHAPEL RUIN - LATE MORNING", {"interior": True, "place": "ISLAND - CHAPEL RUIN", "time": "LATE MORNING"}),
    ("Scene 3: EXT. PIER - DUSK", {"interior": False, "place": "PIER", "time": "DUSK"}),
    ("The attic", {"place": "The attic"}),
])
def test_scene_headings(heading, expected):
    assert parse_heading(heading) == expected


# -- bad input: one line, every problem, path and what to do ------------------------------

def test_all_problems_at_once_with_paths_lines_and_suggestions():
    error = problems_of("""\
title: Test
langauge: en
characters:
  - name: MAYA
    bio: pilot
  - JONAH
  - name: maya
scenes:
  - summary: Something
    characters: MAYA, Jonah, MAIA
    interior: maybe
  - place: Kitchen
    summary:
  - summary: ok
    characters: [RUTH]
scnes: []
""")
    message = str(error)
    assert "\n" not in message
    assert message.startswith("story.yaml: 8 problems: ")
    expected = [
        "langauge (line 2): unknown key (did you mean 'language'?)",
        "characters[0].bio (line 5): unknown key (did you mean 'profile'?)",
        "characters[2].name (line 7): 'maya' repeats characters[0] (give each character one entry)",
        "scenes[0].characters[2] (line 10): 'MAIA' is not in characters (did you mean 'MAYA'?)",
        "scenes[0].interior (line 11): 'maybe' is not one of true (INT.), false (EXT.), both (INT./EXT.)",
        "scenes[1].summary (line 13): required (say what happens in the scene)",
        "scenes[2].characters[0] (line 15): 'RUTH' is not in characters (add them under characters, or fix the spelling)",
        "scnes (line 16): unknown key (did you mean 'scenes'?)",
    ]
    assert message == "story.yaml: 8 problems: " + "; ".join(expected)
    assert [str(p) for p in error.problems] == expected
    assert isinstance(error, UserError) and error.exit_code == 2


def test_missing_required_keys():
    error = problems_of("logline: nothing else\n")
    assert str(error) == ("story.yaml: 3 problems: title (line 1): required (give the story a title); "
                          "characters (line 1): required; scenes (line 1): required")


def test_empty_lists_and_names():
    error = problems_of("title: T\ncharacters: []\nscenes:\n  - summary: ''\n")
    assert "characters (line 2): at least one character is required" in str(error)
    assert "scenes[0].summary (line 4): empty (say what happens in the scene)" in str(error)
    error = problems_of("title: T\ncharacters:\n  - profile: nameless\nscenes: [{summary: s}]\n")
    assert "characters[0].name (line 3): required (every character needs a name)" in str(error)


@pytest.mark.parametrize("line, expected", [
    ("title: [a, b]", "title (line 1): expected text, got a list"),
    ("language: Klingon", "language (line 1): 'Klingon' is not a language code (use one such as en, de, es or pt-BR)"),
    ("characters: 5", "characters (line 1): expected a list, got the number 5"),
])
def test_wrong_types(line, expected):
    text = MINIMAL
    key = line.split(":")[0]
    text = "\n".join(l for l in text.splitlines() if not l.startswith(key + ":") and
                     not (key == "characters" and l.startswith("characters"))) + "\n"
    error = problems_of(line + "\n" + text)
    assert expected in str(error)


def test_unknown_keys_suggest_what_was_meant():
    error = problems_of("""\
title: T
tone: quiet
characters: [{name: A, description: x}]
scenes: [{summary: s, location: KITCHEN, wen: NIGHT, colour: red}]
""")
    message = str(error)
    assert "tone (line 2): unknown key (did you mean 'style'?)" in message
    assert "characters[0].description (line 3): unknown key (did you mean 'profile'?)" in message
    assert "scenes[0].location (line 4): unknown key (did you mean 'place'?)" in message
    assert "scenes[0].wen (line 4): unknown key (did you mean 'when'?)" not in message
    assert "scenes[0].colour (line 4): unknown key (known keys: summary, place, time, interior, characters, extras, directives, heading)" in message


def test_unknown_character_suggests_a_first_name_match():
    error = problems_of("title: T\ncharacters: [MAYA ORTEGA]\nscenes: [{summary: s, characters: [MAYA]}]\n")
    assert "'MAYA' is not in characters (did you mean 'MAYA ORTEGA'?)" in str(error)


def test_duplicate_yaml_keys_are_reported_not_silently_dropped():
    error = problems_of(MINIMAL + "    summary: Maya leaves.\n")
    assert "scenes[0].summary (line 6): given twice, first at line 4 (keep one)" in str(error)


def test_many_problems_are_counted_and_all_kept():
    scenes = [{"summary": "s", "characters": [f"NOBODY{i}"]} for i in range(30)]
    error = problems_of(json.dumps({"title": "T", "characters": ["A"], "scenes": scenes}), "json")
    assert str(error).startswith("story.yaml: 30 problems: scenes[0].characters[0] (line 1): 'NOBODY0' is not in characters")
    assert str(error).endswith("; ... and 10 more")
    assert len(error.problems) == 30


@pytest.mark.parametrize("text, fmt, expected", [
    ("", "yaml", "story.yaml: the file is empty; a story needs at least title, characters and scenes"),
    ("  \n\n", "json", "story.yaml: the file is empty"),
    ("# only a comment\n", "yaml", "story.yaml: the file holds no story (only comments?)"),
    ("- a\n- b\n", "yaml", "story.yaml: expected keys such as title:, characters: and scenes: at the top, got a list"),
    ('"just text"', "json", "story.yaml: expected keys such as title:, characters: and scenes: at the top, got text 'just text'"),
    ("title: T\nlogline: a: b\n", "yaml", "story.yaml: not valid YAML at line 2, column 1"),
    ("title: T\n\tlogline: x\n", "yaml", "story.yaml: not valid YAML at line 2"),
    (MINIMAL + "---\ntitle: U\n", "yaml", "story.yaml: not valid YAML at line 6, column 1: but found another document (one story per file: remove the second '---')"),
    ('{"title": "T",\n "scenes": [}\n', "json", "story.yaml: not valid JSON at line 2, column 13: Expecting value"),
    ("title: T\n", "toml", "story.yaml: unknown story format 'toml'; use yaml, json or markdown"),
])
def test_unreadable_input(text, fmt, expected):
    with pytest.raises(UserError) as caught:
        load_story_text(text, fmt, source="story.yaml")
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_yaml_syntax_error_hints_at_the_fix():
    with pytest.raises(UserError) as caught:
        load_story_text("title: T\nlogline: a: b\n", "yaml", source="story.yaml")
    assert re.fullmatch(r"story\.yaml: not valid YAML at line 2, column 1\d: mapping values are not allowed .*"
                        r" \(a value that contains ': ' needs quotes\)", str(caught.value))


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "story.yaml"
    path.write_bytes(b"title: T\nlogline: caf\xe9\n")
    with pytest.raises(UserError, match=r"story.yaml: not UTF-8 text \(byte 0xe9 on line 2\); save the file as UTF-8"):
        load_story(path)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "story.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_story(path).title == "T"


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_STORY_BYTES", 1024)
    path = tmp_path / "story.yaml"
    path.write_text(MINIMAL + "# " + "x" * 2 * 1024 * 1024 + "\n")
    with pytest.raises(UserError, match=r"2\.0 MiB is too large for a story outline \(limit 0 MiB"):
        load_story(path)
    with pytest.raises(UserError, match="too large"):
        load_story_text("x" * 2000, "yaml")


def test_files_that_are_not_stories(tmp_path):
    with pytest.raises(UserError, match=r"nope\.yaml: no such file"):
        load_story(tmp_path / "nope.yaml")
    with pytest.raises(UserError, match=r"unknown story format '\.txt'; use \.yaml, \.yml, \.json or \.md"):
        load_story(tmp_path / "story.txt")
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(UserError, match="is a directory"):
        load_story(folder)


def test_alias_bomb_stays_cheap():
    # Aliases share one node: the duplicate-key walk and validation must not expand them.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    error = problems_of("\n".join(lines) + "\ntitle: T\ncharacters: *a8\nscenes: *a8\n")
    assert "a0 (line 1): unknown key" in str(error)


# -- Markdown ----------------------------------------------------------------------

MARKDOWN = """\
# The Last Ferry

A ferry pilot on her final night run must decide whether to carry her brother.

Genre: drama
Style: Quiet;
long silences.

## Characters

- **MAYA** — 34, pilot. Wants to finish clean.
  Speaks in instructions.
  - JONAH: younger brother
  - Flaw: never says what she means
- JONAH: 29, charming, broke.

## Scenes

### 1. EXT. HARBOUR - NIGHT
Characters: MAYA, JONAH

Rain on the quay.
Jonah waits.

Maya arrives.

Directives:
- slow
- hold on the empty deck

### INT./EXT. FERRY WHEELHOUSE - LATER
Cast: Maya
Maya steers.
"""


def test_markdown_bullet_form_and_labels():
    story = load_story_text(MARKDOWN, "markdown")
    assert story.title == "The Last Ferry"
    assert story.logline.startswith("A ferry pilot")
    assert (story.genre, story.style) == ("drama", "Quiet; long silences.")
    maya, jonah = story.characters
    assert maya.profile == "34, pilot. Wants to finish clean. Speaks in instructions.\nFlaw: never says what she means"
    assert maya.relationships == {"JONAH": "younger brother"}
    assert jonah.profile == "29, charming, broke."
    first, second = story.scenes
    assert first.heading() == "EXT. HARBOUR - NIGHT"
    assert first.summary == "Rain on the quay. Jonah waits.\n\nMaya arrives."
    assert first.directives == "slow\nhold on the empty deck"
    assert (second.interior, second.characters, second.summary) == ("both", ["MAYA"], "Maya steers.")


def test_markdown_problems_have_lines():
    text = MARKDOWN.replace("Genre: drama", "Genr: drama").replace("## Scenes", "## Sceens")
    text += "\n## Notes\nsome notes\n"
    error = problems_of(text, "markdown")
    message = str(error)
    assert "line 5: unknown label 'Genr:' (did you mean 'Genre:'?)" in message
    assert "line 17: unknown section '## Sceens' (did you mean '## Scenes'?)" in message
    assert "line 35: unknown section '## Notes'" in message
    assert message.endswith("; scenes: required")  # the misspelt section held them


def test_markdown_unknown_character_points_at_its_line():
    error = problems_of(MARKDOWN.replace("Cast: Maya", "Cast: Maia"), "markdown")
    assert str(error) == ("story.yaml: 1 problem: scenes[1].characters[0] (line 32): "
                          "'Maia' is not in characters (did you mean 'MAYA'?)")


def test_markdown_text_outside_scenes_is_reported():
    error = problems_of("# T\n\n## Characters\nstray text\n- A\n\n## Scenes\nno heading here\n", "markdown")
    assert "characters (line 4): text before the first character" in str(error)
    assert "scenes (line 8): text before the first scene; start each scene with a heading like '### INT. KITCHEN - NIGHT'" in str(error)


# -- scale and warnings -----------------------------------------------------------------

def _big_story(scenes: int) -> dict:
    names = [f"CHARACTER {i}" for i in range(12)]
    return {
        "title": "Long",
        "characters": [{"name": n, "profile": "Wants something. " * 20} for n in names],
        "scenes": [{"place": f"PLACE {i % 40}", "time": "night", "interior": i % 3 == 0,
                    "characters": [names[i % 12], names[(i + 5) % 12].lower()],
                    "summary": "Something specific happens in this scene. " * 12} for i in range(scenes)],
    }


def test_a_500_scene_outline_loads_in_every_format(tmp_path):
    data = _big_story(500)
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "long.json").write_text(json.dumps(data), encoding="utf-8")
    md = ["# Long", "", "## Characters", ""] + [f"- **{c['name']}** — {c['profile']}" for c in data["characters"]]
    md += ["", "## Scenes", ""]
    for s in data["scenes"]:
        prefix = "INT." if s["interior"] else "EXT."
        md += [f"### {prefix} {s['place']} - NIGHT", f"Characters: {', '.join(s['characters'])}", "", s["summary"], ""]
    (tmp_path / "long.md").write_text("\n".join(md), encoding="utf-8")
    stories = [load_story(tmp_path / f"long.{ext}") for ext in ("yaml", "json", "md")]
    assert all(len(s.scenes) == 500 for s in stories)
    assert stories[0] == stories[1] == stories[2]
    assert stories[0].scenes[0].characters == ["CHARACTER 0", "CHARACTER 5"]


def test_warnings_name_what_is_probably_unintended():
    story = load_story_text("""\
title: T
characters:
  - name: MAYA
    relationships: {DAD: absent}
  - JONAH
  - RUTH
scenes:
  - summary: Maya waits for Jonah.
    place: PIER
    characters: [MAYA]
  - summary: Maya leaves.
    characters: [maya]
""", "yaml")
    assert story_warnings(story) == [
        "characters[0].relationships: 'DAD' is not in characters",
        "characters[1]: JONAH is in no scene's characters",
        "characters[2]: RUTH is in no scene's characters",
        "scenes[0]: the summary mentions JONAH, who is not in this scene's characters "
        "(add them if they appear: stage 1 then gets their profile)",
        "scenes[1]: no place; the heading will read INT. UNKNOWN - DAY",
    ]


def test_models_accept_the_same_variants_directly():
    # The pipeline and the web app may build stories from dicts without the loader.
    story = Story.model_validate({"title": "T", "characters": "A, B",
                                  "scenes": [{"summary": "s", "characters": "A", "time": "dusk"}]})
    assert [c.name for c in story.characters] == ["A", "B"] and story.scenes[0].time == "DUSK"


def test_the_examples_in_the_format_documentation_load():
    doc = (EXAMPLES.parent / "docs" / "story-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(yaml|json|markdown)\n(.*?)```", doc, flags=re.DOTALL)
    assert sorted(fmt for fmt, _ in blocks) == ["json", "markdown", "yaml"]
    for fmt, text in blocks:
        story = load_story_text(text, fmt)
        assert story.scenes[0].summary
    md = load_story_text(dict((f, t) for f, t in blocks)["markdown"], "markdown")
    assert [c.name for c in md.characters] == ["TESS", "NELL"]
    assert md.characters[0].relationships == {"NELL": "the sister who stayed"}
    assert md.characters[1].relationships == {"TESS": "younger sister"}


def test_markdown_comments_and_rules_are_not_story_text():
    text = MARKDOWN.replace("## Scenes", "<!-- draft 3,\nsend to Ruth -->\n---\n## Scenes <!-- 2 scenes -->")
    text = text.replace("Maya steers.", "Maya steers. <!-- too short? -->")
    assert load_story_text(text, "markdown") == load_story_text(MARKDOWN, "markdown")
