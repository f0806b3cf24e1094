"""Step 4: the beats become scenes, and the whole becomes ``story.yaml``.

How many scenes each beat gets is arithmetic on the beats' shares
(``allot_scenes``); the model only fills in the scenes, one part of the plot
(a beat, or several short beats sharing a scene) per request, with the
scenes planned so far as context. Cast names are constrained to the cast.

What is completed without the model, and flagged where it adds anything:

- a cast member the summary names but the scene does not list is added to
  the scene's characters (the summary says they are there);
- the last scene of each beat gets the beat's "what changes" as its
  directives (the writer's plot, carried to stage 1);
- a cast member the model put in no scene is added to one scene's
  characters and *flagged*, with a comment in ``story.yaml`` at that scene.

The result is loaded back with the story checker: what ``dsr write`` and
``dsr story check`` accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dsr.develop.asking import Checked
from dsr.develop.checks import Findings, match_cast, mentions, name_key, text_of, tidy, words
from dsr.develop.documents import BeatSheet, dump_yaml, header
from dsr.develop.steps import Context, cast_block, premise_block, text_schema
from dsr.text import clip_words
from dsr.develop.structures import allot_scenes
from dsr.story.model import Character, OutlineScene, Story, normalize_time, parse_interior

TIMES = ["DAY", "NIGHT", "MORNING", "EVENING", "DAWN", "DUSK"]
MAX_SCENES_PER_CHARACTER_LIST = 4
EARLIER_SHOWN = 4  # planned scenes shown as context, one line each
TOKENS_PER_SCENE = 200
_HEADING_PREFIX = re.compile(r"^\s*(?:INT\.?\s*/\s*EXT\.?|EXT\.?\s*/\s*INT\.?|I/E|INT\.?|EXT\.?)\s+", re.IGNORECASE)
_HEADING_TIME = re.compile(r"\s+-+\s+[A-Z ]+$")


@dataclass
class Part:
    """Consecutive scenes written by one request: their beats, where they start, how many."""

    beats: list[int]
    first: int  # 0-based index of the first scene
    count: int


@dataclass
class PlannedScene:
    scene: OutlineScene
    beats: list[int]
    flags: list[str] = field(default_factory=list)  # comments written above the scene


def plan_parts(sheet: BeatSheet, total: int) -> list[Part]:
    groups = allot_scenes([b.share for b in sheet.beats], total)
    parts: list[Part] = []
    for index, beats in enumerate(groups):
        if parts and parts[-1].beats == beats:
            parts[-1].count += 1
        else:
            parts.append(Part(beats, index, 1))
    return parts


def scenes_schema(count: int, cast: list[str], style: str = "latin") -> dict[str, Any]:
    scene = {
        "type": "object",
        "properties": {
            "place": text_schema(1, 5, style),
            "interior": {"type": "string", "enum": ["INT", "EXT"]},
            "time": {"type": "string", "enum": TIMES},
            "characters": {"type": "array", "items": {"type": "string", "enum": cast}, "minItems": 1,
                           "maxItems": min(MAX_SCENES_PER_CHARACTER_LIST, len(cast))},
            "summary": text_schema(12, 70, style),
        },
        "required": ["place", "interior", "time", "characters", "summary"],
    }
    return {"type": "object", "properties": {"scenes": {"type": "array", "items": scene, "minItems": count,
                                                         "maxItems": count}}, "required": ["scenes"]}


def scene_line(number: int, scene: OutlineScene) -> str:
    who = f" ({', '.join(scene.characters)})" if scene.characters else ""
    return f"{number}. {scene.heading()}{who}: {clip_words(scene.summary, 30)}"


def plot_block(sheet: BeatSheet, current: list[int]) -> str:
    lines = []
    for i, beat in enumerate(sheet.beats):
        mark = "  <- this part" if i in current else ""
        lines.append(f"{i + 1}. {beat.name}: {clip_words(beat.summary, 45)}{mark}")
    return "\n".join(lines)


def part_block(sheet: BeatSheet, part: Part) -> str:
    lines = []
    for i in part.beats:
        beat = sheet.beats[i]
        lines.append(f"{beat.name}: {beat.summary}" + (f" Afterwards: {beat.change}" if beat.change else ""))
    return "\n".join(lines)


def scenes_messages(ctx: Context, part: Part, total: int, earlier: list[OutlineScene]) -> list[dict[str, str]]:
    shown = earlier[-EARLIER_SHOWN:]
    start = len(earlier) - len(shown)
    lines = [scene_line(start + n + 1, s) for n, s in enumerate(shown)]
    if start:
        lines.insert(0, f"({start} earlier scene{'s' if start != 1 else ''} not shown)")
    return ctx.messages(
        "scenes", premise=premise_block(ctx.premise), cast=cast_block(ctx.characters),
        plot=plot_block(ctx.beats, part.beats), earlier="\n".join(lines) or "(none yet)",
        first=str(part.first + 1), last=str(part.first + part.count), total=str(total), count=str(part.count),
        part=part_block(ctx.beats, part),
        writer_edits=ctx.writer_edits("premise.yaml", "characters.yaml", "beats.yaml", "story.yaml"))


def clean_place(value: Any) -> str:
    """``INT. HARBOUR OFFICE - NIGHT`` -> ``HARBOUR OFFICE``."""
    text = text_of(value).strip().strip("\"'“”*")
    text = _HEADING_PREFIX.sub("", text)
    text = _HEADING_TIME.sub("", text.upper())
    return " ".join(text.strip(" .:-").split())


def check_scenes(data: dict[str, Any], count: int, cast: list[Character],
                 earlier: list[OutlineScene]) -> Checked[list[OutlineScene]]:
    """The scenes of one part; ``earlier`` are those before it (their count
    numbers these scenes as in the story)."""
    names = [c.name for c in cast]
    entries = data.get("scenes")
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return Checked(None, ['"scenes" must be a list of scenes'])
    found = Findings()
    notes: list[str] = []
    if len(entries) < count:
        found.hard.append(f"give exactly {count} scene(s), not {len(entries)}")
    elif len(entries) > count:
        notes.append(f"the model gave {len(entries)} scenes for {count}; the first {count} kept")
        entries = entries[:count]
    seen = {" ".join(words(s.summary.lower())) for s in earlier}
    scenes: list[OutlineScene] = []
    for n, entry in enumerate(entries, len(earlier) + 1):
        label = f"scene {n}"
        if not isinstance(entry, dict):
            found.hard.append(f"{label} is not an object with place, interior, time, characters, summary")
            continue
        place = clean_place(entry.get("place"))
        if not words(place):
            found.hard.append(f"{label}: place is empty")
        elif len(place.split()) > 6:
            found.soft.append(f"{label}: place is too long; give a few words naming the place")
        try:
            interior = parse_interior(text_of(entry.get("interior")) or "int")
        except ValueError:
            found.hard.append(f'{label}: interior must be "INT" or "EXT"')
            interior = True
        time = normalize_time(text_of(entry.get("time")))
        if len(time.split()) > 3:
            found.hard.append(f"{label}: time must be one of {', '.join(TIMES)}")
        present: list[str] = []
        raw = entry.get("characters")
        for name in raw if isinstance(raw, list) else re.split(r",|\band\b", text_of(raw)):
            if not text_of(name).strip():
                continue
            match = match_cast(text_of(name), names)
            if match is None:
                found.hard.append(f"{label}: {text_of(name)!r} is not in the cast ({', '.join(names)})")
            elif match not in present:
                present.append(match)
        summary = tidy(text_of(entry.get("summary")))
        summary = found.text(f"{label}: summary", summary, 8, 120)
        key = " ".join(words(summary.lower()))
        if key and key in seen:
            found.soft.append(f"{label}: the summary repeats an earlier scene; move the story on")
        seen.add(key)
        for character in cast:  # the summary says they are there
            if character.name not in present and mentions(summary, character.name):
                present.append(character.name)
                notes.append(f"{label}: {character.name} added to its characters (the summary names them)")
        if not present:
            found.hard.append(f"{label}: name the cast members in it ({', '.join(names)})")
        if not found.hard:
            scenes.append(OutlineScene(place=place, time=time, interior=interior, characters=present,
                                       summary=summary))
    if found.hard:
        return Checked(None, found.hard, found.soft, notes)
    return Checked(scenes, [], found.soft, notes)


def complete_story(planned: list[PlannedScene], sheet: BeatSheet, cast: list[Character]) -> list[str]:
    """What the model left out and arithmetic or the writer's own plot can
    fill: beat changes as directives, and a scene for each unused cast
    member (flagged). Returns the flags."""
    flags: list[str] = []
    last_of_beat: dict[int, int] = {}
    for index, item in enumerate(planned):
        for beat in item.beats:
            last_of_beat[beat] = index
    for beat, index in sorted(last_of_beat.items()):
        change = sheet.beats[beat].change
        scene = planned[index].scene
        change = change if not change or change[-1] in ".!?…" else change + "."
        if change and not scene.directives:
            scene.directives = f"By the end of this scene ({sheet.beats[beat].name}): {change}"
        elif change and change not in scene.directives:
            scene.directives += f" By the end ({sheet.beats[beat].name}): {change}"
    used = {name_key(n) for item in planned for n in item.scene.characters}
    for character in cast:
        if name_key(character.name) in used:
            continue
        index = _scene_for(character, planned, sheet)
        item = planned[index]
        item.scene.characters.append(character.name)
        note = (f"{character.name} added to scene {index + 1} by dsr develop: the model put them in no scene; "
                "give them something to do in the summary, or move them")
        item.flags.append(note)
        flags.append(note)
    return flags


def _scene_for(character: Character, planned: list[PlannedScene], sheet: BeatSheet) -> int:
    """The first scene of a beat that names the character, else the scene with the fewest people."""
    for index, item in enumerate(planned):
        if any(mentions(sheet.beats[b].summary, character.name) for b in item.beats):
            return index
    return min(range(len(planned)), key=lambda i: (len(planned[i].scene.characters), i))


def scene_data(scene: OutlineScene) -> dict[str, Any]:
    data: dict[str, Any] = {
        "place": scene.place,
        "time": scene.time,
        "interior": {True: "int", False: "ext", "both": "int/ext"}[scene.interior],
        "characters": list(scene.characters),
        "summary": scene.summary,
    }
    if scene.directives:
        data["directives"] = scene.directives
    return data


def story_text(story: Story, planned: list[PlannedScene], sheet: BeatSheet) -> str:
    """``story.yaml``: the story format, each beat's scenes under a comment."""
    top = story.model_dump(mode="json", exclude={"characters", "scenes"})
    top = {k: v for k, v in top.items() if v not in ("", None)}
    from dsr.develop.documents import character_data

    out = [header(4, "the outline `dsr write` reads (docs/story-format.md)"),
           dump_yaml(top), dump_yaml({"characters": [character_data(c) for c in story.characters]}), "scenes:\n"]
    previous: list[int] | None = None
    for item in planned:
        if item.beats != previous:
            names = " + ".join(f"{sheet.beats[b].name}" for b in item.beats)
            out.append(f"  # -- beat {', '.join(str(b + 1) for b in item.beats)}: {names}\n")
            previous = item.beats
        for flag in item.flags:
            out.append(f"  # FLAG: {flag}\n")
        body = dump_yaml([scene_data(item.scene)])
        out.append("".join(f"  {line}\n" if line else "\n" for line in body.rstrip("\n").split("\n")))
    return "".join(out)
