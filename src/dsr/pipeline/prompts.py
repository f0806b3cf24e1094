"""Prompt templates (files in ``prompts/``) and the values that fill them.

Templates are plain text with ``$name`` fields (``string.Template``), so a
writer can read and edit them without knowing any template language.
``PROMPT_VERSION`` is a hash of every template: it goes into each artifact's
input hash and into the manifest, so editing a prompt redoes exactly the
work that used it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from string import Template

from dsr.story.model import Character, OutlineScene, Story, language_name

TEMPLATE_NAMES = (
    "stage1_system",
    "stage1_directives",
    "stage1_prose",
    "stage2_system",
    "stage2_fountain",
    "stage2_json",
    "repair",
    "direct_system",
    "direct_fountain",
    "direct_json",
)

# Caps on what the story contributes to one prompt, so that a long profile or
# summary cannot blow up the prompt (the context of earlier scenes has its
# own bound, see context.py).
PROFILE_WORDS = 40
SUMMARY_WORDS = 150
MAX_PROFILES = 8


@lru_cache(maxsize=None)
def template_text(name: str) -> str:
    return resources.files("dsr.pipeline").joinpath("prompts", f"{name}.txt").read_text("utf-8")


@lru_cache(maxsize=1)
def prompt_version() -> str:
    digest = hashlib.sha256()
    for name in TEMPLATE_NAMES:
        digest.update(name.encode() + b"\0" + template_text(name).encode() + b"\0")
    return digest.hexdigest()[:12]


def render(name: str, **fields: str) -> str:
    # substitute (not safe_substitute): a missing field is a bug, not a prompt.
    return Template(template_text(name)).substitute(fields).strip()


def clip_words(text: str, limit: int) -> str:
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + " ..."


def scene_characters(story: Story, scene: OutlineScene) -> list[Character]:
    """Profiles of the people in the scene; all of them when the outline names none."""
    if not scene.characters:
        return list(story.characters[:MAX_PROFILES])
    found = [story.character(name) for name in scene.characters]
    return [c for c in found if c is not None][:MAX_PROFILES]


def character_block(story: Story, scene: OutlineScene) -> str:
    lines = []
    for c in scene_characters(story, scene):
        line = f"- {c.name.upper()}"
        if c.profile:
            line += f": {clip_words(c.profile, PROFILE_WORDS)}"
        for other, relation in list(c.relationships.items())[:4]:
            line += f" ({other}: {clip_words(relation, 12)})"
        lines.append(line)
    return "\n".join(lines) or "- (none named)"


def speaker_names(story: Story, scene: OutlineScene) -> list[str]:
    """Names a cue may use: the scene's people first, then the rest of the cast."""
    names = [c.name.upper() for c in scene_characters(story, scene)]
    names += [c.name.upper() for c in story.characters if c.name.upper() not in names]
    return names


def scene_fields(story: Story, index: int, context: str, length: str) -> dict[str, str]:
    """The fields shared by stage 1 and the direct baseline for one scene."""
    scene = story.scenes[index]
    notes = f"Writer's notes: {clip_words(scene.directives, 80)}\n" if scene.directives else ""
    return {
        "title": story.title,
        "logline": story.logline or "(none)",
        "genre": story.genre or "(unspecified)",
        "style": story.style or "(unspecified)",
        "language_name": language_name(story.language),
        "characters": character_block(story, scene),
        "context": context,
        "position": f"scene {index + 1}",  # no "of N": appending a scene must not redo the others
        "heading": scene.heading(),
        "summary": clip_words(scene.summary, SUMMARY_WORDS),
        "writer_notes": notes,
        "length": length,
        "example_speaker": (scene_characters(story, scene) or story.characters)[0].name.upper(),
    }
