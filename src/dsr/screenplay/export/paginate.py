"""Blocks -> pages, with the industry's rules for where a page may end.

- A dialogue block that does not fit ends the page with ``(MORE)`` at the cue
  indent and goes on under ``NAME (CONT'D)``. It breaks after a dialogue line
  (never after the cue or a parenthetical), keeps at least two dialogue lines
  on each side, and prefers a line that ends a sentence, then the end of a
  source line, to a break inside a wrapped paragraph.
- An action paragraph splits only after a line that ends a sentence, keeping
  at least two lines on each side; otherwise it moves to the next page whole.
- A scene heading is never the last line of a page: it goes to the next page
  unless the start of what follows it fits below it.
- A transition (``CUT TO:``) never opens a page: it stays with the end of the
  block before it, which splits or moves to make room.
- Headings, transitions, centered text and dual dialogue do not split, except
  when one is taller than a whole page.
- ``===`` starts a new page; blank lines before a block are dropped at the top
  of a page.
"""

from __future__ import annotations

from dsr.screenplay.export.layout import FULL, Block, Line, Row

MIN_LINES_EACH_SIDE = 2


def _more_row() -> Row:
    return (Line(FULL.cue, [("(MORE)", 0)], "more"),)


def _cue_row(cue: str) -> Row:
    return (Line(FULL.cue, [(cue, 0)], "cue"),)


# How good a place to break is: after a sentence (or before a parenthetical),
# at the end of a source line, or inside a wrapped paragraph.
SENTENCE, LINE_END, MID = 2, 1, 0


def _split_candidates(block: Block) -> list[tuple[int, int, int]]:
    """Where ``block`` may break: (rows kept on this page, lines they take, rank).

    ``rank`` is SENTENCE, LINE_END or MID; the lines taken include ``(MORE)``.
    """
    rows = block.rows
    n = len(rows)
    out: list[tuple[int, int, int]] = []

    def rank(last: Line, following: Line) -> int:
        if last.sentence_end or following.kind == "paren":
            return SENTENCE
        return LINE_END if last.line_end else MID

    if block.kind == "action":
        for k in range(MIN_LINES_EACH_SIDE, n - MIN_LINES_EACH_SIDE + 1):
            last, first_next = rows[k - 1][0], rows[k][0]
            if last.kind == "blank" or first_next.kind == "blank":
                continue
            out.append((k, k, rank(last, first_next)))
    elif block.kind == "dialogue" and block.cue:
        spoken = [i for i, row in enumerate(rows) if row[0].kind == "dialogue" and row[0].text.strip()]
        for idx in range(MIN_LINES_EACH_SIDE - 1, len(spoken) - MIN_LINES_EACH_SIDE):
            k = spoken[idx] + 1  # break after this dialogue line
            out.append((k, k + 1, rank(rows[k - 1][0], rows[k][0])))
    return out


def _tail(block: Block, k: int) -> Block:
    rows = block.rows[k:]
    while len(rows) > 1 and all(line.kind == "blank" or not line.text.strip() for line in rows[0]):
        rows = rows[1:]
    if block.kind == "dialogue" and block.cue:
        rows = [_cue_row(block.cue), *rows]
    return Block(block.kind, list(rows), space_before=0, cue=block.cue)


def _split(block: Block, avail: int, forced: bool) -> tuple[list[Row], Block] | None:
    """The rows for this page and the rest, or None to move the block whole."""
    fitting = [c for c in _split_candidates(block) if c[1] <= avail]
    if not (forced or block.kind == "dialogue"):
        fitting = [c for c in fitting if c[2] == SENTENCE]  # action splits between sentences only
    # The best rank of break, then as much on this page as fits.
    choice = max(fitting, key=lambda c: (c[2], c[0]), default=None)
    if choice:
        k = choice[0]
        head = block.rows[:k]
        if block.kind == "dialogue" and block.cue:
            head = [*head, _more_row()]
        return head, _tail(block, k)
    if not forced or avail < 1:
        return None
    # Taller than a page with no allowed break: cut where the page ends.
    if block.kind == "dialogue" and block.cue and avail >= 2:
        return [*block.rows[: avail - 1], _more_row()], _tail(block, avail - 1)
    return list(block.rows[:avail]), _tail(block, avail)


def _min_start(blocks: list[Block], i: int) -> int:
    """Fewest lines block ``i`` needs at the foot of a page to start there."""
    block = blocks[i]
    if block.kind == "heading":
        need = len(block.rows)
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and nxt.kind != "page_break":
            need += nxt.space_before + _min_start(blocks, i + 1)
        return need
    allowed = [h for _, h, rank in _split_candidates(block) if rank == SENTENCE or block.kind == "dialogue"]
    return min([len(block.rows) + _transition_after(blocks, i), *allowed])


def _transition_after(blocks: list[Block], i: int) -> int:
    """Lines a transition right after block ``i`` needs on the same page (0 if none).

    A transition closes its scene, so it stays on the page of what it follows
    rather than opening the next page alone.
    """
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if nxt is None or nxt.kind != "transition" or blocks[i].kind == "heading":
        return 0
    return nxt.space_before + len(nxt.rows)


def paginate(blocks: list[Block], lines_per_page: int) -> list[list[tuple[int, Row]]]:
    """Lay blocks onto pages: each page is a list of (line number on the page, row)."""
    pages: list[list[tuple[int, Row]]] = [[]]
    used = 0

    def new_page() -> None:
        nonlocal used
        pages.append([])
        used = 0

    def place(rows: list[Row], gap: int) -> None:
        nonlocal used
        used += gap
        for row in rows:
            pages[-1].append((used, row))
            used += 1

    for i, block in enumerate(blocks):
        if block.kind == "page_break":
            if used:
                new_page()
            continue
        pending = block
        transition = _transition_after(blocks, i)
        while True:
            gap = pending.space_before if used else 0
            avail = lines_per_page - used - gap
            if pending.kind == "heading" and used and _min_start(blocks, i) > avail:
                new_page()
                continue
            if len(pending.rows) + transition <= avail or (len(pending.rows) <= avail and not used):
                place(pending.rows, gap)
                break
            # Too tall here, or it fits but the transition after it would not:
            # split it so its end goes over with the transition, or move it whole.
            split = _split(pending, min(avail, len(pending.rows) - 1), forced=not used)
            if split is not None:
                head, pending = split
                place(head, gap)
                new_page()
                continue
            new_page()
    if not pages[-1] and len(pages) > 1:
        pages.pop()
    return pages
