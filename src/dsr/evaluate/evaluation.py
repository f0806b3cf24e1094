"""One evaluation over aligned systems: format metrics, rubric, pairwise and
Bradley-Terry, share of human level and gains, as the sections of a report.

``dsr eval rubric``, ``pairwise``, ``human-share`` and ``benchmark`` all
come through ``evaluate``; they differ only in the plan (which parts run,
which pairs are compared, which gains are reported).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

from dsr.evaluate.format_metrics import system_metrics
from dsr.evaluate.human_share import score_summary, shares_of_human, versus
from dsr.evaluate.items import SystemOutput
from dsr.evaluate.judge_common import Judge, prompt_version
from dsr.evaluate.pairwise_judge import judge_pairs, rate_systems
from dsr.evaluate.report import position_warnings
from dsr.evaluate.rubric import score_systems


@dataclass
class EvalPlan:
    format: bool = True
    rubric: bool = True
    pairwise: bool = True
    # Pairs to judge; None: every pair of systems, and each system vs the human reference.
    pairs: list[tuple[str, str]] | None = None
    gains: list[tuple[str, str]] = field(default_factory=list)  # (system, baseline) score differences
    seed: int = 0
    n_resamples: int = 2000


def default_pairs(systems: list[SystemOutput], human: SystemOutput | None) -> list[tuple[str, str]]:
    pairs = [(a.name, b.name) for a, b in itertools.combinations(systems, 2)]
    if human is not None:
        pairs += [(s.name, human.name) for s in systems]
    return pairs


def judge_section(judge: Judge) -> dict[str, Any]:
    stats = getattr(judge.model, "stats", None)
    return {
        "spec": judge.spec,
        "prompt_version": prompt_version(),
        "settings": asdict(judge.settings),
        "calls": None if stats is None else asdict(stats),
    }


async def evaluate(systems: list[SystemOutput], human: SystemOutput | None, judge: Judge | None,
                   plan: EvalPlan) -> dict[str, Any]:
    """The report sections for aligned ``systems`` (see ``items.align``)."""
    everyone = systems + ([human] if human else [])
    sections: dict[str, Any] = {
        "systems": [s.name for s in systems],
        "human": human.name if human else None,
        "items": everyone[0].item_ids,
        "warnings": [],
    }
    kw = {"seed": plan.seed, "n_resamples": plan.n_resamples}
    if plan.format:
        sections["format"] = {s.name: system_metrics(s) for s in everyone}
    if judge is None:
        return sections
    if plan.rubric:
        scores = await score_systems(judge, everyone)
        rubric = {}
        for name, result in scores.items():
            rubric[name] = {**result.to_dict(), "summary": score_summary(result, **kw)}
            missing = rubric[name]["failures"]["missing"]
            if missing:
                sections["warnings"].append(
                    f"rubric {name}: {missing} verdict(s) missing after retries; those scenes are left out of its mean"
                )
        sections["rubric"] = rubric
        if human is not None:
            sections["human_level"] = shares_of_human(scores, human.name, **kw)
        sections["gains"] = [versus(scores[a], scores[b], as_share=False, **kw) for a, b in plan.gains]
    if plan.pairwise and len(everyone) >= 2:
        judgments = await judge_pairs(judge, everyone, plan.pairs or default_pairs(systems, human), **kw)
        sections["pairwise"] = [j.to_dict() for j in judgments]
        for pair in sections["pairwise"]:
            sections["warnings"] += position_warnings(pair)
        ratings = rate_systems(judgments, **kw)
        sections["bradley_terry"] = ratings.to_dict() if ratings else None
    sections["judge"] = judge_section(judge)
    return sections
