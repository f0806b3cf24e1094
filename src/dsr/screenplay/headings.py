"""Scene headings read as ``PREFIX. PLACE - TIME``.

``split_heading(text)`` gives the prefix (INT, EXT, INT/EXT; ``EST.`` counts
as EXT: establishing shots are exteriors; None for a forced heading with no
prefix such as ``.FLASHBACK``), the place and the time of day as written.
``day_night`` groups the time into day / night / other / unspecified (see
``DAY_WORDS`` and ``NIGHT_WORDS``). The statistics, the validator and
reverse synthesis all read headings through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dsr.screenplay.inline import printable

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


@lru_cache(maxsize=2048)
def split_heading(text: str) -> HeadingParts:
    """``text`` split as PREFIX. PLACE - TIME (cached: scripts return to the same places)."""
    text = printable(text).strip()
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


def time_label(parts: HeadingParts) -> str:
    """The time of day as written, upper case, asides in parentheses dropped;
    ``(none)`` when the heading gives none."""
    label = " ".join(_PARENTHESISED.sub("", parts.time).upper().split()) if parts.time else ""
    return label or "(none)"


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
