"""Load a story outline from YAML, JSON or Markdown into a validated ``Story``.

``load_story(path)`` picks the format from the suffix (``.yaml``/``.yml``,
``.json``, ``.md``/``.markdown``); ``load_story_text(text, fmt)`` does the
same for text in memory (the web app). The keys are documented in
``docs/story-format.md``; the Markdown form in ``dsr.story.markdown``.

Every problem is reported at once, in one ``StoryError`` (a ``UserError``)
whose one-line message starts with the count and names each problem by its
data path and, where known, its line::

    story.yaml: 3 problems: scenes[3].characters[1] (line 41): 'MAIA' is not
    in characters (did you mean 'MAYA'?); scenes[5].summary (line 60):
    required; scnes (line 70): unknown key (did you mean 'scenes'?)

Paths count from 0 like JSON paths (``scenes[0]`` is the first scene); the
line numbers point into the file. ``StoryError.problems`` keeps them as a
list for programs. A valid story comes back with each scene's character
names spelled as in ``characters``; ``story_warnings`` lists the things
that are allowed but probably unintended.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dsr.errors import UserError
from dsr.story.formats import Parsed, Problem, decode, parse_json, parse_markdown_story, parse_yaml, path_text
from dsr.story.headings import parse_heading
from dsr.story.model import Character, OutlineScene, Story, character_entries, shown, split_names

MAX_STORY_BYTES = 8 * 1024 * 1024  # a 500-scene outline is about 0.3 MiB
MAX_LISTED = 20  # problems spelled out in the one-line message; the rest are counted

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".md": "markdown", ".markdown": "markdown"}
_FORMAT_NAMES = {"yaml": "yaml", "yml": "yaml", "json": "json", "markdown": "markdown", "md": "markdown"}

# Keys people write for the ones we have: offered as "did you mean".
_SYNONYMS = {
    "story": {"name": "title", "tagline": "logline", "premise": "logline", "synopsis": "logline",
              "tone": "style", "lang": "language", "cast": "characters", "outline": "scenes",
              "beats": "scenes"},
    "character": {"description": "profile", "bio": "profile", "role": "profile",
                  "relations": "relationships", "relationship": "relationships", "alias": "aliases",
                  "aka": "aliases", "nickname": "aliases", "nicknames": "aliases", "names": "aliases"},
    "scene": {"location": "place", "setting": "place", "where": "place", "when": "time",
              "int_ext": "interior", "int/ext": "interior", "description": "summary",
              "action": "summary", "beat": "summary", "what": "summary", "cast": "characters",
              "who": "characters", "notes": "directives", "note": "directives", "extra": "extras",
              "minor": "extras", "bit_parts": "extras", "walk_ons": "extras"},
}
_FIELDS = {"story": Story.model_fields, "character": Character.model_fields,
           "scene": {**OutlineScene.model_fields, "heading": None}}


class StoryError(UserError):
    """All problems of one story file, as one line; ``problems`` lists them."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        count = len(problems)
        listed = "; ".join(str(p) for p in problems[:MAX_LISTED])
        more = f"; ... and {count - MAX_LISTED} more" if count > MAX_LISTED else ""
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}: {listed}{more}")


# -- entry points -------------------------------------------------------------

def load_story(path: str | Path, fmt: str | None = None) -> Story:
    """The story in file ``path``; its format from ``fmt`` or else the suffix."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a story file (.yaml, .yml, .json or .md)")
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        what = f"unknown story format {path.suffix!r}" if path.suffix else "cannot tell the story format (no suffix)"
        raise UserError(f"{path}: {what}; use .yaml, .yml, .json or .md (see docs/story-format.md)")
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UserError(f"{path}: is a directory, not a story file")
        _check_size(size, str(path))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except PermissionError:
        raise UserError(f"{path}: not readable (permission denied)") from None
    return load_story_text(raw, fmt, source=str(path))


def load_story_text(text: str | bytes, fmt: str, source: str = "story") -> Story:
    """Parse and validate a story given as text (or UTF-8 bytes) in ``fmt``
    (``yaml``, ``json`` or ``markdown``)."""
    fmt_name = _FORMAT_NAMES.get(fmt.lower().lstrip("."))
    if fmt_name is None:
        raise UserError(f"{source}: unknown story format {fmt!r}; use yaml, json or markdown")
    if isinstance(text, bytes):
        _check_size(len(text), source)
        text = decode(text, source)
    else:
        _check_size(len(text.encode("utf-8", "surrogatepass")), source)
    if not text.strip():
        raise UserError(f"{source}: the file is empty; a story needs at least title, characters "
                        "and scenes (see examples/short_film.yaml)")
    parsed = {"yaml": parse_yaml, "json": parse_json, "markdown": parse_markdown_story}[fmt_name](text, source)
    if parsed.data is None:
        raise UserError(f"{source}: the file holds no story (only comments?); it needs at least "
                        "title, characters and scenes (see examples/short_film.yaml)")
    if not isinstance(parsed.data, dict):
        raise UserError(f"{source}: expected keys such as title:, characters: and scenes: at the top, "
                        f"got {_kind(parsed.data)}")
    return _validate(parsed, source)


def story_warnings(story: Story) -> list[str]:
    """Things that are allowed but probably not meant: a character who never
    appears, a relationship to nobody we know, a summary that names a
    character the scene does not list (stage 1 then lacks their profile)."""
    warnings: list[str] = []
    known = {c.name.upper() for c in story.characters}
    present = {name.upper() for scene in story.scenes for name in scene.characters}
    for i, character in enumerate(story.characters):
        if character.name.upper() not in present:
            warnings.append(f"characters[{i}]: {character.name} is in no scene's characters")
        for other in character.relationships:
            if other.upper() not in known:
                warnings.append(f"characters[{i}].relationships: {other!r} is not in characters")
    for i, scene in enumerate(story.scenes):
        if not scene.place:
            warnings.append(f"scenes[{i}]: no place; the heading will read {scene.heading()}")
        listed = {name.upper() for name in scene.characters}
        for character in story.characters:
            if character.name.upper() not in listed and _mentions(scene.summary, character.name):
                warnings.append(f"scenes[{i}]: the summary mentions {character.name}, who is not in this "
                                "scene's characters (add them if they appear: stage 1 then gets their profile)")
    return warnings


def _check_size(size: int, source: str) -> None:
    if size > MAX_STORY_BYTES:
        raise UserError(f"{source}: {size / 2**20:.1f} MiB is too large for a story outline "
                        f"(limit {MAX_STORY_BYTES // 2**20} MiB; 500 scenes take about 0.3 MiB); "
                        "is this the right file?")


# -- validation -----------------------------------------------------------------

def _validate(parsed: Parsed, source: str) -> Story:
    data = dict(parsed.data)
    found: list[tuple[tuple, str]] = []  # (data path, message)
    _expand_headings(data, found)
    try:
        story = Story.model_validate(data)
    except ValidationError as exc:
        story = None
        found.extend(_translate(error) for error in exc.errors(include_url=False))
    found.extend(_cross_check(data))
    problems = list(parsed.problems)
    seen = {(p.path, p.message) for p in problems}
    for path, message in found:
        problem = Problem(path_text(path), message, parsed.line_of(path))
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            problems.append(problem)
    if problems or story is None:
        problems.sort(key=lambda p: p.line if p.line is not None else float("inf"))
        raise StoryError(source, problems)
    _canonical_names(story)
    return story


def _expand_headings(data: dict, found: list) -> None:
    """A scene may give ``heading: INT. KITCHEN - NIGHT`` instead of place/time/interior."""
    scenes = data.get("scenes")
    if not isinstance(scenes, list):
        return
    for i, scene in enumerate(scenes):
        if isinstance(scene, dict) and "heading" in scene:
            scene = dict(scene)
            heading = scene.pop("heading")
            if not isinstance(heading, str):
                found.append((("scenes", i, "heading"), f"expected text like INT. KITCHEN - NIGHT, got {_kind(heading)}"))
            else:
                for key, value in parse_heading(heading).items():
                    if key in scene:
                        found.append((("scenes", i, key), "given twice, in heading and as a key (keep one)"))
                    scene[key] = value
            scenes[i] = scene
    data["scenes"] = scenes


def _cross_check(data: dict) -> list[tuple[tuple, str]]:
    """Duplicate character names, aliases that name someone else, scene
    characters that are not declared, extras who are in the cast, empty
    summary sentences: checked on the raw data so they come out together
    with type errors."""
    found: list[tuple[tuple, str]] = []
    declared: dict[str, str] = {}  # upper-case name -> name as written
    first_index: dict[str, int] = {}
    characters = character_entries(data.get("characters"))
    entries = characters if isinstance(characters, list) else []
    for i, character in enumerate(entries):
        name = _character_name(character)
        if name is None:
            continue
        key = name.upper()
        if key in declared:
            found.append((("characters", i, "name"), f"{name!r} repeats characters[{first_index[key]}] "
                          "(give each character one entry)"))
        else:
            declared[key], first_index[key] = name, i
    aliases = _check_aliases(entries, declared, first_index, found)
    scenes = data.get("scenes")
    for i, scene in enumerate(scenes if isinstance(scenes, list) else []):
        if not isinstance(scene, dict):
            continue
        if isinstance(scene.get("summary"), (str, list)):
            found.extend((("scenes", i, "summary"), message) for message in _empty_sentences(scene["summary"]))
        if not declared:
            continue
        names = split_names(scene.get("characters"))
        for j, name in enumerate(names if isinstance(names, list) else []):
            key = " ".join(name.split()).upper() if isinstance(name, str) else ""
            if key and key not in declared and key not in aliases:
                found.append((("scenes", i, "characters", j),
                              f"{shown(name.strip())} is not in characters{_suggest_name(name, declared)}"))
        extras = split_names(scene.get("extras"))
        for j, name in enumerate(extras if isinstance(extras, list) else []):
            key = " ".join(name.split()).upper() if isinstance(name, str) else ""
            owner = declared.get(key) or aliases.get(key)
            if owner:
                found.append((("scenes", i, "extras", j),
                              f"{shown(name.strip())} is {owner}, a character of the story: list them under "
                              "this scene's characters, not extras"))
    return found


def _check_aliases(entries: list, declared: dict[str, str], first_index: dict[str, int],
                   found: list) -> dict[str, str]:
    """Upper-case alias -> the name it stands for; an alias that is another
    character's name or alias is a problem (the text could not tell them apart)."""
    aliases: dict[str, str] = {}
    for i, character in enumerate(entries):
        name = _character_name(character)
        given = split_names(character.get("aliases")) if isinstance(character, dict) else None
        if name is None or not isinstance(given, list):
            continue
        for j, alias in enumerate(given):
            if not isinstance(alias, str) or not alias.strip():
                continue
            key = " ".join(alias.split()).upper()
            if key == name.upper():
                continue
            if key in declared:
                found.append((("characters", i, "aliases", j),
                              f"{shown(alias.strip())} is the name of characters[{first_index[key]}] "
                              f"({declared[key]}); an alias must name only {name}"))
            elif key in aliases and aliases[key] != name:
                found.append((("characters", i, "aliases", j),
                              f"{shown(alias.strip())} is also an alias of {aliases[key]}; "
                              f"an alias must name only {name}"))
            else:
                aliases[key] = name
    return aliases


def _empty_sentences(summary: str | list) -> list[str]:
    """A sentence of the summary with no words (``Nell waits. . She goes.``):
    the stage-1 gate checks each sentence, and an empty one is a typo."""
    text = "\n".join(str(s) for s in summary) if isinstance(summary, list) else summary
    pieces = [p for line in text.splitlines() for p in re.split(r"(?<=[.!?])\s+", line.strip()) if line.strip()]
    out = []
    for number, piece in enumerate(pieces, 1):
        if not re.search(r"\w", piece) and not re.fullmatch(r"(?:\.\.\.|\u2026)+", piece):  # "..." trails off
            out.append(f"sentence {number} is empty ({shown(piece)}): remove the stray punctuation")
    return out


def _character_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        name = entry
    elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
        name = entry["name"]
    elif isinstance(entry, dict) and len(entry) == 1 and isinstance(next(iter(entry)), str):
        name = next(iter(entry))  # `- MAYA: profile`
        if name in Character.model_fields:
            return None
    else:
        return None
    return " ".join(name.split()) or None


def _suggest_name(name: str, declared: dict[str, str]) -> str:
    wanted = " ".join(name.split()).upper()
    close = difflib.get_close_matches(wanted, declared, n=1, cutoff=0.6)
    if not close:  # "MAYA" for "MAYA ORTEGA"
        close = [k for k in declared if k.split()[0] == wanted or wanted in k.split()][:1]
    if close:
        return f" (did you mean {declared[close[0]]!r}?)"
    return " (add them under characters, or fix the spelling)"


def _canonical_names(story: Story) -> None:
    """Scene character names spelled as declared, each once, so consumers can
    compare names exactly."""
    declared = {a.upper(): c.name for c in story.characters for a in c.aliases}
    declared.update({c.name.upper(): c.name for c in story.characters})
    for scene in story.scenes:
        scene.characters = list(dict.fromkeys(declared[n.upper()] for n in scene.characters))


def _translate(error: dict) -> tuple[tuple, str]:
    """A pydantic error as (path, message a writer understands)."""
    loc = tuple(error["loc"])
    kind, value = error["type"], error.get("input")
    if kind == "missing" or (value is None and kind.endswith("_type")):
        return loc, "required" + _required_hint(loc)
    if kind == "string_too_short":
        return loc, "empty" + _required_hint(loc)
    if kind == "too_short":
        return loc, f"at least one {'character' if loc[-1] == 'characters' else 'scene'} is required"
    if kind == "extra_forbidden":
        return loc, "unknown key" + _suggest_key(loc)
    if kind == "value_error":
        return loc, str(error["ctx"]["error"])
    if kind == "string_type":
        return loc, f"expected text, got {_kind(value)}"
    if kind == "list_type":
        return loc, f"expected a list, got {_kind(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if len(loc) == 2 and loc[0] == "characters":
            return loc, f"expected a name or name:/profile:/relationships: keys, got {_kind(value)}"
        if loc[-1] == "relationships":
            return loc, f"expected lines such as 'NAME: how they relate', got {_kind(value)}"
        return loc, f"expected keys and values, got {_kind(value)}"
    if kind == "int_type" or kind == "int_parsing":
        return loc, f"expected a whole number, got {_kind(value)}"
    return loc, error["msg"]


def _required_hint(loc: tuple) -> str:
    hints = {"summary": " (say what happens in the scene)", "title": " (give the story a title)",
             "name": " (every character needs a name)"}
    return hints.get(str(loc[-1]), "") if loc else ""


def _suggest_key(loc: tuple) -> str:
    where = "story" if len(loc) == 1 else {"characters": "character", "scenes": "scene"}.get(loc[0])
    if where is None:
        return ""
    key = str(loc[-1])
    synonym = _SYNONYMS[where].get(key.lower())
    close = [synonym] if synonym else difflib.get_close_matches(key.lower(), list(_FIELDS[where]), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known keys: {', '.join(_FIELDS[where])})"


def _kind(value: Any) -> str:
    """What a wrong value is, in words, without quoting a whole structure."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {shown(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "keys and values"
    return f"a {type(value).__name__}"


def _mentions(text: str, name: str) -> bool:
    """Does ``text`` name this character (full name, or the first name as
    written or in capitals)? Case matters so that 'Will' the name and 'will'
    the verb stay apart."""
    first = name.split()[0]
    forms = {name, name.upper(), name.title()} | ({first, first.upper(), first.title()} if len(first) > 2 else set())
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text) for form in forms)


def load_characters_text(text: str, source: str = "characters") -> list[Character]:
    """A cast on its own (a YAML file with ``characters:`` at the top, as
    ``dsr develop`` writes it), checked by the same rules as a story's
    characters, every problem at once with its line."""
    _check_size(len(text.encode("utf-8", "surrogatepass")), source)
    if not text.strip():
        raise UserError(f"{source}: the file is empty; it needs characters: with one entry per character")
    parsed = parse_yaml(text, source)
    if not isinstance(parsed.data, dict) or "characters" not in parsed.data:
        raise UserError(f"{source}: expected characters: at the top, with one entry per character")
    problems = list(parsed.problems)
    for key in parsed.data:
        if key != "characters":
            problems.append(Problem(path_text((key,)), "unknown key (this file holds characters: only)",
                                    parsed.line_of((key,))))
    # Checked as the cast of a story, so the messages are the story checker's.
    as_story = {"title": "cast", "characters": parsed.data["characters"], "scenes": [{"summary": "cast"}]}
    return _validate(Parsed(as_story, parsed.line_of, problems), source).characters
