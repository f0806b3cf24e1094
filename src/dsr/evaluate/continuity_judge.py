"""The continuity review: a judge model lists contradictions with facts
established in earlier scenes (who knows what, where objects are, who is
alive), one line each with the scene numbers.

Two passes over a screenplay's scenes, both through the judge's call cache
and structured output (see ``judge_common``):

1. *facts*: each scene alone -> the facts it establishes (at most
   ``MAX_FACTS``, each with a kind). Scenes are independent, so they run
   concurrently;
2. *check*: each scene from the second on, with the facts of the scenes
   before it (the most recent ``MAX_LEDGER_FACTS``, each tagged with its
   scene) -> the contradictions, each naming the earlier scene, which must
   be one of those shown.

A ledger of short facts instead of the earlier scenes' text keeps each
request small however long the screenplay is. A scene whose facts are
missing (no valid answer after retries) adds nothing to the ledger and is
counted; a contradiction is never guessed from a broken answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dsr.evaluate.items import SceneItem, SystemOutput
from dsr.evaluate.judge_common import Judge, JudgeAnswer, VerdictError, failure_counts
from dsr.screenplay.clip import clip_scene
from dsr.templates import TemplateSet

TEMPLATE_NAMES = ("continuity_system", "continuity_facts", "continuity_check")
TEMPLATES = TemplateSet("dsr.evaluate", TEMPLATE_NAMES)
FACT_KINDS = ("knowledge", "object", "alive", "place", "other")
MAX_FACTS = 8  # per scene
MAX_LEDGER_FACTS = 60  # shown to the check of one scene: the most recent ones
MAX_CONTRADICTIONS = 6  # per scene
TEXT_CHARS = 240
SCENE_WORDS = 1200  # a longer scene is cut for the judge


def prompt_version() -> str:
    return TEMPLATES.version


@dataclass(frozen=True)
class Fact:
    scene: int  # 1-based
    kind: str
    text: str

    def line(self) -> str:
        return f"scene {self.scene} [{self.kind}]: {self.text}"


@dataclass(frozen=True)
class Contradiction:
    scene: int
    earlier_scene: int
    fact: str
    contradiction: str

    def line(self) -> str:
        return f"scene {self.scene} contradicts scene {self.earlier_scene}: {self.contradiction} " \
               f"(established in scene {self.earlier_scene}: {self.fact})"

    def to_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "earlier_scene": self.earlier_scene, "fact": self.fact,
                "contradiction": self.contradiction, "line": self.line()}


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise VerdictError(f"{what} is not text")
    return " ".join(value.split())[:TEXT_CHARS]


def facts_schema() -> dict[str, Any]:
    fact = {"type": "object",
            "properties": {"kind": {"type": "string", "enum": list(FACT_KINDS)},
                           "fact": {"type": "string", "minLength": 1, "maxLength": TEXT_CHARS}},
            "required": ["kind", "fact"]}
    return {"type": "object", "properties": {"facts": {"type": "array", "items": fact, "maxItems": MAX_FACTS}},
            "required": ["facts"]}


def check_schema(earlier: list[int]) -> dict[str, Any]:
    item = {"type": "object",
            "properties": {"earlier_scene": {"type": "integer", "enum": earlier},
                           "fact": {"type": "string", "minLength": 1, "maxLength": TEXT_CHARS},
                           "contradiction": {"type": "string", "minLength": 1, "maxLength": TEXT_CHARS}},
            "required": ["earlier_scene", "fact", "contradiction"]}
    return {"type": "object",
            "properties": {"contradictions": {"type": "array", "items": item, "maxItems": MAX_CONTRADICTIONS}},
            "required": ["contradictions"]}


def parse_facts(scene: int):
    def check(data: dict[str, Any]) -> list[Fact]:
        items = data.get("facts")
        if not isinstance(items, list):
            raise VerdictError("facts is not a list")
        facts: list[Fact] = []
        for item in items[:MAX_FACTS]:
            if not isinstance(item, dict) or item.get("kind") not in FACT_KINDS:
                raise VerdictError("a fact has no valid kind")
            fact = Fact(scene, item["kind"], _text(item.get("fact"), "fact"))
            if all(fact.text.lower() != f.text.lower() for f in facts):  # a weak judge repeats itself
                facts.append(fact)
        return facts
    return check


def parse_contradictions(scene: int, earlier: list[int]):
    def check(data: dict[str, Any]) -> list[Contradiction]:
        items = data.get("contradictions")
        if not isinstance(items, list):
            raise VerdictError("contradictions is not a list")
        found = []
        for item in items[:MAX_CONTRADICTIONS]:
            if not isinstance(item, dict):
                raise VerdictError("a contradiction is not an object")
            number = item.get("earlier_scene")
            if isinstance(number, str) and number.strip().isdigit():
                number = int(number)
            if isinstance(number, bool) or not isinstance(number, int) or number not in earlier:
                raise VerdictError(f"earlier_scene {number!r} is not one of the scenes shown")
            fact, contradiction = _text(item.get("fact"), "fact"), _text(item.get("contradiction"), "contradiction")
            if fact.lower() == contradiction.lower():
                raise VerdictError("the contradiction only repeats the fact")
            found.append(Contradiction(scene, number, fact, contradiction))
        return found
    return check


def _outline(item: SceneItem) -> str:
    return f"Its outline:\n{item.outline}\n" if item.outline else ""


def facts_messages(number: int, item: SceneItem) -> list[dict[str, str]]:
    scene, _ = clip_scene(item.text, SCENE_WORDS)
    user = TEMPLATES.render("continuity_facts", number=str(number), outline=_outline(item), scene=scene,
                            max_facts=str(MAX_FACTS))
    return [{"role": "system", "content": TEMPLATES.render("continuity_system")}, {"role": "user", "content": user}]


def check_messages(number: int, item: SceneItem, ledger: list[Fact]) -> list[dict[str, str]]:
    scene, _ = clip_scene(item.text, SCENE_WORDS)
    user = TEMPLATES.render("continuity_check", number=str(number), outline=_outline(item), scene=scene,
                            facts="\n".join(f.line() for f in ledger))
    return [{"role": "system", "content": TEMPLATES.render("continuity_system")}, {"role": "user", "content": user}]


@dataclass
class ContinuityReview:
    system: str
    facts: dict[int, JudgeAnswer]  # scene -> its facts
    checks: dict[int, JudgeAnswer]  # scene (2..n) -> its contradictions

    def contradictions(self) -> list[Contradiction]:
        return [c for n in sorted(self.checks) for c in (self.checks[n].value or [])]

    def to_dict(self) -> dict[str, Any]:
        found = self.contradictions()
        return {
            "system": self.system,
            "contradictions": [c.to_dict() for c in found],
            "count": len(found),
            "scenes": len(self.facts),
            "facts": {str(n): ([f.line() for f in a.value] if a.value is not None else {"missing": a.failure})
                      for n, a in sorted(self.facts.items())},
            "unchecked_scenes": [n for n, a in sorted(self.checks.items()) if a.value is None],
            "failures": {"facts": failure_counts(self.facts.values()),
                         "check": failure_counts(self.checks.values())},
        }


async def review_continuity(judge: Judge, system: SystemOutput) -> ContinuityReview:
    """Both passes over ``system``'s scenes, in outline order."""
    items = list(system.scenes.values())
    reporter = judge.reporter

    async def facts_of(number: int, item: SceneItem) -> tuple[int, JudgeAnswer]:
        answer = await judge.ask(facts_messages(number, item), facts_schema(), parse_facts(number), stage="facts")
        if reporter is not None:
            reporter.item_done("facts", number - 1, reused=False)
        return number, answer

    if reporter is not None:
        reporter.start("facts", len(items))
    facts = dict(await asyncio.gather(*(facts_of(n, item) for n, item in enumerate(items, 1))))

    async def check(number: int, item: SceneItem) -> tuple[int, JudgeAnswer]:
        ledger = [f for n in range(1, number) for f in (facts[n].value or [])][-MAX_LEDGER_FACTS:]
        earlier = sorted({f.scene for f in ledger})
        if not ledger:  # nothing established before: nothing to contradict
            return number, JudgeAnswer([], 0)
        answer = await judge.ask(check_messages(number, item, ledger), check_schema(earlier),
                                 parse_contradictions(number, earlier), stage="check")
        if reporter is not None:
            reporter.item_done("check", number - 2, reused=False)
        return number, answer

    if reporter is not None:
        reporter.start("check", max(0, len(items) - 1))
    checks = dict(await asyncio.gather(*(check(n, item) for n, item in enumerate(items, 1) if n > 1)))
    return ContinuityReview(system.name, facts, checks)
