"""The issue-9 table: what the embedded model's runs keep of their outlines.

For run directories made by ``dsr write`` (two-stage) and ``dsr write
--direct`` on the same examples, one row per (label, example, mode):
character coverage, invented speakers, beat match, continuity findings (all
from ``dsr eval format``'s own code, so the numbers are the command's), the
share of scenes from a fallback by kind, and tokens per second.

A run directory NAME pairs with NAME-direct. ``NAME.time`` beside it, when
present, holds ``/usr/bin/time -f "%U %S %e"`` of the run (user s, system s,
wall s): tokens per CPU second are then given too, which a shared machine's
load moves far less than wall time.

    .venv/bin/python bench/fidelity_table.py before=/tmp/fid/before/runs after=/tmp/fid/after/runs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsr.evaluate.format_metrics import system_metrics  # noqa: E402
from dsr.evaluate.items import load_system  # noqa: E402
from dsr.fidelity.names import Cast, is_generic_role, matches_extra  # noqa: E402
from dsr.screenplay.parser import parse  # noqa: E402


def invented_speakers(system) -> list[str]:
    """Cues that are no one in the story: not a cast name or alias, not the
    scene's extras, not a generic role (WAITER, GUARD 2)."""
    cast = Cast.of(system.story)
    found = []
    for outline, scene in zip(system.story.scenes, system.scenes.values()):
        for element in parse(scene.text).elements:
            if element.type != "character":
                continue
            cue = " ".join((element.name or element.text).split())
            if cast.person(cue) is None and not is_generic_role(cue) and not matches_extra(cue, list(outline.extras)):
                found.append(cue)
    return found


def fallback_kinds(manifest: dict) -> dict[str, int]:
    """Scenes by where their text came from. Before the fidelity gate the
    manifest had ``fallback: true`` (stage 2's format fallback) and a
    ``prose_from_outline`` flag; after, ``fallback: "outline" | "format"``."""
    kinds = {"outline": 0, "format": 0}
    for scene in manifest["scenes"]:
        value = scene.get("fallback")
        if value == "outline" or (value is not True and "prose_from_outline" in scene.get("flags", [])):
            kinds["outline"] += 1
        elif value in (True, "format"):
            kinds["format"] += 1
    return kinds


def row(label: str, run: Path) -> dict:
    system = load_system(f"{run.name}={run}", require_scenes=True)
    metrics = system_metrics(system)
    coverage, continuity = metrics.get("coverage") or {}, metrics.get("continuity") or {}
    manifest = json.loads((run / "manifest.json").read_text())
    usage = manifest.get("usage_this_run") or {}
    tokens = sum(u.get("completion_tokens", 0) for u in usage.values())
    model_s = sum(u.get("model_seconds", 0) for u in usage.values())
    timing = run.with_name(run.name + ".time")
    cpu = wall = None
    if timing.exists():
        user, system_s, wall = (float(x) for x in timing.read_text().split()[-3:])
        cpu = user + system_s
    n = len(manifest["scenes"])
    return {
        "label": label, "example": run.name.removesuffix("-direct"),
        "mode": "direct" if manifest["mode"] == "direct" else "DSR", "scenes": n,
        "character_coverage": coverage.get("character_coverage"),
        "invented_speakers": invented_speakers(system),
        "beat_match": coverage.get("beat_match_rate"), "event_similarity": coverage.get("event_similarity"),
        "continuity": continuity.get("count"), "fallback": fallback_kinds(manifest),
        "tokens": tokens, "model_tok_s": tokens / model_s if model_s else None,
        "cpu_s": cpu, "wall_s": wall or manifest["timings"]["wall_s"],
        "tok_per_cpu_s": tokens / cpu if cpu else None,
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def markdown(rows: list[dict]) -> str:
    lines = ["| run | example | mode | scenes | character coverage | invented speakers | beat match | "
             "event sim. | continuity findings | fallback: outline / format | tokens | tok/s (model) | "
             "tok per CPU-s | wall |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        invented = r["invented_speakers"]
        names = f" ({', '.join(sorted(set(invented)))})" if invented else ""
        fallback = f"{r['fallback']['outline']} / {r['fallback']['format']}"
        lines.append(
            f"| {r['label']} | {r['example']} | {r['mode']} | {r['scenes']} | {pct(r['character_coverage'])} | "
            f"{len(invented)}{names} | {pct(r['beat_match'])} | {num(r['event_similarity'], 2)} | "
            f"{r['continuity']} | {fallback} | {r['tokens']:,} | {num(r['model_tok_s'])} | "
            f"{num(r['tok_per_cpu_s'])} | {r['wall_s'] / 60:.1f} min |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", metavar="LABEL=DIR", help="a folder of run directories, labelled")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    rows = []
    for arg in args.runs:
        label, _, folder = arg.partition("=")
        for run in sorted(Path(folder).iterdir()):
            if (run / "manifest.json").exists():
                rows.append(row(label, run))
    rows.sort(key=lambda r: (r["example"], r["mode"], r["label"]))
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
