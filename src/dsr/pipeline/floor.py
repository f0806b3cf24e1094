"""The floor under stage 1 (and the direct baseline): a scene's prose built
from the outline itself, for when no model answer keeps the outline.

The summary as the writer wrote it (outlines are written in the present
tense), then the directives' action beats that bring in nobody and nothing
the gate would reject; first, a line naming each of the scene's characters
the rest does not name. Plain, but the user's story with the user's
cast; flagged ``fallback: outline`` wherever it is used.
"""

from __future__ import annotations

import re

from dsr.fidelity.prose import (
    COVERAGE_THRESHOLD, BestMatch, SceneBrief, prose_findings, scene_brief, summary_sentences,
)
from dsr.story.model import SceneDirectives, Story

MIN_BEAT_WORDS = 3


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" -*•")
    if text and text[-1] not in ".!?…\"”":
        text += "."
    return text[:1].upper() + text[1:]


def usable_beat(beat: str, brief: SceneBrief, best_match: BestMatch | None = None) -> bool:
    """A model-written beat the floor may keep: words, no finding but the
    ones a single beat cannot help (it need not name everyone), and, given
    the similarity, about one of the summary's events (a small model's
    beats are often an echo of the instructions)."""
    if len(re.findall(r"[^\W\d_]+", beat)) < MIN_BEAT_WORDS:
        return False
    if [f for f in prose_findings(beat, brief) if f.code not in ("missing-character", "no-prose")]:
        return False
    return best_match is None or max(best_match([beat], summary_sentences(brief.summary)), default=0.0) >= COVERAGE_THRESHOLD


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def outline_prose(story: Story, index: int, directives: SceneDirectives | None = None,
                  best_match: BestMatch | None = None) -> str:
    scene = story.scenes[index]
    brief = scene_brief(story, index)
    summary = [_sentence(s) for s in summary_sentences(scene.summary)]
    seen = {s.lower() for s in summary}
    beats = []
    for beat in directives.action_beats if directives else []:
        sentence = _sentence(beat)
        if sentence.lower() not in seen and usable_beat(sentence, brief, best_match):
            seen.add(sentence.lower())
            beats.append(sentence)
    paragraphs = [" ".join(summary), " ".join(beats)]
    unnamed = [p.name for p in brief.cast if not p.named_in("\n".join(paragraphs))]
    if unnamed:  # before the events: who is there, then what happens
        paragraphs.insert(0, f"{_and_list(unnamed)} {'is' if len(unnamed) == 1 else 'are'} there.")
    return "\n\n".join(p for p in paragraphs if p)
