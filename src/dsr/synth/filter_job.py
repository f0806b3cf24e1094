"""Running the filters over a data directory: ``verdicts.jsonl`` and the
drop figures (``dsr synth filter``; ``dsr synth dataset`` runs it too).

Verdicts are derived data: recomputed from the records on every run (the
embeddings of a few thousand scenes take seconds), so a change of
thresholds or checks applies to everything at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dsr.files import read_json
from dsr.synth.filters import (
    FilterConfig, Verdict, check_beat, check_forward, events, mark_near_duplicates, paragraphs, reason_key,
)
from dsr.synth.inputs import PROFILE_VERDICTS
from dsr.synth.jobs import FORWARD_PLAN, FORWARD_RECORDS, load_inputs
from dsr.files import write_jsonl
from dsr.synth.records import RecordStore, read_jsonl
from dsr.synth.runner import StepSummary, lock, save_summary

VERDICTS = "verdicts.jsonl"


@dataclass
class FilterResult:
    inputs: list[dict]
    beats: dict[int, Verdict]  # input index -> verdict
    forward: list[tuple[dict, Verdict]]  # (teacher record, verdict)
    profiles: list[dict]
    missing_forward: int = 0  # planned samples without a record (failed calls)
    summaries: list[StepSummary] = field(default_factory=list)


def run_filters(data_dir: Path, cfg: FilterConfig | None = None, use_embedder: bool = True) -> FilterResult:
    cfg = cfg or FilterConfig()
    inputs = load_inputs(data_dir)
    plan = read_json(data_dir / FORWARD_PLAN) or {"ids": []}
    records = RecordStore(data_dir / FORWARD_RECORDS).by_id()
    teacher = [records[rid] for rid in plan["ids"] if rid in records]
    embedder = None
    if use_embedder:
        from dsr.synth.embedder import Embedder

        embedder = Embedder()
        _embed_all(embedder, inputs, teacher)
    beats = {i: check_beat(entry, embedder, cfg) for i, entry in enumerate(inputs)}
    by_input = {entry["id"]: i for i, entry in enumerate(inputs) if entry["id"]}
    forward = []
    for record in teacher:
        index = by_input.get(record["source"]["input"])
        if index is None:  # its reverse input is gone (reverse re-run with other settings)
            continue
        forward.append((record, check_forward(record, inputs[index], beats[index], embedder, cfg)))
    if embedder is not None:
        mark_near_duplicates([v for _, v in forward], [(r.get("result") or {}).get("prose", "") for r, _ in forward],
                             embedder, cfg)
    result = FilterResult(inputs, beats, forward, read_jsonl(data_dir / PROFILE_VERDICTS),
                          missing_forward=len(plan["ids"]) - len(teacher))
    result.summaries = [
        _summary("filter: profiles", result.profiles),
        _summary("filter: beats", [v.to_dict() for v in beats.values()]),
        _summary("filter: teacher", [v.to_dict() for _, v in forward]),
    ]
    if result.missing_forward:
        result.summaries[-1].notes.append(f"{result.missing_forward} planned sample(s) have no record "
                                          "(failed calls): re-run dsr synth forward")
    return result


def _embed_all(embedder, inputs: list[dict], teacher: list[dict]) -> None:
    """Every text the checks compare, embedded in one batch (much faster than one by one)."""
    texts = []
    for entry in inputs:
        if entry["beat_status"] == "ok":
            texts += [entry["outline"]["summary"], entry["reference_prose"], *events(entry["outline"]["summary"])]
    for record in teacher:
        if record["status"] == "ok":
            texts += [record["result"]["prose"], *paragraphs(record["result"]["prose"])]
    embedder.embed(texts)


def _summary(step: str, verdicts: list[dict]) -> StepSummary:
    summary = StepSummary(step, planned=len(verdicts), new=len(verdicts))
    for v in verdicts:
        if v["kept"]:
            summary.kept += 1
        else:
            summary.dropped[reason_key(v["reasons"][0])] += 1  # by first reason: each item once
    return summary


def reason_counts(verdicts: list[dict]) -> Counter:
    """Every reason of every dropped item (an item may have several)."""
    return Counter(reason_key(r) for v in verdicts for r in v["reasons"])


def write_verdicts(data_dir: Path, result: FilterResult) -> None:
    rows = list(result.profiles) + [v.to_dict() for v in result.beats.values()]
    rows += [v.to_dict() for _, v in result.forward]
    write_jsonl(data_dir / VERDICTS, rows)


def filter_job(data_dir: Path, cfg: FilterConfig | None = None) -> list[StepSummary]:
    data_dir = Path(data_dir)
    with lock(data_dir):
        result = run_filters(data_dir, cfg)
        write_verdicts(data_dir, result)
        for summary in result.summaries:
            save_summary(data_dir, summary, (cfg or FilterConfig()).to_dict())
    return result.summaries
