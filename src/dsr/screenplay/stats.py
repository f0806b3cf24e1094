"""Statistics of a screenplay: size, cast, balance and locations.

``statistics(sp)`` returns a plain dict (JSON-ready) with:

- ``scenes``: number of scene headings;
- ``printed_lines`` / ``pages``: the page estimate by the 55-lines-a-page rule.
  Each element is word-wrapped at its industry width (action and centered
  text 60 characters, dialogue 35, parentheticals 25, lyrics 35 in a dialogue
  block and 60 alone), a cue or
  transition is one line, a scene heading one line, and a blank line separates
  elements except inside a dialogue block (cue, parentheticals, dialogue).
  Forced page breaks (``===``) start a new page. Notes, sections, synopses and
  boneyard are not printed and count nothing. The title page is not counted.
  A page is about a minute of screen time, so ``pages`` doubles as minutes;
- ``characters``: each speaking character (name without extension or
  ``(CONT'D)``, upper-cased) with ``blocks`` (speeches), ``lines`` (printed
  dialogue lines) and ``words``, most blocks first;
- ``dialogue_words``, ``action_words``, ``dialogue_action_ratio``;
- ``int_ext``: headings by INT / EXT / INT/EXT / OTHER (``EST.`` counts as
  EXT: establishing shots are exteriors; OTHER is a forced heading with no
  prefix, such as ``.FLASHBACK``);
- ``time_of_day``: headings by the time of day as written (``DAY``,
  ``MOMENTS LATER``, ``(none)``), and ``day_night``: the same grouped into
  day / night / other / unspecified (see ``DAY_WORDS`` and ``NIGHT_WORDS``).

The layout helpers here (``printed_lines``, ``reflowed_lines``) and the
heading parser (``headings.py``) are shared with the validator, so both
measure a script the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dsr.screenplay.headings import day_night, split_heading, time_label
from dsr.screenplay.inline import plain, printable
from dsr.screenplay.model import Element, Screenplay

LINES_PER_PAGE = 55
# Characters per printed line in Courier 12 pt (10 characters an inch).
ACTION_WIDTH = 60  # 1.5 in to 7.5 in, as the PDF export lays it out
DIALOGUE_WIDTH = 35
PARENTHETICAL_WIDTH = 25

# Elements that continue a dialogue block: no blank line before them.
_IN_DIALOGUE_BLOCK = frozenset({"parenthetical", "dialogue", "lyrics"})
_NOT_PRINTED = frozenset({"note", "section", "synopsis"})
_SPOKEN = frozenset({"dialogue", "lyrics"})
_WIDTHS = {
    "action": ACTION_WIDTH,
    "centered": ACTION_WIDTH,
    "dialogue": DIALOGUE_WIDTH,
    "lyrics": DIALOGUE_WIDTH,
    "parenthetical": PARENTHETICAL_WIDTH,
}

# ---------------------------------------------------------------- layout


def wrapped_line_count(line: str, width: int) -> int:
    """Printed lines for one source line, word-wrapped greedily at ``width``.

    Words longer than the width are broken, as a typewriter would. Leading
    spaces print (indented action keeps its indentation).
    """
    length = len(line)
    if length <= width:
        return 1
    count, start = 1, 0
    while length - start > width:
        cut = line.rfind(" ", start + 1, start + width + 1)
        start = start + width if cut == -1 else cut + 1
        while start < length and line[start] == " ":
            start += 1  # the next line does not start with the spaces it broke at
        if start >= length:
            break
        count += 1
    return count


def printed_lines(text: str, width: int) -> int:
    """Printed lines for a (possibly multi-line) element text, markup removed."""
    text = printable(text)
    if "\n" not in text:
        return wrapped_line_count(text, width)
    return sum(wrapped_line_count(line, width) for line in text.split("\n"))


def reflowed_lines(text: str, width: int) -> int:
    """Printed lines of ``text`` run together as one paragraph: its amount of text.

    A writer's line breaks inside a paragraph are a style (the corpus breaks
    after every phrase); what makes a block heavy to read is how much it says.
    """
    text = printable(text)
    return wrapped_line_count(text.replace("\n", " ") if "\n" in text else text, width)


def element_lines(el: Element) -> int:
    """Printed lines of one element, without the blank line before it."""
    if el.type in _NOT_PRINTED or el.type == "page_break":
        return 0
    width = _WIDTHS.get(el.type)
    if width is None:  # scene heading, cue, transition: one line each
        return 1
    return printed_lines(el.text, width)


# ---------------------------------------------------------------- statistics

_CONTD = re.compile(r"\(\s*CONT(?:['\u2019]?D|INUED)\s*\)", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*\([^)]*\)\s*$")


def character_key(el: Element) -> str:
    """A speaker's name normalised: no extension, no (CONT'D), upper case, no colon."""
    return _normalise_name(el.name if el.name is not None else el.text)


@lru_cache(maxsize=4096)
def _normalise_name(name: str) -> str:
    # Cached: a script repeats a few dozen names thousands of times.
    name = _CONTD.sub("", name)
    while True:
        stripped = _EXTENSION.sub("", name)
        if stripped == name:
            break
        name = stripped
    return " ".join(plain(name).upper().split()).rstrip(":").strip()


class _Pages:
    """The 55-lines-a-page layout, fed one printed block at a time.

    A block is a dialogue block (cue and the parentheticals, dialogue and
    lyrics under it) or one other element.
    """

    __slots__ = ("total", "full_pages", "page_lines", "previous_dialogue")

    def __init__(self) -> None:
        self.total = 0  # printed lines, blank lines included
        self.full_pages = 0  # pages closed by a page break
        self.page_lines = 0  # lines on the page being filled
        self.previous_dialogue = 0  # lines of the dialogue block just printed, for dual dialogue

    def add(self, first: Element, lines: int) -> None:
        kind = first.type
        if kind == "page_break":
            self.full_pages += -(-self.page_lines // LINES_PER_PAGE)
            self.page_lines = self.previous_dialogue = 0
            return
        if kind == "character" and first.dual and self.previous_dialogue:
            # The right-hand column prints beside the block before it.
            added = max(0, lines - self.previous_dialogue)
            self.previous_dialogue = 0
        else:
            added = lines + (1 if self.page_lines else 0)  # a blank line between blocks
            self.previous_dialogue = lines if kind == "character" else 0
        self.page_lines += added
        self.total += added

    @property
    def pages(self) -> float:
        return self.full_pages + self.page_lines / LINES_PER_PAGE


def statistics(sp: Screenplay) -> dict:
    """Statistics of ``sp`` as a JSON-ready dict (see the module docstring)."""
    int_ext = {"INT": 0, "EXT": 0, "INT/EXT": 0, "OTHER": 0}
    time_of_day: dict[str, int] = {}
    grouped = {"day": 0, "night": 0, "other": 0, "unspecified": 0}
    characters: dict[str, dict[str, int]] = {}
    dialogue_words = action_words = scenes = 0
    pages = _Pages()
    block_first: Element | None = None  # first element of the block being built
    block_lines = 0
    in_dialogue = False
    speaker: dict[str, int] | None = None  # counts of the cue whose block is open, once it speaks

    # One pass (a 120-page script has ~3,000 elements): each element's
    # printable text is made once and serves both lines and words.
    for el in sp.elements:
        kind = el.type
        if kind in _NOT_PRINTED:
            continue
        width = _WIDTHS.get(kind)
        if kind == "lyrics" and not in_dialogue:
            width = ACTION_WIDTH  # a song on its own prints at the action margin
        if width is None:  # heading, cue, transition: one line; page break: none
            text = ""
            lines = 0 if kind == "page_break" else 1
        else:
            text = printable(el.text)
            if "\n" in text:
                lines = sum(wrapped_line_count(line, width) for line in text.split("\n"))
            else:
                lines = wrapped_line_count(text, width)

        if in_dialogue and kind in _IN_DIALOGUE_BLOCK:
            block_lines += lines
            if kind in _SPOKEN:
                words = len(text.split())
                dialogue_words += words
                if speaker is None:
                    speaker = characters.setdefault(character_key(block_first), {"blocks": 0, "lines": 0, "words": 0})
                    speaker["blocks"] += 1
                speaker["lines"] += lines
                speaker["words"] += words
            continue

        if block_first is not None:
            pages.add(block_first, block_lines)
        block_first, block_lines = el, lines
        in_dialogue = kind == "character"
        speaker = None  # a cue with no dialogue is not a speaker: the validator reports it
        if kind == "action":
            action_words += len(text.split())
        elif kind == "scene_heading":
            scenes += 1
            parts = split_heading(el.text)
            int_ext[parts.prefix or "OTHER"] += 1
            label = time_label(parts)
            time_of_day[label] = time_of_day.get(label, 0) + 1
            grouped[day_night(parts)] += 1
        elif kind in _SPOKEN:  # dialogue with no cue: still dialogue
            dialogue_words += len(text.split())
    if block_first is not None:
        pages.add(block_first, block_lines)

    ordered = dict(sorted(characters.items(), key=lambda kv: (-kv[1]["blocks"], -kv[1]["lines"], kv[0])))
    return {
        "scenes": scenes,
        "printed_lines": pages.total,
        "pages": round(pages.pages, 2),
        "characters": ordered,
        "dialogue_words": dialogue_words,
        "action_words": action_words,
        "dialogue_action_ratio": round(dialogue_words / action_words, 3) if action_words else None,
        "int_ext": int_ext,
        "time_of_day": dict(sorted(time_of_day.items(), key=lambda kv: (-kv[1], kv[0]))),
        "day_night": grouped,
    }
