"""Reading screenplay files (or stdin) safely: size, binary, encoding, line endings.

This is the one reading policy: every command that reads a screenplay
(``dsr parse``, ``check``, ``export``, ``eval``, ``import`` and synthesis)
reads it through here, so a file one command reads, all of them read.
Every failure is a one-line ``UnreadableFile`` (a ``UserError``: the CLI
prints it, no traceback); its ``reason`` says why without the file name,
for lists that name the file beside it (``dsr import``'s report).

Decisions, with the screenwriter in mind:

- Size: a feature script is ~200 KB of Fountain and even a season of TV
  fits in a few MiB, so anything over ``MAX_BYTES`` (20 MiB) is refused up
  front, from its size on disk, without reading it (stdin: read at most the
  limit). It is almost certainly the wrong file, and refusing is instant.
- Binary: a PDF, a ZIP container (Word .docx, Fade In), an old Office
  file, RTF or an image is recognised by its first bytes and refused with
  a hint on how to get text out of it. Otherwise a NUL byte, or text that
  is more than 1% control characters, means it is not text: refused.
  UTF-16/32 text (Windows "Unicode" files) has NULs too, so a UTF-16/32
  byte order mark is honoured first.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dsr.errors import UserError
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse

__all__ = ["MAX_BYTES", "DecodedText", "UnreadableFile", "decode", "decode_fountain", "read_bytes", "read_text",
           "read_decoded", "read_fountain",
           "screenplay_doubt"]

MAX_BYTES = 20 * 1024 * 1024
# Share of control characters above which decoded "text" is a binary file.
MAX_CONTROL_SHARE = 0.01

# First bytes of formats that are not text, with what to do about them.
_MAGIC = (
    (b"%PDF", "a PDF (a binary file, not text); convert it to text first (e.g. pdftotext -layout FILE)"),
    (b"PK\x03\x04", "a ZIP container (Word .docx, Fade In .fadein, ...), a binary file; "
                     "export it as .fdx, .fountain or plain text"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (binary); export it as .fdx, .fountain or plain text"),
    (b"{\\rtf", "an RTF document, not plain text; save it as plain text"),
    (b"\x89PNG", "an image (a binary file), not text"),
    (b"\xff\xd8\xff", "an image (a binary file), not text"),
)

_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

Warn = Callable[[str], None]

# Element types that only a screenplay has; a file with none of them is likely not one.
_SCREENPLAY_TYPES = frozenset({"scene_heading", "character", "transition"})
# Suffixes of the files people most often give by mistake, and what they are.
_OTHER_FILES = {".yaml": "a story outline", ".yml": "a story outline", ".json": "JSON (a story outline?)",
                ".md": "Markdown (a story outline?)",
                ".fdx": "a Final Draft file: dsr export and dsr import read it as one"}


class UnreadableFile(UserError):
    """A file that cannot be read as screenplay text; ``reason`` is the
    message without the file's name."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _unreadable(name: str, reason: str) -> UnreadableFile:
    """``NAME is REASON`` for what the file is, ``NAME: REASON`` otherwise."""
    if reason.startswith(("a ", "an ", "not ")):
        return UnreadableFile(f"{name} is {reason}", reason)
    return UnreadableFile(f"{name}: {reason}", reason)


@dataclass
class DecodedText:
    text: str  # LF line endings, no BOM
    encoding: str  # utf-8, utf-16, utf-32 or cp1252
    notes: list[str] = field(default_factory=list)  # what was guessed, without the file's name


def _warn_stderr(message: str) -> None:
    print(f"dsr: warning: {message}", file=sys.stderr)


def _display(name: str | Path) -> str:
    """A file name that cannot break the one-line error rule."""
    text = str(name)
    return repr(text) if any(ch in text for ch in "\n\r") else text


def _size_error(name: str, size: int | None, limit: int) -> UnreadableFile:
    # MiB (2**20 bytes) everywhere dsr states a size limit: what it counts is what it says.
    mib = 1024 * 1024
    what = f"{size / mib:.1f} MiB" if size is not None else f"over {limit / mib:g} MiB"
    reason = (f"{what}, too large for a screenplay: dsr reads files up to {limit / mib:g} MiB "
              "(a feature script is about 0.2 MiB): is it the right file?")
    return UnreadableFile(f"{name} is {reason}", reason)


def read_bytes(source: str | Path, limit: int | None = None) -> bytes:
    """The raw bytes of a file, or of stdin when ``source`` is ``"-"``
    (at most ``limit`` bytes, ``MAX_BYTES`` by default)."""
    limit = limit or MAX_BYTES
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
            raise _unreadable(name, "a directory, not a screenplay file")
        if size > limit:
            raise _size_error(name, size, limit)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise _unreadable(name, "no such file") from None
    except PermissionError:
        raise _unreadable(name, "permission denied") from None
    except OSError as exc:
        raise _unreadable(name, f"cannot read it ({exc.strerror or exc})") from None
    if len(data) > limit:  # grew while we looked, or a special file
        raise _size_error(name, None, limit)
    return data


def decode(data: bytes, name: str = "input") -> DecodedText:
    """Bytes -> text by the rules in the module doc; ``UnreadableFile`` when
    they are not screenplay text."""
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(_normalize_newlines(data.decode(encoding).lstrip("\ufeff")), encoding)
            except UnicodeDecodeError:
                raise _unreadable(name, f"not {encoding.upper()} text, though it starts like it") from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _unreadable(name, what)
    if b"\x00" in data:
        raise _unreadable(
            name, "a binary file (it contains NUL bytes), not screenplay text; "
            "export your script as Fountain (.fountain) or plain text first"
        )
    try:
        return DecodedText(_normalize_newlines(data.decode("utf-8-sig")), "utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    text = data.decode("cp1252", errors="dsr-latin1")
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise _unreadable(name, "a binary file (mostly control characters), not screenplay text")
    note = (f"not UTF-8 (first bad byte on line {line}); read it as Windows-1252. "
            "Check accented letters and quotes, and save it as UTF-8 to silence this")
    return DecodedText(_normalize_newlines(text), "cp1252", [note])


def _control_share(text: str) -> float:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, len(sample))


def decode_fountain(data: bytes, name: str = "input", warn: Warn | None = _warn_stderr) -> str:
    """Bytes -> text with LF line endings and no BOM; what was guessed goes
    to ``warn`` (stderr by default), one line each, naming the file."""
    decoded = decode(data, name)
    if warn is not None:
        for note in decoded.notes:
            warn(f"{name} is {note}")
    return decoded.text


def _latin1_for_undefined(exc: UnicodeError) -> tuple[str, int]:
    """Error handler: a byte cp1252 leaves undefined is read as Latin-1."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("dsr-latin1", _latin1_for_undefined)


def _normalize_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_text(source: str | Path, limit: int | None = None, warn: Warn | None = _warn_stderr) -> str:
    """A screenplay file (``"-"`` for stdin) as text, checked and normalised."""
    name = "stdin" if str(source) == "-" else _display(source)
    return decode_fountain(read_bytes(source, limit), name, warn)


def read_decoded(source: str | Path, limit: int | None = None) -> DecodedText:
    """A screenplay file as text with its encoding and notes, warning no one
    (for callers that report the notes themselves)."""
    name = "stdin" if str(source) == "-" else _display(source)
    return decode(read_bytes(source, limit), name)


def read_fountain(
    source: str | Path, limit: int | None = None, warn: Warn | None = _warn_stderr
) -> tuple[str, Screenplay]:
    """Read and parse a Fountain file: ``(text, screenplay)``."""
    text = read_text(source, limit, warn)
    return text, parse(text)


def screenplay_doubt(name: str, text: str, screenplay: Screenplay) -> str | None:
    """Why ``text`` (read as ``screenplay``) is probably not a screenplay, or None
    (``"story.yaml has no scene heading, ..."``: callers add what they do about it).

    Fountain reads any text (what it does not recognise is action), so a
    story outline or an empty file parses without error; commands warn with
    this, or refuse where scoring it would mislead.
    """
    if not text.strip():
        return f"{name} is empty"
    if any(el.type in _SCREENPLAY_TYPES for el in screenplay.elements):
        return None
    what = _OTHER_FILES.get(Path(name).suffix.lower())
    if screenplay.title_page and not screenplay.elements and not what:
        return None  # a title page alone is a (short) screenplay
    hint = f" (it looks like {what})" if what else ""
    return f"{name} has no scene heading, character cue or transition{hint}"
