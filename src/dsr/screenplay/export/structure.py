"""What every exporter prints, grouped: speeches, dual dialogue, other elements.

The model is a flat list of elements; a printed page groups a cue with the
parentheticals, dialogue and lyrics under it, and a ``^`` cue pairs with the
speech just before it. Notes, sections and synopses are kept in the model
but never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsr.screenplay.model import Element, Screenplay

NOT_PRINTED = frozenset({"note", "section", "synopsis"})
SPEECH_PARTS = frozenset({"parenthetical", "dialogue", "lyrics"})


@dataclass(slots=True)
class Speech:
    """A cue and what is spoken under it. ``cue`` is None for dialogue that lost its cue."""

    cue: Element | None
    parts: list[Element] = field(default_factory=list)


@dataclass(slots=True)
class Dual:
    """Two speeches printed side by side (the right one's cue was written with ``^``)."""

    left: Speech
    right: Speech


Item = Element | Speech | Dual


def printable_items(sp: Screenplay) -> list[Item]:
    """The printed body of ``sp`` in order: Speech, Dual, or a plain Element."""
    elements = [el for el in sp.elements if el.type not in NOT_PRINTED]
    items: list[Item] = []
    i, n = 0, len(elements)
    while i < n:
        el = elements[i]
        # A cue starts a speech; parenthetical or dialogue here has lost its cue
        # (standalone lyrics are their own element).
        if el.type in ("character", "parenthetical", "dialogue"):
            cue = el if el.type == "character" else None
            j = i + 1 if cue is not None else i
            while j < n and elements[j].type in SPEECH_PARTS:
                j += 1
            speech = Speech(cue, elements[i + 1 if cue is not None else i : j])
            previous = items[-1] if items else None
            if cue is not None and cue.dual and isinstance(previous, Speech):
                items[-1] = Dual(previous, speech)
            else:
                items.append(speech)
            i = j
        else:
            items.append(el)
            i += 1
    return items
