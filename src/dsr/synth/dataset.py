"""``dsr synth dataset``: kept items -> chat-format JSONL for TRL.

Each row is TRL's conversational prompt/completion form::

    {"prompt": [{"role": "system", ...}, {"role": "user", ...}],
     "completion": [{"role": "assistant", "content": ...}],
     "task": "stage1.prose", "meta": {screenplay, scene, sample, record ids}}

``datasets.load_dataset("json", data_files=...)`` reads it as is and
``SFTTrainer`` trains on the completion only. Prompts are rendered with the
pipeline's own prompt code, so a model trained here is asked the same way at
inference (``dsr write``):

- **stage1**: two rows per kept teacher sample, as stage 1 makes two calls:
  the directives request -> the teacher's directives (JSON), and the prose
  request (with those directives) -> the teacher's prose;
- **stage2**: the stage-2 request with the teacher's prose -> the real scene
  (Fountain, under the outline's heading, as stage 2 must answer);
- **direct**: the direct baseline's request -> the real scene;
- **reverse_only** (ablation): the stage-1 requests -> targets made from the
  real scene without a teacher (reverse directives, the scene read as prose).
"""

from __future__ import annotations

import json
from pathlib import Path

from dsr.files import read_json, write_jsonl
from dsr.pipeline.direct import direct_messages
from dsr.story.cast import scene_speakers
from dsr.pipeline.stage1 import directives_messages, prose_messages
from dsr.pipeline.stage2 import stage2_messages
from dsr.story.model import SceneDirectives, Story, language_name
from dsr.synth.filter_job import FilterResult, run_filters, write_verdicts
from dsr.synth.runner import StepSummary, lock, save_summary
from dsr.synth.split import SPLITS, check_shares, split_screenplays

KINDS = ("stage1", "stage2", "direct", "reverse_only")


def _row(task: str, prompt: list[dict], completion: str, meta: dict) -> dict:
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": completion}], "task": task,
            "meta": meta}


def directives_json(directives: dict) -> str:
    """Directives as stage 1 asks for them (the schema's keys, in its order)."""
    d = SceneDirectives.model_validate(directives)
    return json.dumps(d.model_dump(), ensure_ascii=False)


def target_scene(entry: dict) -> str:
    """The real scene under the outline's heading: what stage 2 and the direct
    baseline must answer (they are told to start with that heading)."""
    body = entry["reference"].split("\n", 1)[1].strip() if "\n" in entry["reference"] else ""
    return f"{entry['heading']}\n\n{body}\n"


def stage1_rows(task: str, story: Story, entry: dict, directives: dict, prose: str, meta: dict) -> list[dict]:
    index, context = entry["scene"], entry["context"]
    plan = SceneDirectives.model_validate(directives)
    return [_row(f"{task}.directives", directives_messages(story, index, context), directives_json(directives), meta),
            _row(f"{task}.prose", prose_messages(story, index, context, plan), prose, meta)]


def build_rows(result: FilterResult, data_dir: Path, use_filters: bool) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    stories: dict[str, Story] = {}

    def story_of(entry: dict) -> Story:
        if entry["story_file"] not in stories:
            stories[entry["story_file"]] = Story.model_validate(read_json(data_dir / entry["story_file"]))
        return stories[entry["story_file"]]

    beat_kept = {}
    for index, entry in enumerate(result.inputs):
        verdict = result.beats[index]
        beat_kept[entry["id"]] = verdict.kept or (not use_filters and entry["beat_status"] == "ok")
        if not beat_kept[entry["id"]]:
            continue
        story = story_of(entry)
        meta = {"screenplay": entry["screenplay"], "scene": entry["scene"], "sample": None, "reverse_id": entry["id"]}
        direct = direct_messages(story, entry["scene"], entry["direct_context"])["fountain"]
        rows["direct"].append(_row("direct", direct, target_scene(entry), meta))
        rows["reverse_only"] += stage1_rows("reverse_only", story, entry, entry["directives"],
                                            entry["reference_prose"], meta)
    by_id = {entry["id"]: entry for entry in result.inputs if entry["id"]}
    for record, verdict in result.forward:
        entry = by_id[record["source"]["input"]]
        usable = record["status"] == "ok" and beat_kept.get(entry["id"])
        if not (verdict.kept if use_filters else usable):
            continue
        story = story_of(entry)
        meta = {"screenplay": entry["screenplay"], "scene": entry["scene"], "sample": record["sample"],
                "reverse_id": entry["id"], "forward_id": record["id"], "teacher": record["model"]}
        prose = record["result"]["prose"]
        rows["stage1"] += stage1_rows("stage1", story, entry, record["result"]["directives"], prose, meta)
        scene = story.scenes[entry["scene"]]
        # The names dsr write's stage 2 offers for this scene (its characters and extras).
        stage2 = stage2_messages(scene.heading(), prose, scene_speakers(story, scene),
                                 language_name(story.language))["fountain"]
        rows["stage2"].append(_row("stage2", stage2, target_scene(entry), meta))
    return rows


def write_splits(rows: dict[str, list[dict]], assignment: dict[str, str], out: Path) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for kind, kind_rows in rows.items():
        counts[kind] = {}
        for split in SPLITS:
            part = [r for r in kind_rows if assignment.get(r["meta"]["screenplay"]) == split]
            # Records finish in any order under concurrency; the files must not.
            part.sort(key=lambda r: json.dumps(r["meta"], sort_keys=True, ensure_ascii=False))
            counts[kind][split] = write_jsonl(out / kind / f"{split}.jsonl", part)
    return counts


def dataset_job(data_dir: Path, out: Path, *, seed: int = 0, shares: tuple[float, ...] = (0.8, 0.1, 0.1),
                use_filters: bool = True) -> tuple[list[StepSummary], Path]:
    from dsr.synth.card import write_card

    shares = check_shares(tuple(shares))
    data_dir, out = Path(data_dir), Path(out)
    with lock(data_dir):
        result = run_filters(data_dir, use_embedder=use_filters)
        write_verdicts(data_dir, result)
        rows = build_rows(result, data_dir, use_filters)
        assignment = split_screenplays([e["screenplay"] for e in result.inputs], seed, shares)
        counts = write_splits(rows, assignment, out)
        card = write_card(out, data_dir, rows, counts, assignment, result, seed=seed, shares=shares,
                          use_filters=use_filters)
        summaries = result.summaries
        dataset = StepSummary("dataset", planned=sum(len(v) for v in rows.values()),
                              new=sum(len(v) for v in rows.values()), kept=sum(len(v) for v in rows.values()))
        dataset.notes.append(", ".join(f"{kind} {sum(c.values())} rows" for kind, c in counts.items()))
        for summary in summaries:
            save_summary(data_dir, summary, {"use_filters": use_filters})
    return [*summaries, dataset], card
