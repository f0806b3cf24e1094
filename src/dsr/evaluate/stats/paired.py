"""Scores compared on the same items: mean with CI, share of human level,
paired difference.

Rubric scores are per item (a scene). Comparisons between two sources of
scores -- a system and the human-written reference, or DSR and the direct
baseline on the same model -- are *paired*: both were scored on the same
items, so the bootstrap resamples item ids jointly, keeping each item's two
scores together (Efron & Tibshirani 1993, paired-data bootstrap). The item
sets must match exactly; otherwise ``UserError`` names the missing ids,
because comparing means over different items would silently mix item
difficulty into the result.

* ``mean_score``: mean and percentile-bootstrap interval of one score list.
* ``share_of_human``: ``mean(system) / mean(human)`` over the same items
  (the method's "82.7 % of the human score"); resamples whose human mean is
  0 are undefined.
* ``paired_difference``: ``mean(a - b)`` over the same items (the method's
  "+2.4 points from decomposition").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsr.errors import UserError

from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_interval, to_jsonable
from .ids import preview_ids


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval and the item count behind it."""

    value: float
    ci: Interval | None
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class HumanShare:
    share: float
    ci: Interval | None
    system_mean: float
    human_mean: float
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class PairedDifference:
    difference: float  # mean(a) - mean(b)
    ci: Interval | None
    mean_a: float
    mean_b: float
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def mean_score(
    scores: Mapping[str, float],
    *,
    what: str = "scores",
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> Estimate:
    """Mean of per-item scores with a bootstrap interval over items."""
    values = _finite_values(scores, what)
    ci = bootstrap_interval(
        len(values), lambda idx: values[idx].mean(), n_resamples=n_resamples, level=level, seed=seed
    )
    return Estimate(float(values.mean()), ci, len(values))


def share_of_human(
    system: Mapping[str, float],
    human: Mapping[str, float],
    *,
    system_name: str = "system",
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> HumanShare:
    """``mean(system) / mean(human)`` on the same items, paired bootstrap CI."""
    sys_values, human_values = _paired(system, human, system_name, "human")
    human_mean = float(human_values.mean())
    if human_mean <= 0.0:
        raise UserError(f"share of human level: the human mean score is {human_mean:g}; a share needs a positive one")

    def ratio(idx: np.ndarray) -> float | None:
        denominator = human_values[idx].mean()
        return None if denominator <= 0.0 else sys_values[idx].mean() / denominator

    ci = bootstrap_interval(len(sys_values), ratio, n_resamples=n_resamples, level=level, seed=seed)
    system_mean = float(sys_values.mean())
    return HumanShare(system_mean / human_mean, ci, system_mean, human_mean, len(sys_values))


def paired_difference(
    a: Mapping[str, float],
    b: Mapping[str, float],
    *,
    a_name: str = "A",
    b_name: str = "B",
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> PairedDifference:
    """``mean(a - b)`` on the same items, paired bootstrap CI."""
    a_values, b_values = _paired(a, b, a_name, b_name)
    differences = a_values - b_values
    ci = bootstrap_interval(
        len(differences), lambda idx: differences[idx].mean(), n_resamples=n_resamples, level=level, seed=seed
    )
    return PairedDifference(
        float(differences.mean()), ci, float(a_values.mean()), float(b_values.mean()), len(differences)
    )


def _paired(a: Mapping[str, float], b: Mapping[str, float], a_name: str, b_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Both score maps as arrays in one item order; refuses different item sets."""
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    if only_a or only_b:
        problems = []
        if only_b:
            problems.append(f"{len(only_b)} missing from {a_name}: {preview_ids(only_b)}")
        if only_a:
            problems.append(f"{len(only_a)} missing from {b_name}: {preview_ids(only_a)}")
        raise UserError(f"{a_name} and {b_name} were scored on different items ({'; '.join(problems)})")
    ids = sorted(a)
    return (
        _finite_values({i: a[i] for i in ids}, a_name),
        _finite_values({i: b[i] for i in ids}, b_name),
    )


def _finite_values(scores: Mapping[str, float], what: str) -> np.ndarray:
    if not scores:
        raise UserError(f"{what}: no scored items")
    bad = [i for i, v in scores.items() if v is None or not math.isfinite(v)]
    if bad:
        raise UserError(f"{what}: item(s) without a numeric score: {preview_ids(sorted(bad))}")
    return np.array([float(v) for v in scores.values()])
