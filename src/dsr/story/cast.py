"""Who is in a scene, as prompts show it: the pipeline's stage 1 and direct
prompts, its stage-2 speaker list, the judges' view of a scene and the
synthesised datasets all read it from here, so they describe a scene's
people the same way.
"""

from __future__ import annotations

from dsr.story.model import Character, OutlineScene, Story
from dsr.text import clip_words

# Caps on what the cast contributes to one prompt, so that a long profile
# cannot blow it up.
PROFILE_WORDS = 40
MAX_PROFILES = 8


def scene_characters(story: Story, scene: OutlineScene) -> list[Character]:
    """Profiles of the people in the scene; all of them when the outline names none."""
    if not scene.characters:
        return list(story.characters[:MAX_PROFILES])
    found = [story.character(name) for name in scene.characters]
    return [c for c in found if c is not None][:MAX_PROFILES]


def character_block(story: Story, scene: OutlineScene) -> str:
    """The scene's people a line each (name, other names, clipped profile,
    relationships), then its extras."""
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
