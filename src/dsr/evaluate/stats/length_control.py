"""Length-controlled win rate, in the manner of AlpacaEval 2.

Judges tend to prefer the longer answer. Following Dubois et al.,
"Length-Controlled AlpacaEval: A Simple Way to Debias Automatic Evaluators"
(2024), the per-item outcome of A vs B is regressed on the length
difference and the fitted model is asked what the win rate would be at equal
length:

    dlen_i = len(A_i) - len(B_i)
    x_i    = tanh(dlen_i / sd(dlen))
    P(A wins item i) = sigmoid(b0 + b1 * x_i)
    length-controlled win rate = sigmoid(b0)        (the model at dlen = 0)

``sd`` is the sample standard deviation (ddof = 1, as pandas computes it).
Outcomes are 1 (win), 0 (loss) and 0.5 (tie), fitted as fractional targets,
which is the same likelihood as splitting each tie into a half-weight win
and a half-weight loss (see ``logistic``); the fit is the maximum-likelihood
estimate by Newton/IRLS. Only the A-vs-B pair is in the model: there is no
per-instruction difficulty term as in AlpacaEval's multi-model GLM.

When the MLE does not exist the estimate is its limit, where that limit is
determined, and otherwise nothing (``win_rate`` None, ``estimator``
"none"); no number is invented:

* every outcome the same (all wins, all ties or all losses): the raw rate
  (1, 0.5 or 0; for all wins, the limit of the MLE as b0 runs to infinity);
* every pair of equal length: already at equal length, the raw rate;
* a constant non-zero length difference (sd = 0), or differences so far from
  0 relative to their spread that ``tanh`` maps them all to one value:
  length and quality cannot be told apart -- none;
* separation by length (with one covariate this is checked exactly): there
  is a threshold ``c`` such that A won every item with ``x > c`` and lost
  every item with ``x < c`` (or the reverse); items at ``x = c`` may have
  any outcome. The likelihood then grows without bound as ``b1`` runs to
  infinity with the boundary at ``c``, and the prediction at ``x = 0`` tends
  to 1 or 0 when 0 lies strictly on one side of every such threshold, and
  to the mean outcome of the items at ``x = 0`` when the threshold is
  exactly 0 (a judge that always picks the longer answer and ties at equal
  length gives 0.5). When 0 lies inside a gap of possible thresholds, the
  limit can be anything: none.

The confidence interval resamples items (``bootstrap``) and recomputes the
whole estimator, including ``sd(dlen)``, on every resample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_interval, to_jsonable
from .logistic import fit_logistic, sigmoid

# Below this spread the tanh covariate is constant to working precision
# (every |dlen| is many sd away from 0): the length slope is not identifiable.
SATURATED = 1e-9


@dataclass(frozen=True)
class LengthControlled:
    win_rate: float | None
    ci: Interval | None
    intercept: float | None
    slope: float | None
    sd_length_difference: float | None
    estimator: str  # "mle", "limit" (separated), "raw" (degenerate) or "none"
    note: str
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class _Point:
    win_rate: float | None
    estimator: str
    note: str = ""
    intercept: float | None = None
    slope: float | None = None
    sd: float | None = None


def length_controlled_win_rate(
    scores: np.ndarray,
    len_a: np.ndarray,
    len_b: np.ndarray,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> LengthControlled:
    """Length-controlled win rate of A over B and its bootstrap interval.

    ``scores`` holds each item's outcome for A (1 win, 0.5 tie, 0 loss);
    ``len_a`` and ``len_b`` the two answers' lengths in one unit.
    """
    scores = np.asarray(scores, dtype=float)
    dlen = np.asarray(len_a, dtype=float) - np.asarray(len_b, dtype=float)
    if scores.ndim != 1 or scores.shape != dlen.shape or scores.size == 0:
        raise ValueError("scores, len_a and len_b must be non-empty 1-d arrays of one length")
    if not np.all(np.isfinite(dlen)):
        raise ValueError("answer lengths must be finite numbers")
    if np.any((scores < 0) | (scores > 1)):
        raise ValueError("scores must lie in [0, 1]")

    point = _estimate(scores, dlen)
    ci = None
    if point.win_rate is not None:
        ci = bootstrap_interval(
            len(scores),
            lambda idx: _estimate(scores[idx], dlen[idx]).win_rate,
            n_resamples=n_resamples,
            level=level,
            seed=seed,
        )
    return LengthControlled(
        win_rate=point.win_rate,
        ci=ci,
        intercept=point.intercept,
        slope=point.slope,
        sd_length_difference=point.sd,
        estimator=point.estimator,
        note=point.note,
        n_items=len(scores),
    )


def _estimate(scores: np.ndarray, dlen: np.ndarray) -> _Point:
    """The point estimate, with the cases of the module doc."""
    raw = float(scores.mean())
    if np.all(scores == scores[0]):
        return _Point(raw, "raw", "every outcome is the same: length cannot change it; raw win rate")
    if np.all(dlen == 0):
        return _Point(raw, "raw", "every pair has equal length: raw win rate")
    sd = float(np.std(dlen, ddof=1))
    covariate = np.tanh(dlen / sd) if sd > 0 else np.zeros_like(dlen)
    if sd == 0.0 or np.ptp(covariate) < SATURATED:
        return _Point(None, "none", "no contrast in length difference: length and quality cannot be separated")
    separated = _separation_limit(covariate, scores)
    if separated is not None:
        return separated
    try:
        design = np.column_stack([np.ones_like(covariate), covariate])
        intercept, slope = (float(c) for c in fit_logistic(design, scores))
    except ArithmeticError:
        return _Point(None, "none", "the logistic fit did not converge", sd=sd)
    return _Point(float(sigmoid(intercept)), "mle", "", intercept, slope, sd)


def _separation_limit(x: np.ndarray, y: np.ndarray) -> _Point | None:
    """``None`` when the MLE exists; else the limit at x = 0 (module doc)."""
    for direction in (1.0, -1.0):
        sx = direction * x
        # Separated in this direction iff every item that A did not win lies at
        # or left of every item that A did not lose.
        not_won, not_lost = sx[y < 1], sx[y > 0]
        highest_not_won, lowest_not_lost = not_won.max(), not_lost.min()
        if highest_not_won > lowest_not_lost:
            continue
        note = "outcomes perfectly separated by length: "
        # Valid thresholds c lie in [highest_not_won, lowest_not_lost].
        if highest_not_won < 0.0 < lowest_not_lost:
            return _Point(None, "none", note + "the win rate at equal length is not identified")
        if lowest_not_lost < 0.0 or (lowest_not_lost == 0.0 and highest_not_won < 0.0):
            return _Point(1.0, "limit", note + "in the limit A wins at equal length")
        if highest_not_won > 0.0 or (highest_not_won == 0.0 and lowest_not_lost > 0.0):
            return _Point(0.0, "limit", note + "in the limit A loses at equal length")
        # The only threshold is exactly 0: the equal-length items decide.
        return _Point(float(y[x == 0.0].mean()), "limit", note + "mean outcome of the equal-length items")
    return None
