"""Reverse records -> story files and per-scene inputs (deterministic, no model).

After the reverse calls, each screenplay becomes a ``Story`` in exactly the
shape ``dsr write`` reads (``stories/ID.json``: characters with profiles,
one outline scene per real scene with place, time, interior, characters and
the summary), so a reverse-synthesised screenplay can be written again by
the pipeline. Each scene becomes one line of ``inputs.jsonl``: the outline
beat, the reverse directives, the previous-context block the pipeline would
build for it, the real scene (the reference) and its provenance.

The context is built by the pipeline's own ``previous_context`` (outline of
the earlier scenes plus the end of the previous scene), with the previous
*real* scene standing in for the previous scene's output (as prose for
stage 1, as Fountain for the direct baseline): teacher forcing, and it
keeps every scene independent of the others' model calls.

A scene whose reverse answer never parsed still gets an outline scene (an
extractive summary from its first action lines, flagged), so the story
stays whole for the scenes around it; its input is marked and the filters
drop it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dsr.pipeline.context import previous_context
from dsr.text import clip_words
from dsr.files import atomic_write_json
from dsr.screenplay.inline import plain
from dsr.story.model import Character, OutlineScene, Story
from dsr.synth.corpus import CorpusScreenplay, heading_fields, scene_as_prose
from dsr.synth.filters import FilterConfig, beat_text_problems, check_profile
from dsr.files import write_jsonl
from dsr.synth.records import WorkItem

EXTRACTIVE_WORDS = 30
PROFILE_VERDICTS = "profiles.jsonl"  # the profile filter's verdicts, made while assembling


def extractive_summary(sp: CorpusScreenplay, index: int) -> str:
    scene = sp.scenes[index]
    action = " ".join(plain(el.text) for el in scene.elements if el.type == "action")
    summary = clip_words(action, EXTRACTIVE_WORDS) if action.strip() else "Dialogue scene."
    if scene.characters:
        summary += f" With {', '.join(scene.characters)}."
    return summary


def build_story(sp: CorpusScreenplay, beats: dict[int, dict], profiles: dict[str, dict]) -> Story | None:
    """The screenplay as a ``dsr write`` story. ``beats``: scene index -> ok
    reverse result; ``profiles``: name -> ok profile result. None when the
    screenplay has nobody in it (a story needs characters)."""
    names: list[str] = []
    for scene in sp.scenes:
        names += [n for n in scene.characters if n not in names]
    names += [n for n in profiles if n not in names]
    if not names:
        return None
    characters = []
    for name in names:
        profile = profiles.get(name) or {}
        relations = {other: rel for other, rel in (profile.get("relationships") or {}).items() if other in names}
        characters.append(Character(name=name, profile=profile.get("profile", ""), relationships=relations))
    scenes = []
    for scene in sp.scenes:
        beat = beats.get(scene.index)
        summary = beat["summary"] if beat else extractive_summary(sp, scene.index)
        scenes.append(OutlineScene(summary=summary, characters=scene.characters, **heading_fields(scene.heading.text)))
    return Story(title=sp.title, characters=characters, scenes=scenes)


def assemble(corpus: list[CorpusScreenplay], plan: list[WorkItem], records: dict[str, dict],
             data_dir: Path) -> tuple[list[dict], Counter]:
    """Write ``stories/*.json`` and ``inputs.jsonl``; return the inputs and
    what was left out of the stories, by reason. Beats and profiles that fail
    the text filters (degenerate, echoing the prompt, out of length) are not
    put into the stories: their scene gets the extractive summary and its
    input is marked ``rejected`` with the reasons."""
    by_source: dict[tuple, dict] = {}
    for item in plan:
        record = records.get(item.id)
        key = (item.source["screenplay"], item.source.get("scene"), item.source.get("character"))
        by_source[key] = {"item": item, "record": record}
    cfg = FilterConfig()
    inputs, rejected, profile_verdicts = [], Counter(), []
    for sp in corpus:
        beats, profiles, problems = {}, {}, {}
        for scene in sp.scenes:
            record = (by_source.get((sp.id, scene.index, None)) or {}).get("record")
            if record and record["status"] == "ok":
                result = record["result"]
                problems[scene.index] = beat_text_problems(result["summary"], result["directives"], cfg)
                if not problems[scene.index]:
                    beats[scene.index] = result
        for name in sp.cast:
            found = by_source.get((sp.id, None, name))
            if found:
                verdict = check_profile(sp.id, name, found["record"])
                profile_verdicts.append(verdict.to_dict())
                if verdict.kept:
                    profiles[name] = found["record"]["result"]
                elif found["record"] and found["record"]["status"] == "ok":  # unparsed ones are counted already
                    rejected[f"profile left out: {verdict.reasons[0]}"] += 1
        story = build_story(sp, beats, profiles)
        if story is None:
            rejected["screenplay left out: nobody in it"] += 1
            continue
        story_file = f"stories/{sp.id}.json"
        atomic_write_json(data_dir / story_file, story.model_dump(mode="json"))
        for scene in sp.scenes:
            found = by_source.get((sp.id, scene.index, None)) or {}
            entry = scene_input(sp, story, story_file, scene.index, found.get("item"), found.get("record"))
            if problems.get(scene.index):
                entry.update(beat_status="rejected", beat_reason="; ".join(problems[scene.index]), directives=None)
                rejected[f"beat rejected: {problems[scene.index][0]}"] += 1
            inputs.append(entry)
    write_jsonl(data_dir / "inputs.jsonl", inputs)
    write_jsonl(data_dir / PROFILE_VERDICTS, profile_verdicts)
    return inputs, rejected


def scene_input(sp: CorpusScreenplay, story: Story, story_file: str, index: int,
                item: WorkItem | None, record: dict | None) -> dict:
    scene = sp.scenes[index]
    previous = sp.scenes[index - 1] if index else None
    status = record["status"] if record else "missing"
    return {
        "id": item.id if item else None,  # the reverse record this input comes from
        "screenplay": sp.id,
        "scene": index,
        "story_file": story_file,
        "heading": story.scenes[index].heading(),
        "outline": story.scenes[index].model_dump(mode="json"),
        "beat_status": status,  # ok | unparsed | missing | rejected (its summary is then extractive)
        "beat_reason": (record or {}).get("reason"),
        "directives": record["result"]["directives"] if status == "ok" else None,
        "context": previous_context(story, index, scene_as_prose(previous) if previous else None),
        "direct_context": previous_context(story, index, previous.fountain if previous else None,
                                           previous_label="screenplay"),
        "reference": scene.fountain,
        "reference_prose": scene_as_prose(scene),
        "provenance": {
            "file": sp.file, "file_hash": sp.hash, "scene_index": index, "scene_hash": scene.hash,
            "model": (record or {}).get("model"), "prompt_version": (record or {}).get("prompt_version"),
        },
    }
