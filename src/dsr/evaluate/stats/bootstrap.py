"""Percentile bootstrap over items, and the JSON-friendly result helpers.

Every confidence interval in dsr's evaluation comes from here, so that all
statistics resample the same way:

* the unit of resampling is the *item* (a scene, a prompt): items are drawn
  with replacement, ``n`` out of ``n``, so judgments made on the same item
  stay together (Efron & Tibshirani, "An Introduction to the Bootstrap",
  1993, ch. 6);
* resample ``r`` uses the indices ``rng.integers(0, n, size=n)`` of a
  ``numpy.random.Generator`` made by ``numpy.random.default_rng(seed)``,
  drawn one resample after the other. Two statistics computed with the same
  seed on the same items therefore see the same resamples (a paired
  comparison);
* the interval is the percentile interval: the ``(1 - level) / 2`` and
  ``(1 + level) / 2`` quantiles of the resampled statistic, with numpy's
  default linear interpolation between order statistics (for a 95 % interval
  with 2,000 resamples: the 2.5th and 97.5th percentiles).

A statistic may be undefined on some resample (a ratio whose denominator is
zero, a model that cannot be fitted): it then returns ``None``; those
resamples are dropped and counted in ``Interval.n_invalid``. When more than
``MAX_INVALID_SHARE`` of the resamples are undefined the interval itself is
not reported (``bootstrap_interval`` returns ``None``), because the remaining
resamples no longer describe the sampling distribution.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_LEVEL = 0.95
DEFAULT_SEED = 0
# Above this share of undefined resamples no interval is reported.
MAX_INVALID_SHARE = 0.10


@dataclass(frozen=True)
class Interval:
    """A percentile-bootstrap confidence interval and how it was made."""

    low: float
    high: float
    level: float = DEFAULT_LEVEL
    n_resamples: int = DEFAULT_RESAMPLES
    n_invalid: int = 0
    seed: int = DEFAULT_SEED
    method: str = "percentile bootstrap over items"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def resample_indices(n_items: int, n_resamples: int, seed: int):
    """Yield ``n_resamples`` index arrays, each ``n_items`` draws with replacement.

    The draw order is part of the contract (see the module docstring): one
    ``rng.integers(0, n_items, size=n_items)`` call per resample.
    """
    rng = np.random.default_rng(seed)
    for _ in range(n_resamples):
        yield rng.integers(0, n_items, size=n_items)


def bootstrap_interval(
    n_items: int,
    statistic: Callable[[np.ndarray], float | None],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> Interval | None:
    """Percentile interval of ``statistic(indices)`` over item resamples.

    ``statistic`` receives the resampled item indices and returns the
    statistic on that resample, or ``None`` where it is undefined.
    Returns ``None`` when the interval cannot be trusted (see module doc).
    """

    def as_vector(indices: np.ndarray) -> np.ndarray | None:
        value = statistic(indices)
        return None if value is None else np.array([value], dtype=float)

    intervals = bootstrap_intervals(n_items, as_vector, n_resamples=n_resamples, level=level, seed=seed)
    return None if intervals is None else intervals[0]


def bootstrap_intervals(
    n_items: int,
    statistic: Callable[[np.ndarray], np.ndarray | None],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> list[Interval] | None:
    """One percentile interval per component of a vector-valued statistic.

    A resample counts as undefined when the statistic returns ``None`` or any
    component is not finite; all components share the same resamples.
    """
    if n_items < 1:
        raise ValueError("bootstrap needs at least one item")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    values: list[np.ndarray] = []
    for indices in resample_indices(n_items, n_resamples, seed):
        value = statistic(indices)
        if value is not None and np.all(np.isfinite(value)):
            values.append(np.asarray(value, dtype=float))
    n_invalid = n_resamples - len(values)
    if not values or n_invalid > MAX_INVALID_SHARE * n_resamples:
        return None
    tail = 100.0 * (1.0 - level) / 2.0
    lows, highs = np.percentile(np.vstack(values), [tail, 100.0 - tail], axis=0)
    return [
        Interval(low=float(lo), high=float(hi), level=level, n_resamples=n_resamples, n_invalid=n_invalid, seed=seed)
        for lo, hi in zip(lows, highs)
    ]


def to_jsonable(value: Any) -> Any:
    """Convert a result (dataclasses, enums, numpy scalars) to plain JSON types.

    Non-finite floats become ``None``: JSON has no NaN or infinity, and a
    report must not print a number that is not one.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value
