"""Exports of a Screenplay: PDF (industry layout), FDX (Final Draft), HTML.

- ``write_pdf(sp, out, paper="letter") -> int`` (page count): pdf.py, with
  layout.py (the character grid) and paginate.py (page breaks, MORE/CONT'D)
- ``to_fdx(sp) -> str``: fdx.py
- ``to_html(sp) -> str``: html.py, styled by screenplay.css
"""

from dsr.screenplay.export.fdx import to_fdx
from dsr.screenplay.export.html import to_html
from dsr.screenplay.export.pdf import write_pdf

__all__ = ["to_fdx", "to_html", "write_pdf"]
