"""The "previous context" a scene is written with, bounded in size.

A scene is written knowing what came before: the outline of the last
``RECENT`` scenes verbatim (clipped), a compressed line for older ones, and
the end of the previous scene as written. Everything here is deterministic
and bounded, whatever the outline's length: a 500-scene outline gives the
same size of prompt as a 20-scene one. Older scenes are sampled so that the
opening (the setup a story keeps paying off) and the most recent stretch are
always there; the middle is left out with a count.
"""

from __future__ import annotations

from dsr.text import clip_words
from dsr.story.model import Story

RECENT = 3  # previous scenes whose outline summary is given in full (clipped)
RECENT_WORDS = 60
OLDER_WORDS = 12  # words kept per older scene
OPENING = 3  # older scenes always kept from the start of the story
OLDER_MAX = 12  # older scenes kept in all (opening + most recent)
TAIL_WORDS = 120  # words kept from the end of the previous scene


def tail_words(text: str, limit: int = TAIL_WORDS) -> str:
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return "... " + " ".join(words[-limit:])


def outline_context(story: Story, index: int) -> list[str]:
    """Lines summarising the outline before scene ``index`` (0-based)."""
    if index == 0:
        return []
    recent_from = max(0, index - RECENT)
    older = list(range(recent_from))
    if len(older) > OLDER_MAX:
        keep_end = OLDER_MAX - OPENING
        older = older[:OPENING] + [-1] + older[-keep_end:]
    lines = []
    for i in older:
        if i == -1:
            skipped = recent_from - OLDER_MAX
            lines.append(f"(... {skipped} scenes ...)")
            continue
        scene = story.scenes[i]
        lines.append(f"{i + 1}. {scene.heading()}: {clip_words(scene.summary, OLDER_WORDS)}")
    for i in range(recent_from, index):
        scene = story.scenes[i]
        lines.append(f"{i + 1}. {scene.heading()}: {clip_words(scene.summary, RECENT_WORDS)}")
    return lines


def previous_context(story: Story, index: int, previous_text: str | None, previous_label: str = "prose") -> str:
    """The context block for scene ``index``: outline so far, then how the
    previous scene ends (its prose, or in the direct baseline its screenplay)."""
    if index == 0:
        return "This is the first scene."
    parts = ["Earlier scenes:", *outline_context(story, index)]
    if previous_text and previous_text.strip():
        parts += ["", f"The previous scene ends ({previous_label}):", tail_words(previous_text)]
    return "\n".join(parts)
