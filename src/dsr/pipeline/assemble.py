"""The run's outputs from its scenes: screenplay.fountain (title page from
the story, the scenes in outline order), prose.md, screenplay.pdf and
manifest.json, plus the one-line summary the command prints."""

from __future__ import annotations

import importlib.metadata
import math
import platform
import time

from dsr import __version__
from dsr.fidelity.continuity import SceneCountError, check_screenplay
from dsr.pipeline.fallback import prose_to_elements
from dsr.pipeline.orchestrate import Pipeline, save_manifest
from dsr.pipeline.prompts import prompt_version
from dsr.story.cast import scene_speakers
from dsr.files import atomic_write_text, hash_of, read_json
from dsr.pipeline.scene import render_scene
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import validate
from dsr.screenplay.writer import write

PACKAGES = ("pydantic", "openai", "llama_cpp_python", "rich", "reportlab", "screenplain")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version(), "dsr": __version__}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def title_page(pipe: Pipeline) -> dict[str, list[str]]:
    """The writer's title page: the title in capitals, as the industry page has
    it; the credit only when the story names its author (never dsr). Which
    outline it came from is the run's business (manifest.json), not the
    reader's: a title page's Source line is for "Based on ..."."""
    story = pipe.story
    page = {"Title": [story.title.upper()]}
    if story.author:
        page["Credit"] = ["Written by"]
        page["Author"] = story.author.splitlines()
    if story.draft_date:
        page["Draft date"] = [story.draft_date]
    if story.contact:
        page["Contact"] = story.contact.splitlines()
    if pipe.settings.direct:
        page["Notes"] = ["Direct baseline: outline to screenplay, no prose stage"]
    return page


def assemble(pipe: Pipeline) -> tuple[Screenplay, str, list[int]]:
    """The whole screenplay. A scene that breaks the assembled script (it
    should not: each scene was checked alone) is replaced by its fallback,
    so the result always validates; returns the indices so replaced."""
    replaced: list[int] = []
    for _ in range(2):
        elements = [el for o in pipe.outcomes for el in parse(o.fountain or "").elements]
        text = write(Screenplay(title_page=title_page(pipe), elements=elements))
        sp = parse(text)
        bad_lines = [f.line for f in validate(sp) if f.severity == "error"]
        if not bad_lines:
            return sp, text, replaced
        heading_lines = [el.line for el in sp.elements if el.type == "scene_heading"]
        for line in bad_lines:
            index = max((i for i, start in enumerate(heading_lines) if start <= line), default=0)
            if index not in replaced:
                replaced.append(index)
                outcome = pipe.outcomes[index]
                source = outcome.prose or pipe.story.scenes[index].summary
                speakers = scene_speakers(pipe.story, pipe.story.scenes[index])
                outcome.fountain = render_scene(outcome.heading, prose_to_elements(source, speakers))
                outcome.fallback = True
    raise AssertionError(f"the assembled screenplay does not validate: lines {bad_lines}")


def continuity(pipe: Pipeline, sp: Screenplay) -> list[dict]:
    """Continuity findings of the assembled screenplay against the story
    (reported, never fatal: the screenplay is written either way)."""
    try:
        return [f.to_dict() for f in check_screenplay(pipe.story, sp)]
    except SceneCountError as exc:  # each outcome is one headed scene, so this should not happen
        return [{"code": "scene-count", "scenes": [], "line": None, "message": str(exc)}]


def prose_document(pipe: Pipeline) -> str:
    parts = [f"# {pipe.story.title}\n"]
    for o in pipe.outcomes:
        parts.append(f"## {o.index + 1}. {o.heading}\n\n{(o.prose or '').strip()}\n")
    return "\n".join(parts)


def write_outputs(pipe: Pipeline) -> dict:
    """Write screenplay.fountain, prose.md, the PDF; returns facts for the manifest."""
    run, settings = pipe.run, pipe.settings
    started = time.perf_counter()
    sp, text, replaced = assemble(pipe)
    atomic_write_text(run.path("screenplay.fountain"), text)
    if not settings.direct:
        atomic_write_text(run.path("prose.md"), prose_document(pipe))
    stats = statistics(sp)
    facts = {"replaced_at_assembly": [i + 1 for i in replaced], "pages_estimated": stats.get("pages"),
             "statistics": stats, "continuity": continuity(pipe, sp)}
    pdf_path = run.path("screenplay.pdf")
    previous = (read_json(run.manifest_path) or {}).get("outputs", {})
    pdf_key = hash_of({"fountain": text, "paper": settings.paper})
    if settings.pdf:
        if previous.get("pdf_key") == pdf_key and pdf_path.exists() and previous.get("pdf_pages"):
            facts["pdf_pages"] = previous["pdf_pages"]
        else:
            from dsr.screenplay.export.pdf import write_pdf

            tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
            facts["pdf_pages"] = write_pdf(sp, tmp, paper=settings.paper)
            tmp.replace(pdf_path)
        facts["pdf_key"] = pdf_key
    facts["seconds"] = round(time.perf_counter() - started, 3)
    return facts


def manifest(pipe: Pipeline, story_path, outputs: dict, wall_s: float) -> dict:
    s = pipe.settings
    scenes = []
    for o in pipe.outcomes:
        meta = pipe.run.scene_meta(o.index)
        scenes.append({
            "scene": o.index + 1, "heading": o.heading, "take": pipe.take(o.index),
            "stage1": None if s.direct else ("reused" if o.stage1_reused else "made"),
            "stage2": "reused" if o.stage2_reused else "made",
            "attempts": o.attempts, "fallback": "outline" if o.from_outline else "format" if o.fallback else None,
            "flags": o.flags,
            "kept_from_earlier_take": o.kept_from_earlier_take or bool((meta.get("stage1") or {}).get("kept_from_earlier_take")),
        })
    return {
        "dsr_version": __version__,
        "mode": "direct" if s.direct else "two-stage",
        "story": {"path": str(story_path), "title": pipe.story.title, "scenes": len(pipe.story.scenes),
                  "language": pipe.story.language},
        "models": {"stage1": None if s.direct else pipe.models.stage1.spec, "stage2": pipe.models.stage2.spec,
                   "notes": {k: _describe(m) for k, m in (("stage1", pipe.models.stage1), ("stage2", pipe.models.stage2))}},
        "parameters": {**s.to_dict(), **{f"params_{k}": s.params(k).key_dict() for k in ("directives", "prose", "stage2")}},
        "prompt_version": prompt_version(),
        "packages": package_versions(),
        "usage_this_run": pipe.usage_by_stage(),
        "usage_total": total_usage(pipe),
        "timings": {"wall_s": round(wall_s, 3), **pipe.stage_seconds, "outputs_s": outputs.get("seconds")},
        "fallbacks": [o.index + 1 for o in pipe.outcomes if o.fallback],  # the format fallback
        "built_from_outline": [o.index + 1 for o in pipe.outcomes if o.from_outline],
        "warnings": warnings(pipe),
        "scenes": scenes,
        "outputs": {k: v for k, v in outputs.items() if k not in ("statistics", "continuity")},
        "statistics": outputs.get("statistics"),
        "continuity": outputs.get("continuity", []),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _describe(model) -> dict:
    describe = getattr(model, "describe", None)
    try:
        return describe() if describe else {"spec": model.spec}
    except Exception:  # informational only
        return {"spec": model.spec}


def total_usage(pipe: Pipeline) -> dict:
    """Tokens the artifacts of this run cost when they were made (any run)."""
    total = {"model_calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    for o in pipe.outcomes:
        for section in pipe.run.scene_meta(o.index).values():
            usage = section.get("usage", {}) if isinstance(section, dict) else {}
            for k in total:
                total[k] += int(usage.get(k, 0))
    return total


def warnings(pipe: Pipeline) -> list[str]:
    out = []
    for o in pipe.outcomes:
        label = f"scene {o.index + 1} ({o.heading})"
        if "truncated" in o.flags:
            out.append(f"{label}: prose was cut off by the token limit; kept its whole sentences")
        if o.from_outline:
            what = "screenplay scene" if pipe.settings.direct else "prose"
            out.append(f"{label}: no {what} from the model kept the outline; built from the outline (fallback: outline)")
        if "directives_from_outline" in o.flags:
            out.append(f"{label}: no usable directives from the model; derived from the outline")
        if o.fallback:
            out.append(f"{label}: screenplay made by the deterministic fallback")
    return out


def summary_line(pipe: Pipeline, outputs: dict, wall_s: float) -> str:
    n = len(pipe.outcomes)
    # Printed pages when there is a PDF, else the 55-lines-a-page estimate, rounded up.
    pages = int(outputs.get("pdf_pages") or math.ceil(outputs.get("pages_estimated") or 0))
    usage = pipe.usage_by_stage()
    tokens = sum(u["completion_tokens"] for u in usage.values())  # generated: what takes the time
    calls = sum(u["model_calls"] for u in usage.values())
    target = pipe.run.path("screenplay.pdf" if pipe.settings.pdf else "screenplay.fountain")
    line = f"{n} scene{'s' * (n != 1)}, {pages} page{'s' * (pages != 1)}, "
    line += f"{tokens:,} tokens generated in {_duration(wall_s)}" if calls else f"0 model calls (all reused) in {_duration(wall_s)}"
    line += f" -> {target}"
    notes = []
    from_outline = sum(1 for o in pipe.outcomes if o.from_outline)
    if from_outline:
        notes.append(f"{from_outline} scene{'s' * (from_outline != 1)} built from the outline")
    fallbacks = sum(1 for o in pipe.outcomes if o.fallback)
    if fallbacks:
        notes.append(f"{fallbacks} scene{'s' * (fallbacks != 1)} used the fallback")
    flagged = sum(1 for o in pipe.outcomes if "truncated" in o.flags)
    if flagged:
        notes.append(f"{flagged} with flagged prose, see manifest.json")
    continuity = len(outputs.get("continuity") or ())
    if continuity:
        notes.append(f"{continuity} continuity finding{'s' * (continuity != 1)} in manifest.json")
    if pipe.settings.direct:
        notes.insert(0, "direct baseline")
    return line + (f" ({'; '.join(notes)})" if notes else "")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def finish(pipe: Pipeline, story_path, wall_started: float) -> str:
    outputs = write_outputs(pipe)
    wall = time.perf_counter() - wall_started
    save_manifest(pipe.run.manifest_path, manifest(pipe, story_path, outputs, wall))
    return summary_line(pipe, outputs, wall)
