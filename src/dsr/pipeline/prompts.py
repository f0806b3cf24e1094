"""Prompt templates (files in ``prompts/``, loaded with
``dsr.templates.TemplateSet``) and the values that fill them.

Templates are plain text with ``$name`` fields (``string.Template``), so a
writer can read and edit them without knowing any template language. Every
prompt text the pipeline sends is in a template, and each artifact's key
holds the exact rendered requests it depends on (see ``orchestrate.py``),
so editing a template redoes exactly the scenes whose requests changed.
``prompt_version()`` (a hash of all templates) is recorded in the manifest
and in synthesised records.
"""

from __future__ import annotations

from dsr.story.cast import character_block, scene_characters
from dsr.story.model import Story, language_name
from dsr.templates import TemplateSet
from dsr.text import clip_words

TEMPLATE_NAMES = (
    "stage1_system",
    "stage1_directives",
    "stage1_prose",
    "stage1_repair",
    "stage2_system",
    "stage2_fountain",
    "stage2_json",
    "repair",
    "format_reminder_fountain",
    "format_reminder_json",
    "direct_system",
    "direct_fountain",
    "direct_json",
)
TEMPLATES = TemplateSet("dsr.pipeline", TEMPLATE_NAMES)

# A cap on what the scene's summary contributes to one prompt (the cast's is
# in dsr.story.cast; the context of earlier scenes has its own, see context.py).
SUMMARY_WORDS = 150


# Looked up at call time (not bound at import), so a test can swap in a
# TemplateSet reading edited copies of the templates.
def template_text(name: str) -> str:
    return TEMPLATES.text(name)


def prompt_version() -> str:
    return TEMPLATES.version


def render(name: str, **fields: str) -> str:
    return TEMPLATES.render(name, **fields)


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
