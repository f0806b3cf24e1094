"""``dsr eval benchmark``: the method's protocol, end to end.

1. Held-out screenplays -> reverse synthesis (``dsr.synth.jobs.reverse_job``)
   -> per screenplay a ``dsr write`` story (outline beats, character
   profiles) and per scene the real scene, which is the human reference.
   ``--corpus`` may also name a data folder that reverse synthesis already
   wrote (it holds ``inputs.jsonl`` and ``stories/``); then step 1 is skipped.
2. Each system writes every story: ``dsr:SPEC`` by Dual-Stage Refinement,
   ``direct:SPEC`` by the direct baseline, both through ``write_story``
   into their own run directories.
3. Format metrics, rubric and pairwise judgments (every pair of systems and
   each system against the human scenes), Bradley-Terry when there are
   three or more, share of human level, and the decomposition gain (DSR
   minus direct on the same model spec).

Everything is cached and resumable: reverse records and their calls live in
``REPORT_DIR/data``, each run in ``REPORT_DIR/runs/SYSTEM/SCREENPLAY`` with
its own call cache, judge calls in ``REPORT_DIR/judge_calls.sqlite``. A
killed benchmark re-run with the same command redoes nothing that finished.

The human scene is shown to judges under the outline's heading (the heading
every system was given), so that the heading's typography cannot tell the
real scene from the generated ones.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsr.errors import UserError
from dsr.evaluate.evaluation import EvalPlan, evaluate
from dsr.evaluate.format_metrics import pooled_metrics
from dsr.evaluate.items import SceneItem, SystemOutput, align, item_id, judge_view, load_run, load_story_json
from dsr.evaluate.judge_common import DEFAULT_JUDGE, JudgeSettings, open_judge
from dsr.evaluate.report import new_report, output_dir
from dsr.files import atomic_write_text
from dsr.llm.base import ChatModel
from dsr.screenplay.parser import parse

KINDS = ("dsr", "direct")
INPUTS = "inputs.jsonl"


@dataclass(frozen=True)
class SystemSpec:
    name: str
    kind: str  # dsr | direct
    spec: str


@dataclass
class BenchmarkOptions:
    corpus: Path
    systems: list[str]
    out: Path
    judge: str | None = None
    teacher: str | None = None
    max_scripts: int | None = None
    max_scenes: int | None = None
    max_characters: int = 8  # character profiles reverse-synthesised per screenplay
    human: bool = True
    judge_settings: JudgeSettings = field(default_factory=JudgeSettings)
    write_options: dict[str, Any] = field(default_factory=dict)  # extra dsr write Settings fields
    seed: int = 0
    n_resamples: int = 2000


def parse_system_specs(args: list[str]) -> list[SystemSpec]:
    """``dsr:SPEC``, ``direct:SPEC`` or ``NAME=KIND:SPEC``; unnamed systems are
    called by their kind, numbered when a kind repeats."""
    parsed = []
    for arg in args:
        name, sep, rest = arg.partition("=")
        if not sep or ":" in name or not re.fullmatch(r"[A-Za-z0-9][\w.+-]{0,39}", name):
            name, rest = "", arg
        kind, sep, spec = rest.partition(":")
        if not sep or kind not in KINDS or not spec.strip():
            raise UserError(f"--systems {arg}: give KIND:SPEC with KIND dsr or direct (e.g. dsr:embedded, "
                            "direct:openai:MODEL@URL), optionally NAME=KIND:SPEC")
        parsed.append(SystemSpec(name, kind, spec.strip()))
    counts = {k: sum(p.kind == k for p in parsed if not p.name) for k in KINDS}
    seen: dict[str, int] = {}
    named = []
    for p in parsed:
        if not p.name:
            seen[p.kind] = seen.get(p.kind, 0) + 1
            p = SystemSpec(p.kind if counts[p.kind] == 1 else f"{p.kind}-{seen[p.kind]}", p.kind, p.spec)
        named.append(p)
    names = [p.name for p in named]
    if len(set(names)) != len(names) or "human" in names:
        raise UserError(f"--systems: names must be unique and not 'human' (got {', '.join(names)})")
    return named


def reverse_synthesis(options: BenchmarkOptions, teacher: str, backend: ChatModel | None) -> Path:
    """The data folder with ``inputs.jsonl`` and ``stories/``: given, or made."""
    if (options.corpus / INPUTS).is_file():
        return options.corpus
    from dsr.synth.jobs import reverse_job
    from dsr.synth.settings import ReverseSettings, RunOptions

    data = options.out / "data"
    settings = ReverseSettings(models=[teacher], max_screenplays=options.max_scripts,
                               max_scenes=options.max_scenes, max_characters=options.max_characters,
                               seed=options.seed)
    summary = reverse_job(options.corpus, data, settings, RunOptions(concurrency=options.judge_settings.concurrency),
                          backend=backend)
    if summary.failed:
        raise UserError(f"reverse synthesis failed for {summary.failed} item(s): "
                        f"{'; '.join(summary.errors) or 'see ' + str(data / 'summary.json')}", exit_code=4)
    return data


def read_inputs(data: Path, max_scripts: int | None, max_scenes: int | None) -> dict[str, list[dict]]:
    """Scene inputs per screenplay id, in scene order, within the limits."""
    from dsr.synth.records import read_jsonl

    by_script: dict[str, list[dict]] = {}
    for row in read_jsonl(data / INPUTS):
        by_script.setdefault(row["screenplay"], []).append(row)
    if not by_script:
        raise UserError(f"{data / INPUTS} holds no scene inputs")
    selected = dict(sorted(by_script.items())[: max_scripts or None])
    for rows in selected.values():
        rows.sort(key=lambda r: r["scene"])
        del rows[max_scenes or len(rows):]
    return selected


def write_system(system: SystemSpec, stories: dict[str, Path], runs: Path, options: BenchmarkOptions,
                 backends: dict[str, ChatModel] | None, log: Callable[[str], None]) -> list[SystemOutput]:
    """Write every story with one system; one run directory per screenplay."""
    from dsr.pipeline.settings import Settings
    from dsr.pipeline.write import write_story

    outputs = []
    for script_id, story_path in stories.items():
        settings = Settings(stage1_model=system.spec, stage2_model=system.spec, direct=system.kind == "direct",
                            pdf=False, seed=options.seed, **options.write_options)
        run_dir = runs / system.name / script_id
        result = write_story(story_path, run_dir, settings,
                             backends={"stage1": backends[system.name], "stage2": backends[system.name]}
                             if backends else None)
        log(f"{system.name} ({system.kind}, {system.spec}) {script_id}: {result.summary}")
        outputs.append(load_run(run_dir, system.name, prefix=f"{script_id}/"))
    return outputs


def human_scenes(inputs: dict[str, list[dict]], stories: dict[str, Path]) -> list[SystemOutput]:
    """The real scenes, each under its outline scene's heading."""
    outputs = []
    for script_id, rows in inputs.items():
        story = load_story_json(stories[script_id])
        scenes = {}
        for row in rows:
            elements = parse(row["reference"]).elements
            body = [el for el in elements if el.type != "scene_heading"]
            heading = parse(story.scenes[row["scene"]].heading() + "\n").elements[:1]
            iid = item_id(row["scene"], f"{script_id}/")
            scenes[iid] = SceneItem(iid, judge_view(heading + body))
        outputs.append(SystemOutput("human", stories[script_id], scenes, story))
    return outputs


def merge(name: str, parts: list[SystemOutput]) -> SystemOutput:
    scenes = {iid: scene for part in parts for iid, scene in part.scenes.items()}
    merged = SystemOutput(name, parts[0].source.parent, scenes)
    merged.notes = [n for part in parts for n in part.notes]
    return merged


def limited_stories(inputs: dict[str, list[dict]], data: Path, out: Path) -> dict[str, Path]:
    """Story files cut to the scenes under test (``--max-scenes``)."""
    stories = {}
    for script_id, rows in inputs.items():
        story_path = data / rows[0]["story_file"]
        story = load_story_json(story_path)
        keep = len(rows)
        if [r["scene"] for r in rows] != list(range(keep)):
            raise UserError(f"{data / INPUTS}: the scenes of {script_id} are not numbered 0..{keep - 1}")
        if keep < len(story.scenes):
            story = story.model_copy(update={"scenes": story.scenes[:keep]})
            story_path = out / "stories" / f"{script_id}.json"
            atomic_write_text(story_path, json.dumps(story.model_dump(mode="json"), indent=2))
        stories[script_id] = story_path
    return stories


def run_benchmark_protocol(options: BenchmarkOptions, *, warn: Callable[[str], None] = lambda m: None,
                           backends: dict[str, ChatModel] | None = None, judge_backend: ChatModel | None = None,
                           log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The benchmark report (see the module doc). ``backends`` (system name
    -> model, plus "teacher") and ``judge_backend`` replace spec resolution
    for tests."""
    from dsr.progress import NullContext, reporter_for_terminal

    log = log or (lambda line: print(line, file=sys.stderr))
    systems = parse_system_specs(options.systems)
    for limit in ("max_scripts", "max_scenes"):
        value = getattr(options, limit)
        if value is not None and value < 1:
            raise UserError(f"--{limit.replace('_', '-')} must be at least 1, not {value}")
    if not options.corpus.is_dir():
        raise UserError(f"--corpus {options.corpus}: not a folder of screenplays or a reverse-synthesis data folder")
    output_dir(options.out)
    teacher = options.teacher or options.judge or DEFAULT_JUDGE
    data = reverse_synthesis(options, teacher, (backends or {}).get("teacher"))
    inputs = read_inputs(data, options.max_scripts, options.max_scenes)
    stories = limited_stories(inputs, data, options.out)
    log(f"benchmark: {len(stories)} screenplay(s), {sum(map(len, inputs.values()))} scene(s), "
        f"systems {', '.join(s.name for s in systems)}")

    per_system = {s.name: write_system(s, stories, options.out / "runs", options, backends, log) for s in systems}
    outputs = [merge(name, parts) for name, parts in per_system.items()]
    human_parts = human_scenes(inputs, stories) if options.human else []
    human = merge("human", human_parts) if human_parts else None
    align(outputs, human)

    reporter = reporter_for_terminal(unit="verdicts")
    judge, warnings = open_judge(options.judge, options.out / "judge_calls.sqlite", options.judge_settings,
                                 backend=judge_backend, reporter=reporter)
    for w in warnings:
        warn(w)
    gains = [(a.name, b.name) for a in systems for b in systems
             if a.kind == "dsr" and b.kind == "direct" and a.spec == b.spec]
    plan = EvalPlan(format=False, gains=gains, seed=options.seed, n_resamples=options.n_resamples)
    try:
        with reporter or NullContext():
            sections = asyncio.run(evaluate(outputs, human, judge, plan))
    finally:
        judge.model.close()
    sections["format"] = {name: pooled_metrics(parts) for name, parts in per_system.items()}
    if human_parts:
        sections["format"]["human"] = pooled_metrics(human_parts)
    report = new_report("benchmark")
    report.update(sections)
    report["warnings"] = warnings + report["warnings"]
    report["benchmark"] = {
        "corpus": str(options.corpus), "data": str(data), "teacher": teacher,
        "systems": [{"name": s.name, "kind": s.kind, "spec": s.spec} for s in systems],
        "screenplays": {sid: len(rows) for sid, rows in inputs.items()},
        "reverse_beats_not_ok": sum(r["beat_status"] != "ok" for rows in inputs.values() for r in rows),
        "write_options": options.write_options,
    }
    if report["benchmark"]["reverse_beats_not_ok"]:
        report["warnings"].append(
            f"{report['benchmark']['reverse_beats_not_ok']} scene outline(s) came from an extractive summary "
            "because reverse synthesis gave no usable beat"
        )
    return report
