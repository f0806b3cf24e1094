"""Screenplay -> blocks of wrapped lines on the Courier character grid.

Everything here is measured in character columns and text lines: Courier
12 pt is 10 characters per inch and 6 lines per inch, so a column is 0.1 in
(7.2 pt) and a line is 12 pt. Columns count from the page's left edge, so
``DIALOGUE_COL = 25`` is the industry's 2.5 in. The PDF drawer turns columns
into points; pagination (paginate.py) only ever counts lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from dsr.screenplay.inline import Run, run_lines
from dsr.screenplay.export.structure import Dual, Speech, printable, printable_items
from dsr.screenplay.model import Element, Screenplay

# Style bits of a text run.
BOLD, ITALIC, UNDERLINE = 1, 2, 4

# Horizontal layout, in columns from the page's left edge (0.1 in each).
ACTION_COL, ACTION_WIDTH = 15, 60  # 1.5 in to 7.5 in
RIGHT_EDGE_COL = 75  # transitions, page numbers, right scene numbers end here
CUE_COL = 37  # 3.7 in; a cue may run to the right edge
PAREN_COL, PAREN_WIDTH = 31, 25  # 3.1 in to 5.6 in
DIALOGUE_COL, DIALOGUE_WIDTH = 25, 35  # 2.5 in to 6.0 in
CENTER_COL = ACTION_COL + ACTION_WIDTH / 2  # 4.5 in: middle of the text area


@dataclass(frozen=True, slots=True)
class Column:
    """Where one speaker's dialogue sits: full width, or half of a dual pair."""

    cue: int
    paren: int
    paren_width: int
    dialogue: int
    dialogue_width: int


FULL = Column(CUE_COL, PAREN_COL, PAREN_WIDTH, DIALOGUE_COL, DIALOGUE_WIDTH)
# Dual dialogue: two 28-29 column halves of the 60-column text area.
DUAL_LEFT = Column(22, 18, 24, 15, 28)
DUAL_RIGHT = Column(53, 49, 24, 46, 29)

# A line that ends a sentence: . ! ? or an ellipsis, maybe followed by closing
# quotes, brackets or emphasis marks.
_SENTENCE_END = re.compile(r"(?:[.!?\u2026]|--)[\"'\u201d\u2019)\]*_]*$")


@dataclass(slots=True)
class Line:
    """One printed line: styled runs placed on the grid.

    ``col`` is the left column for ``align == "L"``, the right edge for
    ``"R"`` and the middle for ``"C"``. ``kind`` tells pagination what the
    line is (``heading``, ``action``, ``cue``, ``paren``, ``dialogue``,
    ``transition``, ``centered``, ``more``, ``blank``). ``sentence_end``
    marks a line that ends a sentence and ``line_end`` the last wrapped
    piece of a source line: where a page prefers to break inside a block.
    """

    col: float
    runs: list[tuple[str, int]]
    kind: str
    align: str = "L"
    sentence_end: bool = False
    line_end: bool = True
    scene_number: str | None = None

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


Row = tuple[Line, ...]  # one printed text line: one Line, or two side by side


@dataclass(slots=True)
class Block:
    """Rows that belong together, with the blank lines wanted before them.

    ``kind``: ``heading``, ``action``, ``dialogue``, ``dual``, ``transition``,
    ``centered``, ``lyrics`` or ``page_break`` (no rows; starts a new page).
    For dialogue, ``cue`` is the cue to repeat as ``NAME (CONT'D)`` when the
    block continues on the next page.
    """

    kind: str
    rows: list[Row] = field(default_factory=list)
    space_before: int = 1
    cue: str | None = None


# --------------------------------------------------------------------------
# Styled text and word wrap


def _style_bits(run: Run) -> int:
    return (BOLD if run.bold else 0) | (ITALIC if run.italic else 0) | (UNDERLINE if run.underline else 0)


def _wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of one source line: [(start, end)] slices of ``text``.

    Leading spaces are kept (Fountain action keeps its indentation); a word
    longer than the width is cut at the width.
    """
    n = len(text)
    pieces: list[tuple[int, int]] = []
    start = 0
    while n - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        end = cut
        while end > start and text[end - 1] == " ":
            end -= 1
        if cut <= start or end == start:
            end = nxt = start + width  # no usable space: cut the word
        else:
            nxt = cut + 1
            while nxt < n and text[nxt] == " ":
                nxt += 1
        pieces.append((start, end))
        start = nxt
        if start >= n:
            return pieces
    end = n
    while end > start and text[end - 1] == " ":
        end -= 1
    pieces.append((start, end))
    return pieces


def _slice_runs(spans: list[tuple[int, int, int]], starts: list[int], a: int, b: int, text: str):
    """The styled runs covering ``text[a:b]``; spans are (start, end, style)."""
    out = []
    i = max(bisect_right(starts, a) - 1, 0)
    while i < len(spans) and spans[i][0] < b:
        s, e, style = spans[i]
        lo, hi = max(s, a), min(e, b)
        if lo < hi:
            out.append((text[lo:hi], style))
        i += 1
    return out


def wrap(
    text: str, width: int, col: float, kind: str, align: str = "L", extra_style: int = 0, hang: int = 0
) -> list[Line]:
    """Element text (with inline markup) -> wrapped Lines of at most ``width`` columns.

    Each source line wraps on its own (emphasis never crosses a line break).
    ``hang`` indents continuation lines: a parenthetical's second line sits
    one column in, under the text after the opening bracket.
    """
    lines: list[Line] = []
    text = printable(text).replace("\t", "    ")  # one column per character on the grid
    for line_runs in run_lines(text):
        spans: list[tuple[int, int, int]] = []
        pos = 0
        for run in line_runs:
            spans.append((pos, pos + len(run.text), _style_bits(run) | extra_style))
            pos += len(run.text)
        starts = [s for s, _, _ in spans]
        source_line = "".join(run.text for run in line_runs)
        pieces = _wrap_offsets(source_line, width - hang)
        last = len(pieces) - 1
        for i, (a, b) in enumerate(pieces):
            piece_text = source_line[a:b]
            lines.append(
                Line(
                    col=col + hang if i and align == "L" else col,
                    runs=_slice_runs(spans, starts, a, b, source_line),
                    kind=kind if piece_text.strip() else "blank",
                    align=align,
                    sentence_end=bool(_SENTENCE_END.search(piece_text)),
                    line_end=i == last,
                )
            )
    return lines


# --------------------------------------------------------------------------
# Elements -> blocks



def contd_cue(cue: Element) -> str:
    """The cue that heads a dialogue continued on the next page."""
    if "CONT'D" in cue.text.upper() or "CONT\u2019D" in cue.text.upper():
        return cue.text
    name = cue.name or cue.text
    return f"{name} {cue.extension} (CONT'D)" if cue.extension else f"{name} (CONT'D)"


def _speech_lines(speech: Speech, column: Column) -> list[Line]:
    lines: list[Line] = []
    if speech.cue is not None:
        lines += wrap(speech.cue.text, RIGHT_EDGE_COL - column.cue, column.cue, "cue")
    for part in speech.parts:
        if part.type == "parenthetical":
            lines += wrap(part.text, column.paren_width, column.paren, "paren", hang=1)
        else:  # dialogue; lyrics sung inside a speech print in italics
            style = ITALIC if part.type == "lyrics" else 0
            lines += wrap(part.text, column.dialogue_width, column.dialogue, "dialogue", extra_style=style)
    for line in lines:
        if line.kind == "blank":  # a "two-space" blank line inside dialogue
            line.kind = "dialogue"
    return lines


def _element_block(el: Element, bold_headings: bool) -> Block:
    kind = el.type
    if kind == "scene_heading":
        lines = wrap(el.text, ACTION_WIDTH, ACTION_COL, "heading", extra_style=BOLD if bold_headings else 0)
        lines[0].scene_number = el.scene_number
        return Block("heading", [(line,) for line in lines])
    if kind == "transition":
        return Block("transition", [(line,) for line in wrap(el.text, ACTION_WIDTH, RIGHT_EDGE_COL, "transition", "R")])
    if kind == "centered":
        return Block("centered", [(line,) for line in wrap(el.text, ACTION_WIDTH, CENTER_COL, "centered", "C")])
    if kind == "lyrics":
        return Block("lyrics", [(line,) for line in wrap(el.text, ACTION_WIDTH, ACTION_COL, "action", extra_style=ITALIC)])
    # action, and anything unexpected, prints as action
    return Block("action", [(line,) for line in wrap(el.text, ACTION_WIDTH, ACTION_COL, "action")])


def build_blocks(sp: Screenplay, bold_headings: bool = False) -> list[Block]:
    """The printed body of a screenplay as blocks, in order.

    Scene headings print in plain capitals, the industry norm, unless
    ``bold_headings``.
    """
    blocks: list[Block] = []
    for item in printable_items(sp):
        if isinstance(item, Speech):
            rows = [(line,) for line in _speech_lines(item, FULL)]
            blocks.append(Block("dialogue", rows, cue=contd_cue(item.cue) if item.cue else None))
        elif isinstance(item, Dual):
            left, right = _speech_lines(item.left, DUAL_LEFT), _speech_lines(item.right, DUAL_RIGHT)
            rows = [tuple(side[i] for side in (left, right) if i < len(side)) for i in range(max(len(left), len(right)))]
            blocks.append(Block("dual", rows))
        elif item.type == "page_break":
            blocks.append(Block("page_break", space_before=0))
        else:
            block = _element_block(item, bold_headings)
            if any(line.kind != "blank" for row in block.rows for line in row):
                blocks.append(block)
    return blocks
