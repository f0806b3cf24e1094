"""The whole screenplay as printed pages, in HTML: the PDF's own layout and
pagination (``dsr.screenplay.export``: lines on the Courier grid, the
industry's page-break rules), each line placed where the PDF draws it, with
page numbers. What the writer reads here is page for page the PDF.
"""

from __future__ import annotations

from html import escape

from dsr.screenplay.export.layout import BOLD, ITALIC, RIGHT_EDGE_COL, UNDERLINE, Line, build_blocks
from dsr.screenplay.export.paginate import paginate
from dsr.screenplay.export.pdf import (
    LEFT_NUMBER_END_COL, LINE_HEIGHT, MARGIN_BOTTOM, MARGIN_TOP, PAPERS, RIGHT_NUMBER_COL, title_page_rows,
)
from dsr.screenplay.model import Screenplay


def _runs(runs: list[tuple[str, int]]) -> str:
    out = []
    for text, style in runs:
        piece = escape(text)
        if style & UNDERLINE:
            piece = f"<u>{piece}</u>"
        if style & ITALIC:
            piece = f"<i>{piece}</i>"
        if style & BOLD:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


def _line(line: Line, line_no: int) -> str:
    length = sum(len(t) for t, _ in line.runs)
    col = line.col - length if line.align == "R" else line.col - length / 2 if line.align == "C" else line.col
    # 1 column = 0.1 in (Courier 12 pt), 1 line = 12 pt; the page's top margin is 1 in.
    style = f"top:calc(1in + {line_no * 12}pt);left:{col / 10:.2f}in"
    out = f'<div class="ln {line.kind}" style="{style}">{_runs(line.runs)}</div>'
    if line.scene_number:
        number = escape(line.scene_number)
        out += (f'<div class="ln num" style="top:calc(1in + {line_no * 12}pt);'
                f'left:{(LEFT_NUMBER_END_COL - len(number)) / 10:.2f}in">{number}</div>'
                f'<div class="ln num" style="top:calc(1in + {line_no * 12}pt);left:{RIGHT_NUMBER_COL / 10:.2f}in">{number}</div>')
    return out


def pages_html(sp: Screenplay, paper: str = "letter") -> tuple[str, int]:
    """(the pages as HTML ``<section class="sheet">`` elements, page count)."""
    width, height = PAPERS.get(paper, PAPERS["letter"])  # points
    lines_per_page = int((height - MARGIN_TOP - MARGIN_BOTTOM) // LINE_HEIGHT)
    size = f"width:{width / 72:.2f}in;height:{height / 72:.2f}in"
    sheets = []
    title_rows = title_page_rows(sp, lines_per_page)
    if title_rows:
        body = "".join(_line(line, n) for n, row in title_rows for line in row)
        sheets.append(f'<section class="sheet title" style="{size}" aria-label="Title page">{body}</section>')
    pages = paginate(build_blocks(sp), lines_per_page)
    if title_rows and pages == [[]]:
        pages = []
    for number, page in enumerate(pages, start=1):
        parts = []
        if number > 1:  # the first page carries no number, as in the PDF
            label = f"{number}."
            parts.append(f'<div class="ln pageno" style="top:0.5in;left:{(RIGHT_EDGE_COL - len(label)) / 10:.2f}in">{label}</div>')
        parts.extend(_line(line, n) for n, row in page for line in row)
        sheets.append(f'<section class="sheet" style="{size}" aria-label="Page {number}">{"".join(parts)}</section>')
    return "\n".join(sheets), len(sheets)
