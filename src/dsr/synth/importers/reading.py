"""Reading a corpus file as text, with a one-line reason when it cannot be.

Public script archives hold everything: UTF-8 and Windows-1252 text, PDFs,
Word files, zero-byte placeholders, and now and then a multi-megabyte dump.
``read_text`` turns a file into text or raises ``Unreadable`` with why,
so the importer can list the file as unusable and go on with the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# A feature screenplay is 150-400 KB of text and under 2 MB as FDX; a file
# far beyond that is not one screenplay (a dump, a concatenation, a binary).
MAX_BYTES = 16 * 1024 * 1024

# Magic numbers of formats that are not text we can read.
_MAGIC = (
    (b"%PDF", "a PDF; convert it to text first (e.g. pdftotext -layout FILE)"),
    (b"PK\x03\x04", "a ZIP container (Word .docx, Fade In .fadein, ...); export it as .fdx, .fountain or plain text"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file; export it as .fdx, .fountain or plain text"),
    (b"{\\rtf", "an RTF document; save it as plain text"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
)


class Unreadable(Exception):
    """The file is not usable text; the message says why in one line."""


@dataclass
class TextFile:
    path: Path
    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)


def read_text(path: Path, max_bytes: int | None = None) -> TextFile:
    max_bytes = max_bytes or MAX_BYTES
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(f"{size / 1024 / 1024:.1f} MiB is too large for one screenplay "
                             f"(limit {max_bytes // 1024 // 1024} MiB)")
        data = path.read_bytes()
    except IsADirectoryError:
        raise Unreadable("a directory, not a file") from None
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read it: {exc.strerror or exc}") from None
    return decode(path, data)


def decode(path: Path, data: bytes) -> TextFile:
    if not data.strip():
        raise Unreadable("empty file")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise Unreadable(f"{what}")
    head = data[:8192]
    if b"\0" in head:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _utf16(path, data)
        raise Unreadable("a binary file, not text")
    try:
        return TextFile(path, data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Older archives are Windows-1252 (curly quotes as 0x93/0x94). cp1252
    # leaves five bytes undefined: if those occur, this is not cp1252 text.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise Unreadable(f"not UTF-8 (byte {first_bad}) and not Windows-1252 text; save it as UTF-8") from None
    if _control_share(text) > 0.01:
        raise Unreadable("a binary file, not text")
    return TextFile(path, text, "cp1252", [f"not UTF-8 (byte {first_bad}): read as Windows-1252"])


def _utf16(path: Path, data: bytes) -> TextFile:
    try:
        return TextFile(path, data.decode("utf-16"), "utf-16", ["read as UTF-16"])
    except UnicodeDecodeError:
        raise Unreadable("a binary file, not text") from None


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, min(len(text), 65536))
