"""Text-level steps before the Fountain parser reads paragraphs.

- ``normalize``: drop a BOM, turn CRLF/CR into LF, tabs into 4 spaces (the
  spec's rule for action; elsewhere leading whitespace is stripped anyway).
- ``contains``: a fast ``mark in text`` for marks such as ``/*``.
- ``split_paragraphs``: the paragraphs the parser classifies and the blank
  lines between them.
- ``cut_boneyard``: remove ``/* ... */`` and keep it aside. Its line breaks
  stay behind as empty lines, so every later line keeps its source line
  number, and a boneyard on lines of its own separates paragraphs as a blank
  line would (screenplain does the same). An unclosed ``/*`` stays as text.
"""

from __future__ import annotations

import re

from dsr.screenplay.model import Boneyard

__all__ = ["normalize", "contains", "split_paragraphs", "cut_boneyard"]

# Real scripts need one pass; each further pass only handles an opener made by
# the previous cut ("/" + "*" meeting at the seam). The cap keeps contrived
# nestings linear; an opener left after it stays as text.
_MAX_PASSES = 50
# contains(): hits of the mark's last character looked at one by one before
# it falls back to the plain substring test.
_MAX_HITS = 256


def normalize(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.replace("\t", "    ")
    return text


# A paragraph: a line with something on it, then more such lines; lines of
# exactly two spaces keep it going when more text follows them. Anchored at
# line starts, with possessive runs of blanks, so long blank runs stay linear.
# As a group, re.split() gives [gap, paragraph, gap, paragraph, ..., tail],
# where the gaps are blank lines.
_PARAGRAPHS = re.compile(r"^([^\S\n]*+\S[^\n]*(?:\n(?:  \n)*+[^\S\n]*+\S[^\n]*)*)", re.MULTILINE)
# Whitespace an ASCII text may hold besides spaces and newlines.
_ODD_ASCII_SPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def split_paragraphs(text: str) -> list[str]:
    """``[gap, paragraph, gap, paragraph, ..., tail]``: what ``_PARAGRAPHS.split(text)`` gives.

    Most paragraphs of a script are separated by exactly one empty line, so
    in ASCII text with no whitespace but spaces and newlines, ``split("\\n\\n")``
    (C speed, several times faster than the regex) finds them: a piece is one
    paragraph when no line of it starts with a space and none is empty. Only
    the other pieces (a longer gap, indented lines, two-space lines) meet the
    regex; when they are many (text indented throughout), the whole text does.
    """
    if not text.isascii() or any(c in text for c in _ODD_ASCII_SPACE):
        return _PARAGRAPHS.split(text)
    out: list[str] = []
    append = out.append
    gap = ""  # the blank text before the next paragraph
    pieces = text.split("\n\n")
    last = pieces.pop()  # the one piece that may end with a newline: no "\n\n" follows it
    unclean_left = 16 + len(pieces) // 8  # pieces for the regex before it takes the whole text
    for piece in pieces:
        if piece and piece[0] not in " \n" and "\n " not in piece:
            append(gap)
            append(piece)
            gap = "\n\n"
        else:
            unclean_left -= 1
            if not unclean_left:
                return _PARAGRAPHS.split(text)
            parts = _PARAGRAPHS.split(piece)
            parts[0] = gap + parts[0]
            gap = parts.pop() + "\n\n"
            out += parts
    if last and last[0] not in " \n" and last[-1] != "\n" and "\n " not in last:
        out += (gap, last, "")
    else:
        parts = _PARAGRAPHS.split(last)
        parts[0] = gap + parts[0]
        out += parts
    return out


def contains(text: str, mark: str) -> bool:
    """``mark in text`` for a mark such as ``"/*"``, ``"[["`` or ``"==="``
    whose last character is rare in a script.

    Usually several times faster: a one-character search is a memchr, and
    each hit needs one look back. Where the character is not rare, a bounded
    number of hits falls back to ``in``.
    """
    last = mark[-1]
    back = len(mark) - 1
    find = text.find
    position = find(last, back)
    for _ in range(_MAX_HITS):
        if position == -1:
            return False
        if text.startswith(mark, position - back):
            return True
        position = find(last, position + 1)
    return mark in text


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
