"""The story page's reading and writing of story files.

The page edits the story as plain data (title, characters, scenes ...). It
is saved as YAML that ``dsr write`` and ``dsr story check`` read, and only
when the loader accepts it: an invalid story is shown with its problems and
never saved. Saving writes clean YAML; comments in a hand-written file are
not kept (PyYAML cannot keep them), which the page says before the first
save of a file that has any.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from dsr.errors import UserError
from dsr.files import atomic_write_text
from dsr.pipeline.edit import check_version, text_version
from dsr.story.formats import parse_json, parse_markdown_story, parse_yaml
from dsr.story.loader import FORMATS, StoryError, load_story_text, story_warnings

FIELD_PATH = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?")


def finding(path: str, message: str, severity: str, line: int | None = None) -> dict:
    """A problem or warning with the form field it concerns (``scenes.1.summary``)."""
    match = FIELD_PATH.match(path or "")
    field = ""
    if match:
        field = ".".join(part for part in match.groups() if part is not None)
    return {"path": path, "field": field, "message": message, "severity": severity, "line": line}


def check(text: str, fmt: str, source: str) -> tuple[dict | None, list[dict]]:
    """(the normalised story or None, its problems and warnings)."""
    try:
        story = load_story_text(text, fmt, source=source)
    except StoryError as exc:
        return None, [finding(p.path, p.message, "error", p.line) for p in exc.problems]
    except UserError as exc:
        return None, [finding("", str(exc), "error")]
    warnings = []
    for warning in story_warnings(story):
        path, _, message = warning.partition(": ")
        warnings.append(finding(path, message, "warning"))
    return story.model_dump(mode="json"), warnings


def raw_data(text: str, fmt: str, source: str) -> Any:
    """The story file as data, valid or not (for the form to show)."""
    try:
        parser = {"yaml": parse_yaml, "json": parse_json, "markdown": parse_markdown_story}[fmt]
        data = parser(text, source).data
    except (UserError, KeyError):
        return None
    # YAML reads `draft_date: 2026-05-01` as a date: the page gets it as written.
    return json.loads(json.dumps(data, default=str))


def read_story(path: Path) -> dict:
    text = path.read_text("utf-8")
    fmt = FORMATS[path.suffix.lower()]
    story, findings = check(text, fmt, path.name)
    data = story if story is not None else raw_data(text, fmt, path.name)
    return {
        "story": data if isinstance(data, dict) else {},
        "valid": story is not None,
        "findings": findings,
        "version": text_version(text),
        "file": path.name,
        "format": fmt,
        "has_comments": fmt == "yaml" and any(line.lstrip().startswith("#") for line in text.splitlines()),
    }


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list):
    # Names on one line (`characters: [JUNE, MR. OKAFOR]`), everything else as blocks.
    short = all(isinstance(v, str) and "\n" not in v for v in value) and sum(len(v) + 2 for v in value) < 70
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)

# The order a writer reads a story file in (docs/story-format.md): the title
# and title-page keys, then the cast, then the scenes.
STORY_KEYS = ("title", "logline", "genre", "language", "style", "author", "contact", "draft_date",
              "characters", "scenes")
CHARACTER_KEYS = ("name", "profile", "relationships", "aliases")
SCENE_KEYS = ("place", "time", "interior", "characters", "extras", "summary", "directives")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n"))
    return value


def _entry(data: Any, keys: tuple[str, ...], keep: tuple[str, ...]) -> Any:
    """Known keys in a fixed order, empty optional ones left out; unknown
    keys kept (so the loader names them) after the known ones."""
    if not isinstance(data, dict):
        return data
    out = {}
    for key in keys + tuple(k for k in data if k not in keys):
        if key not in data:
            continue
        value = _clean(data[key])
        if key not in keep and value in ("", None, [], {}):
            continue
        out[key] = value
    return out


def to_yaml(story: dict) -> str:
    """The story as the YAML file a writer would write by hand."""
    data = _entry(story, STORY_KEYS, ("title", "characters", "scenes"))
    if isinstance(data, dict):
        if isinstance(data.get("characters"), list):
            data["characters"] = [_entry(c, CHARACTER_KEYS, ("name",)) for c in data["characters"]]
        if isinstance(data.get("scenes"), list):
            data["scenes"] = [_entry(s, SCENE_KEYS, ("summary",)) for s in data["scenes"]]
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88, default_flow_style=False)


def save_story(path: Path, story: dict, base_version: str | None) -> tuple[Path, dict]:
    """Validate ``story`` and write it to ``path`` (as YAML) unless the file
    changed since ``base_version``. Returns (the file written, read_story of it)."""
    if not isinstance(story, dict):
        raise UserError("the story must be keys and values (title, characters, scenes ...)")
    if path.exists():
        check_version(path.read_text("utf-8"), base_version, "the story")
    text = to_yaml(story)
    normalised, findings = check(text, "yaml", path.name)
    if normalised is None:
        raise InvalidStory(findings)
    target = path.with_suffix(".yaml") if path.suffix.lower() not in (".yaml", ".yml") else path
    atomic_write_text(target, text)
    if target != path and path.exists():
        path.unlink()  # the Markdown or JSON original: the YAML now says the same
    return target, read_story(target)


class InvalidStory(UserError):
    def __init__(self, findings: list[dict]):
        errors = [f for f in findings if f["severity"] == "error"]
        listed = "; ".join(f"{f['path'] or 'story'}: {f['message']}" for f in errors[:5])
        super().__init__(f"not saved: {len(errors)} problem{'s' * (len(errors) != 1)}: {listed}")
        self.findings = findings
