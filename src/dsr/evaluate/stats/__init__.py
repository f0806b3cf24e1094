"""Statistics behind every number that ``dsr eval`` reports.

* ``pairwise``       -- both-order pairwise verdicts: W/T/L, win rate with a
                        bootstrap CI, position-flip and first-position rates
* ``length_control`` -- length-controlled win rate (AlpacaEval 2 style)
* ``bradley_terry``  -- Elo-scale ratings for several systems, bootstrap CIs
* ``paired``         -- mean score, share of human level, paired differences
* ``agreement``      -- Cohen's kappa, Krippendorff's alpha
* ``bootstrap``      -- the one resampling scheme all intervals use

Every result is a small frozen dataclass with ``to_dict()`` for JSON reports.
"""

from .agreement import Alpha, Kappa, cohen_kappa, krippendorff_alpha
from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_interval, to_jsonable
from .bradley_terry import BradleyTerryResult, Comparison, Rating, bradley_terry, win_probability
from .length_control import LengthControlled, length_controlled_win_rate
from .paired import Estimate, HumanShare, PairedDifference, mean_score, paired_difference, share_of_human
from .pairwise import PairwiseItem, PairwiseResult, Verdict, combine_orders, summarize_pairwise

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "Alpha",
    "BradleyTerryResult",
    "Comparison",
    "Estimate",
    "HumanShare",
    "Interval",
    "Kappa",
    "LengthControlled",
    "PairedDifference",
    "PairwiseItem",
    "PairwiseResult",
    "Rating",
    "Verdict",
    "bootstrap_interval",
    "bradley_terry",
    "cohen_kappa",
    "combine_orders",
    "krippendorff_alpha",
    "length_controlled_win_rate",
    "mean_score",
    "paired_difference",
    "share_of_human",
    "summarize_pairwise",
    "to_jsonable",
    "win_probability",
]
