"""Agreement between raters: Cohen's kappa (two raters) and Krippendorff's
alpha (any number of raters, missing ratings allowed).

Cohen's kappa (Cohen, "A coefficient of agreement for nominal scales",
1960; weighted: Cohen 1968, Fleiss & Cohen 1973):

    kappa = (p_o - p_e) / (1 - p_e) = 1 - D_o / D_e

``p_o`` is the observed share of agreement, ``p_e`` the agreement expected
from the two raters' marginal distributions. In the weighted form the
disagreement between categories i and j (their positions in the category
order, k categories) is ``|i - j| / (k - 1)`` (linear) or
``((i - j) / (k - 1))**2`` (quadratic), ``D_o`` and ``D_e`` are the observed
and chance-expected mean disagreements, and ``p_o = 1 - D_o``,
``p_e = 1 - D_e``. Quadratic weights suit ordinal scores such as the
12-point rubric; nominal kappa suits win/tie/loss verdicts.

Krippendorff's alpha (Krippendorff, "Computing Krippendorff's
Alpha-Reliability", 2011; Hayes & Krippendorff 2007):

    alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck

over the coincidence matrix ``o_ck = sum_u (number of c-k pairs of values in
unit u) / (m_u - 1)`` of the pairable units (``m_u >= 2`` values), with
``n_c`` its marginals and ``n`` the number of pairable values. The
difference function ``d_ck`` sets the level of measurement: nominal
``[c != k]``; ordinal ``(sum_{g=c..k} n_g - (n_c + n_k)/2)**2`` over the ordered
values; interval ``(c - k)**2``; ratio ``((c - k)/(c + k))**2``.

When the expected disagreement is zero (every rating is the same category)
the coefficient is 0/0: it is reported as ``None`` with a note, never as a
number.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsr.errors import UserError

from .bootstrap import to_jsonable

KAPPA_WEIGHTS = ("none", "linear", "quadratic")
ALPHA_METRICS = ("nominal", "ordinal", "interval", "ratio")
_UNDEFINED = "every rating is the same category: chance agreement is total and the coefficient is undefined"


@dataclass(frozen=True)
class Kappa:
    kappa: float | None
    observed_agreement: float  # p_o (weighted: 1 - D_o)
    expected_agreement: float  # p_e (weighted: 1 - D_e)
    weights: str
    categories: list[Any]
    n_items: int
    n_excluded: int  # items missing either rating
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class Alpha:
    alpha: float | None
    metric: str
    observed_disagreement: float
    expected_disagreement: float
    n_raters: int
    n_units: int  # pairable units (two or more ratings)
    n_pairable_values: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def cohen_kappa(
    rater_1: Sequence[Hashable | None],
    rater_2: Sequence[Hashable | None],
    *,
    weights: str = "none",
    categories: Sequence[Hashable] | None = None,
) -> Kappa:
    """Cohen's kappa between two raters' labels for the same items, aligned by
    position; an item missing either label (None or NaN) is left out and counted.

    ``categories`` fixes the set and, for weighted kappa, the order of the
    categories; by default it is the sorted set of labels seen.
    """
    if weights not in KAPPA_WEIGHTS:
        raise UserError(f"unknown kappa weights {weights!r} (expected one of: {', '.join(KAPPA_WEIGHTS)})")
    if len(rater_1) != len(rater_2):
        raise UserError(f"Cohen's kappa: the raters labelled {len(rater_1)} and {len(rater_2)} items")
    pairs = [(a, b) for a, b in zip(rater_1, rater_2) if not _missing(a) and not _missing(b)]
    if not pairs:
        raise UserError("Cohen's kappa: no item was labelled by both raters")
    order = _category_order([v for pair in pairs for v in pair], categories, "Cohen's kappa", weights != "none")
    position = {c: i for i, c in enumerate(order)}
    k = len(order)
    table = np.zeros((k, k))
    for a, b in pairs:
        table[position[a], position[b]] += 1
    table /= len(pairs)
    i, j = np.indices((k, k))
    distance = np.abs(i - j) / max(k - 1, 1)
    disagreement = {"none": (i != j).astype(float), "linear": distance, "quadratic": distance**2}[weights]
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    d_observed = float(np.sum(disagreement * table))
    d_expected = float(np.sum(disagreement * expected))
    kappa = None if d_expected == 0.0 else 1.0 - d_observed / d_expected
    return Kappa(
        kappa=kappa,
        observed_agreement=1.0 - d_observed,
        expected_agreement=1.0 - d_expected,
        weights=weights,
        categories=list(order),
        n_items=len(pairs),
        n_excluded=len(rater_1) - len(pairs),
        note=_UNDEFINED if kappa is None else "",
    )


def krippendorff_alpha(
    ratings: Sequence[Sequence[Hashable | None]],
    *,
    metric: str = "nominal",
    categories: Sequence[Hashable] | None = None,
) -> Alpha:
    """Krippendorff's alpha of reliability data: one row per rater, one column
    per unit, None (or NaN) where a rater did not rate a unit.

    ``categories`` orders the values for the ordinal metric when they are not
    numbers that sort in their natural order (e.g. tier names).
    """
    if metric not in ALPHA_METRICS:
        raise UserError(f"unknown alpha metric {metric!r} (expected one of: {', '.join(ALPHA_METRICS)})")
    rows = [list(r) for r in ratings]
    if len(rows) < 2:
        raise UserError("Krippendorff's alpha needs at least two raters")
    n_units = len(rows[0])
    if any(len(r) != n_units for r in rows):
        raise UserError("Krippendorff's alpha: the raters' rows have different numbers of units")
    units = [[r[u] for r in rows if not _missing(r[u])] for u in range(n_units)]
    pairable = [values for values in units if len(values) >= 2]
    if not pairable:
        raise UserError("Krippendorff's alpha: no unit was rated by at least two raters")
    order = _category_order(
        [v for values in pairable for v in values], categories, "Krippendorff's alpha", metric != "nominal"
    )
    if metric in ("interval", "ratio") and not all(_is_number(v) for v in order):
        raise UserError(f"Krippendorff's alpha: the {metric} metric needs numeric ratings")
    position = {c: i for i, c in enumerate(order)}

    # counts[u, c]: how many raters gave value c to pairable unit u.
    counts = np.zeros((len(pairable), len(order)))
    for u, values in enumerate(pairable):
        for v in values:
            counts[u, position[v]] += 1
    m_u = counts.sum(axis=1)
    coincidence = (counts.T / (m_u - 1.0)) @ counts - np.diag(np.sum(counts / (m_u - 1.0)[:, None], axis=0))
    n_c = coincidence.sum(axis=1)
    n = float(n_c.sum())
    delta = _difference(metric, order, n_c)
    d_observed = float(np.sum(coincidence * delta)) / n
    d_expected = float(np.sum(np.outer(n_c, n_c) * delta)) / (n * (n - 1.0))
    alpha = None if d_expected == 0.0 else 1.0 - d_observed / d_expected
    return Alpha(
        alpha=alpha,
        metric=metric,
        observed_disagreement=d_observed,
        expected_disagreement=d_expected,
        n_raters=len(rows),
        n_units=len(pairable),
        n_pairable_values=round(n),
        note=_UNDEFINED if alpha is None else "",
    )


def _difference(metric: str, order: list[Any], n_c: np.ndarray) -> np.ndarray:
    """The squared difference ``d_ck`` between every two values (module doc)."""
    k = len(order)
    if metric == "nominal":
        return 1.0 - np.eye(k)
    if metric == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        c, g = np.indices((k, k))
        low, high = np.minimum(c, g), np.maximum(c, g)
        between = cumulative[high + 1] - cumulative[low]  # sum of n_g for g from low to high
        return (between - (n_c[c] + n_c[g]) / 2.0) ** 2
    values = np.array(order, dtype=float)
    diff = values[:, None] - values[None, :]
    if metric == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total == 0.0, 0.0, diff / total)
    return ratio**2


def _category_order(seen: list[Hashable], categories: Sequence[Hashable] | None, what: str, ordered: bool) -> list[Any]:
    """The categories in order: as given, else sorted, else (nominal only) as first seen."""
    if categories is not None:
        order = list(categories)
        known = set(order)
        unknown = sorted({repr(v) for v in seen if v not in known})
        if unknown:
            raise UserError(f"{what}: value(s) outside the given categories: {', '.join(unknown[:5])}")
        return order
    distinct = list(dict.fromkeys(seen))
    try:
        return sorted(distinct)
    except TypeError:
        if ordered:
            raise UserError(f"{what}: labels of mixed types cannot be ordered; pass categories") from None
        return distinct


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
