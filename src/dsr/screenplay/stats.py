"""Statistics of a screenplay: size, cast, balance and locations.

``statistics(sp)`` returns a plain dict (JSON-ready) with:

- ``scenes``: number of scene headings;
- ``printed_lines`` / ``pages``: the page estimate by the 55-lines-a-page rule.
  Each element is word-wrapped at its industry width (action and centered
  text 61 characters, dialogue and lyrics 35, parentheticals 25), a cue or
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

The layout helpers here (``printed_lines``, ``split_heading``) are shared
with the validator, so both measure a script the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsr.screenplay.inline import plain
from dsr.screenplay.model import Element, Screenplay

LINES_PER_PAGE = 55
# Characters per printed line in Courier 12 pt (10 characters an inch).
ACTION_WIDTH = 61
DIALOGUE_WIDTH = 35
PARENTHETICAL_WIDTH = 25

# Elements that continue a dialogue block: no blank line before them.
_IN_DIALOGUE_BLOCK = frozenset({"parenthetical", "dialogue", "lyrics"})
_NOT_PRINTED = frozenset({"note", "section", "synopsis"})
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

    Words longer than the width are broken, as a typewriter would.
    """
    if len(line) <= width:
        return 1
    count, used = 1, 0  # used: characters already on the current line
    for word in line.split():
        size = len(word)
        if used and used + 1 + size <= width:
            used += 1 + size
            continue
        if used:
            count += 1
        while size > width:
            count += 1
            size -= width
        used = size
    return count


def printed_lines(text: str, width: int) -> int:
    """Printed lines for a (possibly multi-line) element text, markup removed."""
    return sum(wrapped_line_count(line, width) for line in plain(text).split("\n"))


def reflowed_lines(text: str, width: int) -> int:
    """Printed lines of ``text`` run together as one paragraph: its amount of text.

    A writer's line breaks inside a paragraph are a style (the corpus breaks
    after every phrase); what makes a block heavy to read is how much it says.
    """
    return wrapped_line_count(" ".join(plain(text).split()), width)


def element_lines(el: Element) -> int:
    """Printed lines of one element, without the blank line before it."""
    if el.type in _NOT_PRINTED or el.type == "page_break":
        return 0
    width = _WIDTHS.get(el.type)
    if width is None:  # scene heading, cue, transition: one line each
        return 1
    return printed_lines(el.text, width)


# ---------------------------------------------------------------- headings

_HEADING_PREFIX = re.compile(
    r"^\s*(INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST)(?:\.|\s|$)\s*",
    re.IGNORECASE,
)
# The time of day follows the last " - " (or "--", en/em dash) of a heading.
_HEADING_SEPARATOR = re.compile(r"(?:^|\s+)[-\u2013\u2014]+\s+|\s*--+\s*|\s*[\u2013\u2014]\s*")
_PARENTHESISED = re.compile(r"\([^)]*\)")
_WORDS = re.compile(r"[A-Z]+")

DAY_WORDS = frozenset(
    {"DAY", "MORNING", "AFTERNOON", "NOON", "MIDDAY", "DAWN", "SUNRISE", "DAYTIME", "PREDAWN"}
)
NIGHT_WORDS = frozenset(
    {"NIGHT", "EVENING", "DUSK", "SUNSET", "TWILIGHT", "MIDNIGHT", "NIGHTTIME"}
)
# Times that are not day or night but still say when: continuity words.
CONTINUITY_WORDS = frozenset({"CONTINUOUS", "LATER", "SAME", "HOUR", "CONT"})
TIME_WORDS = DAY_WORDS | NIGHT_WORDS | CONTINUITY_WORDS


def _time_words(text: str) -> set[str]:
    return set(_WORDS.findall(text.upper().replace("-", "")))


@dataclass(frozen=True, slots=True)
class HeadingParts:
    """A scene heading split as ``PREFIX. PLACE - TIME``.

    ``prefix`` is INT, EXT, INT/EXT or None (a forced heading with no
    prefix); ``time`` is None when the heading has no separator.
    """

    prefix: str | None
    place: str
    time: str | None

    @property
    def time_words(self) -> set[str]:
        return _time_words(self.time) if self.time else set()

    @property
    def time_known(self) -> bool:
        return bool(self.time_words & TIME_WORDS)


def split_heading(text: str) -> HeadingParts:
    text = plain(text).strip()
    match = _HEADING_PREFIX.match(text)
    if not match:
        return HeadingParts(prefix=None, place=text, time=None)
    letters = re.sub(r"[^A-Z]", "", match.group(1).upper())
    if letters == "EST":
        prefix = "EXT"
    elif len(letters) > 3:  # INTEXT, EXTINT, IE, EI
        prefix = "INT/EXT"
    elif letters in ("IE", "EI"):
        prefix = "INT/EXT"
    else:
        prefix = letters
    rest = text[match.end():]
    segments = [segment.strip() for segment in _HEADING_SEPARATOR.split(rest)]
    if len(segments) == 1:
        return HeadingParts(prefix=prefix, place=rest.strip(" -.\u2013\u2014"), time=None)
    # The time of day is the last segment that names one ("DAY" in
    # "HOUSE - DAY - FLASHBACK"); failing that, the last segment.
    at = next((i for i in range(len(segments) - 1, 0, -1) if _time_words(segments[i]) & TIME_WORDS),
              len(segments) - 1)
    place = " - ".join(segments[:at]).strip(" -.")
    return HeadingParts(prefix=prefix, place=place, time=segments[at] or None)


def day_night(parts: HeadingParts) -> str:
    """Group a heading's time of day: day, night, other or unspecified."""
    if not parts.time:
        return "unspecified"
    words = parts.time_words
    if words & DAY_WORDS and not words & NIGHT_WORDS:
        return "day"
    if words & NIGHT_WORDS:
        return "night"
    return "other"


# ---------------------------------------------------------------- statistics

_CONTD = re.compile(r"\(\s*CONT(?:['\u2019]?D|INUED)\s*\)", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*\([^)]*\)\s*$")


def character_key(el: Element) -> str:
    """A speaker's name normalised: no extension, no (CONT'D), upper case, no colon."""
    name = el.name if el.name is not None else el.text
    name = _CONTD.sub("", name)
    while True:
        stripped = _EXTENSION.sub("", name)
        if stripped == name:
            break
        name = stripped
    return " ".join(plain(name).upper().split()).rstrip(":").strip()


def _word_count(text: str) -> int:
    return len(plain(text).split())


def _blocks(elements: list[Element]):
    """Yield printed blocks: a dialogue block (cue and what follows) or one element.

    Each item is ``(first_element, elements, printed_lines)``. A page break is
    yielded as a block of its own with 0 lines; unprinted elements are skipped.
    """
    block: list[Element] = []
    lines = 0
    for el in elements:
        if el.type in _NOT_PRINTED:
            continue
        if el.type in _IN_DIALOGUE_BLOCK and block and block[0].type == "character":
            block.append(el)
            lines += element_lines(el)
            continue
        if block:
            yield block[0], block, lines
        block, lines = [el], element_lines(el)
    if block:
        yield block[0], block, lines


def _layout(elements: list[Element]) -> tuple[int, float]:
    """Printed lines and pages, by the 55-lines-a-page rule."""
    total = 0
    full_pages = 0
    page_lines = 0
    previous_dialogue = 0  # lines of the dialogue block just printed, for dual dialogue
    for first, _, lines in _blocks(elements):
        if first.type == "page_break":
            full_pages += -(-page_lines // LINES_PER_PAGE)
            page_lines = previous_dialogue = 0
            continue
        if first.type == "character" and first.dual and previous_dialogue:
            # The right-hand column prints beside the block before it.
            added = max(0, lines - previous_dialogue)
            previous_dialogue = 0
        else:
            added = lines + (1 if page_lines else 0)
            previous_dialogue = lines if first.type == "character" else 0
        page_lines += added
        total += added
    return total, full_pages + page_lines / LINES_PER_PAGE


def statistics(sp: Screenplay) -> dict:
    """Statistics of ``sp`` as a JSON-ready dict (see the module docstring)."""
    int_ext = {"INT": 0, "EXT": 0, "INT/EXT": 0, "OTHER": 0}
    time_of_day: dict[str, int] = {}
    grouped = {"day": 0, "night": 0, "other": 0, "unspecified": 0}
    characters: dict[str, dict[str, int]] = {}
    dialogue_words = action_words = scenes = 0

    for first, block, _ in _blocks(sp.elements):
        kind = first.type
        if kind == "scene_heading":
            scenes += 1
            parts = split_heading(first.text)
            int_ext[parts.prefix or "OTHER"] += 1
            label = " ".join(_PARENTHESISED.sub("", parts.time).upper().split()) if parts.time else ""
            label = label or "(none)"
            time_of_day[label] = time_of_day.get(label, 0) + 1
            grouped[day_night(parts)] += 1
        elif kind == "action":
            action_words += _word_count(first.text)
        elif kind == "character":
            spoken = [el for el in block if el.type in ("dialogue", "lyrics")]
            if not spoken:
                continue  # a cue with no dialogue: the validator reports it
            speaker = characters.setdefault(character_key(first), {"blocks": 0, "lines": 0, "words": 0})
            speaker["blocks"] += 1
            for el in spoken:
                words = _word_count(el.text)
                speaker["lines"] += element_lines(el)
                speaker["words"] += words
                dialogue_words += words
        elif kind in ("dialogue", "lyrics"):  # dialogue with no cue: still dialogue
            dialogue_words += _word_count(first.text)

    total_lines, pages = _layout(sp.elements)
    ordered = dict(sorted(characters.items(), key=lambda kv: (-kv[1]["blocks"], -kv[1]["lines"], kv[0])))
    return {
        "scenes": scenes,
        "printed_lines": total_lines,
        "pages": round(pages, 2),
        "characters": ordered,
        "dialogue_words": dialogue_words,
        "action_words": action_words,
        "dialogue_action_ratio": round(dialogue_words / action_words, 3) if action_words else None,
        "int_ext": int_ext,
        "time_of_day": dict(sorted(time_of_day.items(), key=lambda kv: (-kv[1], kv[0]))),
        "day_night": grouped,
    }
