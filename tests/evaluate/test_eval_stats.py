"""The statistics behind `dsr eval`, against hand computations and textbook values."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.errors import UserError
from dsr.evaluate.stats import (
    Comparison,
    PairwiseItem,
    Verdict,
    bradley_terry,
    cohen_kappa,
    combine_orders,
    krippendorff_alpha,
    length_controlled_win_rate,
    mean_score,
    paired_difference,
    share_of_human,
    summarize_pairwise,
    win_probability,
)
from dsr.evaluate.stats.pairwise import binomial_two_sided_p

W, T, L = Verdict.BETTER, Verdict.TIE, Verdict.WORSE


# --- an independent, deliberately plain bootstrap to check against -----------


def plain_percentile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default rule)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def plain_bootstrap(statistic, n: int, n_resamples: int, seed: int) -> tuple[float, float]:
    """Resample items with replacement, one draw of n indices per resample."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        picked = [int(i) for i in rng.integers(0, n, size=n)]
        values.append(statistic(picked))
    return plain_percentile(values, 0.025), plain_percentile(values, 0.975)


def consistent(item_id: str, verdict: Verdict, len_a=None, len_b=None) -> PairwiseItem:
    """An item the judge decided the same way in both orders."""
    return PairwiseItem(item_id, verdict, verdict, len_a, len_b)


# --- pairwise ------------------------------------------------------------------


def test_win_rate_and_ci_match_a_hand_computation():
    verdicts = [W] * 6 + [T] * 2 + [L] * 2
    items = [consistent(f"s{i}", v) for i, v in enumerate(verdicts)]
    result = summarize_pairwise(items, seed=11)

    assert (result.wins, result.ties, result.losses) == (6, 2, 2)
    assert result.win_rate == pytest.approx((6 + 2 / 2) / 10)
    scores = [1.0] * 6 + [0.5] * 2 + [0.0] * 2
    low, high = plain_bootstrap(lambda picked: sum(scores[i] for i in picked) / len(picked), 10, 2000, seed=11)
    assert result.ci.low == pytest.approx(low, abs=1e-12)
    assert result.ci.high == pytest.approx(high, abs=1e-12)
    assert (result.ci.n_resamples, result.ci.level, result.ci.seed) == (2000, 0.95, 11)
    assert result.ci.low < result.win_rate < result.ci.high
    assert result.flip_rate == 0.0


def test_a_judge_that_always_picks_the_first_position_yields_only_ties():
    def always_first(first_answer: str, second_answer: str) -> Verdict:
        return Verdict.BETTER  # "the first answer is better", whatever it says

    items = []
    for i in range(40):
        answer_a, answer_b = f"A's scene {i}", f"B's scene {i}"
        ab = Verdict.for_a(always_first(answer_a, answer_b), a_shown_first=True)
        ba = Verdict.for_a(always_first(answer_b, answer_a), a_shown_first=False)
        items.append(PairwiseItem(f"s{i}", ab, ba))
    result = summarize_pairwise(items)

    assert (result.wins, result.ties, result.losses) == (0, 40, 0)
    assert result.win_rate == 0.5
    assert result.flip_rate == 1.0
    assert result.reversed == 40
    assert result.first_position_rate == 1.0
    assert result.first_position_p_value < 1e-20
    assert (result.ci.low, result.ci.high) == (0.5, 0.5)


@pytest.mark.parametrize(
    ("ab", "ba", "combined"),
    [
        (W, W, W),
        (L, L, L),
        (T, T, T),
        (W, L, T),  # flips with the order
        (W, T, T),  # a win in one order only is not a win
        (T, L, T),
        (Verdict.MUCH_BETTER, Verdict.MUCH_BETTER, Verdict.MUCH_BETTER),
        (Verdict.MUCH_BETTER, W, W),  # strength must survive the swap too
        (Verdict.MUCH_WORSE, L, L),
        (Verdict.MUCH_BETTER, Verdict.MUCH_WORSE, T),
    ],
)
def test_both_orders_rule(ab, ba, combined):
    assert combine_orders(ab, ba) is combined
    assert combine_orders(ba, ab) is combined


def test_position_rates_count_decisive_judgments():
    items = [
        PairwiseItem("s1", W, W),  # AB: first picked; BA: second picked
        PairwiseItem("s2", W, L),  # first picked twice
        PairwiseItem("s3", T, T),  # no decisive judgment
        PairwiseItem("s4", L, T),  # AB: second picked
    ]
    result = summarize_pairwise(items, n_resamples=50)
    assert result.n_decisive_judgments == 5
    assert result.first_position_rate == pytest.approx(3 / 5)
    assert result.order_dependent == 2
    assert result.flip_rate == 0.5
    assert result.reversed == 1
    assert (result.wins, result.ties, result.losses) == (1, 3, 0)


def test_pairwise_refuses_partial_lengths():
    with pytest.raises(UserError, match="lengths missing for s2"):
        summarize_pairwise([consistent("s1", W, 10, 12), consistent("s2", L)], n_resamples=10)


def test_items_without_both_verdicts_are_excluded_and_listed():
    items = [consistent("s1", W), PairwiseItem("s2", W, None), PairwiseItem("s3", None, None), consistent("s4", L)]
    result = summarize_pairwise(items, n_resamples=50)
    assert result.n_items == 2
    assert result.excluded == ["s2", "s3"]
    assert result.win_rate == 0.5


def test_pairwise_refuses_unusable_input():
    with pytest.raises(UserError, match="no item has verdicts in both orders"):
        summarize_pairwise([PairwiseItem("s1", W, None)])
    with pytest.raises(UserError, match="duplicate item id.*s1"):
        summarize_pairwise([consistent("s1", W), consistent("s1", L)])


def test_verdict_names_round_trip():
    for verdict in Verdict:
        assert Verdict.parse(verdict.name.lower()) is verdict
    assert Verdict.parse("Win") is Verdict.BETTER
    assert Verdict.parse("much better") is Verdict.MUCH_BETTER
    with pytest.raises(UserError, match="unknown pairwise verdict"):
        Verdict.parse("A is nicer")


def test_pairwise_result_is_plain_json():
    items = [consistent(f"s{i}", v, 100 + i, 90) for i, v in enumerate([W, W, T, L, Verdict.MUCH_BETTER])]
    data = summarize_pairwise(items, n_resamples=100).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["combined"]["s4"] == "much_better"
    assert data["much_better"] == 1
    assert data["length_controlled"]["n_items"] == 5


@pytest.mark.parametrize(("k", "n", "p"), [(10, 10, 2 / 1024), (5, 10, 1.0), (8, 10, 112 / 1024), (0, 3, 0.25)])
def test_exact_binomial_test(k, n, p):
    assert binomial_two_sided_p(k, n) == pytest.approx(p)


verdicts = st.sampled_from(list(Verdict))
pairwise_items = st.lists(st.tuples(verdicts, verdicts), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(pairwise_items, st.integers(0, 2**31))
def test_pairwise_properties(judgments, seed):
    items = [PairwiseItem(f"s{i}", ab, ba) for i, (ab, ba) in enumerate(judgments)]
    result = summarize_pairwise(items, n_resamples=200, seed=seed)
    assert 0.0 <= result.ci.low <= result.win_rate <= result.ci.high <= 1.0
    assert result.wins + result.ties + result.losses == result.n_items

    swapped = summarize_pairwise([it.swapped() for it in items], n_resamples=200, seed=seed)
    assert swapped.win_rate == pytest.approx(1.0 - result.win_rate)
    assert swapped.ci.low == pytest.approx(1.0 - result.ci.high)
    assert swapped.ci.high == pytest.approx(1.0 - result.ci.low)
    assert (swapped.wins, swapped.losses) == (result.losses, result.wins)
    assert swapped.flip_rate == result.flip_rate
    assert swapped.first_position_rate == result.first_position_rate


# --- length control ------------------------------------------------------------


def verbose_system(n: int, seed: int, low: int = 100, high: int = 260) -> tuple[np.ndarray, np.ndarray]:
    """Lengths where A writes about 30 % longer than B (equal quality)."""
    rng = np.random.default_rng(seed)
    shift = (high - low) // 5
    return rng.integers(low, high, n).astype(float), rng.integers(low - shift, high - shift, n).astype(float)


def test_length_control_recovers_equal_quality_when_the_longer_answer_always_wins():
    # Lengths in lines, so that some pairs are equal; the judge looks only at
    # length: the longer answer wins, equal length is a tie.
    len_a, len_b = verbose_system(300, seed=1, low=10, high=40)
    scores = np.sign(len_a - len_b) / 2 + 0.5
    assert scores.mean() > 0.7  # the raw win rate is fooled
    result = length_controlled_win_rate(scores, len_a, len_b, n_resamples=300)
    assert result.estimator == "limit"  # separated by length: the MLE runs to infinity
    assert result.win_rate == 0.5
    assert (result.ci.low, result.ci.high) == (0.5, 0.5)


def test_length_control_under_separation_reports_only_what_is_identified():
    len_a, len_b = verbose_system(200, seed=6)
    len_a = len_a + 0.5  # no pair of equal length
    longer_wins = np.where(len_a > len_b, 1.0, 0.0)
    unknown = length_controlled_win_rate(longer_wins, len_a, len_b, n_resamples=50)
    assert unknown.win_rate is None and unknown.ci is None
    assert "not identified" in unknown.note

    # A wins unless it is more than 20 lines shorter: at equal length, A wins.
    wins_near_equal = np.where(len_a - len_b > -20, 1.0, 0.0)
    assert 0.0 < wins_near_equal.mean() < 1.0
    limit = length_controlled_win_rate(wins_near_equal, len_a, len_b, n_resamples=50)
    assert (limit.win_rate, limit.estimator) == (1.0, "limit")


def test_length_control_recovers_equal_quality_from_a_noisy_length_biased_judge():
    len_a, len_b = verbose_system(600, seed=2)
    dlen = len_a - len_b
    p_win = 1.0 / (1.0 + np.exp(-2.5 * np.tanh(dlen / dlen.std(ddof=1))))  # no quality term
    scores = (np.random.default_rng(3).random(600) < p_win).astype(float)
    assert scores.mean() > 0.6
    result = length_controlled_win_rate(scores, len_a, len_b, n_resamples=300)
    assert result.estimator == "mle"
    assert result.win_rate == pytest.approx(0.5, abs=0.06)
    assert result.ci.contains(0.5)
    assert result.slope == pytest.approx(2.5, abs=0.6)


def test_length_control_fit_matches_the_closed_form():
    # Two length differences, +-20 words: the model is saturated, so the fit
    # reproduces both groups' win rates exactly and sigmoid(b0) is the
    # inverse logit of their mean logit.
    longer = [1.0] * 8 + [0.0] * 2  # 0.8 when A is longer
    shorter = [1.0] * 4 + [0.5] * 2 + [0.0] * 4  # 0.5 when A is shorter
    scores = np.array(longer + shorter)
    len_a = np.array([120.0] * 10 + [100.0] * 10)
    len_b = np.array([100.0] * 10 + [120.0] * 10)
    result = length_controlled_win_rate(scores, len_a, len_b, n_resamples=50)
    logit = lambda p: math.log(p / (1 - p))
    expected = 1 / (1 + math.exp(-(logit(0.8) + logit(0.5)) / 2))
    assert result.estimator == "mle"
    assert result.win_rate == pytest.approx(expected, abs=1e-9)


def test_length_control_degenerate_cases():
    n = 12
    len_a, len_b = verbose_system(n, seed=4)
    all_wins = length_controlled_win_rate(np.ones(n), len_a, len_b, n_resamples=50)
    assert (all_wins.win_rate, all_wins.estimator) == (1.0, "raw")
    assert "every outcome is the same" in all_wins.note

    mixed = np.array([1.0, 0.0, 0.5] * 4)
    same_length = length_controlled_win_rate(mixed, len_a, len_a, n_resamples=50)
    assert same_length.win_rate == pytest.approx(0.5)
    assert "equal length" in same_length.note

    constant = length_controlled_win_rate(mixed, len_b + 30, len_b, n_resamples=50)
    assert constant.win_rate is None and constant.ci is None
    assert "cannot be separated" in constant.note


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.5, 1.0]), st.integers(1, 400), st.integers(1, 400)), min_size=3, max_size=25
    )
)
def test_length_control_properties(rows):
    scores = np.array([r[0] for r in rows])
    len_a = np.array([r[1] for r in rows], dtype=float)
    len_b = np.array([r[2] for r in rows], dtype=float)
    result = length_controlled_win_rate(scores, len_a, len_b, n_resamples=40)
    swapped = length_controlled_win_rate(1.0 - scores, len_b, len_a, n_resamples=40)
    if result.win_rate is None:
        assert swapped.win_rate is None
        return
    assert 0.0 <= result.win_rate <= 1.0
    assert swapped.win_rate == pytest.approx(1.0 - result.win_rate, abs=1e-6)


# --- Bradley-Terry ---------------------------------------------------------------


def test_bradley_terry_recovers_known_strengths():
    true = {"dsr": 1150.0, "gpt": 1050.0, "direct": 950.0, "small": 850.0}  # mean 1000
    names = list(true)
    rng = random.Random(7)
    games = []
    for g in range(6000):
        a, b = rng.sample(names, 2)
        won = rng.random() < win_probability(true[a], true[b])
        games.append(Comparison(a, b, 1.0 if won else 0.0, item_id=f"g{g}"))
    result = bradley_terry(games, n_resamples=200)

    assert result.estimator == "mle"
    assert [r.system for r in result.ratings] == names  # best first
    assert sum(r.rating for r in result.ratings) / 4 == pytest.approx(1000.0)
    # The MLE solves the score equations: each system's points equal the
    # points the fitted model expects from its games.
    fitted = {r.system: r.rating for r in result.ratings}
    for name in names:
        expected = sum(
            win_probability(fitted[g.system_a], fitted[g.system_b])
            if g.system_a == name
            else win_probability(fitted[g.system_b], fitted[g.system_a])
            for g in games
            if name in (g.system_a, g.system_b)
        )
        assert result.rating_of(name).score == pytest.approx(expected, abs=1e-6)
    for rating in result.ratings:
        assert rating.rating == pytest.approx(true[rating.system], abs=25.0)
        assert rating.ci.contains(true[rating.system])
        assert rating.ci.high - rating.ci.low < 60.0


def test_bradley_terry_two_systems_closed_form_with_ties():
    # 60 wins, 20 ties, 20 losses: x scores 70 of 100, so the MLE satisfies
    # P(x beats y) = 0.7, i.e. R_x - R_y = 400 log10(0.7 / 0.3).
    games = (
        [Comparison("x", "y", 1.0)] * 30
        + [Comparison("y", "x", 0.0)] * 30
        + [Comparison("x", "y", 0.5)] * 20
        + [Comparison("y", "x", 1.0)] * 20
    )
    result = bradley_terry(games, anchor="y", n_resamples=100)
    assert result.rating_of("y").rating == pytest.approx(1000.0)
    assert result.rating_of("x").rating == pytest.approx(1000.0 + 400 * math.log10(0.7 / 0.3), abs=1e-6)
    assert result.rating_of("x").score == pytest.approx(70.0)
    assert result.rating_of("y").ci.low == result.rating_of("y").ci.high == pytest.approx(1000.0)


def test_bradley_terry_without_a_finite_mle_says_so():
    games = [Comparison("x", "y", 1.0, f"i{i}") for i in range(10)] + [
        Comparison("y", "z", 1.0, f"i{i}") for i in range(10)
    ]
    result = bradley_terry(games, n_resamples=100)
    assert result.estimator == "virtual-ties"
    assert "infinite" in result.note
    assert [r.system for r in result.ratings] == ["x", "y", "z"]
    assert all(math.isfinite(r.rating) for r in result.ratings)
    assert result.n_items == 10  # both games of an item are resampled together


def test_pairwise_results_feed_bradley_terry():
    a_vs_b = summarize_pairwise([consistent(f"s{i}", v) for i, v in enumerate([W, W, W, T, L])], n_resamples=20)
    b_vs_c = summarize_pairwise(
        [consistent(f"s{i}", v) for i, v in enumerate([W, W, T, L, L])], system_a="B", system_b="C", n_resamples=20
    )
    assert a_vs_b.comparisons()[3] == Comparison("A", "B", 0.5, "s3")
    result = bradley_terry(a_vs_b.comparisons() + b_vs_c.comparisons(), n_resamples=50)
    assert result.n_comparisons == 10 and result.n_items == 5  # the same scene ids: resampled together
    assert result.rating_of("A").rating > result.rating_of("B").rating
    assert result.rating_of("B").rating == pytest.approx(result.rating_of("C").rating)


def test_bradley_terry_refuses_systems_on_separate_scales():
    games = [Comparison("a", "b", 1.0), Comparison("b", "a", 1.0), Comparison("c", "d", 0.5)]
    with pytest.raises(UserError, match="never compared"):
        bradley_terry(games, n_resamples=10)
    with pytest.raises(UserError, match="anchor"):
        bradley_terry(games[:2], anchor="zzz", n_resamples=10)


# --- share of human level, paired differences --------------------------------------


def test_share_of_human_with_paired_bootstrap():
    system = {"s1": 6.0, "s2": 8.0, "s3": 10.0, "s4": 7.0, "s5": 9.0}
    human = {"s1": 10.0, "s2": 9.0, "s3": 11.0, "s4": 10.0, "s5": 10.0}
    result = share_of_human(system, human, seed=5)
    assert result.share == pytest.approx(40.0 / 50.0)
    assert (result.system_mean, result.human_mean, result.n_items) == (8.0, 10.0, 5)

    ids = sorted(system)  # the implementation pairs items in sorted id order
    sys_values, hum_values = [system[i] for i in ids], [human[i] for i in ids]
    low, high = plain_bootstrap(
        lambda picked: sum(sys_values[i] for i in picked) / sum(hum_values[i] for i in picked), 5, 2000, seed=5
    )
    assert (result.ci.low, result.ci.high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))


def test_share_of_human_refuses_mismatched_items():
    with pytest.raises(UserError, match=r"1 missing from dsr: s3; 1 missing from human: s9"):
        share_of_human({"s1": 5, "s2": 6, "s9": 7}, {"s1": 5, "s2": 6, "s3": 7}, system_name="dsr")
    with pytest.raises(UserError, match="without a numeric score: s2"):
        share_of_human({"s1": 5, "s2": float("nan")}, {"s1": 5, "s2": 6})
    with pytest.raises(UserError, match="positive"):
        share_of_human({"s1": 5}, {"s1": 0})


def test_paired_difference_and_mean_score():
    dsr = {"s1": 9.0, "s2": 7.0, "s3": 8.0}
    direct = {"s1": 6.0, "s2": 6.0, "s3": 5.0}
    diff = paired_difference(dsr, direct, a_name="dsr", b_name="direct", n_resamples=500)
    assert diff.difference == pytest.approx(7 / 3)
    assert diff.ci.contains(diff.difference) and diff.ci.low >= 1.0
    mean = mean_score(dsr, n_resamples=500)
    assert mean.value == 8.0 and mean.ci.low >= 7.0 and mean.ci.high <= 9.0
    assert json.loads(json.dumps(diff.to_dict()))["difference"] == pytest.approx(7 / 3)


# --- agreement --------------------------------------------------------------------

_ = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers,
# 12 units, missing values. Published: nominal 0.743, ordinal 0.815,
# interval 0.849, ratio 0.797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
# The computational example of the Wikipedia article on Krippendorff's alpha:
# 3 coders, 15 units; nominal 0.691, interval 0.811.
WIKIPEDIA_EXAMPLE = [
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
]


@pytest.mark.parametrize(
    ("data", "metric", "expected"),
    [
        (KRIPPENDORFF_2011, "nominal", 0.743),
        (KRIPPENDORFF_2011, "ordinal", 0.815),
        (KRIPPENDORFF_2011, "interval", 0.849),
        (KRIPPENDORFF_2011, "ratio", 0.797),
        (WIKIPEDIA_EXAMPLE, "nominal", 0.691),
        (WIKIPEDIA_EXAMPLE, "interval", 0.811),
    ],
)
def test_krippendorff_alpha_textbook_values(data, metric, expected):
    assert round(krippendorff_alpha(data, metric=metric).alpha, 3) == expected


def test_krippendorff_alpha_bookkeeping_and_labels():
    result = krippendorff_alpha(KRIPPENDORFF_2011)
    assert (result.n_raters, result.n_units, result.n_pairable_values) == (4, 11, 40)
    tiers = ["poor", "fair", "good", "great", "superb"]
    labelled = [[_ if v is None else tiers[v - 1] for v in row] for row in KRIPPENDORFF_2011]
    ordinal = krippendorff_alpha(labelled, metric="ordinal", categories=tiers)
    assert ordinal.alpha == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011, metric="ordinal").alpha)
    nan_missing = [[float("nan") if v is None else v for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(nan_missing).alpha == pytest.approx(result.alpha)


def test_krippendorff_alpha_ignores_the_order_of_raters_and_units():
    rng = random.Random(3)
    raters = KRIPPENDORFF_2011[:]
    rng.shuffle(raters)
    columns = list(zip(*raters))
    rng.shuffle(columns)
    shuffled = [list(row) for row in zip(*columns)]
    for metric in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(shuffled, metric=metric).alpha == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_2011, metric=metric).alpha
        )


def test_krippendorff_alpha_edge_cases():
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], metric="interval").alpha == 1.0
    same = krippendorff_alpha([["a", "a"], ["a", "a"]])
    assert same.alpha is None and "undefined" in same.note
    with pytest.raises(UserError, match="at least two raters"):
        krippendorff_alpha([[1, 2, 1], [_, _, 3], [2, _, _]][0:1])
    with pytest.raises(UserError, match="no unit was rated by at least two"):
        krippendorff_alpha([[1, _], [_, 2]])
    with pytest.raises(UserError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], metric="interval")


def test_cohen_kappa_classic_example():
    # 50 grant proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    reader_a = ["yes"] * 25 + ["no"] * 25
    reader_b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    result = cohen_kappa(reader_a, reader_b)
    assert result.observed_agreement == pytest.approx(0.7)
    assert result.expected_agreement == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)
    assert cohen_kappa(reader_b, reader_a).kappa == pytest.approx(0.4)


@pytest.mark.parametrize(("weights", "expected"), [("none", 0.9315), ("linear", 0.9412), ("quadratic", 0.9541)])
def test_weighted_kappa_reference_values(weights, expected):
    # Three ordered categories; values as scikit-learn's test suite publishes them.
    rater_1 = [0] * 46 + [1] * 44 + [2] * 10
    rater_2 = [0] * 50 + [1] * 40 + [2] * 10
    assert cohen_kappa(rater_1, rater_2, weights=weights).kappa == pytest.approx(expected, abs=5e-5)


def test_kappa_uses_declared_categories_and_skips_missing():
    # Five-point scale, three items: quadratic kappa 0.85 only with all 5 categories declared.
    assert cohen_kappa([0, 4, 3], [1, 4, 2], weights="quadratic", categories=range(5)).kappa == pytest.approx(0.85)
    result = cohen_kappa(["win", None, "tie", "loss"], ["win", "tie", float("nan"), "loss"])
    assert (result.n_items, result.n_excluded, result.kappa) == (2, 2, 1.0)
    undefined = cohen_kappa(["tie", "tie"], ["tie", "tie"])
    assert undefined.kappa is None and "undefined" in undefined.note
    with pytest.raises(UserError, match="outside the given categories"):
        cohen_kappa([1, 7], [1, 2], categories=[1, 2, 3])
    with pytest.raises(UserError, match="labelled 2 and 1 items"):
        cohen_kappa([1, 2], [1])
