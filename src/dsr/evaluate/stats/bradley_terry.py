"""Bradley-Terry ratings for more than two systems, on the Elo scale.

Model (Bradley & Terry, "Rank analysis of incomplete block designs", 1952),
written on the Elo scale as Chatbot Arena reports it (Chiang et al., 2024):

    P(i beats j) = 1 / (1 + 10 ** ((R_j - R_i) / 400))

Each comparison gives system A a score of 1 (win), 0.5 (tie) or 0 (loss).
A tie counts as two half-weight rows, half a win for each side, so the
log-likelihood is ``sum over games of s log P(A beats B) + (1 - s) log P(B beats A)``.
The ratings are its maximum (Newton's method on the natural-log scale
``theta = R ln(10) / 400``, one system held fixed, step halving; the
log-likelihood is concave), then anchored: the mean rating is
``anchor_rating`` (1000), or, when ``anchor`` names a system, that system
is rated ``anchor_rating`` and the others are relative to it.

Existence (Zermelo 1929; Ford 1957; Hunter, "MM algorithms for generalized
Bradley-Terry models", 2004): the MLE is finite only when, for every split of
the systems into two groups, some system in each group has scored (a win or
a tie) against the other group -- the "beat" graph is strongly connected.
When it is not (one system won every game, say), the ratings would be
infinite; dsr then adds one virtual tie to every pair of systems that met
(a prior of virtual draws, as in Remi Coulom's BayesElo), which keeps them
finite, and says so (``estimator = "virtual-ties"`` and ``note``). Systems
never compared with each other even indirectly cannot be put on one scale:
that is a ``UserError``.

Confidence intervals resample items (all comparisons made on one item stay
together; comparisons without an item id are their own unit) and refit;
resamples where a system is missing or the graph falls apart are undefined
(see ``bootstrap``), resamples that needed the virtual ties are counted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsr.errors import UserError

from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_intervals, to_jsonable
from .logistic import sigmoid
from .newton import newton_maximize

ELO_SCALE = 400.0 / math.log(10.0)  # rating points per natural-log odds unit
DEFAULT_ANCHOR_RATING = 1000.0
VIRTUAL_TIES = 1.0


@dataclass(frozen=True)
class Comparison:
    """One judged game: ``score_a`` is 1 if A won, 0.5 for a tie, 0 if B won."""

    system_a: str
    system_b: str
    score_a: float
    item_id: str | None = None


@dataclass(frozen=True)
class Rating:
    system: str
    rating: float
    ci: Interval | None
    games: int
    score: float  # points won (ties count half)


@dataclass(frozen=True)
class BradleyTerryResult:
    ratings: list[Rating]  # best first
    anchor: str | None
    anchor_rating: float
    estimator: str  # "mle" or "virtual-ties"
    note: str
    n_comparisons: int
    n_items: int
    n_virtual_tie_resamples: int = 0

    def rating_of(self, system: str) -> Rating:
        return next(r for r in self.ratings if r.system == system)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def win_probability(rating_i: float, rating_j: float) -> float:
    """P(i beats j) under the Elo-scale Bradley-Terry model."""
    return 1.0 / (1.0 + 10.0 ** ((rating_j - rating_i) / 400.0))


def bradley_terry(
    comparisons: Iterable[Comparison],
    *,
    anchor: str | None = None,
    anchor_rating: float = DEFAULT_ANCHOR_RATING,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> BradleyTerryResult:
    """Fit Bradley-Terry ratings with bootstrap intervals (see module doc)."""
    comparisons = list(comparisons)
    if not comparisons:
        raise UserError("Bradley-Terry: no comparisons to rate")
    for c in comparisons:
        if c.system_a == c.system_b:
            raise UserError(f"Bradley-Terry: {c.system_a} is compared with itself (item {c.item_id})")
        if not 0.0 <= c.score_a <= 1.0:
            raise UserError(f"Bradley-Terry: score {c.score_a} outside [0, 1] (item {c.item_id})")
    systems = sorted({c.system_a for c in comparisons} | {c.system_b for c in comparisons})
    if len(systems) < 2:
        raise UserError("Bradley-Terry needs at least two systems")
    if anchor is not None and anchor not in systems:
        raise UserError(f"Bradley-Terry: anchor system {anchor!r} is not among {', '.join(systems)}")
    index = {s: k for k, s in enumerate(systems)}
    left = np.array([index[c.system_a] for c in comparisons])
    right = np.array([index[c.system_b] for c in comparisons])
    score = np.array([c.score_a for c in comparisons], dtype=float)
    anchor_index = None if anchor is None else index[anchor]

    components = _components(_games_matrix(len(systems), left, right))
    if len(components) > 1:
        groups = "; ".join(", ".join(systems[k] for k in comp) for comp in components)
        raise UserError(f"Bradley-Terry: systems fall into groups never compared with each other: {groups}")

    theta, estimator = _fit(len(systems), left, right, score)
    ratings = _anchor(theta, anchor_index, anchor_rating)

    groups = _group_rows(comparisons)
    virtual_resamples = 0

    def statistic(group_indices: np.ndarray) -> np.ndarray | None:
        nonlocal virtual_resamples
        rows = np.concatenate([groups[g] for g in group_indices])
        present = np.union1d(left[rows], right[rows])
        if len(present) < len(systems) or len(_components(_games_matrix(len(systems), left[rows], right[rows]))) > 1:
            return None
        fitted, how = _fit(len(systems), left[rows], right[rows], score[rows])
        virtual_resamples += how == "virtual-ties"
        return _anchor(fitted, anchor_index, anchor_rating)

    intervals = bootstrap_intervals(len(groups), statistic, n_resamples=n_resamples, level=level, seed=seed)
    games = np.bincount(left, minlength=len(systems)) + np.bincount(right, minlength=len(systems))
    points = np.bincount(left, weights=score, minlength=len(systems)) + np.bincount(
        right, weights=1.0 - score, minlength=len(systems)
    )
    table = [
        Rating(s, float(ratings[k]), None if intervals is None else intervals[k], int(games[k]), float(points[k]))
        for k, s in enumerate(systems)
    ]
    table.sort(key=lambda r: (-r.rating, r.system))
    note = ""
    if estimator == "virtual-ties":
        note = (
            f"the maximum-likelihood ratings are infinite (a group of systems never lost, or never won, against the rest); "
            f"{VIRTUAL_TIES:g} virtual tie added per compared pair"
        )
    return BradleyTerryResult(
        ratings=table,
        anchor=anchor,
        anchor_rating=anchor_rating,
        estimator=estimator,
        note=note,
        n_comparisons=len(comparisons),
        n_items=len(groups),
        n_virtual_tie_resamples=virtual_resamples,
    )


def _games_matrix(k: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``m[i, j]`` = sum of ``weights`` (default 1) over games with i as A and j as B."""
    matrix = np.zeros((k, k))
    np.add.at(matrix, (left, right), 1.0 if weights is None else weights)
    return matrix


def _fit(k: int, left: np.ndarray, right: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, str]:
    """Natural-scale strengths ``theta`` (MLE, else with virtual ties)."""
    # wins[i, j]: points i scored against j, over games in either seat.
    wins = _games_matrix(k, left, right, score) + _games_matrix(k, right, left, 1.0 - score)
    games = wins + wins.T
    if len(_components(wins > 0, directed=True)) == 1:
        return _newton(wins, games), "mle"
    met = games > 0
    return _newton(wins + 0.5 * VIRTUAL_TIES * met, games + VIRTUAL_TIES * met), "virtual-ties"


def _newton(wins: np.ndarray, games: np.ndarray) -> np.ndarray:
    """Maximise ``sum_ij wins_ij log sigmoid(theta_i - theta_j)`` with theta_0 = 0."""

    def loglik(theta: np.ndarray) -> float:
        return -float(np.sum(wins * np.logaddexp(0.0, -(theta[:, None] - theta[None, :]))))

    def newton_step(theta: np.ndarray) -> np.ndarray | None:
        p = sigmoid(theta[:, None] - theta[None, :])
        gradient = np.sum(wins - games * p, axis=1)
        curvature = games * p * p.T
        hessian = curvature - np.diag(curvature.sum(axis=1))
        step = np.zeros(len(theta))
        try:
            step[1:] = np.linalg.solve(hessian[1:, 1:], -gradient[1:])
        except np.linalg.LinAlgError:
            return None
        return step

    theta = newton_maximize(loglik, newton_step, np.zeros(len(wins)))
    if theta is None:
        raise ArithmeticError("Bradley-Terry fit did not converge")
    return theta


def _anchor(theta: np.ndarray, anchor_index: int | None, anchor_rating: float) -> np.ndarray:
    reference = theta.mean() if anchor_index is None else theta[anchor_index]
    return anchor_rating + ELO_SCALE * (theta - reference)


def _components(adjacency: np.ndarray, directed: bool = False) -> list[list[int]]:
    """Connected components (strongly connected ones when ``directed``)."""
    linked = adjacency > 0
    if not directed:
        linked = linked | linked.T
    k = len(linked)
    reach = linked | np.eye(k, dtype=bool)
    for _ in range(max(1, math.ceil(math.log2(max(k, 2))))):  # transitive closure by squaring
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    mutual = reach & reach.T
    components: list[list[int]] = []
    assigned: set[int] = set()
    for i in range(k):
        if i not in assigned:
            members = [j for j in range(k) if mutual[i, j]]
            assigned.update(members)
            components.append(members)
    return components


def _group_rows(comparisons: list[Comparison]) -> list[np.ndarray]:
    """Row indices per resampling unit: one unit per item id, or per comparison."""
    by_item: dict[str, list[int]] = {}
    units: list[list[int]] = []
    for row, c in enumerate(comparisons):
        if c.item_id is None:
            units.append([row])
        elif c.item_id in by_item:
            by_item[c.item_id].append(row)
        else:
            by_item[c.item_id] = [row]
            units.append(by_item[c.item_id])
    return [np.array(u) for u in units]
