"""Plot structures: small data files (``structures/NAME.yaml``) listing a
structure's beats, each with its share of the story's length.

A structure decides how many scenes each beat gets (``allot_scenes``): that
is arithmetic on the shares, never the model's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from dsr.errors import UserError


@dataclass(frozen=True)
class BeatSpec:
    id: str
    name: str
    act: int
    share: float
    purpose: str


@dataclass(frozen=True)
class Structure:
    name: str
    description: str
    default_scenes: int
    beats: tuple[BeatSpec, ...]


def _folder():
    return resources.files("dsr.develop").joinpath("structures")


def structure_names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in _folder().iterdir() if p.name.endswith(".yaml"))


@lru_cache(maxsize=None)
def load_structure(name: str) -> Structure:
    names = structure_names()
    if name not in names:
        raise UserError(f"--structure {name!r} does not exist; structures: {', '.join(names)}")
    data = yaml.safe_load(_folder().joinpath(f"{name}.yaml").read_text("utf-8"))
    beats = tuple(BeatSpec(id=b["id"], name=b["name"], act=int(b.get("act", 0)), share=float(b["share"]),
                           purpose=b["purpose"]) for b in data["beats"])
    return Structure(name=data["name"], description=data["description"],
                     default_scenes=int(data["default_scenes"]), beats=beats)


def allot_scenes(shares: list[float], scenes: int) -> list[list[int]]:
    """Which beats each scene covers: ``result[j]`` lists the beat indices of
    scene j, in order, every beat covered and every scene given at least one.

    With at least as many scenes as beats, each beat gets the whole part of
    its quota (share x scenes), at least one, and the rest go by the largest
    remainder (Hamilton's method). With
    fewer scenes, consecutive beats share a scene, cut where the running
    total of shares comes closest to an even split.
    """
    count = len(shares)
    total = sum(shares)
    weights = [s / total for s in shares] if total > 0 else [1 / count] * count
    if scenes >= count:
        quotas = [w * scenes for w in weights]
        per_beat = [max(1, int(q)) for q in quotas]
        left = scenes - sum(per_beat)
        # Hand out what is left by the largest remainder; take back (when the
        # minimum of one scene per beat overshot) from the most over-served.
        while left:
            if left > 0:
                i = max(range(count), key=lambda b: (quotas[b] - per_beat[b], -b))
                per_beat[i] += 1
                left -= 1
            else:
                i = min((b for b in range(count) if per_beat[b] > 1), key=lambda b: (quotas[b] - per_beat[b], b))
                per_beat[i] -= 1
                left += 1
        out: list[list[int]] = []
        for beat, n in enumerate(per_beat):
            out.extend([beat] for _ in range(n))
        return out
    # Fewer scenes than beats: choose scenes-1 cuts among the count-1 gaps.
    cumulative, running = [], 0.0
    for w in weights[:-1]:
        running += w
        cumulative.append(running)  # the story's position after beat i
    cuts: list[int] = []  # cut after beat index c
    for j in range(1, scenes):
        target = j / scenes
        low = cuts[-1] + 1 if cuts else 0
        high = count - 1 - (scenes - j)  # leave a beat for each later scene
        best = min(range(low, high + 1), key=lambda c: (abs(cumulative[c] - target), c))
        cuts.append(best)
    groups, start = [], 0
    for c in cuts + [count - 1]:
        groups.append(list(range(start, c + 1)))
        start = c + 1
    return groups
