"""The story input (what a writer gives ``dsr write``) and the artifacts
the stages produce from it, as typed models.

Only ``title``, ``characters[].name`` and ``scenes[].summary`` are required;
everything else has a default so hand-written and tool-written files work.
Cross-field checks (a scene naming an unknown character) live in
``loader.py`` so that every problem is reported at once with its path.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Character(_Model):
    name: str = Field(min_length=1)
    profile: str = ""  # who they are, wants, flaws, voice
    relationships: dict[str, str] = Field(default_factory=dict)  # other name -> relation


class OutlineScene(_Model):
    summary: str = Field(min_length=1)  # what happens
    place: str = ""  # e.g. "KITCHEN" or "Maya's apartment - kitchen"
    time: str = "DAY"  # DAY, NIGHT, DAWN, DUSK, CONTINUOUS, LATER ...
    interior: bool | Literal["both"] = True  # INT. / EXT. / INT./EXT.
    characters: list[str] = Field(default_factory=list)
    directives: str = ""  # optional notes from the writer for this scene

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
    characters: list[Character] = Field(min_length=1)
    scenes: list[OutlineScene] = Field(min_length=1)

    def character(self, name: str) -> Character | None:
        wanted = name.strip().upper()
        for c in self.characters:
            if c.name.strip().upper() == wanted:
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
