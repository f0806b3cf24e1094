"""Text-level steps before the Fountain parser reads paragraphs.

- ``normalize``: drop a BOM, turn CRLF/CR into LF, tabs into 4 spaces (the
  spec's rule for action; elsewhere leading whitespace is stripped anyway).
- ``cut_boneyard``: remove ``/* ... */`` and keep it aside. Its line breaks
  stay behind as empty lines, so every later line keeps its source line
  number, and a boneyard on lines of its own separates paragraphs as a blank
  line would (screenplain does the same). An unclosed ``/*`` stays as text.
"""

from __future__ import annotations

from dsr.screenplay.model import Boneyard

__all__ = ["normalize", "cut_boneyard"]

# Real scripts need one pass; each further pass only handles an opener made by
# the previous cut ("/" + "*" meeting at the seam). The cap keeps contrived
# nestings linear; an opener left after it stays as text.
_MAX_PASSES = 50


def normalize(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.replace("\t", "    ")
    return text


def cut_boneyard(text: str) -> tuple[str, list[Boneyard]]:
    """``text`` without its closed ``/* */`` spans, and those spans in line order."""
    found: list[Boneyard] = []
    for _ in range(_MAX_PASSES):
        # Cutting can join "/" and "*" into a new opener: cut until none closes.
        if "/*" not in text:
            break
        cut = _cut_once(text, found)
        if cut is text:
            break
        text = cut
    if len(found) > 1:
        found.sort(key=lambda bone: bone.line)
    return text, found


def _cut_once(text: str, found: list[Boneyard]) -> str:
    """One left-to-right pass; returns ``text`` itself when nothing was cut."""
    pieces = []
    pos = 0
    line = 1
    count = len(found)
    while True:
        start = text.find("/*", pos)
        if start == -1:
            break
        end = text.find("*/", start + 2)
        if end == -1:
            break  # unclosed: stays as text (the validator reports it)
        before = text[pos:start]
        inner = text[start + 2 : end]
        line += text.count("\n", pos, start)
        found.append(Boneyard(text=inner, line=line))
        breaks = inner.count("\n")
        line += breaks
        # An inline boneyard between two spaces takes one of them along.
        if not breaks and before.endswith(" ") and text.startswith(" ", end + 2):
            before = before[:-1]
        pieces.append(before)
        pieces.append("\n" * breaks)
        pos = end + 2
    if len(found) == count:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)
