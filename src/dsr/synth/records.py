"""Records: deterministic ids, what a step's answer looks like, and the
append-only JSONL store with its done-set.

Every unit of synthesis work (one character profile, one scene beat, one
teacher sample) becomes one JSON line in a store (``reverse.jsonl``,
``forward.jsonl``). Its id is a hash of everything that decides the answer:
the step, the source (file, scene, content hash of the input), the prompt
version, the model, the sampling parameters and the sample index. Before a
run does any work it reads the ids already in the store (the done-set) and
skips them, so a run killed at any point resumes exactly where it stopped
and never writes a record twice.

Crash safety: a record is one ``write`` of one line followed by a flush and
an fsync. A ``kill -9`` can leave at most a partial last line; opening the
store for appending cuts that tail off (its work is redone), so the next
record never glues onto half a line. Reading skips lines that are not whole
JSON objects and keeps the first record of an id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from dsr.errors import UserError
from dsr.llm.base import Params
from dsr.files import canonical_json, hash_of, sha256_hex

ID_LENGTH = 20  # hex digits: 80 bits, no collision in any corpus we will see


def content_hash(text: str) -> str:
    """The 16-digit hash of a source text that record ids carry."""
    return sha256_hex(text, 16)


def record_id(*, step: str, source: dict, prompt_version: str, model: str, params: dict, sample: int = 0) -> str:
    """The id of one unit of work. Same inputs, same id, on any machine and engine."""
    payload = {"step": step, "source": source, "prompt_version": prompt_version,
               "model": model, "params": params, "sample": sample}
    return hash_of(payload, ID_LENGTH)


@dataclass
class WorkItem:
    """One unit of work before it runs: its id and what the per-record
    function needs (JSON-able, so it travels to Ray workers as is)."""

    id: str
    step: str
    payload: dict[str, Any]
    source: dict[str, Any] = field(default_factory=dict)


def params_from(data: dict[str, Any]) -> Params:
    """``Params.key_dict()`` back into ``Params`` (payloads are JSON)."""
    return Params(temperature=data["temperature"], max_tokens=data["max_tokens"], top_p=data["top_p"],
                  seed=data["seed"], stop=tuple(data.get("stop") or ()), json_schema=data.get("json_schema"),
                  repeat_penalty=data.get("repeat_penalty"))


def outcome(result: dict | None = None, *, reason: str | None = None, raw: str | None = None,
            flags: list[str] | None = None) -> dict:
    """A step's answer: ``ok`` with a result, or ``unparsed`` with why and the raw text."""
    if result is not None:
        return {"status": "ok", "result": result, "flags": flags or []}
    return {"status": "unparsed", "result": None, "reason": reason, "raw": raw, "flags": flags or []}


class RecordStore:
    """One JSONL file of records, appended to by one writer (the driver)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh = None
        self._ids: set[str] | None = None

    # -- reading ---------------------------------------------------------------
    def __iter__(self) -> Iterator[dict]:
        """Whole records in file order, the first of each id only."""
        seen: set[str] = set()
        for record in _read_lines(self.path):
            rid = record.get("id")
            if isinstance(rid, str) and rid not in seen:
                seen.add(rid)
                yield record

    def records(self) -> list[dict]:
        return list(self)

    def done_ids(self) -> set[str]:
        if self._ids is None:
            self._ids = {r["id"] for r in self}
        return self._ids

    def by_id(self) -> dict[str, dict]:
        return {r["id"]: r for r in self}

    # -- writing ---------------------------------------------------------------
    def append(self, record: dict) -> bool:
        """Add a record unless its id is already stored; True when written."""
        done = self.done_ids()
        if record["id"] in done:
            return False
        fh = self._open()
        fh.write(canonical_json(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
        done.add(record["id"])
        return True

    def extend(self, records: Iterable[dict]) -> int:
        return sum(self.append(r) for r in records)

    def _open(self):
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _cut_partial_tail(self.path)
            try:
                self._fh = open(self.path, "a", encoding="utf-8")
            except OSError as exc:
                raise UserError(f"cannot write {self.path}: {exc.strerror}") from None
        return self._fh

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "RecordStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_lines(path: Path) -> Iterator[dict]:
    try:
        fh = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        for line in fh:
            if not line.endswith("\n"):
                return  # a partial last line left by a kill: not a record
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _cut_partial_tail(path: Path) -> None:
    """Truncate a last line that has no newline (a write cut short by a kill)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        # Walk back to the last newline, in blocks (the tail is one record long).
        position, block = size, 65536
        while position > 0:
            start = max(0, position - block)
            fh.seek(start)
            chunk = fh.read(position - start)
            at = chunk.rfind(b"\n")
            if at != -1:
                fh.truncate(start + at + 1)
                return
            position = start
        fh.truncate(0)


def read_jsonl(path: Path) -> list[dict]:
    return list(_read_lines(path))
