"""The pairwise judge: two systems' scenes for the same outline, judged in
both orders.

For every item the judge is asked twice: with A's scene shown as "Scene 1"
and B's as "Scene 2" (order AB), and the other way round (order BA). Both
verdicts are mapped to A's perspective and handed to ``stats.pairwise``,
which combines them (a verdict that flips with the order is a tie) and
reports W/T/L, the win rate with its bootstrap interval, the flip rate, the
first-position rate and the length-controlled win rate (lengths in words of
what the judge saw). A judge that always prefers position 1 therefore yields
all ties and a flip rate of 100 %, and the report says so.

The labels are neutral ("Scene 1", "Scene 2"); the system names never reach
the prompt. The order in which items and orders are *asked* is shuffled with
a fixed seed, so that a judge whose behaviour drifts during a run (a server
under load, a warming cache) cannot line its drift up with one system.

More than two systems: every pair is judged, and the combined verdicts of
all pairs are fitted with Bradley-Terry (``stats.bradley_terry``).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass
from typing import Any

from dsr.evaluate.items import OUTLINE_UNKNOWN, SceneItem, SystemOutput
from dsr.evaluate.judge_common import MAX_SCENE_WORDS, Judge, JudgeAnswer, VerdictError, failure_counts, render
from dsr.evaluate.stats import (
    BradleyTerryResult,
    PairwiseItem,
    PairwiseResult,
    Verdict,
    bradley_terry,
    summarize_pairwise,
)
from dsr.screenplay.clip import clip_scene

# The judge's answer options, as "first vs second".
VERDICT_LABELS: dict[str, Verdict] = {
    "scene 1 much better": Verdict.MUCH_BETTER,
    "scene 1 better": Verdict.BETTER,
    "tie": Verdict.TIE,
    "scene 2 better": Verdict.WORSE,
    "scene 2 much better": Verdict.MUCH_WORSE,
}
REASON_CHARS = 600

PAIRWISE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "maxLength": REASON_CHARS},
        "verdict": {"type": "string", "enum": list(VERDICT_LABELS)},
    },
    "required": ["reason", "verdict"],
}


def parse_pairwise(data: dict[str, Any]) -> Verdict:
    """First-vs-second verdict from the judge's JSON object, or ``VerdictError``.
    Accepts the labels in any case and spacing, nothing looser."""
    raw = data.get("verdict")
    if not isinstance(raw, str):
        raise VerdictError("missing verdict")
    label = " ".join(raw.lower().replace("_", " ").split()).strip(" .")
    if label not in VERDICT_LABELS:
        raise VerdictError(f"unknown verdict {raw[:40]!r}")
    return VERDICT_LABELS[label]


def pairwise_messages(outline: str, first: SceneItem, second: SceneItem) -> tuple[list[dict[str, str]], bool]:
    """Messages for one order, and whether a scene was cut for length."""
    first_text, cut_1 = clip_scene(first.text, MAX_SCENE_WORDS)
    second_text, cut_2 = clip_scene(second.text, MAX_SCENE_WORDS)
    user = render("pairwise", outline=outline or OUTLINE_UNKNOWN, first=first_text, second=second_text)
    return [{"role": "system", "content": render("pairwise_system")}, {"role": "user", "content": user}], cut_1 or cut_2


@dataclass
class PairJudgments:
    """Both orders of every item for systems A and B, and their summary."""

    system_a: str
    system_b: str
    ab: dict[str, JudgeAnswer]
    ba: dict[str, JudgeAnswer]
    items: list[PairwiseItem]
    result: PairwiseResult
    clipped: list[str]

    def to_dict(self) -> dict[str, Any]:
        per_item = {}
        for item in self.items:
            per_item[item.item_id] = {
                "ab": _verdict_name(item.ab, self.ab[item.item_id]),
                "ba": _verdict_name(item.ba, self.ba[item.item_id]),
                "combined": self.result.combined[item.item_id].name.lower()
                if item.item_id in self.result.combined else None,
                "words_a": item.len_a,
                "words_b": item.len_b,
            }
        return {
            **self.result.to_dict(),
            "per_item": per_item,
            "failures": failure_counts([*self.ab.values(), *self.ba.values()]),
            "clipped_for_judge": list(self.clipped),
        }


def _verdict_name(verdict: Verdict | None, answer: JudgeAnswer) -> str:
    return verdict.name.lower() if verdict is not None else f"missing:{answer.failure}"


async def judge_pair(judge: Judge, a: SystemOutput, b: SystemOutput, *, seed: int = 0,
                     n_resamples: int = 2000) -> PairJudgments:
    """Judge A vs B on every item in both orders and summarise."""
    jobs = [(iid, a_first) for iid in a.scenes for a_first in (True, False)]
    random.Random(f"{seed}:{a.name}:{b.name}").shuffle(jobs)

    async def one(iid: str, a_first: bool) -> tuple[str, bool, JudgeAnswer, bool]:
        scene_a, scene_b = a.scenes[iid], b.scenes[iid]
        first, second = (scene_a, scene_b) if a_first else (scene_b, scene_a)
        messages, clipped = pairwise_messages(scene_a.outline, first, second)
        answer = await judge.ask(messages, PAIRWISE_SCHEMA, parse_pairwise, stage="pairwise")
        if judge.reporter is not None:
            judge.reporter.item_done("pairwise", 0, reused=False)
        return iid, a_first, answer, clipped

    results = await asyncio.gather(*(one(iid, a_first) for iid, a_first in jobs))
    ab = {iid: ans for iid, a_first, ans, _ in results if a_first}
    ba = {iid: ans for iid, a_first, ans, _ in results if not a_first}
    items = [
        PairwiseItem(
            iid,
            ab=None if ab[iid].value is None else Verdict.for_a(ab[iid].value, a_shown_first=True),
            ba=None if ba[iid].value is None else Verdict.for_a(ba[iid].value, a_shown_first=False),
            len_a=float(a.scenes[iid].words),
            len_b=float(b.scenes[iid].words),
        )
        for iid in a.scenes
    ]
    result = summarize_pairwise(items, system_a=a.name, system_b=b.name, n_resamples=n_resamples, seed=seed)
    clipped = sorted({iid for iid, _, _, cut in results if cut})
    return PairJudgments(a.name, b.name, ab, ba, items, result, clipped)


async def judge_pairs(judge: Judge, systems: list[SystemOutput], pairs: list[tuple[str, str]] | None = None, *,
                      seed: int = 0, n_resamples: int = 2000) -> list[PairJudgments]:
    """Every requested pair (default: all pairs of ``systems``), in order."""
    by_name = {s.name: s for s in systems}
    pairs = pairs or [(x.name, y.name) for x, y in itertools.combinations(systems, 2)]
    if judge.reporter is not None:
        judge.reporter.start("pairwise", sum(2 * len(by_name[x].scenes) for x, _ in pairs))
    return [await judge_pair(judge, by_name[x], by_name[y], seed=seed, n_resamples=n_resamples) for x, y in pairs]


def rate_systems(judgments: list[PairJudgments], *, anchor: str | None = None, seed: int = 0,
                 n_resamples: int = 2000) -> BradleyTerryResult | None:
    """Bradley-Terry ratings over all pairs when more than two systems met."""
    systems = {j.system_a for j in judgments} | {j.system_b for j in judgments}
    if len(systems) < 3:
        return None
    comparisons = [c for j in judgments for c in j.result.comparisons()]
    return bradley_terry(comparisons, anchor=anchor, seed=seed, n_resamples=n_resamples)
