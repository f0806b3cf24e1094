"""Long work started from the page (write a run, re-convert, redraw, choose a
take, save a scene), one job at a time per run, each in its own thread.

The pipeline runs exactly as ``dsr write`` does; the page follows its
progress from the run directory (see ``app.events``), so a page opened
mid-run, or a run started from the terminal, shows the same. A job that
fails keeps its one-line error, and the scene and stage it names, for the
page to show with a retry.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Callable

from dsr.errors import UserError

# Pipeline failures read "scene 3 (INT. KITCHEN - NIGHT): stage 1: <why>".
FAILED_AT = re.compile(r"^scene (\d+) \(.*?\): (stage 1|stage 2|direct): ")


@dataclass
class Job:
    run_id: str
    kind: str  # write | reconvert | redraw | take | save | develop
    scene: int | None = None  # 1-based, for scene jobs
    state: str = "running"  # running | done | failed
    error: str | None = None
    failed_scene: int | None = None
    failed_stage: str | None = None
    summary: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    number: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class JobBusy(UserError):
    def __init__(self, message: str):
        super().__init__(message, exit_code=3)


class Jobs:
    def __init__(self, tidy: Callable[[str], str] = lambda text: text) -> None:
        self.tidy = tidy  # what a summary or error may say on a page (no server paths)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._count = 0

    def get(self, run_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(run_id)

    def running(self, run_id: str) -> bool:
        job = self.get(run_id)
        return job is not None and job.state == "running"

    def start(self, run_id: str, kind: str, work: Callable[[], object], scene: int | None = None) -> Job:
        """Run ``work`` in a thread; refused while another job of the run is running."""
        with self._lock:
            current = self._jobs.get(run_id)
            if current is not None and current.state == "running":
                what = current.kind + (f" of scene {current.scene}" if current.scene else "")
                raise JobBusy(f"{run_id} is already busy ({what}, started {time.strftime('%H:%M:%S', time.localtime(current.started))}); "
                              "wait for it to finish")
            self._count += 1
            job = Job(run_id, kind, scene, number=self._count)
            self._jobs[run_id] = job
            thread = threading.Thread(target=self._run, args=(job, work), name=f"dsr-{kind}-{run_id}", daemon=True)
            self._threads[run_id] = thread
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[], object]) -> None:
        try:
            result = work()
            summary = getattr(result, "summary", None)
            self._finish(job, "done", summary=self.tidy(summary) if isinstance(summary, str) else None)
        except UserError as exc:
            message = self.tidy(str(exc))
            match = FAILED_AT.match(message)
            self._finish(job, "failed", error=message,
                         failed_scene=int(match.group(1)) if match else job.scene,
                         failed_stage=match.group(2) if match else None)
        except Exception as exc:  # a bug: keep the server up, say so on the page and in the log
            traceback.print_exc(file=sys.stderr)
            self._finish(job, "failed", error=f"internal error ({type(exc).__name__}: {exc}); see the server log",
                         failed_scene=job.scene)

    def _finish(self, job: Job, state: str, **values) -> None:
        with self._lock:
            for key, value in values.items():
                setattr(job, key, value)
            job.finished = time.time()
            job.state = state

    def wait(self, run_id: str, timeout: float | None = None) -> Job | None:
        """Wait for the run's job to end (tests, shutdown)."""
        with self._lock:
            thread = self._threads.get(run_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(run_id)
