"""Running a synthesis step over a data directory: lock, plan, engine, summary.

Data directory layout::

    DATA_DIR/
      reverse.jsonl     reverse records (profiles, scene beats + directives)
      inputs.jsonl      per scene: outline beat, directives, context, reference, provenance
      stories/ID.json   each screenplay as a `dsr write` story
      forward.jsonl     teacher records (directives + prose), K per scene
      verdicts.jsonl    filter decisions with reasons (dsr synth filter / dataset)
      calls.sqlite      every model call (cache and journal)
      summary.json      the last run's figures per step
      .lock             held while a dsr synth command runs
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dsr.llm.base import ChatModel
from dsr.files import atomic_write_json, read_json
from dsr.locks import directory_lock
from dsr.progress import Reporter, SilentReporter
from dsr.synth.engine import EngineReport, Sink, pending
from dsr.synth.records import RecordStore, WorkItem
from dsr.synth.settings import RunOptions

CALLS_DB = "calls.sqlite"
SUMMARY = "summary.json"


@dataclass
class StepSummary:
    step: str
    planned: int = 0
    already_done: int = 0
    new: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason -> count (unparsed answers, skipped inputs)
    failed: int = 0
    errors: dict = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"step": self.step, "planned": self.planned, "already_done": self.already_done, "new": self.new,
                "kept": self.kept, "dropped": dict(self.dropped.most_common()), "failed": self.failed,
                "errors": self.errors, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "model_seconds": round(self.model_seconds, 3),
                "seconds": round(self.seconds, 3), "notes": self.notes}


def lock(data_dir: Path):
    return directory_lock(data_dir, "dsr synth", what="data directory")


def execute(step: str, items: list[WorkItem], store: RecordStore, specs: list[str], data_dir: Path,
            options: RunOptions, progress: Reporter | None, backend: ChatModel | None) -> EngineReport:
    """Run the items not yet in ``store`` on the chosen engine."""
    progress = progress or SilentReporter()
    todo = pending(items, store)
    report = EngineReport(planned=len(items), already_done=len(items) - len(todo))
    progress.start(step, len(todo))
    sink = Sink(store, report, progress, step, options.max_failures)
    if options.engine == "ray":
        from dsr.synth.engine_ray import run_ray

        if backend is not None:  # Ray workers build their model from the specs
            raise ValueError("the Ray engine takes model specs, not a model object")

        run_ray(todo, specs, data_dir, sink, workers=options.workers, concurrency=options.concurrency,
                address=options.address, report=report)
        return report
    from dsr.synth.engine_local import run_local_sync
    from dsr.synth.models import cached_model

    model = cached_model(specs, data_dir / CALLS_DB, backend)
    try:
        run_local_sync(todo, model, sink, options.concurrency, report)
    finally:
        model.close()
    return report


def summarise(step: str, items: list[WorkItem], store: RecordStore, report: EngineReport,
              written_before: set[str]) -> StepSummary:
    """Figures for the planned items: kept/dropped over all of them, tokens
    and time of what this run did."""
    summary = StepSummary(step, planned=report.planned, already_done=report.already_done, new=report.written,
                          failed=report.failed, errors=dict(report.errors.most_common(5)), seconds=report.seconds)
    records = store.by_id()
    for item in items:
        record = records.get(item.id)
        if record is None:
            continue
        if record["status"] == "ok":
            summary.kept += 1
        else:
            summary.dropped[f"unparsed: {record.get('reason') or 'no reason'}"] += 1
        if item.id not in written_before:
            usage = record.get("usage") or {}
            summary.prompt_tokens += usage.get("prompt_tokens", 0)
            summary.completion_tokens += usage.get("completion_tokens", 0)
            summary.model_seconds += usage.get("model_seconds", 0.0)
    return summary


def save_summary(data_dir: Path, summary: StepSummary, settings: dict) -> None:
    path = data_dir / SUMMARY
    data = read_json(path) or {}
    data[summary.step] = {**summary.to_dict(), "settings": settings}
    atomic_write_json(path, data)


def run_step(step: str, items: list[WorkItem], store: RecordStore, specs: list[str], data_dir: Path,
             options: RunOptions, progress: Reporter | None, backend: ChatModel | None) -> StepSummary:
    written_before = set(store.done_ids())
    try:
        report = execute(step, items, store, specs, data_dir, options, progress, backend)
    finally:
        store.close()
    return summarise(step, items, store, report, written_before)
