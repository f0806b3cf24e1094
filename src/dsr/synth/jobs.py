"""The synthesis commands as functions (the CLI, tests and the benchmark call these).

``reverse_job``: corpus -> reverse records -> stories and inputs.
``forward_job``: inputs -> teacher records (K samples per scene).
Each holds the data directory's lock for its whole run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dsr.errors import UserError
from dsr.llm.base import ChatModel
from dsr.files import atomic_write_json
from dsr.synth.corpus import load_corpus
from dsr.progress import Reporter
from dsr.synth.inputs import assemble
from dsr.synth.records import RecordStore, read_jsonl
from dsr.synth.runner import StepSummary, lock, run_step, save_summary
from dsr.synth.settings import ForwardSettings, ReverseSettings, RunOptions

REVERSE_RECORDS = "reverse.jsonl"
FORWARD_RECORDS = "forward.jsonl"
INPUTS = "inputs.jsonl"
FORWARD_PLAN = "forward_plan.json"


def model_id_for(specs: list[str], backend: ChatModel | None) -> str:
    from dsr.synth.models import model_identity

    return backend.spec if backend is not None else model_identity(specs)


def reverse_job(corpus_dir: Path, data_dir: Path, settings: ReverseSettings, options: RunOptions,
                progress: Reporter | None = None, backend: ChatModel | None = None) -> StepSummary:
    from dsr.synth.reverse import plan_reverse

    settings.check(), options.check()
    data_dir = Path(data_dir)
    unusable: list[str] = []  # corpus files left out, with why
    corpus = load_corpus(Path(corpus_dir), settings.max_screenplays, settings.max_scenes, unusable)
    if not corpus:
        why = f" ({unusable[0]}{'; ...' if len(unusable) > 1 else ''})" if unusable else ""
        raise UserError(f"{corpus_dir}: no screenplay with a usable scene{why}; run `dsr import` for a report")
    with lock(data_dir):
        items = plan_reverse(corpus, settings, model_id_for(settings.models, backend))
        store = RecordStore(data_dir / REVERSE_RECORDS)
        summary = run_step("reverse", items, store, settings.models, data_dir, options, progress, backend)
        inputs, left_out = assemble(corpus, items, store.by_id(), data_dir)
        summary.dropped.update(left_out)
        summary.kept -= sum(n for reason, n in left_out.items() if not reason.startswith("screenplay"))
        summary.notes += [f"left out {line}" for line in unusable]
        skipped = sum(sp.skipped_scenes for sp in corpus)
        if skipped:
            summary.notes.append(f"{skipped} scene(s) under the minimum length were not used")
        summary.notes.append(f"{len(inputs)} scene input(s) in {data_dir / INPUTS}, "
                             f"{len({i['story_file'] for i in inputs})} stories in {data_dir / 'stories'}")
        save_summary(data_dir, summary, {**settings.to_dict(), "corpus": str(corpus_dir)})
    return summary


def load_inputs(data_dir: Path) -> list[dict]:
    path = Path(data_dir) / INPUTS
    if not path.exists():
        raise UserError(f"{data_dir}: no {INPUTS}; run `dsr synth reverse CORPUS -o {data_dir}` first")
    return read_jsonl(path)


def forward_job(data_dir: Path, settings: ForwardSettings, options: RunOptions,
                progress: Reporter | None = None, backend: ChatModel | None = None) -> StepSummary:
    from dsr.synth.forward import plan_forward

    settings.check(), options.check()
    data_dir = Path(data_dir)
    with lock(data_dir):
        inputs = load_inputs(data_dir)
        usable = [i for i in inputs if i["beat_status"] == "ok"]
        skipped = Counter(f"not forwarded: reverse beat {i['beat_status']}" for i in inputs if i["beat_status"] != "ok")
        if settings.max_items:
            usable = usable[: settings.max_items]
        items = plan_forward(usable, data_dir, settings, model_id_for(settings.models, backend))
        store = RecordStore(data_dir / FORWARD_RECORDS)
        # The dataset is made from this plan (forward.jsonl may also hold
        # records of earlier runs with other teachers or settings).
        atomic_write_json(data_dir / FORWARD_PLAN, {"ids": [item.id for item in items], "settings": settings.to_dict()})
        summary = run_step("forward", items, store, settings.models, data_dir, options, progress, backend)
        summary.dropped.update(skipped)
        save_summary(data_dir, summary, settings.to_dict())
    return summary
