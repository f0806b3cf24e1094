"""The Fountain title page: read at the start of a file, and written back.

The spec says the title page is ``Key: value`` lines at the very start, values
on the key's line or on following lines indented by a tab or 3+ spaces, ended
by a blank line. It says nothing to tell a title page from a first line of
prose that happens to hold a colon ("instruction from Cyber boss: ..."). Our
rule: a title page opens only with a key from ``TITLE_KEYS`` (the spec's
keys plus a few common ones); after that any key-shaped ``Key:`` line
continues it, so custom keys such as ``Subtitle`` or ``Episode`` work. A line
that is neither a key nor an indented value ends the title page early, and
the body starts on that line (a ``[[note]]`` glued under a title page is the
usual case).
"""

from __future__ import annotations

import re

__all__ = ["TITLE_KEYS", "opens_title_page", "parse_title_page", "read_title_page", "title_page_lines"]

# Keys that may open a title page (compared in lower case).
TITLE_KEYS = frozenset(
    {
        "title",
        "credit",
        "author",
        "authors",
        "source",
        "draft date",
        "date",
        "contact",
        "copyright",
        "notes",
        "revision",
        "subtitle",
        "episode",
        "series",
        "written by",
        "based on",
    }
)

# A key: a letter, then up to 39 word characters, spaces, apostrophes, dots
# or hyphens, then a colon; at column 0.
_KEY_LINE = re.compile(r"([^\W\d_][\w '.\-]{0,39}?)\s*:(.*)")
_VALUE_INDENT = "   "  # after tab expansion, a tab is four spaces
# read_title_page() reads a title page from this many first lines; one that
# runs longer (or is not found in them) is read again from all of them.
_HEAD_LINES = 64


def opens_title_page(text: str) -> bool:
    """Cheap test: could ``text`` start with a title page? (Confirmed by parsing.)"""
    head = text.lstrip()
    colon = head.find(":", 0, 60)
    return colon > 0 and head[:colon].rstrip().lower() in TITLE_KEYS


def read_title_page(text: str) -> tuple[dict[str, list[str]], int, int]:
    """The title page at the start of normalised ``text`` (``{}`` if none),
    the offset where the body starts, and the body's first line number."""
    if not opens_title_page(text):
        return {}, 0, 1
    # Split off the first lines only (the last item holds the rest): the whole
    # script split into lines would cost more than reading the title page.
    lines = text.split("\n", _HEAD_LINES)
    page, first_body_line = parse_title_page(lines)
    if not page or first_body_line >= _HEAD_LINES:  # it may have read the rest as a line
        lines = text.split("\n")
        page, first_body_line = parse_title_page(lines)
    if not page:
        return {}, 0, 1
    return page, sum(len(line) + 1 for line in lines[:first_body_line]), first_body_line + 1


def parse_title_page(lines: list[str]) -> tuple[dict[str, list[str]], int]:
    """The title page at the start of ``lines`` and the index of the first body line.

    Returns ``({}, 0)`` when there is no title page. Values are stripped, one
    entry per line; a key repeated later gets its values appended.
    """
    n = len(lines)
    i = 0
    while i < n and not lines[i].strip():
        i += 1
    if i == n:
        return {}, 0
    m = _KEY_LINE.fullmatch(lines[i])
    if not m or m.group(1).lower() not in TITLE_KEYS:
        return {}, 0
    page: dict[str, list[str]] = {}
    values: list[str] = []
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            return page, i + 1
        if line.startswith(_VALUE_INDENT):
            values.append(stripped)
        else:
            m = _KEY_LINE.fullmatch(line)
            if not m:
                return page, i  # not title page material: the body starts here
            values = page.setdefault(m.group(1), [])
            value = m.group(2).strip()
            if value:
                values.append(value)
        i += 1
    return page, n


def title_page_lines(title_page: dict[str, list[str]]) -> list[str]:
    """Canonical lines: ``Key: value`` for one value, else ``Key:`` and indented values."""
    keys = list(title_page)
    # Only a known key opens a title page, so one goes first (dict order is not content).
    known = [k for k in keys if k.lower() in TITLE_KEYS]
    if known and keys[0] != known[0]:
        keys.remove(known[0])
        keys.insert(0, known[0])
    lines = []
    for key in keys:
        values = title_page[key]
        if len(values) == 1:
            lines.append(f"{key}: {values[0]}")
        else:
            lines.append(f"{key}:")
            lines.extend("    " + value for value in values)
    return lines
