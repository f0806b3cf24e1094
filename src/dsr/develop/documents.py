"""The files of a develop directory as typed data: reading them (hand-edited
ones too, with errors that name the line) and writing them as YAML a writer
can edit.

- ``premise.yaml``: ``Premise``
- ``characters.yaml``: ``characters:`` in the story format (``dsr.story``)
- ``beats.yaml``: ``BeatSheet``
- ``story.yaml``: a story in the format ``dsr write`` reads
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dsr.errors import UserError
from dsr.story.formats import Problem, parse_yaml, path_text
from dsr.story.loader import StoryError, load_characters_text
from dsr.story.model import Character, normalize_language


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class Premise(_Doc):
    logline: str = Field(min_length=1)
    title: str = Field(min_length=1)
    genre: str = ""
    language: str = "en"
    style: str = ""
    theme: str = ""
    conflict: str = ""
    ending: str = ""

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return normalize_language(value)


class Beat(_Doc):
    name: str = Field(min_length=1)
    share: float = Field(gt=0, le=1)
    summary: str = Field(min_length=1)  # what happens
    change: str = ""  # what is different afterwards


class BeatSheet(_Doc):
    structure: str = ""
    beats: list[Beat] = Field(min_length=1)


# -- writing -------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=92, default_flow_style=False)


def header(step_number: int, what: str) -> str:
    return (f"# dsr develop, step {step_number} of 4: {what}\n"
            "# Edit freely: the next `dsr develop` keeps your edits and redoes only the steps after this file.\n")


def premise_text(premise: Premise) -> str:
    return header(1, "the premise") + dump_yaml(premise.model_dump())


def character_data(character: Character) -> dict[str, Any]:
    """A character as it is written in a story file (empty optional keys left out)."""
    data = character.model_dump(mode="json", exclude_defaults=True)
    data["name"] = character.name
    return {"name": data.pop("name"), **data}


def characters_text(characters: list[Character]) -> str:
    return (header(2, "the cast, in the story format (docs/story-format.md)")
            + dump_yaml({"characters": [character_data(c) for c in characters]}))


def beats_text(sheet: BeatSheet) -> str:
    return (header(3, "the plot as beats; `share` is each beat's part of the scenes")
            + dump_yaml(sheet.model_dump()))


# -- reading (hand-edited files too) ------------------------------------------------

def load_premise(text: str, source: str) -> Premise:
    return _load_model(text, source, Premise)


def load_beats(text: str, source: str) -> BeatSheet:
    return _load_model(text, source, BeatSheet)


def load_characters(text: str, source: str) -> list[Character]:
    """The story checker's rules, and its one-line errors with lines."""
    return load_characters_text(text, source)


def _load_model(text: str, source: str, model: type[_Doc]):
    if not text.strip():
        raise UserError(f"{source}: the file is empty; delete it to have the step drawn again")
    parsed = parse_yaml(text, source)
    if not isinstance(parsed.data, dict):
        raise UserError(f"{source}: expected keys such as {', '.join(list(model.model_fields)[:3])}: at the top")
    problems = list(parsed.problems)
    try:
        value = model.model_validate(parsed.data)
    except ValidationError as exc:
        value = None
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            problems.append(Problem(path_text(loc), _message(error, model), parsed.line_of(loc)))
    if problems or value is None:
        raise StoryError(source, problems)
    return value


def _message(error: dict, model: type[_Doc]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required"
    if kind == "string_too_short":
        return "empty"
    if kind == "too_short":
        return "at least one is required"
    if kind == "extra_forbidden":
        return f"unknown key (known keys: {', '.join(_known_keys(error['loc'], model))})"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("greater_than", "less_than_equal", "float_parsing", "float_type"):
        return "expected a share of the story between 0 and 1, such as 0.25"
    return error["msg"]


def _known_keys(loc: tuple, model: type[_Doc]) -> list[str]:
    if model is BeatSheet and len(loc) > 1:
        return list(Beat.model_fields)
    return list(model.model_fields)
