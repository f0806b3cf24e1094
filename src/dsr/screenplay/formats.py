"""Export formats: which one a file name asks for, and one screenplay -> its bytes in it.

Used by ``dsr export`` and by anything else that writes a screenplay in a
format chosen by name (``pdf``, ``fdx``, ``html``, ``fountain``).
"""

from __future__ import annotations

import io
from pathlib import Path

from dsr.errors import UserError
from dsr.screenplay.model import Screenplay

FORMATS = ("pdf", "fdx", "html", "fountain")
EXTENSIONS = {".pdf": "pdf", ".fdx": "fdx", ".html": "html", ".htm": "html", ".fountain": "fountain", ".spmd": "fountain"}


def output_format(output: str, explicit: str | None) -> str:
    """The format to write: --format if given, else OUT's extension; both
    given and different (``-o x.pdf --format html``) is refused."""
    fmt = EXTENSIONS.get(Path(output).suffix.lower()) if output != "-" else None
    if explicit:
        if fmt is not None and fmt != explicit:
            raise UserError(f"--format {explicit} contradicts {output}, whose extension means {fmt}; "
                            f"name the file .{explicit} or leave out --format")
        return explicit
    if output == "-":
        raise UserError("writing to standard output needs --format (pdf, fdx, html or fountain)")
    if fmt is None:
        suffix = Path(output).suffix or "no extension"
        raise UserError(f"cannot tell the format of {output} ({suffix}): name it .pdf, .fdx, .html or .fountain, or give --format")
    return fmt


def render(screenplay: Screenplay, fmt: str, paper: str = "letter", font: str = "auto",
           bold_headings: bool = False) -> tuple[bytes, str]:
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
