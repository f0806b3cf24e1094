"""Every model call goes through here: an SQLite cache and a call journal.

``CachedModel(inner, db_path)`` is itself a ``ChatModel``. A request is keyed
by (model spec, messages, parameters, sample index). A hit returns the stored
answer (``cached=True``) without calling the model; a miss calls it and
stores the answer together with a row in the ``calls`` journal. Failed calls
are journaled too (with their error) but never cached, so a re-run retries
them. Answers cut off by the token limit (``finish_reason == "length"``) are
cached: they are what the model says for those parameters, and the pipeline
decides whether to continue or raise the limit (which is a new key).

Safety: WAL mode and one transaction per stored answer, so several processes
and many asyncio tasks can share one file, and a killed process leaves either
a whole row or none. Database work runs in a worker thread so the event loop
never waits on a lock. Specs are redacted before they are stored and the
request holds only messages and parameters, so API keys never reach the file.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsr.errors import UserError
from dsr.files import canonical_json, sha256_hex
from dsr.llm.base import ChatModel, Completion, LLMError, Message, Params, Usage
from dsr.llm.specs import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    sample INTEGER NOT NULL,
    request TEXT NOT NULL,
    text TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_s REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    spec TEXT NOT NULL,
    sample INTEGER NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    latency_s REAL NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    finish_reason TEXT,
    error TEXT,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_key ON calls(key);
CREATE TABLE IF NOT EXISTS models (
    spec TEXT PRIMARY KEY,
    notes TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


def cache_key(spec: str, messages: list[Message], params: Params, sample: int) -> str:
    """sha256 over a canonical JSON of everything that shapes the answer."""
    payload = {
        "spec": redact(spec),
        "messages": messages,
        "params": params.key_dict(),
        "sample": sample,
    }
    return sha256_hex(canonical_json(payload))


class CallDB:
    """One SQLite file, one connection per process, used from worker threads.

    The connection is reopened after a fork (connections must not cross
    processes) and serialised by a lock (sqlite3 connections are not safe to
    use from two threads at once).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a killed process loses nothing committed;
            # only a power cut may drop the last transactions.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise UserError(f"cannot open the call cache {self.path}: {exc}") from None
        self._conn, self._pid = conn, os.getpid()
        return conn

    def run(self, fn, *args):
        """Run ``fn(conn, *args)`` under the lock (call from a worker thread)."""
        with self._lock:
            return fn(self._connect(), *args)

    async def arun(self, fn, *args):
        return await asyncio.to_thread(self.run, fn, *args)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


def _lookup(conn: sqlite3.Connection, key: str) -> Completion | None:
    row = conn.execute(
        "SELECT text, finish_reason, prompt_tokens, completion_tokens, latency_s"
        " FROM completions WHERE key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return None
    text, finish, prompt_tokens, completion_tokens, latency = row
    return Completion(text, finish, Usage(prompt_tokens, completion_tokens), latency, cached=True)


@dataclass(frozen=True)
class _CallRecord:
    key: str
    spec: str
    sample: int
    started_at: float
    finished_at: float


def _store(
    conn: sqlite3.Connection, rec: _CallRecord, request: str, result: Completion | None, error: str | None
) -> None:
    usage = result.usage if result else Usage()
    conn.execute("BEGIN IMMEDIATE")
    try:
        if result is not None and result.finish_reason != "error":
            conn.execute(
                "INSERT OR IGNORE INTO completions VALUES (?,?,?,?,?,?,?,?,?,?)",
                (rec.key, rec.spec, rec.sample, request, result.text, result.finish_reason,
                 usage.prompt_tokens, usage.completion_tokens, result.latency_s, rec.finished_at),
            )
        conn.execute(
            "INSERT INTO calls (key, spec, sample, started_at, finished_at, latency_s,"
            " prompt_tokens, completion_tokens, finish_reason, error, pid)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (rec.key, rec.spec, rec.sample, rec.started_at, rec.finished_at,
             rec.finished_at - rec.started_at, usage.prompt_tokens, usage.completion_tokens,
             result.finish_reason if result else None, error, os.getpid()),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _note_model(conn: sqlite3.Connection, spec: str, notes: str) -> None:
    conn.execute(
        "INSERT INTO models VALUES (?,?,?) ON CONFLICT(spec) DO UPDATE"
        " SET notes = excluded.notes, updated_at = excluded.updated_at"
        " WHERE notes != excluded.notes",
        (spec, notes, time.time()),
    )


@dataclass
class CacheStats:
    """What one ``CachedModel`` did in this process (for progress and manifests)."""

    hits: int = 0
    misses: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0  # summed latency of real calls


# Requests in flight in this process, so that two tasks asking the same
# thing at once make one call: (db file, key) -> future of the answer.
_IN_FLIGHT: dict[tuple[str, str], asyncio.Future] = {}


class CachedModel:
    """A ``ChatModel`` that answers from the cache when it can."""

    def __init__(self, inner: ChatModel, db_path: str | os.PathLike):
        self.inner = inner
        self.spec = redact(inner.spec)
        self.db = CallDB(db_path)
        self.stats = CacheStats()
        self._noted: str | None = None

    def key(self, messages: list[Message], params: Params, sample: int = 0) -> str:
        return cache_key(self.spec, messages, params, sample)

    async def lookup(self, messages: list[Message], params: Params, sample: int = 0) -> Completion | None:
        """The cached answer, or None; never calls the model."""
        return await self.db.arun(_lookup, self.key(messages, params, sample))

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        key = self.key(messages, params, sample)
        hit = await self.db.arun(_lookup, key)
        if hit is not None:
            self.stats.hits += 1
            return hit
        flight_id = (str(self.db.path.resolve()), key)
        pending = _IN_FLIGHT.get(flight_id)
        if pending is not None and pending.get_loop() is asyncio.get_running_loop():
            return await self._wait_for(pending, messages, params, sample)
        future = asyncio.get_running_loop().create_future()
        _IN_FLIGHT[flight_id] = future
        try:
            # Look again now that we own the request: a task that finished it
            # between our first look and now has stored it already.
            result = await self.db.arun(_lookup, key)
            if result is not None:
                self.stats.hits += 1
            else:
                result = await self._call(key, messages, params, sample)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(result)
            return result
        finally:
            _IN_FLIGHT.pop(flight_id, None)

    async def _wait_for(self, pending: asyncio.Future, messages, params, sample) -> Completion:
        """Another task is making this very call: share its answer."""
        try:
            result = await asyncio.shield(pending)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if pending.cancelled() and task is not None and not task.cancelling():
                # The task making the call was cancelled, we were not: ask ourselves.
                return await self.complete(messages, params, sample)
            raise
        self.stats.hits += 1
        return Completion(result.text, result.finish_reason, result.usage, result.latency_s, cached=True)

    async def _call(self, key: str, messages: list[Message], params: Params, sample: int) -> Completion:
        request = json.dumps(
            {"messages": messages, "params": params.key_dict(), "sample": sample}, ensure_ascii=False
        )
        started = time.time()
        try:
            result = await self.inner.complete(messages, params, sample)
        except LLMError as exc:
            self.stats.errors += 1
            rec = _CallRecord(key, self.spec, sample, started, time.time())
            await self.db.arun(_store, rec, request, None, redact(str(exc)))
            raise
        rec = _CallRecord(key, self.spec, sample, started, time.time())
        await self.db.arun(_store, rec, request, result, None)
        await self._note_inner()
        self.stats.misses += 1
        self.stats.prompt_tokens += result.usage.prompt_tokens
        self.stats.completion_tokens += result.usage.completion_tokens
        self.stats.model_seconds += result.latency_s
        return result

    async def _note_inner(self) -> None:
        """Keep the backend's self-description (e.g. which structured-output
        mode an endpoint supports) in the ``models`` table."""
        describe = getattr(self.inner, "describe", None)
        if describe is None:
            return
        notes = json.dumps(describe(), sort_keys=True)
        if notes != self._noted:
            await self.db.arun(_note_model, self.spec, notes)
            self._noted = notes

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.inner, "describe", None)
        return describe() if describe else {"spec": self.spec}

    @property
    def journal(self) -> "CallJournal":
        return CallJournal(self.db.path)

    def close(self) -> None:
        self.db.close()


class CallJournal:
    """Read-only questions about a cache file (tests, manifests, benches)."""

    def __init__(self, db_path: str | os.PathLike):
        self.path = Path(db_path)

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(self.path, timeout=60.0)
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            # A file another process has just created, before its tables: no calls yet.
            if "no such table" in str(exc):
                return []
            raise
        finally:
            conn.close()

    def _scalar(self, sql: str, args: tuple = ()) -> int:
        rows = self._query(sql, args)
        return rows[0][0] or 0 if rows else 0

    def _where(self, spec: str | None, errors: bool | None) -> tuple[str, tuple]:
        clauses, args = [], []
        if spec is not None:
            clauses.append("spec = ?")
            args.append(spec)
        if errors is True:
            clauses.append("error IS NOT NULL")
        elif errors is False:
            clauses.append("error IS NULL")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def real_calls(self, spec: str | None = None, errors: bool | None = False) -> int:
        """Number of calls that reached a model (by default: successful ones)."""
        where, args = self._where(spec, errors)
        return self._scalar(f"SELECT COUNT(*) FROM calls{where}", args)

    def calls_per_key(self, spec: str | None = None, errors: bool | None = False) -> dict[str, int]:
        where, args = self._where(spec, errors)
        return dict(self._query(f"SELECT key, COUNT(*) FROM calls{where} GROUP BY key", args))

    def repeated_keys(self) -> dict[str, int]:
        """Keys answered successfully more than once (a resume that redid work)."""
        return {k: n for k, n in self.calls_per_key().items() if n > 1}

    def token_totals(self, spec: str | None = None) -> Usage:
        where, args = self._where(spec, False)
        rows = self._query(f"SELECT SUM(prompt_tokens), SUM(completion_tokens) FROM calls{where}", args)
        prompt, completion = rows[0] if rows else (None, None)
        return Usage(prompt or 0, completion or 0)

    def cached_entries(self) -> int:
        return self._scalar("SELECT COUNT(*) FROM completions")

    def calls(self) -> list[dict[str, Any]]:
        """All journal rows, oldest first."""
        cols = ("key", "spec", "sample", "started_at", "finished_at", "latency_s",
                "prompt_tokens", "completion_tokens", "finish_reason", "error", "pid")
        rows = self._query(f"SELECT {', '.join(cols)} FROM calls ORDER BY id")
        return [dict(zip(cols, row)) for row in rows]

    def model_notes(self) -> dict[str, dict[str, Any]]:
        return {spec: json.loads(notes) for spec, notes in self._query("SELECT spec, notes FROM models")}
