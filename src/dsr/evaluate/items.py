"""What the evaluation compares: each system's scenes, aligned item by item.

A *system* is one set of outputs for the same inputs: a ``dsr write`` run
directory, or a Fountain file (a real screenplay used as the human
reference, or any script). An *item* is one scene, the unit every statistic
resamples; its id is ``scene-003`` (or ``<script>/scene-003`` in a
benchmark over several scripts).

What a judge sees of a scene is its *judge view*: the scene re-written from
its parsed elements, without title page, notes, boneyard, sections or
synopses. Nothing that could tell which system wrote it (run metadata, the
"Drafted with dsr" title page, a writer's notes) reaches a judge; the system
names never appear in a prompt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import ValidationError

from dsr.errors import UserError
from dsr.evaluate.stats.ids import preview_ids
from dsr.story.cast import character_block
from dsr.text import clip_words
from dsr.screenplay.inline import strip_notes
from dsr.screenplay.io import read_text, screenplay_doubt
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.writer import write
from dsr.story.model import Story

# Element types a reader never sees on the printed page.
_UNPRINTED = frozenset({"note", "section", "synopsis"})
_NAME = re.compile(r"^[A-Za-z0-9][\w.+-]{0,39}$")
OUTLINE_UNKNOWN = "(no outline given: judge the scene on its own terms)"


@dataclass(frozen=True)
class SceneItem:
    item_id: str
    text: str  # the judge view, canonical Fountain
    outline: str = ""  # the input the scene was written from, as a judge reads it; "" if unknown

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class SystemOutput:
    """One system's scenes, in outline order."""

    name: str
    source: Path
    scenes: dict[str, SceneItem]
    story: Story | None = None
    script_text: str | None = None  # the whole script as delivered (format metrics)
    notes: list[str] = field(default_factory=list)

    @property
    def item_ids(self) -> list[str]:
        return list(self.scenes)


def judge_view(elements: list[Element]) -> str:
    """Canonical Fountain of printed elements only, inline notes removed."""
    kept = []
    for el in elements:
        if el.type in _UNPRINTED:
            continue
        text = strip_notes(el.text) if "[[" in el.text else el.text
        if not text.strip() and el.type != "page_break":
            continue
        kept.append(replace(el, text=text))
    return write(Screenplay(elements=kept))


def split_scenes(script: Screenplay) -> tuple[list[str], int]:
    """Judge views of the scenes that start with a heading, and the number of
    printed elements before the first heading (title matter, FADE IN), which
    belong to no scene."""
    scenes, preamble = [], 0
    for scene in script.scenes():
        if scene.heading is None:
            preamble = sum(el.type not in _UNPRINTED for el in scene.elements)
            continue
        scenes.append(judge_view([scene.heading, *scene.elements]))
    return scenes, preamble


def outline_text(story: Story, index: int) -> str:
    """The input of scene ``index`` as a judge reads it: the same facts the
    writing stages got (story frame, heading, who, what happens)."""
    scene = story.scenes[index]
    lines = [f"Story: {story.title}" + (f" - {clip_words(story.logline, 60)}" if story.logline else "")]
    if story.genre:
        lines.append(f"Genre: {story.genre}")
    lines.append(f"Scene {index + 1}: {scene.heading()}")
    lines.append("Characters:\n" + character_block(story, scene))
    lines.append(f"What happens: {clip_words(scene.summary, 150)}")
    return "\n".join(lines)


def item_id(index: int, prefix: str = "") -> str:
    return f"{prefix}scene-{index + 1:03d}"


def parse_system_arg(arg: str) -> tuple[str, Path]:
    """``NAME=PATH`` or ``PATH`` (named after the file or directory)."""
    name, sep, path = arg.partition("=")
    if not sep or not _NAME.match(name):
        name, path = "", arg
    path_obj = Path(path)
    if not name:
        name = path_obj.stem if path_obj.suffix else path_obj.name
        name = re.sub(r"[^\w.+-]+", "-", name).strip("-") or "system"
    return name, path_obj


def load_story_json(path: Path) -> Story:
    try:
        data = json.loads(read_text(path))
        return Story.model_validate(data)
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{path}: not a valid story ({first})") from None


def load_run(root: Path, name: str, prefix: str = "") -> SystemOutput:
    """A finished ``dsr write`` run: its outline (story.json) and its
    delivered screenplay split into the outline's scenes."""
    story_path, script_path = root / "story.json", root / "screenplay.fountain"
    if not story_path.is_file():
        raise UserError(f"{root} is not a dsr run directory (no story.json); give a run directory or a .fountain file")
    story = load_story_json(story_path)
    if not script_path.is_file():
        raise UserError(f"run {root} is not finished (no screenplay.fountain); re-run its dsr write to finish it")
    text = read_text(script_path)
    scenes, _ = split_scenes(parse(text))
    if len(scenes) != len(story.scenes):
        raise UserError(
            f"run {root}: screenplay.fountain has {len(scenes)} scenes but its outline has {len(story.scenes)}; "
            "re-run its dsr write to bring it up to date"
        )
    items = {
        item_id(i, prefix): SceneItem(item_id(i, prefix), body, outline_text(story, i)) for i, body in enumerate(scenes)
    }
    return SystemOutput(name, root, items, story, text)


def load_fountain(path: Path, name: str, prefix: str = "", require_scenes: bool = True) -> SystemOutput:
    """A Fountain file, one item per scene heading (no outline of its own)."""
    text = read_text(path)
    script = parse(text)
    doubt = screenplay_doubt(str(path), text, script)
    if doubt:  # scoring a story outline or an empty file as a screenplay would mislead
        raise UserError(f"{doubt}: not a screenplay to evaluate; give a dsr write run directory or a Fountain file")
    scenes, preamble = split_scenes(script)
    if not scenes and require_scenes:
        raise UserError(f"{path}: no scene headings, so no scenes to evaluate")
    items = {item_id(i, prefix): SceneItem(item_id(i, prefix), body) for i, body in enumerate(scenes)}
    notes = [f"{preamble} element(s) before the first scene heading belong to no scene"] if preamble else []
    return SystemOutput(name, path, items, None, text, notes)


def load_system(arg: str, prefix: str = "", require_scenes: bool = True) -> SystemOutput:
    name, path = parse_system_arg(arg)
    if path.is_dir():
        return load_run(path, name, prefix)
    if not path.exists():
        raise UserError(f"{path}: no such run directory or file")
    return load_fountain(path, name, prefix, require_scenes)


def load_systems(args: list[str], *, minimum: int = 1, what: str = "system",
                 require_scenes: bool = True) -> list[SystemOutput]:
    systems = [load_system(a, require_scenes=require_scenes) for a in args]
    if len(systems) < minimum:
        raise UserError(f"give at least {minimum} {what}s to compare")
    names = [s.name for s in systems]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(
            f"two systems are named {', '.join(duplicates)}; name them with NAME=PATH (e.g. dsr=runs/a direct=runs/b)"
        )
    return systems


def align(systems: list[SystemOutput], reference: SystemOutput | None = None) -> list[SystemOutput]:
    """Check that every system (and the reference) covers the same items
    written from the same outline, and give each item the one outline known
    for it. Different scene counts or outlines are a ``UserError``: comparing
    them would silently compare different work."""
    everyone = systems + ([reference] if reference else [])
    first = everyone[0]
    for other in everyone[1:]:
        if other.item_ids != first.item_ids:
            raise UserError(
                f"{first.name} has {len(first.scenes)} scenes and {other.name} has {len(other.scenes)}"
                f"{_difference(first, other)}: compare outputs of the same outline"
            )
    outlines: dict[str, str] = {}
    owners: dict[str, str] = {}
    for system in everyone:
        for iid, scene in system.scenes.items():
            if not scene.outline:
                continue
            if iid in outlines and outlines[iid] != scene.outline:
                raise UserError(
                    f"{owners[iid]} and {system.name} were written from different outlines ({iid} differs); "
                    "compare outputs of the same outline"
                )
            outlines.setdefault(iid, scene.outline)
            owners.setdefault(iid, system.name)
    for system in everyone:
        system.scenes = {
            iid: SceneItem(iid, s.text, outlines.get(iid, s.outline)) for iid, s in system.scenes.items()
        }
    return systems


def _difference(a: SystemOutput, b: SystemOutput) -> str:
    only_a = [i for i in a.item_ids if i not in b.scenes]
    only_b = [i for i in b.item_ids if i not in a.scenes]
    parts = []
    if only_a:
        parts.append(f"only in {a.name}: {preview_ids(only_a)}")
    if only_b:
        parts.append(f"only in {b.name}: {preview_ids(only_b)}")
    return f" ({'; '.join(parts)})" if parts else " (in a different order)"
