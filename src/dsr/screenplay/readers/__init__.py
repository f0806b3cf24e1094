"""Reading screenplays written in other formats into a ``Screenplay``.

- ``fdx.py``: Final Draft ``.fdx`` (the counterpart of ``export/fdx.py``);
- ``plaintext.py``: plain-text scripts laid out by indentation (public
  archives, ``pdftotext -layout``).

``detect_format(path, text)`` says which reader a file wants: ``.fountain``/
``.spmd`` are Fountain; ``.fdx`` (or XML whose root is ``<FinalDraft>``) is
Final Draft; anything else is sniffed: text whose layout shows indented cues
and dialogue is a plain-text screenplay, other text is read as Fountain
(Fountain is plain text with conventions). ``read_as(fmt, text)`` reads it.
Turning a file into text (size, binary, encoding) is ``screenplay/io.py``'s.
"""

from __future__ import annotations

from pathlib import Path

from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.readers.fdx import FdxError, parse_fdx
from dsr.screenplay.readers.plaintext import layout, parse_plain_text

__all__ = ["FORMATS", "FdxError", "detect_format", "read_as"]

FORMATS = ("fountain", "fdx", "text")
FOUNTAIN_SUFFIXES = {".fountain", ".spmd"}
FDX_SUFFIXES = {".fdx"}


def detect_format(path: Path, text: str) -> str:
    """``fountain``, ``fdx`` or ``text`` (see the module doc)."""
    suffix = path.suffix.lower()
    head = text.lstrip()[:4096]
    if suffix in FDX_SUFFIXES or (head.startswith("<") and "<FinalDraft" in head):
        return "fdx"
    if suffix in FOUNTAIN_SUFFIXES:
        return "fountain"
    return "text" if layout(text) is not None else "fountain"


def read_as(fmt: str, text: str) -> tuple[Screenplay, list[str]]:
    """``text`` read as format ``fmt``: the screenplay and notes on what was
    guessed. Raises ``FdxError`` for a broken Final Draft file."""
    if fmt == "fdx":
        return parse_fdx(text)
    if fmt == "text":
        converted = parse_plain_text(text)
        return converted.screenplay, list(converted.notes)
    return parse(text), []
