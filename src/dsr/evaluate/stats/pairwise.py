"""Blind pairwise comparison of two systems, each item judged in both orders.

A judge sees system A's answer and system B's answer for the same input
twice: once with A shown first (order AB) and once with B shown first
(order BA). Both verdicts are recorded *from A's perspective* (the judge
layer maps "first"/"second" to A/B; ``Verdict.for_a`` does that mapping).

Combination rule (Zheng et al., "Judging LLM-as-a-Judge with MT-Bench and
Chatbot Arena", 2023): an item's verdict counts only if both orders give the
same outcome (win, tie or loss); a verdict that changes with the order counts
as a tie. When both orders agree on a win (or loss) but only one says "much
better", the combined verdict is the weaker one: strength must also survive
the swap.

Reported for the N items that have a verdict in both orders:

* W / T / L and the win rate ``(W + T/2) / N``, with a percentile-bootstrap
  confidence interval resampling items (see ``bootstrap``);
* the position-flip rate: the share of items whose outcome depends on the
  order (any disagreement, win vs tie included); ``reversed`` counts the
  stronger case of a win in one order and a loss in the other;
* the first-position rate: among the decisive judgments (2N judgments minus
  ties), the share that chose whichever answer was shown first, with an
  exact two-sided binomial test against 0.5. A judge that always picks the
  first position yields all ties, a flip rate of 1 and a first-position
  rate of 1.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsr.errors import UserError

from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_interval, to_jsonable
from .bradley_terry import Comparison
from .ids import preview_ids, reject_duplicate_ids
from .length_control import LengthControlled, length_controlled_win_rate


class Verdict(enum.IntEnum):
    """One judgment from A's perspective; the sign is the outcome, 2 = "much"."""

    MUCH_WORSE = -2
    WORSE = -1
    TIE = 0
    BETTER = 1
    MUCH_BETTER = 2

    @property
    def outcome(self) -> int:
        """+1 win, 0 tie, -1 loss (strength dropped)."""
        return (self > 0) - (self < 0)

    @property
    def score(self) -> float:
        """1 for a win, 0.5 for a tie, 0 for a loss."""
        return (self.outcome + 1) / 2

    def swapped(self) -> Verdict:
        """The same judgment seen from the other system's perspective."""
        return Verdict(-int(self))

    @classmethod
    def for_a(cls, first_vs_second: Verdict, a_shown_first: bool) -> Verdict:
        """Map a verdict about the first-shown answer to A's perspective."""
        return first_vs_second if a_shown_first else first_vs_second.swapped()

    @classmethod
    def parse(cls, text: str) -> Verdict:
        """Read a verdict name as written by ``to_dict`` ("better", "tie", ...)
        or the short forms "win" / "loss"."""
        name = text.strip().lower().replace(" ", "_").replace("-", "_")
        name = {"win": "better", "loss": "worse", "lose": "worse"}.get(name, name)
        try:
            return cls[name.upper()]
        except KeyError:
            known = ", ".join(m.name.lower() for m in cls) + ", win, loss"
            raise UserError(f"unknown pairwise verdict {text!r} (expected one of: {known})") from None


def combine_orders(ab: Verdict, ba: Verdict) -> Verdict:
    """The item's verdict from its two orders, by the rule in the module doc."""
    if ab.outcome != ba.outcome:
        return Verdict.TIE
    if ab.outcome == 0:
        return Verdict.TIE
    magnitude = min(abs(int(ab)), abs(int(ba)))
    return Verdict(ab.outcome * magnitude)


@dataclass(frozen=True)
class PairwiseItem:
    """The two judgments of one item. ``None`` marks an order whose verdict
    could not be obtained (the item is then excluded and listed).

    ``len_a`` / ``len_b`` are the answers' lengths in any one unit (words,
    tokens, characters), needed only for the length-controlled win rate."""

    item_id: str
    ab: Verdict | None
    ba: Verdict | None
    len_a: float | None = None
    len_b: float | None = None

    def swapped(self) -> PairwiseItem:
        """The same item with the roles of A and B exchanged."""
        return PairwiseItem(
            self.item_id,
            ab=None if self.ba is None else self.ba.swapped(),
            ba=None if self.ab is None else self.ab.swapped(),
            len_a=self.len_b,
            len_b=self.len_a,
        )


@dataclass(frozen=True)
class PairwiseResult:
    system_a: str
    system_b: str
    n_items: int
    wins: int
    ties: int
    losses: int
    much_better: int
    much_worse: int
    win_rate: float
    ci: Interval | None
    order_dependent: int
    flip_rate: float
    reversed: int
    n_decisive_judgments: int
    first_position_rate: float | None
    first_position_p_value: float | None
    length_controlled: LengthControlled | None
    excluded: list[str] = field(default_factory=list)
    combined: dict[str, Verdict] = field(default_factory=dict)

    def comparisons(self) -> list[Comparison]:
        """The combined verdicts as games for ``bradley_terry``."""
        return [Comparison(self.system_a, self.system_b, v.score, item_id) for item_id, v in self.combined.items()]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def summarize_pairwise(
    items: Iterable[PairwiseItem],
    *,
    system_a: str = "A",
    system_b: str = "B",
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = DEFAULT_SEED,
) -> PairwiseResult:
    """Aggregate both-order judgments of A vs B (formulas in the module doc).

    The length-controlled win rate is added when the items carry both answer
    lengths. Raises ``UserError`` for duplicate item ids, for lengths given on
    some complete items but not all, and when no item has verdicts in both
    orders.
    """
    items = list(items)
    reject_duplicate_ids([it.item_id for it in items], "pairwise")
    complete = [it for it in items if it.ab is not None and it.ba is not None]
    excluded = [it.item_id for it in items if it.ab is None or it.ba is None]
    if not complete:
        raise UserError(
            f"pairwise {system_a} vs {system_b}: no item has verdicts in both orders "
            f"({len(excluded)} item(s) without: {preview_ids(excluded)})"
        )
    combined = {it.item_id: combine_orders(it.ab, it.ba) for it in complete}
    outcomes = [v.outcome for v in combined.values()]
    scores = np.array([v.score for v in combined.values()])
    n = len(complete)

    order_dependent = sum(it.ab.outcome != it.ba.outcome for it in complete)
    reversed_ = sum(it.ab.outcome * it.ba.outcome < 0 for it in complete)
    # A decisive judgment picked the first-shown answer when, from A's side,
    # A won in order AB or lost in order BA.
    first_picks = sum(it.ab.outcome > 0 for it in complete) + sum(it.ba.outcome < 0 for it in complete)
    decisive = sum(it.ab.outcome != 0 for it in complete) + sum(it.ba.outcome != 0 for it in complete)

    length_controlled = None
    without_lengths = [it.item_id for it in complete if it.len_a is None or it.len_b is None]
    if without_lengths and len(without_lengths) < n:
        raise UserError(f"pairwise {system_a} vs {system_b}: answer lengths missing for {preview_ids(without_lengths)}")
    if not without_lengths:
        length_controlled = length_controlled_win_rate(
            scores,
            np.array([it.len_a for it in complete], dtype=float),
            np.array([it.len_b for it in complete], dtype=float),
            n_resamples=n_resamples,
            level=level,
            seed=seed,
        )

    return PairwiseResult(
        system_a=system_a,
        system_b=system_b,
        n_items=n,
        wins=outcomes.count(1),
        ties=outcomes.count(0),
        losses=outcomes.count(-1),
        much_better=sum(v == Verdict.MUCH_BETTER for v in combined.values()),
        much_worse=sum(v == Verdict.MUCH_WORSE for v in combined.values()),
        win_rate=float(scores.mean()),
        ci=bootstrap_interval(n, lambda idx: scores[idx].mean(), n_resamples=n_resamples, level=level, seed=seed),
        order_dependent=order_dependent,
        flip_rate=order_dependent / n,
        reversed=reversed_,
        n_decisive_judgments=decisive,
        first_position_rate=first_picks / decisive if decisive else None,
        first_position_p_value=binomial_two_sided_p(first_picks, decisive) if decisive else None,
        length_controlled=length_controlled,
        excluded=excluded,
        combined=combined,
    )


def binomial_two_sided_p(successes: int, trials: int, p: float = 0.5) -> float:
    """Exact two-sided binomial test: the probability, under Binomial(trials, p),
    of an outcome no more likely than the one observed (the rule of R's
    ``binom.test``; relative tolerance 1e-7 for ties in probability)."""
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie in [0, trials]")

    def log_pmf(k: int) -> float:
        return (
            math.lgamma(trials + 1)
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + k * math.log(p)
            + (trials - k) * math.log1p(-p)
        )

    observed = log_pmf(successes)
    threshold = observed + math.log1p(1e-7)
    total = sum(math.exp(lp) for lp in map(log_pmf, range(trials + 1)) if lp <= threshold)
    return min(1.0, total)
