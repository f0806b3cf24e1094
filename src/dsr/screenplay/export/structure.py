"""What every exporter prints, grouped: speeches, dual dialogue, other elements.

The model is a flat list of elements; a printed page groups a cue with the
parentheticals, dialogue and lyrics under it, and a ``^`` cue pairs with the
speech just before it. Notes, sections and synopses are kept in the model
but never printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsr.screenplay.model import Element, Screenplay

NOT_PRINTED = frozenset({"note", "section", "synopsis"})
# Control characters (a stray BEL, form feed, lone surrogates) that neither
# XML nor HTML may carry and no page can show.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` without control characters (tabs and line breaks stay)."""
    return _UNPRINTABLE.sub("", text)
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


# Where title page entries print (the Fountain spec's recommendation and
# common practice): centred groups about a third of the way down, with a
# blank line between groups; contact details at the foot on the left; dates
# and rights at the foot on the right. Other keys are metadata only.
_TITLE_GROUPS = (("title",), ("credit",), ("author", "authors"), ("source",))
_FOOT_LEFT = ("contact",)
_FOOT_RIGHT = ("draft date", "revision", "copyright")


@dataclass(slots=True)
class TitlePage:
    """Title page values (inline markup kept) by where they print."""

    groups: list[list[str]]  # centred; one list per group (title, credit, authors, source)
    foot_left: list[str]
    foot_right: list[str]


def title_page(sp: Screenplay) -> TitlePage | None:
    """The printable title page of ``sp``, or None when it has none."""

    def values(keys: tuple[str, ...]) -> list[str]:
        return [value for key in keys for value in sp.title_value(key) or []]

    page = TitlePage(
        groups=[group for group in (values(keys) for keys in _TITLE_GROUPS) if group],
        foot_left=values(_FOOT_LEFT),
        foot_right=values(_FOOT_RIGHT),
    )
    return page if page.groups or page.foot_left or page.foot_right else None
