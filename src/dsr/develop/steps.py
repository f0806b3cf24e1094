"""The first three steps: what each asks the model (template, JSON schema)
and how its answer is validated and turned into the step's file.

Schemas bound every string so that a small model cannot loop until the
token limit, and require every key; the validators check what a schema
cannot (a title that is the logline, two characters of the same name, a
text going in circles) and return findings the model is shown next time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dsr.develop.asking import Checked
from dsr.develop.checks import PLACEHOLDER_NAMES, Findings, clean_name, match_cast, name_key, text_of, tidy, words
from dsr.develop.documents import Beat, BeatSheet, Premise
from dsr.develop.structures import Structure
from dsr.text import clip_words
from dsr.story.model import LANGUAGES, Character
from dsr.templates import TemplateSet

TEMPLATES = TemplateSet("dsr.develop", ("system", "premise", "characters", "beats", "scenes", "repair",
                                         "writer_edits"))
MIN_CAST, MAX_CAST = 2, 8  # what a cast may be
CAST_SIZE = "three to five"  # what the prompt asks for
CAST_DRAWN = 6  # the most the schema lets a model write: a small model runs on to the limit
TITLE_WORDS = 8


# How words look, per script, for the schemas' patterns. Languages written
# without spaces between words get texts bounded by length instead.
UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "km", "my"}
LATIN_LANGUAGES = {"en", "de", "es", "fr", "it", "pt", "nl", "pl", "sv", "da", "no", "nb", "nn", "fi", "cs", "sk",
                   "tr", "hu", "ro", "ca", "hr", "sl", "et", "lv", "lt", "id", "ms", "vi", "eu", "gl", "is", "ga"}
# A word in a Latin script: letters (with accents), in brackets or quotes,
# with punctuation after it; numbers are written as words. A small model
# otherwise fills a text with years, dates, underscores and one endless "word".
_LATIN_WORD = r"[(“‘]?[A-Za-zÀ-ɏ'’—-]{1,20}[,.;:!?)”’…—–]{0,2}"
# Any other script: up to 24 of anything but spaces, quotes, backslashes,
# line breaks and brackets.
_ANY_WORD = r'[^ "\\\n{}\[\]]{1,24}'
_NAME_PART = r"[A-ZÀ-ÞĀ-Ž][A-ZÀ-ÞĀ-Ž'’.-]{1,15}"  # capitals, as a screenplay writes a name
_ANY_NAME_PART = r'[^ "\\\na-z0-9_.,:;!?()]{2,16}'


def word_style(language: str) -> str:
    """``latin``, ``spaced`` (another script with spaces) or ``unspaced``."""
    code = (language or "en").split("-")[0].lower()
    return "unspaced" if code in UNSPACED_LANGUAGES else "latin" if code in LATIN_LANGUAGES else "spaced"


def text_schema(min_words: int, max_words: int, style: str = "latin") -> dict[str, Any]:
    """A string of ``min_words`` to ``max_words`` words. The pattern becomes
    part of the grammar on the embedded model, so a small model writes words."""
    if style == "unspaced":
        return {"type": "string", "minLength": 2 * min_words, "maxLength": 4 * max_words}
    word = _LATIN_WORD if style == "latin" else _ANY_WORD
    return {"type": "string", "pattern": f"^{word}( {word}){{{max(0, min_words - 1)},{max_words - 1}}}$"}


def name_schema(style: str = "latin") -> dict[str, Any]:
    if style == "unspaced":
        return {"type": "string", "minLength": 1, "maxLength": 12}
    part = _NAME_PART if style == "latin" else _ANY_NAME_PART
    return {"type": "string", "pattern": f"^{part}( {part}){{0,2}}$"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


@dataclass
class Context:
    """What the steps so far decided, and what the writer changed by hand."""

    logline: str
    language: str = "en"
    premise: Premise | None = None
    characters: list[Character] | None = None
    beats: BeatSheet | None = None
    edits: dict[str, list[str]] = field(default_factory=dict)  # file name -> what the writer changed

    @property
    def words(self) -> str:
        """How words look in the story's language (see ``word_style``)."""
        return word_style((self.premise.language if self.premise else self.language) or "en")

    @property
    def language_name(self) -> str:
        code = (self.premise.language if self.premise else self.language) or "en"
        return LANGUAGES.get(code.split("-")[0].lower(), code)

    def writer_edits(self, *files: str) -> str:
        lines = [f"- {name}: {change}" for name in files for change in self.edits.get(name, [])]
        return TEMPLATES.render("writer_edits", edits="\n".join(lines)) if lines else ""

    def messages(self, template: str, **fields: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": TEMPLATES.render("system", language_name=self.language_name)},
            {"role": "user", "content": TEMPLATES.render(template, **fields)},
        ]


# -- context blocks for the prompts ---------------------------------------------------

def premise_block(p: Premise) -> str:
    lines = [f"Film: {p.title}", f"Logline: {p.logline}"]
    for label, value in (("Genre", p.genre), ("Theme", p.theme), ("Conflict", p.conflict),
                         ("Ending", p.ending), ("Style", p.style)):
        if value:
            lines.append(f"{label}: {clip_words(value, 80)}")
    return "\n".join(lines)


def cast_block(characters: list[Character]) -> str:
    lines = []
    for c in characters:
        first = c.profile.strip().splitlines()[0] if c.profile.strip() else ""
        lines.append(f"- {c.name}" + (f": {clip_words(first, 30)}" if first else ""))
    return "\n".join(lines)


# -- step 1: premise --------------------------------------------------------------------

def premise_schema(style: str) -> dict[str, Any]:
    return _object({
        "title": text_schema(1, 6, style),
        "genre": text_schema(1, 3, style),
        "theme": text_schema(4, 25, style),
        "conflict": text_schema(8, 45, style),
        "ending": text_schema(8, 45, style),
        "style": text_schema(3, 20, style),
    })



PREMISE_TOKENS = 600


@dataclass(frozen=True)
class PremiseGiven:
    """What the writer fixed on the command line; the model's words for these are not used."""

    genre: str = ""
    language: str = "en"
    style: str = ""


def premise_messages(ctx: Context, given: PremiseGiven) -> list[dict[str, str]]:
    fixed = [f"Genre (given): {given.genre}"] if given.genre else []
    fixed += [f"Style (given): {given.style}"] if given.style else []
    return ctx.messages("premise", logline=ctx.logline, given="\n".join(fixed),
                        writer_edits=ctx.writer_edits("premise.yaml"))


def check_premise(data: dict[str, Any], logline: str, given: PremiseGiven) -> Checked[Premise]:
    values = {key: tidy(text_of(data.get(key))) for key in ("title", "genre", "theme", "conflict", "ending", "style")}
    title = values["title"].strip("\"'“”*# ").rstrip(".")
    found = Findings()
    if not words(title):
        found.hard.append("title is empty")
    elif name_key(title) == name_key(logline) or title.lower() in ("title", "untitled", "the film"):
        found.hard.append("title is not a title; invent a short one")
    elif _copies_opening(title, logline):
        found.soft.append("title copies the logline's first words; invent a short title of its own")
    elif len(words(title)) > TITLE_WORDS:
        found.soft.append(f"title is too long ({len(words(title))} words; at most {TITLE_WORDS})")
    genre = given.genre or values["genre"]
    if not given.genre:
        genre = found.text("genre", genre, 1, 5)
    for label, least in (("theme", 4), ("conflict", 6), ("ending", 6)):
        values[label] = found.text(label, values[label], least, 80)
    for a, b in (("theme", "conflict"), ("theme", "ending"), ("conflict", "ending")):
        if values[a] and name_key(values[a]) == name_key(values[b]):
            found.soft.append(f"{b} repeats the {a}; say something new")
    if re.search(r"[a-z][A-Z]", title):
        found.soft.append("title runs words together; put spaces between words")
    if found.hard:
        return Checked(None, found.hard, found.soft)
    premise = Premise(logline=logline, title=title, genre=genre, language=given.language,
                      style=given.style or values["style"], theme=values["theme"], conflict=values["conflict"],
                      ending=values["ending"])
    return Checked(premise, [], found.soft)


def _copies_opening(title: str, logline: str, least: int = 4) -> bool:
    """The title is the logline's first words (a small model copies)."""
    head = [w.lower() for w in words(title)][:least]
    return len(head) >= least and [w.lower() for w in words(logline)][:least] == head


# -- step 2: characters ---------------------------------------------------------------

def characters_schema(style: str) -> dict[str, Any]:
    character = _object({
        "name": name_schema(style),
        "who": text_schema(5, 25, style),
        "want": text_schema(3, 20, style),
        "need": text_schema(3, 20, style),
        "flaw": text_schema(2, 15, style),
        "voice": text_schema(3, 15, style),
        "relationships": {"type": "array", "maxItems": 3, "items": _object({
            "name": name_schema(style), "relation": text_schema(2, 12, style)})},
    })
    return _object({"characters": {"type": "array", "minItems": MIN_CAST, "maxItems": CAST_DRAWN, "items": character}})



CHARACTERS_TOKENS = 1800
PROFILE_LABELS = (("want", "Wants"), ("need", "Needs"), ("flaw", "Flaw"), ("voice", "Voice"))


def characters_messages(ctx: Context) -> list[dict[str, str]]:
    return ctx.messages("characters", premise=premise_block(ctx.premise), cast_size=CAST_SIZE,
                        writer_edits=ctx.writer_edits("premise.yaml", "characters.yaml"))


def profile_text(who: str, parts: dict[str, str]) -> str:
    lines = [who] + [f"{label}: {parts[key]}" for key, label in PROFILE_LABELS if parts.get(key)]
    return "\n".join(lines)


def check_characters(data: dict[str, Any]) -> Checked[list[Character]]:
    entries = data.get("characters")
    if not isinstance(entries, list):
        return Checked(None, ['"characters" must be a list of characters'])
    found = Findings()
    notes: list[str] = []
    if not MIN_CAST <= len(entries) <= MAX_CAST:
        found.hard.append(f"give {MIN_CAST} to {MAX_CAST} characters, not {len(entries)}")
    names: list[str] = []
    parts_by_name: list[tuple[str, dict[str, str], Any]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            found.hard.append(f"character {i + 1} is not an object with name, who, want, need, flaw, voice")
            continue
        name = clean_name(entry.get("name"))
        label = name or f"character {i + 1}"
        if not words(name):
            found.hard.append(f"character {i + 1} has no name")
        elif name in PLACEHOLDER_NAMES or name.rstrip(" 0123456789") in PLACEHOLDER_NAMES:
            found.hard.append(f"{name} is not a name; give character {i + 1} a real name")
        elif len(name.split()) > 4:
            found.hard.append(f"{name!r} is not a name; use at most four words")
        elif name in names:
            # The second of two namesakes is left out (removed, never renamed):
            # a usable cast from a small model that repeats itself.
            found.soft.append(f"two characters are called {name}; give each character a different name "
                              "(the second was left out)")
            continue
        names.append(name)
        parts = {key: tidy(text_of(entry.get(key))) for key in ("who", "want", "need", "flaw", "voice")}
        for key, least in (("who", 3), ("want", 2), ("need", 2), ("flaw", 2), ("voice", 2)):
            parts[key] = found.text(f"{label}'s {key}", parts[key], least, 60)
        for a, b in (("want", "need"), ("want", "flaw"), ("need", "flaw")):
            if parts[a] and name_key(parts[a]) == name_key(parts[b]):
                found.soft.append(f"{label}'s {b} repeats their {a}; they are different things")
        parts_by_name.append((name, parts, entry.get("relationships")))
    if len(parts_by_name) < MIN_CAST <= len(entries):
        found.hard.append(f"give at least {MIN_CAST} characters with different names")
    if found.hard:
        return Checked(None, found.hard, found.soft, notes)
    cast = [name for name, _, _ in parts_by_name]
    characters = []
    for name, parts, relations in parts_by_name:
        relationships = _relationships(name, relations, cast, notes)
        characters.append(Character(name=name, profile=profile_text(parts["who"], parts),
                                    relationships=relationships))
    return Checked(characters, [], found.soft, notes)


def _relationships(name: str, relations: Any, cast: list[str], notes: list[str]) -> dict[str, str]:
    """Relations to others in the cast; ones naming nobody in it (or the
    character themself) are dropped and noted, never guessed at."""
    if isinstance(relations, dict):
        relations = [{"name": k, "relation": v} for k, v in relations.items()]
    out: dict[str, str] = {}
    for item in relations if isinstance(relations, list) else []:
        if not isinstance(item, dict):
            continue
        other = match_cast(text_of(item.get("name")), cast)
        relation = tidy(text_of(item.get("relation")), 2)
        if other is None or other == name:
            shown = clean_name(item.get("name")) or "nobody"
            notes.append(f"{name}: dropped the relationship to {shown} (not another member of the cast)")
        elif words(relation) and other not in out:
            out[other] = relation
    return out


# -- step 3: beats --------------------------------------------------------------------

TOKENS_PER_BEAT = 160


def beats_schema(structure: Structure, style: str) -> dict[str, Any]:
    beat = _object({"what_happens": text_schema(8, 50, style), "what_changes": text_schema(4, 25, style)})
    # One key per beat, in order: the grammar then writes them in that order.
    return _object({b.id: beat for b in structure.beats})


def beats_messages(ctx: Context, structure: Structure) -> list[dict[str, str]]:
    beat_list = "\n".join(f'- "{b.id}" ({b.name}): {b.purpose}' for b in structure.beats)
    return ctx.messages("beats", premise=premise_block(ctx.premise), cast=cast_block(ctx.characters),
                        structure=structure.name, structure_description=structure.description,
                        beat_list=beat_list, writer_edits=ctx.writer_edits("premise.yaml", "characters.yaml", "beats.yaml"))


def check_beats(data: dict[str, Any], structure: Structure) -> Checked[BeatSheet]:
    found = Findings()
    beats: list[Beat] = []
    seen: dict[str, str] = {}
    for spec in structure.beats:
        entry = data.get(spec.id)
        if entry is None:  # the beat's name instead of its key
            entry = next((v for k, v in data.items() if name_key(k.replace("_", " ")) == name_key(spec.name)), None)
        if not isinstance(entry, dict):
            found.hard.append(f'"{spec.id}" is missing; give what_happens and what_changes for it')
            continue
        happens = tidy(text_of(entry.get("what_happens")))
        changes = tidy(text_of(entry.get("what_changes")))
        happens = found.text(f"{spec.id}.what_happens", happens, 6, 90)
        changes = found.text(f"{spec.id}.what_changes", changes, 3, 60)
        key = " ".join(words(happens.lower()))
        if key and key in seen:
            found.soft.append(f"{spec.id}.what_happens repeats {seen[key]}; each beat moves the story on")
        seen.setdefault(key, spec.id)
        beats.append(Beat(name=spec.name, share=spec.share, summary=happens or "-", change=changes))
    if found.hard:
        return Checked(None, found.hard, found.soft)
    return Checked(BeatSheet(structure=structure.name, beats=beats), [], found.soft)


# -- what the writer changed by hand ----------------------------------------------------

EDIT_WORDS = 40


def premise_edits(written: dict[str, Any] | None, now: Premise) -> list[str]:
    if written is None:
        return ["the whole premise is the writer's: " + clip_words(premise_block(now).replace("\n", "; "), 80)]
    out = []
    for key, value in now.model_dump().items():
        if str(written.get(key, "")) != str(value):
            out.append(f"{key} is now: {clip_words(str(value), EDIT_WORDS) or '(empty)'}")
    return out


def characters_edits(written: list[dict[str, Any]] | None, now: list[Character]) -> list[str]:
    if written is None:
        return ["the whole cast is the writer's: " + ", ".join(c.name for c in now)]
    before = {name_key(c.get("name", "")): c for c in written}
    after = {name_key(c.name): c for c in now}
    out = []
    for key, c in after.items():
        old = before.get(key)
        if old is None:
            out.append(f"added {c.name}: {clip_words(c.profile, EDIT_WORDS)}")
            continue
        if (old.get("profile") or "") != c.profile:
            out.append(f"{c.name}'s profile is now: {clip_words(c.profile, EDIT_WORDS)}")
        if (old.get("relationships") or {}) != c.relationships:
            relations = "; ".join(f"{k}: {v}" for k, v in c.relationships.items()) or "(none)"
            out.append(f"{c.name}'s relationships are now: {clip_words(relations, EDIT_WORDS)}")
        extra = {k: v for k, v in c.model_dump(mode="json", exclude_defaults=True).items()
                 if k not in ("name", "profile", "relationships") and old.get(k) != v}
        for k, v in extra.items():
            out.append(f"{c.name}'s {k} is now: {clip_words(text_of(v), EDIT_WORDS)}")
    removed = [old.get("name", key) for key, old in before.items() if key not in after]
    if removed:
        out.append("removed " + ", ".join(removed) + " (do not use them)")
    return out


def beats_edits(written: dict[str, Any] | None, now: BeatSheet) -> list[str]:
    if written is None:
        return ["the whole plot is the writer's"]
    old_beats = written.get("beats") or []
    out = []
    if len(old_beats) != len(now.beats):
        out.append(f"the plot now has {len(now.beats)} beats: " + ", ".join(b.name for b in now.beats))
    for i, beat in enumerate(now.beats):
        old = old_beats[i] if i < len(old_beats) else {}
        if old.get("summary") != beat.summary or old.get("change") != beat.change or old.get("name") != beat.name:
            out.append(f"beat {i + 1} ({beat.name}) is now: {clip_words(beat.summary, EDIT_WORDS)}"
                       + (f" Afterwards: {clip_words(beat.change, 20)}" if beat.change else ""))
        elif old.get("share") != beat.share:
            out.append(f"beat {i + 1} ({beat.name}) now takes {beat.share:.0%} of the story")
    return out
