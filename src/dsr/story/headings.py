"""Scene headings as writers type them, read into outline-scene fields:
``INT. KITCHEN - NIGHT``, ``EXT ROOF – DAWN``, ``I/E. CAR - DAY``,
``12. INT. ISLAND - CHAPEL RUIN - LATE MORNING``. Used for Markdown scene
headings and for the ``heading:`` key of YAML/JSON scenes."""

from __future__ import annotations

import re
from typing import Any

from dsr.story.model import parse_interior

_NUMBER = re.compile(r"^(?:scene\s*)?\d+[a-z]?\s*[.):]\s*|^scene\s+\d+[a-z]?\s+", re.IGNORECASE)
_PREFIX = re.compile(
    r"^(int\.?\s*/\s*ext\.?|ext\.?\s*/\s*int\.?|i\s*/\s*e\.?|interior|exterior|int\.?|ext\.?|est\.?)(?:\s+|$)",
    re.IGNORECASE,
)
_TIME_SEPARATOR = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")


def parse_heading(text: str) -> dict[str, Any]:
    """``INT. KITCHEN - NIGHT`` -> ``{"interior": True, "place": "KITCHEN", "time": "NIGHT"}``.

    Only what the heading states is returned: ``KITCHEN`` alone gives just
    the place, so the model's defaults fill the rest.
    """
    rest = _NUMBER.sub("", plain_text(text)).strip()
    found: dict[str, Any] = {}
    prefix = _PREFIX.match(rest)
    if prefix:
        word = prefix.group(1).lower().replace(" ", "")
        # EST. (establishing shot) is an exterior; the rest parse like `interior:` values.
        found["interior"] = False if word.startswith("est") else parse_interior(word)
        rest = rest[prefix.end():].strip()
    parts = _TIME_SEPARATOR.split(rest)
    if len(parts) > 1 and parts[-1].strip():
        found["time"] = parts[-1].strip()
        rest = rest[: len(rest) - len(parts[-1])].rstrip(" -–—")
    if rest.strip(" -–—"):
        found["place"] = rest.strip(" -–—")
    return found


def plain_text(text: str) -> str:
    """Drop emphasis markers: ``**MAYA**`` -> ``MAYA``."""
    return re.sub(r"(\*\*|__|\*|`)", "", text).strip()
