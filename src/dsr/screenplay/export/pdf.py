"""PDF in the industry page layout, drawn straight onto a reportlab canvas.

Layout (layout.py) and pagination (paginate.py) work on the Courier grid of
10 characters per inch and 6 lines per inch; this module only turns grid
positions into points and draws. Drawing strings directly, instead of
through platypus flowables, is what keeps a 120-page script well under a
second.

The typeface is Courier Prime (SIL Open Font License) when the installed
``screenplain`` package carries it, else Courier; both are 12 pt with a
7.2 pt advance, so the layout is the same either way. Either is embedded
in the PDF (Courier from the Type 1 files that come with reportlab).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from dsr.errors import UserError
from dsr.screenplay.export.layout import (
    ACTION_COL,
    ACTION_WIDTH,
    BOLD,
    CENTER_COL,
    ITALIC,
    RIGHT_EDGE_COL,
    UNDERLINE,
    Line,
    Row,
    build_blocks,
    wrap,
)
from dsr.screenplay.export.paginate import paginate
from dsr.screenplay.export.structure import title_page
from dsr.screenplay.inline import plain
from dsr.screenplay.model import Screenplay

PAPERS = {"letter": letter, "a4": A4}
FONT_CHOICES = ("auto", "courier-prime", "courier")

POINTS_PER_COL = 7.2  # Courier 12 pt: 10 characters per inch
LINE_HEIGHT = 12.0  # 6 lines per inch
FONT_SIZE = 12
MARGIN_TOP = MARGIN_BOTTOM = 72.0  # 1 in
PAGE_NUMBER_TOP = 36.0  # page numbers sit 0.5 in from the top edge
BASELINE = 9.0  # from the top of a 12 pt line to its baseline
UNDERLINE_DROP = 1.8
LEFT_NUMBER_END_COL = ACTION_COL - 3  # left scene number ends 0.3 in before the heading
RIGHT_NUMBER_COL = RIGHT_EDGE_COL + 3  # right scene number starts 0.3 in after the text area

_BUILTIN = {0: "Courier", BOLD: "Courier-Bold", ITALIC: "Courier-Oblique", BOLD | ITALIC: "Courier-BoldOblique"}
_PRIME_FILES = {
    0: "Courier Prime.ttf",
    BOLD: "Courier Prime Bold.ttf",
    ITALIC: "Courier Prime Italic.ttf",
    BOLD | ITALIC: "Courier Prime Bold Italic.ttf",
}
_prime_fonts: dict[int, str] | None = None


def _courier_prime() -> dict[int, str] | None:
    """Register screenplain's bundled Courier Prime once; None if it is not installed."""
    global _prime_fonts
    if _prime_fonts is None:
        spec = importlib.util.find_spec("screenplain")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / "export" / "courier_prime"
        try:
            fonts = {}
            for style, filename in _PRIME_FILES.items():
                name = "DSR-" + filename.removesuffix(".ttf").replace(" ", "")
                pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
                fonts[style] = name
        except Exception:  # missing or unreadable font file: fall back to Courier
            return None
        _prime_fonts = fonts
    return _prime_fonts


def _fonts(choice: str) -> dict[int, str]:
    if choice not in FONT_CHOICES:
        raise UserError(f"unknown font {choice!r}; use one of: {', '.join(FONT_CHOICES)}")
    if choice == "courier":
        return _BUILTIN
    prime = _courier_prime()
    if prime is None and choice == "courier-prime":
        raise UserError("Courier Prime is not available (it comes with the screenplain package); use --font courier")
    return prime or _BUILTIN


class _Painter:
    """Draws rows of grid Lines on a canvas, switching fonts only when needed."""

    def __init__(self, canvas: Canvas, fonts: dict[int, str], page_height: float):
        self.canvas = canvas
        self.fonts = fonts
        self.top = page_height - MARGIN_TOP
        self.font: str | None = None

    def new_page(self) -> None:
        self.canvas.showPage()
        self.font = None  # showPage resets the graphics state

    def _set_font(self, style: int) -> None:
        name = self.fonts[style & (BOLD | ITALIC)]
        if name != self.font:
            self.canvas.setFont(name, FONT_SIZE)
            self.font = name

    def text(self, x_col: float, y: float, runs: list[tuple[str, int]]) -> None:
        canvas = self.canvas
        x = x_col * POINTS_PER_COL
        for text, style in runs:
            self._set_font(style)
            canvas.drawString(x, y, text)
            width = len(text) * POINTS_PER_COL
            if style & UNDERLINE:
                canvas.setLineWidth(0.6)
                canvas.line(x, y - UNDERLINE_DROP, x + width, y - UNDERLINE_DROP)
            x += width

    def row(self, line_no: int, row: Row) -> None:
        y = self.top - BASELINE - line_no * LINE_HEIGHT
        for line in row:
            self.line(line, y)

    def line(self, line: Line, y: float) -> None:
        length = sum(len(t) for t, _ in line.runs)
        if line.align == "R":
            col = line.col - length
        elif line.align == "C":
            col = line.col - length / 2
        else:
            col = line.col
        self.text(col, y, line.runs)
        if line.scene_number:
            number = [(line.scene_number, 0)]
            self.text(LEFT_NUMBER_END_COL - len(line.scene_number), y, number)
            self.text(RIGHT_NUMBER_COL, y, number)


# --------------------------------------------------------------------------
# Title page

_CORNER_GAP = 4  # columns kept free between the contact and the dates


def _title_lines(values: list[str], width: int, col: float, align: str) -> list[Line]:
    return [line for value in values for line in wrap(value, width, col, "title", align)]


def title_page_rows(sp: Screenplay, lines_per_page: int) -> list[tuple[int, Row]]:
    """The title page: title block a third of the way down, contact and dates at the foot.

    Contact (left) and dates (right) share the last lines when they fit side
    by side; otherwise the dates stand above the contact block.
    """
    page = title_page(sp)
    if page is None:
        return []
    center: list[Line] = []
    for group in page.groups:
        if center:
            center.append(Line(CENTER_COL, [], "blank", "C"))
        center += _title_lines(group, ACTION_WIDTH, CENTER_COL, "C")
    widest = [max((len(plain(v)) for v in side), default=0) for side in (page.foot_left, page.foot_right)]
    side_by_side = sum(widest) + _CORNER_GAP <= ACTION_WIDTH
    left = _title_lines(page.foot_left, ACTION_WIDTH, ACTION_COL, "L")
    right = _title_lines(page.foot_right, ACTION_WIDTH, RIGHT_EDGE_COL, "R")
    foot = max(len(left), len(right)) if side_by_side else len(left) + len(right)
    start = max(0, min(lines_per_page // 3 - 2, lines_per_page - foot - len(center) - 1))
    rows = [(start + i, (line,)) for i, line in enumerate(center)]
    foot_start = max(lines_per_page - foot, start + len(center) + 1)
    if side_by_side:
        blocks = [(foot_start + foot - len(left), left), (foot_start + foot - len(right), right)]
    else:
        blocks = [(foot_start, right), (foot_start + len(right), left)]
    for first, lines in blocks:
        rows += [(first + i, (line,)) for i, line in enumerate(lines)]
    return rows


def _metadata(sp: Screenplay) -> tuple[str, str]:
    title = " ".join(plain(v) for v in sp.title_value("title") or [])
    authors = [*(sp.title_value("author") or []), *(sp.title_value("authors") or [])]
    return title.strip(), ", ".join(plain(a) for a in authors if a.strip())


# --------------------------------------------------------------------------


def _draw(sp: Screenplay, out: BinaryIO | str, paper: tuple[float, float], fonts: dict[int, str], bold_headings: bool) -> int:
    page_width, page_height = paper
    lines_per_page = int((page_height - MARGIN_TOP - MARGIN_BOTTOM) // LINE_HEIGHT)
    # The initial font is ours: reportlab's default (Helvetica) would be listed, unembedded, in every PDF.
    canvas = Canvas(out, pagesize=(page_width, page_height), initialFontName=fonts[0])
    title, author = _metadata(sp)
    if title:
        canvas.setTitle(title)
    if author:
        canvas.setAuthor(author)
    canvas.setCreator("dsr")
    painter = _Painter(canvas, fonts, page_height)

    page_count = 0
    title_rows = title_page_rows(sp, lines_per_page)
    if title_rows:
        for line_no, row in title_rows:
            painter.row(line_no, row)
        painter.new_page()
        page_count += 1

    pages = paginate(build_blocks(sp, bold_headings), lines_per_page)
    if title_rows and pages == [[]]:
        pages = []  # a title page alone: no empty body page after it
    for number, page in enumerate(pages, start=1):
        if number > 1:
            painter.text(RIGHT_EDGE_COL - len(f"{number}."), page_height - PAGE_NUMBER_TOP - BASELINE, [(f"{number}.", 0)])
        for line_no, row in page:
            painter.row(line_no, row)
        painter.new_page()
        page_count += 1
    canvas.save()
    return page_count


def write_pdf(
    sp: Screenplay,
    out: BinaryIO | str | Path,
    paper: str = "letter",
    *,
    font: str = "auto",
    bold_headings: bool = False,
) -> int:
    """Write ``sp`` as an industry-layout PDF to a path or binary file; return the page count.

    ``paper`` is ``letter`` (default) or ``a4``: the same margins and indents,
    A4 just fits more lines. ``font`` is ``auto`` (Courier Prime if
    available), ``courier-prime`` or ``courier``. ``bold_headings`` prints
    scene headings in bold.
    """
    if paper not in PAPERS:
        raise UserError(f"unknown paper size {paper!r}; use one of: {', '.join(PAPERS)}")
    fonts = _fonts(font)
    target = str(out) if isinstance(out, Path) else out

    # Plain Flate streams: reportlab's default ASCII85 wrapping costs a third
    # of the run time in pure Python and makes the file 25% larger. The
    # setting is global in reportlab, so it is restored afterwards.
    use_a85 = rl_config.useA85
    rl_config.useA85 = 0
    # Every font is embedded (print shops and PDF/X reject documents that
    # leave fonts to the reader). The built-in Courier is embedded from the
    # Type 1 files reportlab ships; this switch is global in reportlab too.
    embed_standard = pdfmetrics.standardFonts.__embed__
    pdfmetrics.standardFonts.__embed__ = embed_standard or fonts is _BUILTIN
    try:
        page_count = _draw(sp, target, PAPERS[paper], fonts, bold_headings)
    except OSError as exc:
        if not isinstance(target, str):
            raise
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        rl_config.useA85 = use_a85
        pdfmetrics.standardFonts.__embed__ = embed_standard
    return page_count
