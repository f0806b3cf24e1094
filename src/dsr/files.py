"""File plumbing every layer uses: atomic writes, JSON, content hashes.

Atomic means written to a unique temporary name beside the target and moved
into place with ``os.replace``: a crash or ``kill -9`` leaves either the old
file or the new one, never half of one. There is no fsync: it would put a
disk flush on the critical path of every artifact, and what a power cut
might lose is redone from the call cache at no model cost.

Hashes are over *canonical* JSON (sorted keys, no spaces, UTF-8), so the same
data hashes the same on any machine. Callers choose how many hex digits they
keep; the lengths in use are part of on-disk ids and must not change.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str | bytes, length: int | None = None) -> str:
    """sha256 of ``text`` (UTF-8 when str), cut to ``length`` hex digits."""
    blob = text.encode("utf-8") if isinstance(text, str) else text
    digest = hashlib.sha256(blob).hexdigest()
    return digest[:length] if length else digest


def hash_of(data: Any, length: int = 24) -> str:
    """Stable hash of JSON-able data (what an artifact's inputs hash to)."""
    return sha256_hex(canonical_json(data), length)


def atomic_write_bytes(path: Path | str, data: bytes, *, make_parents: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A new file gets the usual permissions (0666 less the umask); a replaced
    file keeps its own. Raises ``OSError``; commands turn it into one line.
    """
    target = Path(path)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path | str, data: Any) -> None:
    """Pretty JSON a person can read, written atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: Path | str) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable (an
    unreadable artifact is simply redone)."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_jsonl(path: Path | str, rows: Iterable[dict]) -> int:
    """Write rows as a whole new JSON Lines file, atomically; returns the count."""
    lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
    atomic_write_text(path, "".join(lines))
    return len(lines)
