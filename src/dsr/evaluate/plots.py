"""PNG plots of a report (matplotlib, no display needed):

* ``win_rates.png``: each pair's win rate with its 95 % interval, and the
  length-controlled win rate beside it; a line at 50 %;
* ``scores.png``: the distribution of rubric scores per system (how many
  scenes got each score from 1 to 12);
* ``bradley_terry.png``: ratings with intervals, when there are more than two
  systems;
* ``format.png``: validator error and warning rates and the novelization
  index per system.

Plots are written atomically (to a temporary name, then moved).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from dsr.files import atomic_write_bytes

SCALE = range(1, 13)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> str:
    """Write the figure atomically and free it."""
    plt = _pyplot()
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
        atomic_write_bytes(path, buffer.getvalue())
    finally:
        plt.close(fig)
    return str(path)


def _error_bars(values: list[float | None], cis: list[dict | None]) -> tuple[list[float], list[list[float]]]:
    shown = [v if v is not None else 0.0 for v in values]
    low = [v - c["low"] if (c and v is not None) else 0.0 for v, c in zip(shown, cis)]
    high = [c["high"] - v if (c and v is not None) else 0.0 for v, c in zip(shown, cis)]
    return shown, [low, high]


def win_rate_plot(pairs: list[dict[str, Any]], path: Path) -> str:
    plt = _pyplot()
    labels = [f"{p['system_a']} vs {p['system_b']}" for p in pairs]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(pairs) + 1.5))
    y = list(range(len(pairs)))
    rates, err = _error_bars([p["win_rate"] for p in pairs], [p["ci"] for p in pairs])
    ax.barh([v + 0.2 for v in y], rates, height=0.38, xerr=err, capsize=4, color="#4878a8", label="win rate")
    lc = [p.get("length_controlled") or {} for p in pairs]
    lc_rates, lc_err = _error_bars([c.get("win_rate") for c in lc], [c.get("ci") for c in lc])
    ax.barh([v - 0.2 for v in y], lc_rates, height=0.38, xerr=lc_err, capsize=4, color="#a0b8d0",
            label="length-controlled")
    ax.axvline(0.5, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("win rate of the first-named system (95 % CI)")
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Blind pairwise win rate")
    return _save(fig, path)


def score_plot(rubric: dict[str, Any], path: Path) -> str:
    plt = _pyplot()
    names = list(rubric)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        # Human ratings carry every rater's score; judge verdicts one per scene.
        scores = rubric[name].get("all_scores") or [
            v["score"] for v in rubric[name]["verdicts"].values() if "score" in v
        ]
        counts = [scores.count(s) for s in SCALE]
        ax.bar([s - 0.4 + width * (k + 0.5) for s in SCALE], counts, width=width, label=name)
    ax.set_xticks(list(SCALE))
    ax.set_xlabel("rubric score (1-2 Unacceptable ... 11-12 Exceptional)")
    ax.set_ylabel("scenes")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
    ax.set_title("Rubric score distribution per system")
    return _save(fig, path)


def bradley_terry_plot(bt: dict[str, Any], path: Path) -> str:
    plt = _pyplot()
    ratings = bt["ratings"]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(ratings) + 1.5))
    values, err = _error_bars([r["rating"] for r in ratings], [r["ci"] for r in ratings])
    ax.errorbar(values, range(len(ratings)), xerr=err, fmt="o", capsize=4)
    ax.set_yticks(range(len(ratings)), [r["system"] for r in ratings])
    ax.invert_yaxis()
    ax.set_xlabel("Bradley-Terry rating, Elo scale (95 % CI)")
    ax.set_title("System ratings")
    return _save(fig, path)


def format_plot(formats: dict[str, Any], path: Path) -> str:
    from dsr.evaluate.format_metrics import headline

    plt = _pyplot()
    names = list(formats)
    rows = [headline(m) for m in formats.values()]
    panels = (("errors_per_100_elements", "validator errors / 100 elements", 1),
              ("warnings_per_100_elements", "validator warnings / 100 elements", 1),
              ("novelization_index", "novelization index (%)", 100))
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 0.4 * len(names) + 1.8), sharey=True)
    for ax, (key, label, scale) in zip(axes, panels):
        ax.barh(range(len(names)), [(r[key] or 0.0) * scale for r in rows], color="#4878a8")
        ax.set_title(label, fontsize=9)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    return _save(fig, path)


def make_plots(report: dict[str, Any], folder: Path) -> list[str]:
    """Every plot the report's sections allow; returns the file paths."""
    made = []
    if report.get("pairwise"):
        made.append(win_rate_plot(report["pairwise"], folder / "win_rates.png"))
    if report.get("rubric"):
        made.append(score_plot(report["rubric"], folder / "scores.png"))
    if report.get("format"):
        made.append(format_plot(report["format"], folder / "format.png"))
    if report.get("bradley_terry"):
        made.append(bradley_terry_plot(report["bradley_terry"], folder / "bradley_terry.png"))
    return made
