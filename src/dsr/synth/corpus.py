"""A corpus of Fountain screenplays, cut into what synthesis works on.

``load_corpus(DIR)`` reads every ``*.fountain`` in a directory (what ``dsr
import`` writes) and gives per screenplay its cast (speakers by how much
they speak) and its scenes: the heading, the printed elements, the scene as
canonical Fountain (the *reference*: the training target of stage 2 and the
direct baseline), the characters present and a content hash.

``scene_as_prose`` renders a real scene as screen-oriented prose without a
model (action as written, dialogue as ``NAME says, "..."``): the target of
the reverse-only ablation, and the "previous scene" text in the context of
the next scene's prompts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dsr.errors import UserError
from dsr.screenplay.headings import split_heading
from dsr.screenplay.inline import plain
from dsr.screenplay.io import UnreadableFile
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import character_key, statistics
from dsr.screenplay.validate_rules import NOT_SPEAKERS
from dsr.screenplay.writer import write
from dsr.synth.importers.convert import read_source
from dsr.synth.records import content_hash

PRINTED = frozenset({"action", "character", "parenthetical", "dialogue", "lyrics", "centered", "transition"})
MIN_SCENE_WORDS = 8  # a heading with a line under it is not a scene to learn from

_VOICE = {"V.O.": "in voice-over", "VO": "in voice-over", "O.S.": "from off screen", "OS": "from off screen",
          "O.C.": "from off screen", "OC": "from off screen"}


@dataclass
class CorpusScene:
    index: int  # 0-based among the screenplay's headed scenes
    heading: Element
    elements: list[Element]  # printed elements under the heading
    fountain: str  # heading + body, canonical Fountain
    characters: list[str]  # speakers first, then cast named in the action
    words: int
    hash: str

    @property
    def body_fountain(self) -> str:
        return self.fountain.split("\n", 1)[1].strip() if "\n" in self.fountain else ""


@dataclass
class CorpusScreenplay:
    id: str  # the file stem: unique within a corpus directory
    file: str
    hash: str
    title: str
    cast: list[str]  # speakers, most lines first
    elements: list[Element] = field(default_factory=list)  # every printed element (character evidence)
    scenes: list[CorpusScene] = field(default_factory=list)
    skipped_scenes: int = 0  # headed scenes too short to use


def load_corpus(directory: Path, max_screenplays: int | None = None, max_scenes: int | None = None,
                skipped: list[str] | None = None) -> list[CorpusScreenplay]:
    """The screenplays of a directory, in file-name order. Files that cannot
    be read, or have no usable scene, are left out; ``skipped`` (if given)
    gets one line for each, saying why."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory}: not a directory of screenplays")
    files = sorted(directory.glob("*.fountain"))
    if not files:
        others = [p.name for p in directory.iterdir() if p.is_file()][:3]
        hint = f" (it holds {', '.join(others)}...; run `dsr import` first)" if others else ""
        raise UserError(f"{directory}: no .fountain files{hint}")
    corpus: list[CorpusScreenplay] = []
    skipped = skipped if skipped is not None else []
    for path in files:
        if max_screenplays and len(corpus) >= max_screenplays:
            break
        try:
            text = read_source(path).text
        except UnreadableFile as exc:
            skipped.append(f"{path.name}: {exc.reason}")
            continue
        screenplay = screenplay_from_text(path, text, max_scenes)
        if screenplay.scenes:
            corpus.append(screenplay)
        else:
            skipped.append(f"{path.name}: no scene heading with at least {MIN_SCENE_WORDS} words under it")
    return corpus


def screenplay_from_text(path: Path, text: str, max_scenes: int | None = None) -> CorpusScreenplay:
    sp = parse(text)
    stats = statistics(sp)
    cast = [name for name, _ in sorted(stats["characters"].items(), key=lambda kv: (-kv[1]["blocks"], kv[0]))
            if name and name not in NOT_SPEAKERS]
    result = CorpusScreenplay(id=path.stem, file=path.name, hash=content_hash(text),
                              title=sp.title or path.stem.replace("_", " "), cast=cast,
                              elements=[el for el in sp.elements if el.type in PRINTED or el.type == "scene_heading"])
    headed = [scene for scene in sp.scenes() if scene.heading is not None]
    for scene in headed:
        if max_scenes and len(result.scenes) >= max_scenes:
            break
        body = [el for el in scene.elements if el.type in PRINTED and el.text.strip()]
        words = sum(len(plain(el.text).split()) for el in body if el.type != "character")
        if words < MIN_SCENE_WORDS:
            result.skipped_scenes += 1
            continue
        heading = Element("scene_heading", scene.heading.text, scene.heading.line)
        fountain = write(Screenplay(elements=[heading, *body])).strip() + "\n"
        result.scenes.append(CorpusScene(
            index=len(result.scenes), heading=heading, elements=body, fountain=fountain,
            characters=scene_characters(body, cast), words=words, hash=content_hash(fountain)))
    return result


def scene_characters(body: list[Element], cast: list[str]) -> list[str]:
    """Who is in the scene: its speakers in order of first line, then members
    of the cast named in its action (a silent presence is still a presence)."""
    names: list[str] = []
    for el in body:
        if el.type == "character":
            name = character_key(el)
            if name and name not in names and name not in NOT_SPEAKERS:
                names.append(name)
    action = " ".join(plain(el.text) for el in body if el.type == "action").upper()
    for name in cast:
        if name not in names and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", action):
            names.append(name)
    return names


def heading_fields(heading: str) -> dict:
    """The outline fields a heading implies: place, time, interior."""
    parts = split_heading(heading)
    interior = {"INT": True, "EXT": False, "INT/EXT": "both"}.get(parts.prefix or "INT", True)
    return {"place": parts.place or heading, "time": parts.time or "", "interior": interior}


def scene_as_prose(scene: CorpusScene) -> str:
    """The real scene as screen-oriented prose, one paragraph per action
    paragraph or speech, without a model."""
    paragraphs: list[str] = []
    speaker, voice, manner = None, "", ""
    for el in scene.elements:
        text = " ".join(plain(el.text).split())
        if el.type == "character":
            speaker = character_key(el)
            extension = (el.extension or "").strip("() ").upper()
            voice, manner = _VOICE.get(extension, ""), ""
        elif el.type == "parenthetical":
            manner = text.strip("() ")
        elif el.type in ("dialogue", "lyrics") and speaker:
            how = ", ".join(part for part in (voice, manner) if part)
            verb = "sings" if el.type == "lyrics" else "says"
            spoken = text.strip('"\u201c\u201d ')
            paragraphs.append(f'{speaker} {verb}{", " + how if how else ""}, "{spoken}"')
            manner = ""
        elif el.type in ("action", "centered"):
            speaker = None
            paragraphs.append(text)
    return "\n\n".join(p for p in paragraphs if p)
