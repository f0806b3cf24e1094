"""The screenplay model: one flat list of elements plus a title page.

Every other part of dsr (parser, writer, validator, exporters, stage 2,
synthesis, evaluation) speaks this model. It is deliberately plain: element
text keeps its Fountain inline markup (emphasis, inline notes) exactly as
written, minus the forcing marks; renderers interpret the markup
(see ``inline.py``), so nothing is lost between parse and write.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator, Literal

ElementType = Literal[
    "scene_heading",
    "action",
    "character",
    "parenthetical",
    "dialogue",
    "transition",
    "centered",
    "lyrics",
    "page_break",
    "section",
    "synopsis",
    "note",
]

ELEMENT_TYPES: tuple[str, ...] = ElementType.__args__  # type: ignore[attr-defined]


@dataclass(slots=True)
class Element:
    """One block of a screenplay.

    ``text`` is the element as written, without forcing marks (``!``, ``@``,
    ``.``, ``>``, ``~``, ``^``, ``#``, ``=``) and without the scene number.
    Multi-line elements (action, dialogue, lyrics, notes) keep their line
    breaks as ``\\n``. For a character cue, ``text`` is the whole cue
    (``MOM (O. S.)``), ``name`` the name alone (``MOM``) and ``extension``
    the parenthesised part as written (``(O. S.)``), or None.
    """

    type: ElementType
    text: str
    line: int  # 1-based line number in the source where the element starts
    scene_number: str | None = None  # scene_heading only: "1A" from "#1A#"
    name: str | None = None  # character only
    extension: str | None = None  # character only
    dual: bool = False  # character only: the right-hand cue of dual dialogue (^)
    depth: int | None = None  # section only: number of '#'
    forced: bool = False  # written with a forcing mark in the source

    def to_dict(self) -> dict:
        """JSON shape used by ``dsr parse --json``: only the relevant keys."""
        data = {"type": self.type, "text": self.text, "line": self.line}
        if self.type == "scene_heading":
            data["scene_number"] = self.scene_number
        elif self.type == "character":
            data["name"] = self.name
            data["extension"] = self.extension
            data["dual"] = self.dual
        elif self.type == "section":
            data["depth"] = self.depth
        return data

    def same_content(self, other: "Element") -> bool:
        """Equal apart from the source line (what a round trip must keep)."""
        a, b = asdict(self), asdict(other)
        a.pop("line"), b.pop("line")
        a.pop("forced"), b.pop("forced")
        return a == b


@dataclass(slots=True)
class Boneyard:
    """A ``/* ... */`` comment: kept so a round trip loses nothing, never printed."""

    text: str
    line: int


@dataclass
class Scene:
    """A scene heading and the elements up to the next heading.

    The part of a script before its first heading is a Scene whose
    ``heading`` is None.
    """

    heading: Element | None
    elements: list[Element]


@dataclass
class Screenplay:
    # Keys as written ("Title", "Draft date"); values one entry per line.
    title_page: dict[str, list[str]] = field(default_factory=dict)
    elements: list[Element] = field(default_factory=list)
    boneyard: list[Boneyard] = field(default_factory=list)

    def title_value(self, key: str) -> list[str] | None:
        """Case-insensitive title page lookup."""
        for k, v in self.title_page.items():
            if k.lower() == key.lower():
                return v
        return None

    @property
    def title(self) -> str | None:
        value = self.title_value("title")
        return " ".join(value) if value else None

    def scenes(self) -> list[Scene]:
        scenes: list[Scene] = []
        current = Scene(heading=None, elements=[])
        for el in self.elements:
            if el.type == "scene_heading":
                if current.heading is not None or current.elements:
                    scenes.append(current)
                current = Scene(heading=el, elements=[])
            else:
                current.elements.append(el)
        if current.heading is not None or current.elements:
            scenes.append(current)
        return scenes

    def iter_type(self, type_: str) -> Iterator[Element]:
        return (el for el in self.elements if el.type == type_)

    def to_dict(self) -> dict:
        return {
            "title_page": {k: list(v) for k, v in self.title_page.items()},
            "elements": [el.to_dict() for el in self.elements],
        }
