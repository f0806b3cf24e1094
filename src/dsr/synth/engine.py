"""What both engines share: the pending work, the outcome of a run, the
listener that stores records as they arrive, and the failure rule.

An engine takes the planned items of one step, skips those whose id is in
the store (the done-set), runs the rest through ``steps.run_item`` and hands
each finished record to ``Sink.accept``, which appends it to the store at
once: whatever finished before a kill is kept. A model call that failed for
good (after the backend's retries) yields no record; the item is retried by
the next run. Too many failures in a row (a dead or overloaded server) stop
the run with one clear line instead of failing every item slowly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dsr.errors import UserError
from dsr.progress import Reporter
from dsr.synth.records import RecordStore, WorkItem


@dataclass
class EngineReport:
    planned: int = 0
    already_done: int = 0
    written: int = 0
    failed: int = 0
    errors: Counter = field(default_factory=Counter)  # error line -> count
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"planned": self.planned, "already_done": self.already_done, "written": self.written,
                "failed": self.failed, "errors": dict(self.errors.most_common(5)), "seconds": round(self.seconds, 3)}


def pending(items: list[WorkItem], store: RecordStore) -> list[WorkItem]:
    done = store.done_ids()
    seen: set[str] = set()
    todo = []
    for item in items:
        if item.id not in done and item.id not in seen:
            seen.add(item.id)
            todo.append(item)
    return todo


class Sink:
    """Receives finished records (and failures) from an engine, in any order."""

    def __init__(self, store: RecordStore, report: EngineReport, progress: Reporter, stage: str, max_failures: int):
        self.store, self.report, self.progress, self.stage = store, report, progress, stage
        self.max_failures = max_failures
        self.consecutive_failures = 0

    def accept(self, record: dict) -> None:
        if self.store.append(record):
            self.report.written += 1
        self.consecutive_failures = 0
        self.progress.item_done(self.stage, 0, False)
        self._tokens(record)

    def fail(self, error: str) -> None:
        self.report.failed += 1
        self.report.errors[error] += 1
        self.consecutive_failures += 1
        self.progress.item_done(self.stage, 0, False)
        if self.consecutive_failures >= self.max_failures:
            raise UserError(f"{self.stage}: {self.consecutive_failures} items failed in a row, stopping "
                            f"(finished records are kept; re-run to resume); last error: {error}", exit_code=4)

    def _tokens(self, record: dict) -> None:
        from dsr.llm.base import Completion, Usage

        usage = record.get("usage") or {}
        if usage.get("model_calls"):
            self.progress.completion(self.stage, Completion("", usage=Usage(0, usage.get("completion_tokens", 0))))
