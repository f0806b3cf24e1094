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

from dsr.story.model import Character, OutlineScene, Story, language_name
from dsr.templates import TemplateSet

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

# Caps on what the story contributes to one prompt, so that a long profile or
# summary cannot blow up the prompt (the context of earlier scenes has its
# own bound, see context.py).
PROFILE_WORDS = 40
SUMMARY_WORDS = 150
MAX_PROFILES = 8


# Looked up at call time (not bound at import), so a test can swap in a
# TemplateSet reading edited copies of the templates.
def template_text(name: str) -> str:
    return TEMPLATES.text(name)


def prompt_version() -> str:
    return TEMPLATES.version


def render(name: str, **fields: str) -> str:
    return TEMPLATES.render(name, **fields)


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
        if c.aliases:
            line += f" (also called {', '.join(c.aliases)})"
        if c.profile:
            line += f": {clip_words(c.profile, PROFILE_WORDS)}"
        for other, relation in list(c.relationships.items())[:4]:
            line += f" ({other}: {clip_words(relation, 12)})"
        lines.append(line)
    if scene.extras:
        lines.append(f"- minor parts, no profile: {', '.join(scene.extras)}")
    return "\n".join(lines) or "- (none named)"


def scene_speakers(story: Story, scene: OutlineScene) -> list[str]:
    """Names a stage-2 cue may use: the scene's characters and extras (the
    whole cast when the outline lists nobody for the scene)."""
    names = [c.name.upper() for c in scene_characters(story, scene)]
    names += [" ".join(e.upper().split()) for e in scene.extras]
    return list(dict.fromkeys(names))


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
