"""Reports: one JSON with every number, Markdown in the method's table
layout made from that JSON, PNG plots, and a terminal summary.

Every ``dsr eval`` command builds one report dict (sections below, each
optional) and hands it to ``write_report``. The Markdown and the plots are
rendered from the dict, never from separate computations, so the three
files cannot disagree.

Sections: ``pairwise`` (list of pair summaries), ``bradley_terry``,
``rubric`` (per system), ``human_level`` (per system), ``gains`` (paired
differences), ``format`` (per system), ``agreement`` (human ratings).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable

from dsr import __version__
from dsr.errors import UserError
from dsr.evaluate.rubric import ERROR_CATEGORIES
from dsr.files import atomic_write_json, atomic_write_text

# A flip rate at or above this, or a significant first-position preference,
# gets a warning: the verdicts then say more about position than quality.
FLIP_RATE_WARNING = 0.5
POSITION_P_VALUE = 0.05


def new_report(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "dsr_version": __version__, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "warnings": [], **fields}


# -- number formatting ---------------------------------------------------------

def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ci_text(ci: dict | None, scale: float = 1.0, digits: int = 1) -> str:
    if not ci:
        return "-"
    return f"[{ci['low'] * scale:.{digits}f}, {ci['high'] * scale:.{digits}f}]"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# -- position bias ----------------------------------------------------------------

def position_warnings(pair: dict[str, Any]) -> list[str]:
    """Warnings for one pairwise summary whose verdicts depend on position."""
    out = []
    label = f"{pair['system_a']} vs {pair['system_b']}"
    if pair["flip_rate"] >= FLIP_RATE_WARNING:
        out.append(
            f"{label}: the judge's verdict changed with the order of presentation on {pct(pair['flip_rate'])} "
            "of items (counted as ties); it is judging position more than quality"
        )
    rate, p = pair.get("first_position_rate"), pair.get("first_position_p_value")
    if rate is not None and p is not None and p < POSITION_P_VALUE:
        side = "first" if rate > 0.5 else "second"
        out.append(f"{label}: the judge prefers the {side}-shown scene ({pct(max(rate, 1 - rate))} of decisive "
                   f"judgments, p = {p:.3g})")
    missing = pair.get("failures", {}).get("missing", 0)
    if missing:
        out.append(f"{label}: {missing} verdict(s) missing after retries; {len(pair['excluded'])} item(s) excluded")
    return out


# -- Markdown -----------------------------------------------------------------------

def _pairwise_md(pairs: list[dict[str, Any]]) -> str:
    rows = []
    for p in pairs:
        lc = p.get("length_controlled") or {}
        rows.append([
            p["system_a"], p["system_b"], str(p["n_items"]), str(p["wins"]), str(p["ties"]), str(p["losses"]),
            pct(p["win_rate"]), ci_text(p["ci"], 100), pct(lc.get("win_rate")), pct(p["flip_rate"]),
            pct(p["first_position_rate"]), str(len(p["excluded"])),
        ])
    head = ["System", "vs", "Items", "W", "T", "L", "Win rate", "95 % CI", "LC win rate", "Flip rate",
            "First-position", "Excluded"]
    return (
        "## Blind pairwise win rate\n\nEach item judged in both orders; a verdict that flips with the order is a "
        "tie. Win rate = (W + T/2) / N; CI: bootstrap over items; LC = length-controlled; flip rate = share of "
        "items whose verdict depends on the order; first-position = share of decisive judgments that chose the "
        "scene shown first (left, for human raters).\n\n" + table(head, rows)
    )


def _bradley_terry_md(bt: dict[str, Any]) -> str:
    rows = [[str(k), r["system"], num(r["rating"], 0), ci_text(r["ci"], 1, 0), str(r["games"]), num(r["score"], 1)]
            for k, r in enumerate(bt["ratings"], 1)]
    note = f"\n\n{bt['note']}" if bt.get("note") else ""
    return ("## Bradley-Terry ratings (Elo scale)\n\n"
            + table(["Rank", "System", "Rating", "95 % CI", "Games", "Points"], rows) + note)


def _rubric_md(rubric: dict[str, Any], human_level: dict[str, Any], human: str | None) -> str:
    rows = []
    for name, entry in rubric.items():
        summary = entry.get("summary")
        share = (human_level or {}).get(name)
        mean = summary["mean"] if summary else None
        rows.append([
            name + (" (human)" if name == human else ""),
            num(mean["value"] if mean else None), ci_text(mean["ci"] if mean else None, 1, 2),
            "100.0 %" if name == human else pct(share["share"] if share else None),
            ci_text(share["ci"] if share else None, 100),
            str(entry["failures"]["valid"]), str(entry["failures"]["missing"]),
        ])
    head = ["System", "Score (/12)", "95 % CI", "Share of human level", "95 % CI", "Scored", "Missing"]
    text = "## Rubric score\n\nMean of per-scene scores on the 12-point scale; share of human level = " \
           "mean(system) / mean(human) on the same scenes, paired bootstrap CI.\n\n" + table(head, rows)
    err_rows = []
    for name, entry in rubric.items():
        per = entry["errors"]["per_scene"]
        err_rows.append([name] + [num(per[c]) for c in ERROR_CATEGORIES]
                        + [num(entry["errors"]["all_categories_per_scene"])])
    text += "\n\n## Error counts per scene\n\n" + table(
        ["System", "Plot coherence", "Character development", "Pacing", "All"], err_rows)
    tier_names = list(next(iter(rubric.values()))["tiers"])
    tier_rows = [[name] + [str(entry["tiers"][t]) for t in tier_names] for name, entry in rubric.items()]
    text += "\n\n## Scenes per tier\n\n" + table(["System", *tier_names], tier_rows)
    return text


def _gains_md(gains: list[dict[str, Any]]) -> str:
    rows = [[g["a"], g["b"], num(g["mean_a"]), num(g["mean_b"]), f"{g['difference']:+.2f}", ci_text(g["ci"], 1, 2),
             str(g["n_items"])] for g in gains if g]
    return ("## Decomposition gain\n\nPaired difference of mean rubric scores on the same scenes "
            "(e.g. DSR minus the direct baseline on the same model).\n\n"
            + table(["System", "vs", "Score", "Score vs", "Gain", "95 % CI", "Items"], rows))


def _format_md(formats: dict[str, Any]) -> str:
    from dsr.evaluate.format_metrics import headline

    rows = []
    for name, metrics in formats.items():
        h = headline(metrics)
        rows.append([name, str(h["scenes"]), num(h["pages"], 1), num(h["errors_per_100_elements"], 1),
                     num(h["warnings_per_100_elements"], 1), pct(h["novelization_index"]),
                     num(h["dialogue_action_ratio"]), str(h["speaking_characters"]), pct(h["character_coverage"]),
                     num(h["event_similarity"]), pct(h["beat_match_rate"]),
                     "-" if h["continuity_findings"] is None else str(h["continuity_findings"])])
    head = ["System", "Scenes", "Pages", "Errors /100 el.", "Warnings /100 el.", "Novelization", "Dialogue/action",
            "Speakers", "Character coverage", "Event similarity", "Beat match", "Continuity"]
    text = "## Format metrics (no model)\n\n" + table(head, rows)
    listed = []
    for name, metrics in formats.items():
        findings = (metrics.get("continuity") or {}).get("findings", [])
        listed += [[name, _where(f), f["code"], f["message"]] for f in findings[:CONTINUITY_LISTED]]
        if len(findings) > CONTINUITY_LISTED:
            listed.append([name, "", "", f"{len(findings) - CONTINUITY_LISTED} more in report.json"])
    if listed:
        text += ("\n\n## Continuity findings (no model)\n\nAgainst the outline, scene by scene, as "
                 "`dsr check --story` reports them.\n\n" + table(["System", "Scenes", "Code", "Finding"], listed))
    return text


CONTINUITY_LISTED = 40  # per system in report.md; report.json has them all


def _where(finding: dict[str, Any]) -> str:
    numbers = finding["scenes"]
    where = ("scene " if len(numbers) == 1 else "scenes ") + ", ".join(str(n) for n in numbers)
    return f"{finding['script']} {where}" if finding.get("script") else where


def _continuity_review_md(review: dict[str, Any]) -> str:
    rows = [[str(c["scene"]), str(c["earlier_scene"]), c["contradiction"], c["fact"]] for c in review["contradictions"]]
    failures = review["failures"]
    text = ("## Continuity review\n\nContradictions with facts established in earlier scenes, as the judge "
            f"found them: {review['count']} in {review['scenes']} scenes (facts missing for "
            f"{failures['facts']['missing']} scene(s), {len(review['unchecked_scenes'])} scene(s) unchecked).")
    if rows:
        text += "\n\n" + table(["Scene", "Earlier scene", "Contradiction", "Established fact"], rows)
    return text


def _continuity_findings_md(continuity: dict[str, Any]) -> str:
    rows = [[_where(f), f["code"], f["message"]] for f in continuity["findings"]]
    text = ("## Continuity findings (no model)\n\nAgainst the outline, scene by scene, as `dsr check --story` "
            f"reports them: {continuity['count']}.")
    if rows:
        text += "\n\n" + table(["Scenes", "Code", "Finding"], rows)
    return text


def _agreement_md(agreement: dict[str, Any]) -> str:
    rows = []
    for label, entry in agreement.items():
        if not isinstance(entry, dict):
            continue
        value = entry.get("alpha", entry.get("kappa"))
        rows.append([label, num(value, 3), str(entry.get("n_units", entry.get("n_items", "-"))),
                     entry.get("note") or ""])
    return "## Agreement\n\n" + table(["Measure", "Value", "Units", "Note"], rows)


def markdown(report: dict[str, Any]) -> str:
    parts = [f"# dsr evaluation: {report['kind']}"]
    facts = [f"- created {report['created_at']} with dsr {report['dsr_version']}"]
    if report.get("judge"):
        judge = report["judge"]
        facts.append(f"- judge: `{judge['spec']}` (prompts {judge['prompt_version']})")
    if report.get("systems"):
        facts.append(f"- systems: {', '.join(report['systems'])}"
                     + (f"; human reference: {report['human']}" if report.get("human") else ""))
    if report.get("items") is not None:
        facts.append(f"- items (scenes): {len(report['items'])}")
    parts.append("\n".join(facts))
    if report["warnings"]:
        parts.append("## Warnings\n\n" + "\n".join(f"- {w}" for w in report["warnings"]))
    if report.get("pairwise"):
        parts.append(_pairwise_md(report["pairwise"]))
    if report.get("bradley_terry"):
        parts.append(_bradley_terry_md(report["bradley_terry"]))
    if report.get("rubric"):
        parts.append(_rubric_md(report["rubric"], report.get("human_level") or {}, report.get("human")))
    if report.get("gains"):
        parts.append(_gains_md(report["gains"]))
    if report.get("format"):
        parts.append(_format_md(report["format"]))
    if report.get("agreement"):
        parts.append(_agreement_md(report["agreement"]))
    if report.get("continuity_review"):
        parts.append(_continuity_review_md(report["continuity_review"]))
    if report.get("continuity"):
        parts.append(_continuity_findings_md(report["continuity"]))
    plots = report.get("plots") or []
    if plots:
        parts.append("## Plots\n\n" + "\n".join(f"![{Path(p).stem}]({p})" for p in plots))
    return "\n\n".join(parts) + "\n"


def summary_text(report: dict[str, Any], out_dir: Path, shown: Iterable[str] = ()) -> str:
    """What the terminal shows: warnings (but those in ``shown``, printed
    already), the headline tables, where the files are."""
    lines = []
    md = markdown({**report, "plots": []})
    keep = False
    for line in md.splitlines():
        if line.startswith("## "):
            keep = line[3:].split(" (")[0] in (
                "Blind pairwise win rate", "Bradley-Terry ratings", "Rubric score", "Decomposition gain",
                "Format metrics", "Agreement", "Continuity review", "Continuity findings",
            )
            if keep:
                lines.append("")
                lines.append(line[3:])
            continue
        if keep and line.startswith("|"):
            lines.append(line)
    review = report.get("continuity_review")
    if review:
        lines.append(f"continuity review: {review['count']} contradiction{'s' * (review['count'] != 1)} with "
                     f"earlier scenes in {review['scenes']} scenes")
    shown = set(shown)
    lines[:0] = [f"warning: {warning}" for warning in report["warnings"] if warning not in shown]
    lines.append("")
    lines.append(f"report: {out_dir / 'report.md'} (numbers: report.json, plots: plots/)")
    return "\n".join(lines).strip()


def output_dir(path: Path | str, what: str = "report directory") -> Path:
    """``path`` made if needed; a one-line ``UserError`` when it cannot be."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {what} {out}: {exc.strerror or exc}") from None
    return out


def write_report(report: dict[str, Any], out_dir: Path | str) -> Path:
    """Write report.json, report.md and plots/*.png into ``out_dir``."""
    from dsr.evaluate.plots import make_plots

    out = output_dir(out_dir)
    report["plots"] = make_plots(report, out / "plots")
    report["plots"] = [str(Path(p).relative_to(out)) for p in report["plots"]]
    atomic_write_json(out / "report.json", report)
    atomic_write_text(out / "report.md", markdown(report))
    return out / "report.md"
