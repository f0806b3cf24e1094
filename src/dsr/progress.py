"""Progress reporting, one interface for every long job (writing scenes,
synthesising records, judging items): ``start`` a stage with its total,
``item_done`` per finished item, ``completion`` per model answer.

``RichReporter`` draws one bar per stage on stderr (items done / total and the
tokens per second of real calls); ``reporter_for_terminal`` gives one only
when stderr is a terminal, so pipes and CI stay quiet.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

from dsr.llm.base import Completion


class Reporter(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def item_done(self, stage: str, index: int, reused: bool) -> None: ...
    def completion(self, stage: str, completion: Completion) -> None: ...


class SilentReporter:
    def start(self, stage: str, total: int) -> None: pass
    def item_done(self, stage: str, index: int, reused: bool) -> None: pass
    def completion(self, stage: str, completion: Completion) -> None: pass


class RichReporter:
    def __init__(self, unit: str = "scenes") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, int] = {}
        self.tokens: dict[str, int] = {}
        self.started: dict[str, float] = {}

    def __enter__(self) -> "RichReporter":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def start(self, stage: str, total: int) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total, rate="")
        self.tokens[stage] = 0
        self.started[stage] = time.perf_counter()

    def item_done(self, stage: str, index: int, reused: bool) -> None:
        self.progress.advance(self.tasks[stage])

    def completion(self, stage: str, completion: Completion) -> None:
        if completion.cached or stage not in self.tasks:
            return
        self.tokens[stage] += completion.usage.completion_tokens
        elapsed = max(1e-6, time.perf_counter() - self.started[stage])
        rate = f"{self.tokens[stage]:,} tok, {self.tokens[stage] / elapsed:.0f} tok/s"
        self.progress.update(self.tasks[stage], rate=rate)


class NullContext:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        return None


def reporter_for_terminal(unit: str = "scenes"):
    """A RichReporter when stderr is a terminal, else None (quiet in pipes and CI)."""
    return RichReporter(unit) if sys.stderr.isatty() else None
