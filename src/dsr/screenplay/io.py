"""Reading Fountain files (or stdin) safely: size, binary, encoding, line endings.

Every failure is a one-line ``UserError`` (the CLI prints it, no traceback).

Decisions, with the screenwriter in mind:

- Size: a feature script is ~200 KB of Fountain and even a season of TV
  fits in a few MB, so anything over ``MAX_BYTES`` (20 MB) is refused up
  front, from its size on disk, without reading it (stdin: read at most the
  limit). It is almost certainly the wrong file, and refusing is instant.
- Binary: a NUL byte means it is not text (a PDF, a .fdx zip, a .docx):
  refused, with a hint. UTF-16/32 text (Windows "Unicode" files) has NULs
  too, so a UTF-16/32 byte order mark is honoured first.
- Encoding: UTF-8 (a BOM is dropped). Text that is not valid UTF-8 is read as
  Windows-1252, with one warning on stderr naming the first bad line. Older
  Windows editors and Final Draft text exports write cp1252 (curly quotes, em
  dashes), and a screenwriter is better served by their script being read
  than by a refusal; the warning says how to make it UTF-8. The five bytes
  cp1252 leaves undefined are read as Latin-1, so decoding never fails and
  nothing is dropped.
- Line endings: CRLF and CR become LF, so line numbers match any editor.
"""

from __future__ import annotations

import codecs
import sys
from pathlib import Path
from typing import Callable

from dsr.errors import UserError
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse

__all__ = ["MAX_BYTES", "decode_fountain", "read_bytes", "read_text", "read_fountain"]

MAX_BYTES = 20 * 1024 * 1024

_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

Warn = Callable[[str], None]


def _warn_stderr(message: str) -> None:
    print(f"dsr: warning: {message}", file=sys.stderr)


def _display(name: str | Path) -> str:
    """A file name that cannot break the one-line error rule."""
    text = str(name)
    return repr(text) if any(ch in text for ch in "\n\r") else text


def _size_error(name: str, size: int | None, limit: int) -> UserError:
    mb = 1024 * 1024
    what = f"is {size / mb:.1f} MB" if size is not None else f"is over {limit / mb:g} MB"
    return UserError(
        f"{name} {what}; dsr reads Fountain files up to {limit / mb:g} MB "
        "(a feature script is about 0.2 MB): is it the right file?"
    )


def read_bytes(source: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The raw bytes of a file, or of stdin when ``source`` is ``"-"``."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise _size_error("stdin", None, limit)
        return data
    path = Path(source)
    name = _display(source)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UserError(f"{name} is a directory, not a Fountain file")
        if size > limit:
            raise _size_error(name, size, limit)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except PermissionError:
        raise UserError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:  # grew while we looked, or a special file
        raise _size_error(name, None, limit)
    return data


def decode_fountain(data: bytes, name: str = "input", warn: Warn | None = _warn_stderr) -> str:
    """Bytes -> text with LF line endings and no BOM (see the module doc for the rules)."""
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            try:
                return _normalize_newlines(data.decode(encoding).lstrip("\ufeff"))
            except UnicodeDecodeError:
                raise UserError(f"{name} starts like {encoding.upper()} text but does not decode as it") from None
    if b"\x00" in data:
        raise UserError(
            f"{name} is a binary file (it contains NUL bytes), not Fountain text; "
            "export your script as Fountain (.fountain) or plain text first"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data.decode("cp1252", errors="dsr-latin1")
        if warn is not None:
            warn(
                f"{name} is not UTF-8 (first bad byte on line {line}); read it as Windows-1252. "
                "Check accented letters and quotes, and save it as UTF-8 to silence this"
            )
    return _normalize_newlines(text)


def _latin1_for_undefined(exc: UnicodeError) -> tuple[str, int]:
    """Error handler: a byte cp1252 leaves undefined is read as Latin-1."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("dsr-latin1", _latin1_for_undefined)


def _normalize_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_text(source: str | Path, limit: int = MAX_BYTES, warn: Warn | None = _warn_stderr) -> str:
    """A Fountain file (``"-"`` for stdin) as text, checked and normalised."""
    name = "stdin" if str(source) == "-" else _display(source)
    return decode_fountain(read_bytes(source, limit), name, warn)


def read_fountain(
    source: str | Path, limit: int = MAX_BYTES, warn: Warn | None = _warn_stderr
) -> tuple[str, Screenplay]:
    """Read and parse a Fountain file: ``(text, screenplay)``."""
    text = read_text(source, limit, warn)
    return text, parse(text)
