"""Format metrics: what can be measured about a script without a model.

Per script: the validator's findings (errors and warnings, per scene and per
100 printed elements, by code), the novelization index (``novelization``),
the dialogue/action word ratio, scenes, estimated pages, speaking
characters, and, when the outline is known, outline coverage
(``coverage``). The numbers come from the same parser, validator and
statistics that ``dsr check`` uses, so the two always agree. With the
outline known, continuity findings too (``dsr.fidelity.continuity``, the
same ones ``dsr check --story`` prints).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dsr.evaluate.coverage import outline_coverage
from dsr.fidelity.continuity import continuity_findings
from dsr.evaluate.items import SystemOutput
from dsr.evaluate.novelization import novelization_index
from dsr.screenplay.model import Element, Scene
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import validate
from dsr.story.model import Story

_PRINTED = frozenset({"scene_heading", "action", "character", "parenthetical", "dialogue", "transition",
                      "centered", "lyrics"})


def script_metrics(text: str) -> dict[str, Any]:
    """Every model-free metric of one Fountain script."""
    script = parse(text)
    findings = validate(script, text)
    stats = statistics(script)
    printed = sum(el.type in _PRINTED for el in script.elements)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    scenes = stats["scenes"]
    return {
        "scenes": scenes,
        "pages": stats["pages"],
        "printed_elements": printed,
        "speaking_characters": len(stats["characters"]),
        "dialogue_words": stats["dialogue_words"],
        "action_words": stats["action_words"],
        "dialogue_action_ratio": stats["dialogue_action_ratio"],
        "validator": {
            "errors": errors,
            "warnings": warnings,
            "errors_per_scene": errors / scenes if scenes else None,
            "warnings_per_scene": warnings / scenes if scenes else None,
            "errors_per_100_elements": 100 * errors / printed if printed else None,
            "warnings_per_100_elements": 100 * warnings / printed if printed else None,
            "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        },
        "novelization": novelization_index(script).to_dict(),
    }


def system_metrics(system: SystemOutput) -> dict[str, Any]:
    """``script_metrics`` of a system's script, plus outline coverage when
    its outline is known."""
    text = system.script_text if system.script_text is not None else "\n\n".join(
        s.text for s in system.scenes.values()
    )
    metrics = script_metrics(text)
    metrics["notes"] = list(system.notes)
    if system.story is not None:
        scenes = [s.text for s in system.scenes.values()]
        metrics["coverage"] = outline_coverage(system.story, scenes)
        metrics["continuity"] = continuity_metrics(system.story, scenes)
    return metrics


def continuity_metrics(story: Story, scenes: list[str], script: str | None = None) -> dict[str, Any]:
    """Continuity findings of ``scenes`` (Fountain, one per outline scene, in
    order) against ``story``: the list, their number and their codes. Scene
    numbers are the outline's; lines are within each scene's text. ``script``
    names the screenplay in each finding (a benchmark pools several)."""
    parsed = []
    for outline, text in zip(story.scenes, scenes):
        elements = parse(text).elements
        headings = [el for el in elements if el.type == "scene_heading"]
        # A scene item has one heading; should a real scene hold a second one
        # (a forced heading inside it), it is still one outline scene.
        heading = headings[0] if headings else Element("scene_heading", outline.heading(), 0)
        parsed.append(Scene(heading, [el for el in elements if el.type != "scene_heading"]))
    findings = [{**f.to_dict(), **({"script": script} if script else {})}
                for f in continuity_findings(story, parsed)]
    return {"findings": findings, "count": len(findings), "scenes": len(scenes),
            "by_code": dict(sorted(Counter(f["code"] for f in findings).items()))}


def pool_continuity(parts: list[dict[str, Any]]) -> dict[str, Any]:
    by_code: Counter = Counter()
    for part in parts:
        by_code.update(part["by_code"])
    return {"count": sum(p["count"] for p in parts), "scenes": sum(p["scenes"] for p in parts),
            "by_code": dict(sorted(by_code.items())), "findings": [f for p in parts for f in p["findings"]]}


def headline(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers a summary table shows for one system."""
    coverage = metrics.get("coverage") or {}
    return {
        "scenes": metrics["scenes"],
        "pages": metrics["pages"],
        "errors_per_100_elements": metrics["validator"]["errors_per_100_elements"],
        "warnings_per_100_elements": metrics["validator"]["warnings_per_100_elements"],
        "novelization_index": metrics["novelization"]["index"],
        "dialogue_action_ratio": metrics["dialogue_action_ratio"],
        "speaking_characters": metrics["speaking_characters"],
        "character_coverage": coverage.get("character_coverage"),
        "event_similarity": coverage.get("event_similarity"),
        "beat_match_rate": coverage.get("beat_match_rate"),
        "continuity_findings": (metrics.get("continuity") or {}).get("count"),
    }


def pooled_metrics(parts: list[SystemOutput]) -> dict[str, Any]:
    """One system's metrics over several scripts (a benchmark): the scenes
    taken together as one script, coverage pooled over the stories (counts
    summed, similarities averaged over scenes)."""
    metrics = script_metrics("\n\n".join(s.text for part in parts for s in part.scenes.values()))
    metrics["notes"] = [note for part in parts for note in part.notes]
    coverages = [outline_coverage(p.story, [s.text for s in p.scenes.values()]) for p in parts if p.story]
    if coverages:
        metrics["coverage"] = pool_coverage(coverages)
        metrics["continuity"] = pool_continuity([
            continuity_metrics(p.story, [s.text for s in p.scenes.values()], script=p.source.name)
            for p in parts if p.story])
    return metrics


def pool_coverage(coverages: list[dict[str, Any]]) -> dict[str, Any]:
    named = sum(c["characters_named"] for c in coverages)
    present = sum(c["characters_present"] for c in coverages)
    per_scene = [row for c in coverages for row in c["per_scene"]]
    similarities = [row["event_similarity"] for row in per_scene if row.get("event_similarity") is not None]
    matched = [(c["beat_match_rate"], len(c["per_scene"])) for c in coverages if c["beat_match_rate"] is not None]
    return {
        "character_coverage": present / named if named else None,
        "characters_named": named,
        "characters_present": present,
        "event_similarity": sum(similarities) / len(similarities) if similarities else None,
        "beat_match_rate": (sum(rate * n for rate, n in matched) / sum(n for _, n in matched)) if matched else None,
        "notes": sorted({note for c in coverages for note in c["notes"]}),
        "per_scene": per_scene,
    }
