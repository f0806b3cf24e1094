"""``dsr export FILE -o OUT``: a Fountain screenplay as PDF, FDX, HTML or Fountain.

The format comes from OUT's extension, or from ``--format`` (needed when OUT
is ``-``, standard output). Files are written atomically: a temporary file
beside OUT, renamed over it once complete, so a failed export never leaves a
half-written file or destroys an older one.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from dsr.errors import UserError
from dsr.files import atomic_write_bytes
from dsr.screenplay.io import read_fountain

FORMATS = ("pdf", "fdx", "html", "fountain")
_EXTENSIONS = {".pdf": "pdf", ".fdx": "fdx", ".html": "html", ".htm": "html", ".fountain": "fountain", ".spmd": "fountain"}

DESCRIPTION = """\
Export a Fountain screenplay as an industry-layout PDF (Courier 12 pt, 1.5 in
left margin, standard cue/dialogue indents, title page, page numbers,
(MORE)/(CONT'D) when a speech breaks across pages), a Final Draft FDX file,
a self-contained HTML page, or canonical Fountain.
"""

EPILOG = """\
examples:
  dsr export script.fountain -o script.pdf                # US Letter PDF
  dsr export script.fountain -o script.pdf --paper a4     # A4 PDF
  dsr export script.fountain -o script.fdx                # open in Final Draft
  dsr export script.fountain -o script.html               # view in a browser
  dsr export draft.fountain -o clean.fountain             # canonical Fountain
  cat script.fountain | dsr export - -o - --format html > script.html

The format comes from OUT's extension (.pdf .fdx .html .fountain); with
'-o -' (standard output) give --format.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a Fountain screenplay to PDF, FDX, HTML or Fountain",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="Fountain screenplay; '-' reads standard input")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file (.pdf, .fdx, .html or .fountain); '-' writes standard output")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's extension)")
    parser.add_argument("--paper", choices=("letter", "a4"), default="letter", help="PDF paper size (default: letter)")
    parser.add_argument("--font", choices=("auto", "courier-prime", "courier"), default="auto",
                        help="PDF typeface: Courier Prime when installed (auto, the default) or the built-in Courier")
    parser.add_argument("--bold-headings", action="store_true", help="PDF: print scene headings in bold (plain capitals by default)")
    parser.set_defaults(func=run)


def output_format(output: str, explicit: str | None) -> str:
    """The format to write: --format if given, else OUT's extension."""
    if explicit:
        return explicit
    if output == "-":
        raise UserError("writing to standard output needs --format (pdf, fdx, html or fountain)")
    fmt = _EXTENSIONS.get(Path(output).suffix.lower())
    if fmt is None:
        suffix = Path(output).suffix or "no extension"
        raise UserError(f"cannot tell the format of {output} ({suffix}): name it .pdf, .fdx, .html or .fountain, or give --format")
    return fmt


def render(screenplay, fmt: str, paper: str = "letter", font: str = "auto", bold_headings: bool = False) -> tuple[bytes, str]:
    """The exported bytes and a short description of them (for the summary line)."""
    if fmt == "pdf":
        from dsr.screenplay.export.pdf import write_pdf

        buffer = io.BytesIO()
        pages = write_pdf(screenplay, buffer, paper=paper, font=font, bold_headings=bold_headings)
        return buffer.getvalue(), f"{pages} page{'s' if pages != 1 else ''}, {paper}"
    if fmt == "fdx":
        from dsr.screenplay.export.fdx import to_fdx

        return to_fdx(screenplay).encode("utf-8"), "Final Draft"
    if fmt == "html":
        from dsr.screenplay.export.html import to_html

        return to_html(screenplay).encode("utf-8"), "HTML"
    from dsr.screenplay.writer import write

    return write(screenplay).encode("utf-8"), "Fountain"


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, or fail with one line."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if target.is_dir():
        raise UserError(f"cannot write {path}: it is a folder")
    try:
        atomic_write_bytes(target, data, make_parents=False)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args.output, args.format)
    _, screenplay = read_fountain(args.file)
    data, summary = render(screenplay, fmt, paper=args.paper, font=args.font, bold_headings=args.bold_headings)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(args.output, data)
        print(f"wrote {args.output} ({summary})")
    return 0
