"""The story input (what a writer gives ``dsr write``) and the artifacts
the stages produce from it, as typed models.

Only ``title``, ``characters[].name`` and ``scenes[].summary`` are required;
everything else has a default so hand-written and tool-written files work.
The models also accept the friendly variants people type (``time: night``,
``interior: ext``, characters as plain names, a scene's characters as one
comma-separated string) and normalise them, so every consumer sees one shape.
Cross-field checks (a scene naming an unknown character, duplicate names)
live in ``loader.py`` so that every problem is reported at once with its path.
The file format is documented in ``docs/story-format.md``.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Spellings of the three heading prefixes, compared lower-case without dots or spaces.
_INTERIOR_WORDS: dict[str, bool | str] = {
    **dict.fromkeys(["true", "yes", "y", "on", "1", "int", "i", "interior", "inside", "indoors"], True),
    **dict.fromkeys(["false", "no", "n", "off", "0", "ext", "e", "exterior", "outside", "outdoors"], False),
    **dict.fromkeys(["both", "int/ext", "ext/int", "i/e", "e/i", "intext", "ie"], "both"),
}

# Language codes with their English names (for prompts: "write in German"),
# and the names people type instead of a code. Other valid codes pass through.
# The one table: the story accepts what it lists, and prompts name what the
# story accepted (``language_name``).
LANGUAGES = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "tr": "Turkish", "ru": "Russian",
    "uk": "Ukrainian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic",
    "hi": "Hindi", "el": "Greek", "hu": "Hungarian", "ro": "Romanian", "ca": "Catalan",
    "he": "Hebrew",
}
_LANGUAGE_NAMES = {
    **{name.lower(): code for code, name in LANGUAGES.items()},
    "deutsch": "de", "español": "es", "espanol": "es", "français": "fr", "francais": "fr",
    "italiano": "it", "português": "pt", "portugues": "pt", "nederlands": "nl", "polski": "pl",
    "svenska": "sv", "dansk": "da", "norsk": "no", "suomi": "fi", "čeština": "cs", "türkçe": "tr",
}
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)


def shown(value: Any, limit: int = 40) -> str:
    """A short quotation of a bad value for an error message (never a huge repr)."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[:limit] + "...")
    if isinstance(value, (bool, int, float)):
        return repr(value)
    return f"a {type(value).__name__}"


def parse_interior(value: Any) -> bool | str:
    """``True`` (INT.), ``False`` (EXT.) or ``"both"`` (INT./EXT.) from what a writer typed."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = value.strip().lower().replace(".", "").replace(" ", "").replace("\\", "/")
        if key in _INTERIOR_WORDS:
            return _INTERIOR_WORDS[key]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{shown(value)} is not one of true (INT.), false (EXT.), both (INT./EXT.)")


def normalize_time(value: str) -> str:
    """``night`` -> ``NIGHT``, ``late  night.`` -> ``LATE NIGHT``; empty -> ``DAY``."""
    words = value.replace("_", " ").strip().strip(".-").split()
    return " ".join(words).upper() or "DAY"


def normalize_language(value: str) -> str:
    """A language code (``en``, ``pt-BR``) from a code or a common language name."""
    text = value.strip().replace("_", "-")
    if text.lower() in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[text.lower()]
    if not _LANGUAGE_CODE.match(text):
        raise ValueError(f"{shown(value)} is not a language code (use one such as en, de, es or pt-BR)")
    primary, _, rest = text.partition("-")
    return primary.lower() + (f"-{rest.upper() if len(rest) == 2 else rest}" if rest else "")


def language_name(code: str) -> str:
    """The English name of a language code for a prompt (``pt-BR`` ->
    ``Portuguese``); a code not in the table is given as it is."""
    return LANGUAGES.get(code.split("-")[0].lower(), code)


def split_names(value: Any) -> Any:
    """``"MAYA, JONAH"`` -> ``["MAYA", "JONAH"]``; lists pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def character_entries(value: Any) -> Any:
    """The story's ``characters`` as a list of entries: also from one
    comma-separated text, or from a mapping of name -> profile (or -> keys)."""
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, dict):
        return [{"name": name, **body} if isinstance(body, dict) and "name" not in body
                else {"name": name, "profile": body} for name, body in value.items()]
    return value


def _join_lines(value: Any) -> Any:
    """A list of strings (bullet points in YAML) becomes one text, a line each."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(v.strip() for v in value)
    return value


def _drop_empty_optionals(data: Any, required: tuple[str, ...]) -> Any:
    """``key:`` with nothing after it (None in YAML) means "use the default"
    for optional keys; for required ones the None stays and becomes "required"."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if v is not None or k in required}
    return data


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        # `title: 1917` or `place: 221` are text, even though YAML reads numbers.
        coerce_numbers_to_str=True,
    )


class Character(_Model):
    name: str = Field(min_length=1)
    profile: str = ""  # who they are, wants, flaws, voice
    relationships: dict[str, str] = Field(default_factory=dict)  # other name -> relation
    aliases: list[str] = Field(default_factory=list)  # other names the text may use: "Nelly", "Mrs. Hart"

    @model_validator(mode="before")
    @classmethod
    def _from_plain_name(cls, data: Any) -> Any:
        if isinstance(data, str):  # `characters: [MAYA, JONAH]`
            return {"name": data}
        if isinstance(data, dict) and len(data) == 1:
            ((key, value),) = data.items()
            # `- MAYA: profile text` or `- MAYA: {profile: ..., relationships: ...}`
            if isinstance(key, str) and key not in cls.model_fields:
                if isinstance(value, str) or value is None:
                    return {"name": key, "profile": value or ""}
                if isinstance(value, dict) and "name" not in value:
                    return _drop_empty_optionals({"name": key, **value}, ("name",))
        return _drop_empty_optionals(data, ("name",))

    @field_validator("name")
    @classmethod
    def _single_spaced(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("profile", mode="before")
    @classmethod
    def _profile_lines(cls, value: Any) -> Any:
        return _join_lines(value)

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_list(cls, value: Any) -> Any:
        return split_names(value)

    @field_validator("aliases")
    @classmethod
    def _aliases_single_spaced(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(" ".join(a.split()) for a in value if a.strip()))

    @field_validator("relationships", mode="before")
    @classmethod
    def _relationship_list(cls, value: Any) -> Any:
        # Also accept a list of one-key mappings (`- JONAH: her brother`)
        # or of "NAME: relation" strings.
        if not isinstance(value, list):
            return value
        merged: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict):
                merged.update(item)
            elif isinstance(item, str) and ":" in item:
                other, relation = item.split(":", 1)
                merged[other.strip()] = relation.strip()
            else:
                raise ValueError('give each relationship as "NAME: relation"')
        return merged


class OutlineScene(_Model):
    summary: str = Field(min_length=1)  # what happens
    place: str = ""  # e.g. "KITCHEN" or "Maya's apartment - kitchen"
    time: str = "DAY"  # DAY, NIGHT, DAWN, DUSK, CONTINUOUS, LATER ...
    interior: bool | Literal["both"] = True  # INT. / EXT. / INT./EXT.
    characters: list[str] = Field(default_factory=list)
    # Minor people who may appear and speak besides the cast ("BARMAN", "a nurse"):
    # the stage-1 gate does not count them as invented.
    extras: list[str] = Field(default_factory=list)
    directives: str = ""  # optional notes from the writer for this scene

    @model_validator(mode="before")
    @classmethod
    def _empty_optionals(cls, data: Any) -> Any:
        return _drop_empty_optionals(data, ("summary",))

    @field_validator("summary", "directives", mode="before")
    @classmethod
    def _text_lines(cls, value: Any) -> Any:
        return _join_lines(value)

    @field_validator("time")
    @classmethod
    def _time_upper(cls, value: str) -> str:
        return normalize_time(value)

    @field_validator("interior", mode="before")
    @classmethod
    def _interior_words(cls, value: Any) -> bool | str:
        return parse_interior(value)

    @field_validator("characters", "extras", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return split_names(value)

    @field_validator("characters", "extras")
    @classmethod
    def _single_spaced(cls, value: list[str]) -> list[str]:
        return [" ".join(name.split()) for name in value if name.strip()]

    def heading(self) -> str:
        """The scene heading this outline scene implies (``INT. KITCHEN - NIGHT``)."""
        prefix = {True: "INT.", False: "EXT.", "both": "INT./EXT."}[self.interior]
        place = (self.place or "UNKNOWN").upper()
        time = (self.time or "DAY").upper()
        return f"{prefix} {place} - {time}"


class Story(_Model):
    title: str = Field(min_length=1)
    logline: str = ""
    genre: str = ""
    language: str = "en"  # BCP-47-ish code, e.g. "en", "de", "es"
    style: str = ""  # tone notes
    # The title page of the screenplay (not shown to the models): the writer
    # credited under "Written by", a contact block (a line each), a draft date.
    author: str = ""
    contact: str = ""
    draft_date: str = ""
    characters: list[Character] = Field(min_length=1)
    scenes: list[OutlineScene] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _empty_optionals(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("language") is False:
            # YAML 1.1 reads a bare `no` (Norwegian) as false.
            data = {**data, "language": "no"}
        return _drop_empty_optionals(data, ("title", "characters", "scenes"))

    @field_validator("style", "logline", "author", "contact", mode="before")
    @classmethod
    def _text_lines(cls, value: Any) -> Any:
        return _join_lines(value)

    @field_validator("draft_date", mode="before")
    @classmethod
    def _date_as_written(cls, value: Any) -> Any:
        # YAML reads `draft_date: 2026-12-07` as a date.
        return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        return normalize_language(value)

    @field_validator("characters", mode="before")
    @classmethod
    def _character_list(cls, value: Any) -> Any:
        return character_entries(value)

    def character(self, name: str) -> Character | None:
        """The character of this name (or, failing that, of this alias)."""
        wanted = " ".join(name.split()).upper()
        for c in self.characters:
            if c.name.strip().upper() == wanted:
                return c
        for c in self.characters:
            if any(a.upper() == wanted for a in c.aliases):
                return c
        return None


class SceneDirectives(_Model):
    """Stage 1's plan for one scene, written before the prose."""

    pacing: str = ""
    revelation: str = ""  # what is revealed, and when
    emotional_trajectory: str = ""
    action_beats: list[str] = Field(default_factory=list)


class ProseScene(_Model):
    """Stage 1's output for one scene: directives, then screen-oriented prose."""

    index: int  # 0-based position in the outline
    heading: str
    directives: SceneDirectives
    prose: str
