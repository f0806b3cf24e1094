"""Train / validation / test by screenplay, never by scene: every scene of
a screenplay lands in the same split, so no split learns a script another
split is tested on. Seeded and independent of file order."""

from __future__ import annotations

import math
import random

from dsr.errors import UserError

SPLITS = ("train", "validation", "test")


def check_shares(shares: tuple[float, ...]) -> tuple[float, float, float]:
    if len(shares) != 3 or any(s < 0 for s in shares) or not math.isclose(sum(shares), 1.0, abs_tol=1e-6):
        raise UserError(f"--split wants three shares >= 0 that add up to 1 (train,validation,test), not {shares}")
    return shares  # type: ignore[return-value]


def split_counts(n: int, shares: tuple[float, float, float]) -> list[int]:
    """Screenplays per split by largest remainder; train gets at least one,
    and a split with a positive share gets one once there are enough to go round."""
    exact = [n * s for s in shares]
    counts = [int(x) for x in exact]
    for i in sorted(range(3), key=lambda i: exact[i] - counts[i], reverse=True)[: n - sum(counts)]:
        counts[i] += 1
    for i in (1, 2):  # a small corpus still gets a validation and a test screenplay
        if shares[i] > 0 and counts[i] == 0 and counts[0] > 1 and n >= 3:
            counts[i], counts[0] = 1, counts[0] - 1
    if n and counts[0] == 0:
        donor = max((1, 2), key=lambda i: counts[i])
        counts[donor] -= 1
        counts[0] += 1
    return counts


def split_screenplays(ids: list[str], seed: int, shares: tuple[float, float, float]) -> dict[str, str]:
    ordered = sorted(set(ids))
    random.Random(seed).shuffle(ordered)
    counts = split_counts(len(ordered), check_shares(shares))
    assignment, start = {}, 0
    for name, count in zip(SPLITS, counts):
        for screenplay in ordered[start:start + count]:
            assignment[screenplay] = name
        start += count
    return assignment
