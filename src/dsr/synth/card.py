"""The dataset card (``OUT/README.md``) and its figures (``OUT/stats.json``):
what is in each file, how it was made, token statistics, filter drop rates.

Tokens are counted with the SmolLM2 tokenizer (the embedded model's GGUF
vocabulary, through llama.cpp; no weights loaded) over message contents,
without the chat template's few tokens per message; without llama.cpp,
words are counted instead and the card says so.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from pathlib import Path
from typing import Callable

from dsr.files import atomic_write_json, atomic_write_text, read_json
from dsr.synth.filter_job import FilterResult, reason_counts
from dsr.synth.split import SPLITS


@contextlib.contextmanager
def _quiet_stderr():
    """llama.cpp prints context warnings from C straight to fd 2."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def token_counter() -> tuple[Callable[[str], int], str]:
    try:
        from llama_cpp import Llama

        from dsr.llm.embedded import default_gguf_path

        with _quiet_stderr():
            vocab = Llama(model_path=str(default_gguf_path()), vocab_only=True, verbose=False)
        return (lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False)),
                "SmolLM2-135M tokenizer")
    except Exception:  # no llama.cpp or no model package: words are still a fair size measure
        return (lambda text: len(text.split())), "words (tokenizer unavailable)"


def _describe(values: list[int]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "mean": round(statistics.fmean(values), 1), "median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], "max": ordered[-1]}


def token_stats(rows: dict[str, list[dict]], count: Callable[[str], int]) -> dict:
    stats = {}
    for kind, kind_rows in rows.items():
        prompt = [sum(count(m["content"]) for m in r["prompt"]) for r in kind_rows]
        completion = [count(r["completion"][0]["content"]) for r in kind_rows]
        stats[kind] = {"prompt": _describe(prompt), "completion": _describe(completion)}
    return stats


def drop_rates(result: FilterResult) -> dict:
    groups = {"profiles": result.profiles, "beats": [v.to_dict() for v in result.beats.values()],
              "teacher samples": [v.to_dict() for _, v in result.forward]}
    rates = {}
    for name, verdicts in groups.items():
        n = len(verdicts)
        dropped = sum(not v["kept"] for v in verdicts)
        rates[name] = {"items": n, "kept": n - dropped, "dropped": dropped,
                       "drop_rate": round(dropped / n, 3) if n else None,
                       "reasons": {r: {"items": c, "share": round(c / n, 3)} for r, c in reason_counts(verdicts).most_common()}}
    return rates


def models_used(data_dir: Path, result: FilterResult) -> dict:
    summary = read_json(data_dir / "summary.json") or {}
    reverse = sorted({e["provenance"]["model"] for e in result.inputs if e["provenance"].get("model")})
    teachers = sorted({r["model"] for r, _ in result.forward})
    forward_settings = (summary.get("forward") or {}).get("settings", {})
    return {"reverse": reverse, "teacher": teachers,
            "reverse_prompt_versions": sorted({e["provenance"]["prompt_version"] for e in result.inputs
                                               if e["provenance"].get("prompt_version")}),
            "teacher_prompt_versions": sorted({r["prompt_version"] for r, _ in result.forward}),
            "samples_per_scene": forward_settings.get("samples"),
            "with_reference": forward_settings.get("with_reference")}


def write_card(out: Path, data_dir: Path, rows: dict[str, list[dict]], counts: dict, assignment: dict,
               result: FilterResult, *, seed: int, shares: tuple, use_filters: bool) -> Path:
    count, unit = token_counter()
    stats = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "data_dir": str(data_dir), "seed": seed, "shares": list(shares), "filters": use_filters,
        "rows": counts,
        "screenplays": {split: sorted(s for s, v in assignment.items() if v == split) for split in SPLITS},
        "tokens": token_stats(rows, count), "token_unit": unit,
        "filters_report": drop_rates(result), "models": models_used(data_dir, result),
    }
    atomic_write_json(out / "stats.json", stats)
    path = out / "README.md"
    atomic_write_text(path, render_card(stats))
    return path


def _table(header: list[str], body: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in body]


def render_card(stats: dict) -> str:
    m = stats["models"]
    lines = [
        "# dsr synthesis datasets", "",
        "Training data for Dual-Stage Refinement made by `dsr synth` from real screenplays: reverse synthesis "
        "(outline beats, directives, character profiles read from each scene) and forward synthesis (a teacher "
        "writes directives and screen-oriented prose with `dsr write`'s own stage-1 prompts).", "",
        "Each line is TRL's conversational prompt/completion form: `prompt` (system + user messages), "
        "`completion` (one assistant message), `task`, `meta` (screenplay, scene, sample, record ids). "
        "Prompts are rendered by the pipeline's prompt code, so they match what `dsr write` sends.", "",
        "| dataset | prompt | completion |", "|---|---|---|",
        "| stage1 | stage-1 directives request / prose request (outline, profiles, previous context) | "
        "teacher's directives (JSON) / teacher's prose |",
        "| stage2 | stage-2 request with the teacher's prose | the real scene (Fountain, under the outline's heading) |",
        "| direct | direct-baseline request (outline, profiles, previous context) | the real scene |",
        "| reverse_only | stage-1 requests | directives from reverse synthesis / the real scene read as prose "
        "(no teacher: the ablation) |", "",
        "## Rows", "",
        *_table(["dataset", *SPLITS, "total"],
                [[k, *(c[s] for s in SPLITS), sum(c.values())] for k, c in stats["rows"].items()]), "",
        f"Split by screenplay (seed {stats['seed']}, shares {', '.join(str(s) for s in stats['shares'])}); "
        "no screenplay is in two splits:", "",
        *[f"- {split}: {', '.join(ids) or '(none)'}" for split, ids in stats["screenplays"].items()], "",
        f"## Tokens ({stats['token_unit']}, message contents)", "",
        *_table(["dataset", "rows", "prompt mean", "prompt p95", "prompt max", "completion mean", "completion p95",
                 "completion max"],
                [[k, t["prompt"]["n"], t["prompt"].get("mean", "-"), t["prompt"].get("p95", "-"),
                  t["prompt"].get("max", "-"), t["completion"].get("mean", "-"), t["completion"].get("p95", "-"),
                  t["completion"].get("max", "-")] for k, t in stats["tokens"].items()]), "",
        "## Filters", "",
        ("Every dropped item has its reasons in the data directory's `verdicts.jsonl`." if stats["filters"]
         else "**Made with --no-filter: nothing below was applied; for inspection only.**"), "",
        *_table(["items", "judged", "kept", "dropped", "drop rate"],
                [[name, r["items"], r["kept"], r["dropped"], "-" if r["drop_rate"] is None else f"{r['drop_rate']:.0%}"]
                 for name, r in stats["filters_report"].items()]), "",
    ]
    for name, report in stats["filters_report"].items():
        if report["reasons"]:
            lines += [f"Reasons ({name}; an item may have several):", ""]
            lines += [f"- {reason}: {r['items']} ({r['share']:.0%})" for reason, r in report["reasons"].items()]
            lines.append("")
    lines += [
        "## Models", "",
        f"- reverse synthesis: {', '.join(m['reverse']) or '-'} (prompt versions {', '.join(m['reverse_prompt_versions']) or '-'})",
        f"- teacher: {', '.join(m['teacher']) or '-'} (prompt versions {', '.join(m['teacher_prompt_versions']) or '-'}); "
        f"samples per scene: {m['samples_per_scene'] or '-'}; teacher saw the real scene: "
        f"{'yes (ablation)' if m['with_reference'] else 'no'}", "",
        "## Loading", "", "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("json", data_files={"train": "stage1/train.jsonl", "validation": "stage1/validation.jsonl"})',
        "# TRL: SFTTrainer(model=..., train_dataset=ds['train']) trains on the completion only",
        "```", "",
        "A weak model (the embedded 135M) makes mostly unusable outlines and prose; the filters drop them, so "
        "expect few rows from it. Use a capable model behind an OpenAI-compatible server for real data.", "",
    ]
    return "\n".join(lines)
