"""The rubric judge: each scene on the method's 12-point, six-tier scale,
with error counts in plot coherence, character development and pacing, and
a short justification.

The scale (``prompts/rubric_tiers.txt``) is written out in the prompt and
shown to human raters word for word. The judge sees the outline the scene
was written from and the scene's judge view (see ``items``), never which
system wrote it. Scores are per item; a missing verdict (see
``judge_common``) leaves the item out of that system's mean and is counted.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dsr.errors import UserError
from dsr.evaluate.items import OUTLINE_UNKNOWN, SceneItem, SystemOutput
from dsr.evaluate.judge_common import (
    MAX_SCENE_WORDS,
    Judge,
    JudgeAnswer,
    VerdictError,
    failure_counts,
    render,
    template_text,
    whole_number,
)
from dsr.screenplay.clip import clip_scene

SCALE_MAX = 12
ERROR_CATEGORIES = ("plot_coherence", "character_development", "pacing")
MAX_ERRORS_PER_CATEGORY = 20  # what the schema lets a judge write, not a validity bound
JUSTIFICATION_CHARS = 600


@dataclass(frozen=True)
class Tier:
    low: int
    high: int
    name: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "name": self.name, "description": self.description}


@lru_cache(maxsize=1)
def tiers() -> tuple[Tier, ...]:
    """The six tiers from ``prompts/rubric_tiers.txt``; they must cover 1..12."""
    rows = []
    for line in template_text("rubric_tiers").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        span, name, description = (part.strip() for part in line.split("|", 2))
        low, high = (int(x) for x in span.split("-"))
        rows.append(Tier(low, high, name, description))
    covered = [n for t in rows for n in range(t.low, t.high + 1)]
    if covered != list(range(1, SCALE_MAX + 1)):
        raise AssertionError("rubric_tiers.txt must cover 1..12 in order without gaps")
    return tuple(rows)


def tier_of(score: int) -> Tier:
    return next(t for t in tiers() if t.low <= score <= t.high)


def tiers_text() -> str:
    return "\n".join(f"{t.low}-{t.high} {t.name}: {t.description}" for t in tiers())


RUBRIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "justification": {"type": "string", "maxLength": JUSTIFICATION_CHARS},
        **{
            f"{category}_errors": {"type": "integer", "enum": list(range(MAX_ERRORS_PER_CATEGORY + 1))}
            for category in ERROR_CATEGORIES
        },
        "score": {"type": "integer", "enum": list(range(1, SCALE_MAX + 1))},
    },
    "required": ["justification", *[f"{c}_errors" for c in ERROR_CATEGORIES], "score"],
}


@dataclass(frozen=True)
class RubricVerdict:
    score: int
    errors: dict[str, int]
    justification: str

    @property
    def tier(self) -> str:
        return tier_of(self.score).name

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "tier": self.tier, "errors": dict(self.errors), "justification": self.justification}


def parse_rubric(data: dict[str, Any]) -> RubricVerdict:
    """A rubric verdict from the judge's JSON object, or ``VerdictError``."""
    score = whole_number(data, "score", 1, SCALE_MAX)
    errors = {c: whole_number(data, f"{c}_errors", 0) for c in ERROR_CATEGORIES}
    justification = data.get("justification", "")
    if not isinstance(justification, str):
        raise VerdictError("justification is not text")
    return RubricVerdict(score, errors, " ".join(justification.split())[:JUSTIFICATION_CHARS])


def rubric_messages(scene: SceneItem) -> tuple[list[dict[str, str]], bool]:
    """The judge's messages for one scene, and whether the scene was cut."""
    text, clipped = clip_scene(scene.text, MAX_SCENE_WORDS)
    user = render("rubric", tiers=tiers_text(), outline=scene.outline or OUTLINE_UNKNOWN, scene=text)
    return [{"role": "system", "content": render("rubric_system")}, {"role": "user", "content": user}], clipped


@dataclass
class SystemScores:
    """One system's rubric verdicts, item by item (None: missing)."""

    system: str
    answers: dict[str, JudgeAnswer]
    clipped: list[str]

    @property
    def scores(self) -> dict[str, float]:
        return {iid: a.value.score for iid, a in self.answers.items() if a.value is not None}

    @property
    def missing(self) -> list[str]:
        return [iid for iid, a in self.answers.items() if a.value is None]

    def error_totals(self) -> dict[str, Any]:
        """Error counts per category: total and mean per scored scene."""
        verdicts = [a.value for a in self.answers.values() if a.value is not None]
        totals = {c: sum(v.errors[c] for v in verdicts) for c in ERROR_CATEGORIES}
        n = len(verdicts)
        return {
            "total": totals,
            "per_scene": {c: (totals[c] / n if n else None) for c in ERROR_CATEGORIES},
            "all_categories_per_scene": (sum(totals.values()) / n) if n else None,
            "n_scored": n,
        }

    def tier_counts(self) -> dict[str, int]:
        counts = Counter(a.value.tier for a in self.answers.values() if a.value is not None)
        return {t.name: counts.get(t.name, 0) for t in tiers()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "verdicts": {iid: (a.value.to_dict() if a.value else {"missing": a.failure, "attempts": a.attempts})
                         for iid, a in self.answers.items()},
            "failures": failure_counts(self.answers.values()),
            "clipped_for_judge": list(self.clipped),
            "errors": self.error_totals(),
            "tiers": self.tier_counts(),
        }


async def score_system(judge: Judge, system: SystemOutput) -> SystemScores:
    """Rubric verdicts for every scene of one system."""

    async def one(scene: SceneItem) -> tuple[str, JudgeAnswer, bool]:
        messages, clipped = rubric_messages(scene)
        answer = await judge.ask(messages, RUBRIC_SCHEMA, parse_rubric, stage="rubric")
        if judge.reporter is not None:
            judge.reporter.item_done("rubric", 0, reused=False)
        return scene.item_id, answer, clipped

    results = await asyncio.gather(*(one(scene) for scene in system.scenes.values()))
    return SystemScores(
        system.name,
        {iid: answer for iid, answer, _ in results},
        [iid for iid, _, clipped in results if clipped],
    )


async def score_systems(judge: Judge, systems: list[SystemOutput]) -> dict[str, SystemScores]:
    if judge.reporter is not None:
        judge.reporter.start("rubric", sum(len(s.scenes) for s in systems))
    results = {}
    for system in systems:
        results[system.name] = await score_system(judge, system)
    if not any(r.scores for r in results.values()):
        raise UserError(
            f"the judge {judge.spec} gave no valid rubric verdict at all "
            f"({_failure_summary(results)}); try another --judge"
        )
    return results


def _failure_summary(results: dict[str, SystemScores]) -> str:
    kinds = Counter(a.failure for r in results.values() for a in r.answers.values() if a.value is None)
    return ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
