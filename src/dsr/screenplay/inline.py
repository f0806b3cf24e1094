"""Fountain inline markup -> styled runs, for the exporters (PDF, FDX, HTML).

Element text in the model keeps its markup as written (see ``model.py``);
this module is the one place that interprets it:

- ``*italic*``, ``**bold**``, ``***bold italic***``, ``_underline_``, nested
  in any combination (``_**both**_``);
- ``\\*`` and ``\\_`` are a literal ``*`` / ``_``;
- emphasis never crosses a line break (Fountain 1.1): each line is parsed on
  its own, and a delimiter with no partner on its line is plain text;
- an opening delimiter must be followed, and a closing one preceded, by a
  non-space (``He dialed *69 and *23`` stays plain around the spaces);
  ``_`` must also sit at a word boundary, so ``snake_case_name`` stays plain;
- inline ``[[notes]]`` are for the writer, not the page: removed (they may
  span lines); a line that held only a note disappears.

API (small and stable): ``runs(text)``, ``run_lines(text)``, ``plain(text)``,
``printable(text)`` (``plain`` made fast for measuring a line's width).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Run", "runs", "run_lines", "plain", "printable", "strip_notes"]


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of text in one style. ``text`` may contain ``\\n`` (from ``runs``)."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


# Escaped emphasis characters become placeholders while parsing, so they can
# never pair up with a real delimiter; restored at the end. The placeholders
# are Unicode noncharacters (reserved for internal use, never valid in
# interchanged text); any found in the input are dropped first.
_ESCAPES = {"\\*": "\ufdd0", "\\_": "\ufdd1"}
_UNESCAPE = str.maketrans({"\ufdd0": "*", "\ufdd1": "_"})
_NOTE_MARK = "\ufdd2"
_DROP_PLACEHOLDERS = str.maketrans("", "", "\ufdd0\ufdd1\ufdd2")
_MARKUP_CHARS = ("*", "_", "\\", "[[")


def strip_notes(text: str) -> str:
    """Remove inline ``[[notes]]``; drop lines that held nothing but notes.

    Where a note sat between two spaces, one space goes with it, so
    ``walks [[note]] in`` prints as ``walks in``. An unclosed ``[[`` is text.
    """
    if "[[" not in text:
        return text
    text = text.translate(_DROP_PLACEHOLDERS)
    pieces = []
    pos = 0
    while True:  # a note may span lines, so work on the whole text
        start = text.find("[[", pos)
        end = text.find("]]", start + 2) if start != -1 else -1
        if end == -1:
            break
        before = text[pos:start]
        if before.endswith(" ") and text.startswith(" ", end + 2):
            before = before[:-1]
        pieces.append(before)
        pieces.append(_NOTE_MARK)  # where a note was: a line left empty by it goes
        pos = end + 2
    if not pieces:
        return text
    pieces.append(text[pos:])
    out_lines = []
    for line in "".join(pieces).split("\n"):
        if _NOTE_MARK in line:
            line = line.replace(_NOTE_MARK, "")
            if not line.strip():
                continue
        out_lines.append(line)
    return "\n".join(out_lines)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _find_closer(line: str, start: int, delim: str) -> int:
    """Index of the closing ``delim`` in ``line`` at or after ``start``, or -1.

    A closer is a run of exactly ``len(delim)`` delimiter characters (so
    ``*`` does not close on the middle of ``**``), preceded by a non-space.
    """
    ch = delim[0]
    n = len(delim)
    i = line.find(ch, start)
    while i != -1:
        j = i
        while j < len(line) and line[j] == ch:
            j += 1
        run_len = j - i
        if ch == "_":
            # Underline closes at a word boundary only.
            if i > start and not line[i - 1].isspace() and (j >= len(line) or not _is_word_char(line[j])):
                return i
        elif run_len == n and i > start and not line[i - 1].isspace():
            return i
        i = line.find(ch, j)
    return -1


def _parse_line(line: str, bold: bool, italic: bool, underline: bool, out: list[Run]) -> None:
    """Append the runs of one line (no ``\\n`` inside) to ``out``.

    Recursion (into an emphasised span) is at most one level per delimiter
    kind: a span ends at the first closer of its kind, so the same kind can
    never open again inside it.
    """
    plain_start = 0
    i = 0
    length = len(line)
    # Where a search for each delimiter's closer came up empty: no later search
    # can succeed (it sees a subset of the candidates), so a line full of
    # unmatched openers stays linear.
    no_closer_from: dict[str, int] = {}
    while i < length:
        ch = line[i]
        if ch != "*" and ch != "_":
            i += 1
            continue
        j = i
        while j < length and line[j] == ch:
            j += 1
        if ch == "*":
            n = j - i
            if n > 3:  # a run of 4+ stars is literal text
                i = j
                continue
            opener_end = j
        else:
            n = 1
            opener_end = i + 1
            # Underline opens at a word boundary only (not inside snake_case).
            if i > 0 and _is_word_char(line[i - 1]):
                i += 1
                continue
        if opener_end >= length or line[opener_end].isspace():
            i = j
            continue
        delim = ch * n
        if opener_end >= no_closer_from.get(delim, length + 1):
            close = -1
        else:
            close = _find_closer(line, opener_end, delim)
            if close == -1:
                no_closer_from[delim] = opener_end
        if close == -1:
            i = j if ch == "*" else i + 1
            continue
        if plain_start < i:
            out.append(Run(line[plain_start:i], bold, italic, underline))
        inner = line[opener_end:close]
        if ch == "_":
            _parse_line(inner, bold, italic, True, out)
        else:
            _parse_line(inner, bold or n >= 2, italic or n != 2, underline, out)
        i = close + n
        plain_start = i
    if plain_start < length:
        out.append(Run(line[plain_start:], bold, italic, underline))


def _merge(items: list[Run]) -> list[Run]:
    """Join neighbouring runs of the same style and restore escaped characters."""
    merged: list[Run] = []
    for run in items:
        text = run.text.translate(_UNESCAPE)
        if not text:
            continue
        if merged:
            last = merged[-1]
            if (last.bold, last.italic, last.underline) == (run.bold, run.italic, run.underline):
                merged[-1] = Run(last.text + text, run.bold, run.italic, run.underline)
                continue
        merged.append(Run(text, run.bold, run.italic, run.underline))
    return merged


def run_lines(text: str) -> list[list[Run]]:
    """The printable runs of ``text``, one list per output line."""
    text = strip_notes(text.translate(_DROP_PLACEHOLDERS))
    if "\\" in text:
        for escape, placeholder in _ESCAPES.items():
            text = text.replace(escape, placeholder)
    lines = []
    for line in text.split("\n"):
        items: list[Run] = []
        if "*" in line or "_" in line:
            _parse_line(line, False, False, False, items)
        elif line:
            items.append(Run(line))
        lines.append(_merge(items))
    return lines


def runs(text: str) -> list[Run]:
    """The printable runs of ``text``; line breaks appear as ``\\n`` in unstyled runs."""
    if not any(mark in text for mark in _MARKUP_CHARS):
        return [Run(text)] if text else []
    out: list[Run] = []
    for index, line_runs in enumerate(run_lines(text)):
        if index:
            out.append(Run("\n"))
        out.extend(line_runs)
    return _merge(out)


def plain(text: str) -> str:
    """``text`` as printed: markup, escapes and notes removed."""
    if not any(mark in text for mark in _MARKUP_CHARS):
        return text
    return "\n".join("".join(run.text for run in line) for line in run_lines(text))


_NO_EMPHASIS = str.maketrans("", "", "*_")


def printable(text: str) -> str:
    """``text`` as printed, for measuring: notes and emphasis marks removed.

    Emphasis marks are simply deleted (much faster than ``inline.plain``); a
    literal ``*`` or ``_`` then costs one character of width, which no page
    estimate notices. Notes and escapes take the exact way.
    """
    if "[[" in text or "\\" in text:
        return plain(text)
    if "*" in text or "_" in text:
        return text.translate(_NO_EMPHASIS)
    return text
