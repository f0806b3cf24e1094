"""Continuity across scenes: what a careful reader of the script notices
against its outline, without a model.

``check_screenplay(story, screenplay)`` reads each headed scene of the
screenplay against the outline scene at the same position and returns
``ContinuityFinding``s, each with the scene numbers it concerns:

- ``name-drift``: the same person under a drifting name (NELLY or NEL for
  NELL), as a cue or in the action. Legitimate forms are not drift: the
  story's name, each word of it, declared ``aliases:``, titles (MR.), any
  case, possessives, cue extensions (see ``names``);
- ``not-in-scene-outline``: a cast member speaks, or is named in the action,
  in a scene whose outline does not list them. Voice-over and phone voices
  are heard, not present; a name after "of", "about", "for" is a mention;
- ``uncast-speaker``: a named speaker who is neither in the cast nor in the
  scene's ``extras:`` (a WAITER or COP #2 is a role and may speak);
- ``time-contradiction``: action words that put the scene at another time
  of day than its heading ("morning light" in a NIGHT scene; CONTINUOUS
  takes the previous scene's time);
- ``place-contradiction``: a static sentence that puts the scene in another
  of the story's places than its heading;
- ``heading-differs``: the heading's INT/EXT, time of day or place is not
  the outline's (a ``dsr write`` heading always is).

Linear in the script's length; a 120-page script takes milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from dsr.fidelity.names import (
    AMBIGUOUS,
    NOT_PRESENT_EXTENSIONS,
    TITLES,
    Cast,
    extras_of,
    is_generic_role,
    matches_extra,
    name_words,
    strip_possessive,
)
from dsr.fidelity.timeplace import (
    contradicting_places,
    contradicting_time_words,
    heading_period,
    place_phrases,
    place_words,
    sentences,
)
from dsr.screenplay.inline import plain
from dsr.screenplay.model import Element, Scene, Screenplay
from dsr.screenplay.headings import split_heading
from dsr.screenplay.stats import character_key
from dsr.screenplay.validate_rules import NOT_SPEAKERS
from dsr.story.model import OutlineScene, Story

CODES = {
    "name-drift": "the same person under a drifting name (NELLY for NELL): one name per person",
    "not-in-scene-outline": "a cast member speaks or acts in a scene whose outline does not list them",
    "uncast-speaker": "a named speaker in neither the story's characters nor the scene's extras",
    "time-contradiction": "action words that contradict the heading's time of day (morning in a NIGHT scene)",
    "place-contradiction": "action that puts the scene in another of the story's places than its heading",
    "heading-differs": "the scene heading's INT/EXT, time of day or place is not the outline's",
}
# A name right after one of these is talked about, not present.
_MENTION_ONLY = frozenset({"of", "about", "for", "without", "than", "like", "remembers", "misses"})
_TOKEN = re.compile(r"[^\W\d_][\w'\u2019-]*")


@dataclass(frozen=True)
class ContinuityFinding:
    code: str
    scenes: tuple[int, ...]  # 1-based outline scene numbers, the first where it shows
    message: str
    line: int | None = None  # line in the screenplay file, when known

    severity = "warning"  # the script is consistent Fountain; these are story problems

    @property
    def where(self) -> str:
        if len(self.scenes) == 1:
            return f"scene {self.scenes[0]}"
        return "scenes " + ", ".join(str(n) for n in self.scenes)

    def text(self) -> str:
        return f"{self.where}: {self.message}"

    def to_dict(self) -> dict:
        return {"code": self.code, "scenes": list(self.scenes), "line": self.line, "message": self.message}


class SceneCountError(ValueError):
    """The screenplay and the story do not have the same number of scenes."""


def headed_scenes(screenplay: Screenplay) -> list[Scene]:
    """The screenplay's scenes that start with a heading (title matter and
    anything before the first heading belong to no outline scene)."""
    return [scene for scene in screenplay.scenes() if scene.heading is not None]


def check_screenplay(story: Story, screenplay: Screenplay) -> list[ContinuityFinding]:
    """Findings of ``screenplay`` against ``story``, scene by scene;
    ``SceneCountError`` when they do not have one scene per outline scene."""
    scenes = headed_scenes(screenplay)
    if len(scenes) != len(story.scenes):
        raise SceneCountError(
            f"the screenplay has {len(scenes)} scene heading{'s' * (len(scenes) != 1)} but the story has "
            f"{len(story.scenes)} scene{'s' * (len(story.scenes) != 1)}: continuity is checked scene by scene, "
            "so give the outline the screenplay was written from"
        )
    return continuity_findings(story, scenes)


def continuity_findings(story: Story, scenes: Sequence[Scene]) -> list[ContinuityFinding]:
    """Findings over ``scenes``, one per outline scene of ``story``, in order."""
    if len(scenes) != len(story.scenes):
        raise SceneCountError(f"{len(scenes)} scenes for {len(story.scenes)} outline scenes")
    reading = _Reading(story, scenes)
    findings: list[ContinuityFinding] = []
    previous_period = None
    for number, (outline, scene) in enumerate(zip(story.scenes, scenes), 1):
        findings += _heading_differs(number, outline, scene)
        findings += reading.people(number, outline, scene)
        period, found = _time_findings(number, outline, scene, previous_period)
        previous_period = period
        findings += found
        findings += _place_findings(number, outline, scene, reading.places_elsewhere(number))
    findings += reading.drift_findings() + reading.uncast_findings()
    return sorted(findings, key=lambda f: (f.scenes[0], f.line or 0, f.code))


# ---------------------------------------------------------------- people

@dataclass
class _Variant:
    """A drifting name and where it was seen."""

    target: str
    scenes: set[int] = field(default_factory=set)
    line: int | None = None
    evidence: int = 0  # uses that show it is a name: a cue, capitals, capitalised mid-sentence
    initial: int = 0  # uses only at the start of a sentence (could be any word)


class _Reading:
    def __init__(self, story: Story, scenes: Sequence[Scene]):
        self.story = story
        self.cast = Cast.of(story)
        self.lower_words = _lowercase_words(scenes)
        self.variants: dict[str, _Variant] = {}
        self.uncast: dict[str, tuple[set[int], int]] = {}
        self.phrases = [
            place_phrases(outline.place) | place_phrases(split_heading(scene.heading.text).place if scene.heading else "")
            for outline, scene in zip(story.scenes, scenes)
        ]

    def places_elsewhere(self, number: int) -> frozenset[str]:
        here = self.phrases[number - 1]
        return frozenset(p for i, phrases in enumerate(self.phrases) if i != number - 1 for p in phrases) - here

    # -- who is in the scene

    def people(self, number: int, outline: OutlineScene, scene: Scene) -> list[ContinuityFinding]:
        listed = {self.cast.person(name) for name in outline.characters} - {None, AMBIGUOUS}
        extras = extras_of(outline)
        present: dict[str, tuple[str, int]] = {}  # person -> (how, line)
        for el in scene.elements:
            if el.type == "character":
                self._cue(number, el, extras, present)
            elif el.type == "action":
                self._action(number, el, present)
        findings = []
        for person, (how, line) in present.items():
            if person in listed:
                continue
            lineup = ", ".join(outline.characters) or "nobody"
            doing = "speaks" if how == "speaks" else "is in the action"
            findings.append(ContinuityFinding(
                "not-in-scene-outline", (number,),
                f"{person} {doing} here, but the outline of this scene lists {lineup} "
                f"(add {person} to the scene's characters, or leave them out of it)", line))
        return findings

    def _cue(self, number: int, el: Element, extras: list[str], present: dict[str, tuple[str, int]]) -> None:
        name = character_key(el)
        if not name or name in NOT_SPEAKERS:
            return
        heard_only = bool(el.extension and NOT_PRESENT_EXTENSIONS.search(el.extension))
        person = self.cast.person(name)
        if person is None and not matches_extra(name, extras):
            person = self.cast.drift_target(name)
            if person is not None:
                self._saw_variant(name, person, number, el.line, evidence=True)
            elif not is_generic_role(name):
                scenes, line = self.uncast.get(name, (set(), el.line))
                scenes.add(number)
                self.uncast[name] = (scenes, line)
        if person and person != AMBIGUOUS and not heard_only and present.get(person, ("",))[0] != "speaks":
            present[person] = ("speaks", el.line)  # speaking says more than being in the action

    def _action(self, number: int, el: Element, present: dict[str, tuple[str, int]]) -> None:
        for sentence in sentences(_plain(el.text)):
            tokens = list(_TOKEN.finditer(sentence))
            for k, match in enumerate(tokens):
                if not match.group()[:1].isupper():
                    continue
                written = strip_possessive(match.group())
                capitals = written.isupper() and len(written) > 1
                initial = k == 0 and not capitals
                common = written.lower() in self.lower_words
                upper = " ".join(name_words(written))
                person = self.cast.forms.get(upper)
                previous = tokens[k - 1].group().lower() if k else ""
                if person is not None:
                    if person != AMBIGUOUS and not (initial and common) and previous not in _MENTION_ONLY:
                        present.setdefault(person, ("acts", el.line))
                    continue
                if common or len(upper) < 3 or upper in NOT_SPEAKERS:
                    continue
                if not capitals and _in_proper_noun(self.cast, sentence, tokens, k):
                    continue  # part of a longer proper noun: Central Park, Mark Twain
                target = self.cast.drift_target(upper, in_text=True)
                if target is not None:
                    self._saw_variant(upper, target, number, el.line, evidence=not initial)
                    if not (previous in _MENTION_ONLY):
                        present.setdefault(target, ("acts", el.line))

    def _saw_variant(self, variant: str, target: str, number: int, line: int, evidence: bool) -> None:
        seen = self.variants.setdefault(variant, _Variant(target))
        seen.scenes.add(number)
        seen.line = line if seen.line is None else min(seen.line, line)
        if evidence:
            seen.evidence += 1
        else:
            seen.initial += 1

    # -- findings gathered over the whole script

    def drift_findings(self) -> list[ContinuityFinding]:
        findings = []
        for variant, seen in self.variants.items():
            # One capitalised word at the start of one sentence may be any word.
            if not seen.evidence and seen.initial < 2:
                continue
            hint = f"write {seen.target}, or declare {variant} among {seen.target}'s aliases in the story"
            findings.append(ContinuityFinding(
                "name-drift", tuple(sorted(seen.scenes)),
                f"{variant} looks like {seen.target} under a drifting name ({hint})", seen.line))
        return findings

    def uncast_findings(self) -> list[ContinuityFinding]:
        findings = []
        for name, (scenes, line) in self.uncast.items():
            where = "this scene's" if len(scenes) == 1 else "these scenes'"
            findings.append(ContinuityFinding(
                "uncast-speaker", tuple(sorted(scenes)),
                f"{name} speaks but is in neither the story's characters nor {where} extras", line))
        return findings


def _in_proper_noun(cast: Cast, sentence: str, tokens: list[re.Match], k: int) -> bool:
    """Whether token ``k`` stands next to another capitalised word (only
    spaces between) that is neither a cast name, a title nor the sentence's
    first word: then it is part of a longer proper noun."""
    for j in (k - 1, k + 1):
        if not 0 <= j < len(tokens):
            continue
        left, right = sorted((j, k))
        if sentence[tokens[left].end():tokens[right].start()].strip():
            continue  # punctuation or a word between: a list, not one name
        word = tokens[j].group()
        if not word[:1].isupper() or (j == 0 and not word.isupper()):
            continue
        upper = " ".join(name_words(word))
        if upper not in cast.forms and upper not in TITLES:
            return True
    return False


@lru_cache(maxsize=4096)
def _plain(text: str) -> str:
    """An element's text without markup (each check reads every action line)."""
    return plain(text)


def _lowercase_words(scenes: Sequence[Scene]) -> set[str]:
    """Words the script writes in lower case somewhere: a capitalised one of
    them ("Will", "Dark") is an ordinary word at a sentence start, not a name."""
    words: set[str] = set()
    for scene in scenes:
        for el in scene.elements:
            if el.type in ("action", "dialogue", "parenthetical"):
                words.update(w for w in _TOKEN.findall(_plain(el.text)) if w[:1].islower())
    return words


# ---------------------------------------------------------------- heading, time, place

def _heading_differs(number: int, outline: OutlineScene, scene: Scene) -> list[ContinuityFinding]:
    parts = split_heading(scene.heading.text)
    line = scene.heading.line
    outline_prefix = {True: "INT", False: "EXT"}.get(outline.interior) if outline.interior != "both" else None
    differences = []
    if parts.prefix in ("INT", "EXT") and outline_prefix and parts.prefix != outline_prefix:
        differences.append(f"{parts.prefix} where the outline has {outline_prefix}")
    written, planned = heading_period(parts.time), heading_period(outline.time)
    if written and planned and written != planned:
        differences.append(f"{parts.time} where the outline has {outline.time}")
    if outline.place and parts.place and not (place_words(parts.place) & place_words(outline.place)):
        differences.append(f"{parts.place} where the outline has {outline.place.upper()}")
    if not differences:
        return []
    return [ContinuityFinding("heading-differs", (number,),
                              f"the heading says {'; '.join(differences)} (outline: {outline.heading()})", line)]


def _time_findings(number: int, outline: OutlineScene, scene: Scene,
                   previous: str | None) -> tuple[str | None, list[ContinuityFinding]]:
    time = split_heading(scene.heading.text).time or outline.time
    period = heading_period(time, previous)
    findings = []
    for el in scene.elements:
        if el.type != "action":
            continue
        for word in contradicting_time_words(_plain(el.text), period):
            said = time if heading_period(time) else f"{time} (so {period.upper()})"
            findings.append(ContinuityFinding(
                "time-contradiction", (number,),
                f"'{word.phrase}' puts this scene in the {word.period}, but its heading says {said}", el.line))
    return period, findings


def _place_findings(number: int, outline: OutlineScene, scene: Scene, elsewhere: frozenset[str]) -> list[ContinuityFinding]:
    place = split_heading(scene.heading.text).place or outline.place
    findings = []
    for el in scene.elements:
        if el.type != "action":
            continue
        for claim in contradicting_places(_plain(el.text), place, elsewhere):
            findings.append(ContinuityFinding(
                "place-contradiction", (number,),
                f"'{claim.context}' puts this scene in the {claim.phrase}, another place of the story, "
                f"but its heading says {place.upper()}", el.line))
    return findings
