"""Rubric scores as the method reports them: mean score per system, the
share of human level, and the gain of one system over another on the same
items (the method's "decomposition gain": DSR vs the direct baseline on the
same model).

Human level: when the inputs came from real screenplays by reverse
synthesis, the real scene is the human reference for its outline scene; it
is scored by the same judge with the same prompt, blind like every other
scene. Share of human level = mean score(system) / mean score(human) over
the items both have a verdict for, with a paired bootstrap interval
(``stats.share_of_human``). Items where either verdict is missing are left
out *of that comparison only* and listed, so the two means always cover the
same scenes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsr.evaluate.rubric import SystemScores
from dsr.evaluate.stats import mean_score, paired_difference, share_of_human, to_jsonable


def common_items(a: Mapping[str, float], b: Mapping[str, float], order: list[str]) -> tuple[list[str], list[str]]:
    """Items scored in both maps (in ``order``), and the items left out."""
    kept = [i for i in order if i in a and i in b]
    return kept, [i for i in order if i not in kept]


def score_summary(scores: SystemScores, *, seed: int = 0, n_resamples: int = 2000) -> dict[str, Any] | None:
    """Mean score with its interval, tier counts and error counts."""
    values = scores.scores
    if not values:
        return None
    estimate = mean_score(values, what=f"{scores.system} rubric scores", seed=seed, n_resamples=n_resamples)
    return {
        "mean": estimate.to_dict(),
        "missing_items": scores.missing,
        "tiers": scores.tier_counts(),
        "errors": scores.error_totals(),
    }


def versus(a: SystemScores, b: SystemScores, *, as_share: bool, seed: int = 0,
           n_resamples: int = 2000) -> dict[str, Any] | None:
    """A against B on the items both were scored on: the share of B's level
    (``as_share``, B the human reference) or the paired difference A - B."""
    order = list(a.answers)
    kept, excluded = common_items(a.scores, b.scores, order)
    if not kept:
        return None
    sa = {i: a.scores[i] for i in kept}
    sb = {i: b.scores[i] for i in kept}
    if as_share:
        result = share_of_human(sa, sb, system_name=a.system, seed=seed, n_resamples=n_resamples)
    else:
        result = paired_difference(sa, sb, a_name=a.system, b_name=b.system, seed=seed, n_resamples=n_resamples)
    return {"a": a.system, "b": b.system, **to_jsonable(result), "excluded_items": excluded}


def shares_of_human(all_scores: dict[str, SystemScores], human: str, **kw) -> dict[str, Any]:
    return {
        name: versus(scores, all_scores[human], as_share=True, **kw)
        for name, scores in all_scores.items()
        if name != human
    }
