"""The stage-1 fidelity findings: does a scene's draft keep its outline?

From the story and the draft alone (no model call), four checks:

- **cast**: every character the outline lists for the scene is named (by
  name or a declared alias; a cue counts in a screenplay);
- **invented people**: nobody named speaks or acts who is neither in the
  scene's characters nor its ``extras`` (``names.actors`` says who speaks
  or acts; pronouns and generic roles such as "a waiter" are fine). A story
  character the outline keeps out of this scene counts too;
- **events**: each sentence of the summary is covered: its best cosine
  similarity (all-MiniLM-L6-v2, the evaluation's measure) with a passage of
  the draft (a paragraph, or one to three consecutive sentences) reaches
  ``COVERAGE_THRESHOLD``. Measured on the 16 human scenes of the corpus
  with outline beats written by hand (``bench/fidelity_corpus.py``): the
  32 summary sentences score 0.41-0.92 (median 0.76) with their own scene,
  and a median 0.33 with the 15 other scenes. 0.35 rejects none of the
  real scenes (a margin of 0.06 under the lowest) and 56 % of the
  sentence/other-scene pairs, most of them sibling scenes of the same
  script (see ``docs/fidelity.md``). English only: the embedder is English;
- **time of day**: the narration does not contradict the heading ("morning"
  in a NIGHT scene), by continuity's rules (``timeplace.py``). CONTINUOUS,
  SAME and MOMENTS LATER take the time of the scene before. English time
  words only;
- **language**: the text is not plainly in another language than the
  story's (``language.py``: common short words counted; small models answer
  a German outline in English);
- **telling, not showing**: no sentence about the scene itself ("The scene
  begins with ...", "in this scene"): small models write them, and stage 2
  or its fallback would carry them into the screenplay as action. None of
  the corpus scripts has one. English only.

Empty or junk drafts are findings, never errors. Each finding is a
``screenplay.validate.Finding`` (severity ``error``) whose message is
written to be sent back to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from dsr.fidelity.language import foreign_language
from dsr.fidelity.speakers import Person, actors, person_for, split_sentences
from dsr.fidelity.timeplace import contradicting_time_words, heading_period
from dsr.screenplay.model import Element
from dsr.screenplay.validate import Finding
from dsr.story.model import Story, language_name
from dsr.text import without_speech

COVERAGE_THRESHOLD = 0.35  # chosen from bench/fidelity_corpus.py, see the docstring
MIN_WORDS = 3  # fewer words than this is no draft at all
WINDOW = 3  # sentences per passage, at most, for the coverage check

# A sentence that opens by talking about the scene ("The scene begins with
# rain.", "In this scene, ..."), in the narration only (speech blanked out):
# "The scene shows no sign of a struggle" or "the story continues to spread"
# are ordinary prose.
SCENE_NARRATION = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:The|This|Our) (?:scene|screenplay|script) (?:begins|opens|ends|closes|starts) "
    r"(?:with|on|in|at|as)\b|In this scene\b)")

# queries, passages -> for each query its best similarity to any passage
BestMatch = Callable[[list[str], list[str]], list[float]]

@dataclass(frozen=True)
class SceneBrief:
    """What one scene's draft must keep."""

    heading: str
    period: str | None  # the time of day in force: night, morning, ... (CONTINUOUS resolved); None: unknown
    summary: str
    cast: tuple[Person, ...]  # the outline's characters for the scene: each must be named
    allowed: tuple[Person, ...]  # who may speak or act: cast, extras (all characters when the scene lists none)
    others: tuple[Person, ...]  # story characters the outline keeps out of this scene
    language: str = "en"

    @property
    def english(self) -> bool:
        return self.language.split("-")[0].lower() == "en"

    def key_dict(self) -> dict:
        """What the checks read, for artifact keys: a change redoes the scene."""
        return {"period": self.period, "summary": self.summary, "language": self.language,
                "cast": [[p.name, *p.aliases] for p in self.cast],
                "allowed": [[p.name, *p.aliases] for p in self.allowed],
                "others": [[p.name, *p.aliases] for p in self.others],
                "threshold": COVERAGE_THRESHOLD}


def scene_period(story: Story, index: int) -> str | None:
    """The time of day in force in scene ``index``: CONTINUOUS and the like take the one before."""
    period = None
    for scene in story.scenes[:index + 1]:
        period = heading_period(scene.time, period)
    return period


def scene_brief(story: Story, index: int) -> SceneBrief:
    scene = story.scenes[index]
    people = {c.name.upper(): Person(c.name, tuple(c.aliases)) for c in story.characters}
    listed = [people[n.upper()] for n in scene.characters if n.upper() in people]
    extras = [Person(_without_article(e)) for e in scene.extras]
    allowed = (listed or list(people.values())) + extras
    others = [p for p in people.values() if p not in allowed] if listed else []
    return SceneBrief(scene.heading(), scene_period(story, index), scene.summary, tuple(listed), tuple(allowed),
                      tuple(others), story.language)


def _without_article(name: str) -> str:
    return re.sub(r"^(?:a|an|the)\s+", "", name.strip(), flags=re.IGNORECASE)


def summary_sentences(summary: str) -> list[str]:
    """The events to cover: the summary's sentences with a word in them."""
    found = [s for s in split_sentences(summary) if re.search(r"\w", s)]
    return found or ([summary.strip()] if summary.strip() else [])


def passages(text: str) -> list[str]:
    """Paragraphs, and runs of one to ``WINDOW`` consecutive sentences."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    sentences = [s for p in paragraphs for s in split_sentences(p)]
    runs = [" ".join(sentences[i:i + n]) for n in range(1, WINDOW + 1) for i in range(len(sentences) - n + 1)]
    return list(dict.fromkeys(paragraphs + runs))


def coverage(summary: str, text: str, best_match: BestMatch) -> list[tuple[str, float]]:
    """Each summary sentence and its best similarity with a passage of ``text``."""
    sentences = summary_sentences(summary)
    found = passages(text)
    scores = best_match(sentences, found) if found else [0.0] * len(sentences)
    return list(zip(sentences, scores))


def time_contradictions(period: str | None, text: str) -> list[str]:
    """Phrases of ``text``'s narration that put a scene of ``period`` at another
    time of day (continuity's rules: ``last night``, quotes, captions are fine)."""
    return list(dict.fromkeys(w.phrase for w in contradicting_time_words(text, period)))


def _error(code: str, message: str) -> Finding:
    return Finding(1, "error", code, message)


@dataclass
class ProseGate:
    """One scene's gate: prose -> its findings."""

    brief: SceneBrief
    best_match: BestMatch | None = None

    def __call__(self, prose: str) -> list[Finding]:
        return prose_findings(prose, self.brief, self.best_match)


def prose_findings(prose: str, brief: SceneBrief, best_match: BestMatch | None = None) -> list[Finding]:
    """What is wrong with a scene's prose (nothing: it keeps the outline)."""
    return _findings(prose or "", brief, best_match, cues=[])


def _findings(text: str, brief: SceneBrief, best_match: BestMatch | None, cues: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) < MIN_WORDS:
        findings.append(_error("no-prose", "the answer has no usable text: write the scene"))
    for person in brief.cast:
        if not person.named_in(text) and not any(person.pattern.fullmatch(c) for c in cues):
            findings.append(_error("missing-character",
                                   f"{person.name} is in this scene but never named: show {person.name} by name"))
    cast_names = ", ".join(p.name for p in brief.cast) or "the outline's characters"
    for actor in actors(text, brief.language):
        if person_for(actor.name, list(brief.allowed)) is not None:
            continue
        other = person_for(actor.name, list(brief.others))
        if other is not None:
            findings.append(_error("absent-character",
                                   f"{other.name} {actor.how} here, but the outline keeps {other.name} out of this "
                                   f"scene: only {cast_names} are in it"))
        else:
            findings.append(_error("invented-character",
                                   f"{actor.name} {actor.how} here but is not in the story: use only {cast_names} "
                                   "(others without names, such as 'a waiter')"))
    narration_text = " ".join(without_speech(text).split())  # what people say left out
    other_language = foreign_language(narration_text, brief.language)
    if other_language:
        story_language = language_name(brief.language)
        findings.append(_error("language", f"the story is in {story_language}, but this text is in {other_language}: "
                                           f"write the scene in {story_language}"))
    if brief.english:
        for phrase in time_contradictions(brief.period, text):
            findings.append(_error("time-of-day", f"the scene is set at {brief.period}, "
                                                  f"but the text says {phrase!r}"))
        narration = SCENE_NARRATION.search(narration_text)
        if narration and not SCENE_NARRATION.search(brief.summary):  # the outline's own words are not the model's
            findings.append(_error("scene-narration", f"the text talks about the scene ({narration.group(0).strip(' .!?')!r}): "
                                                      "show what happens, as the camera sees it"))
    if best_match is not None and brief.english and len(words) >= MIN_WORDS:
        for sentence, score in coverage(brief.summary, text, best_match):
            if score < COVERAGE_THRESHOLD:
                findings.append(_error("uncovered-event", f"the scene must show: {sentence}"))
    return findings


def script_text(body: list[Element]) -> tuple[str, list[str]]:
    """A screenplay scene's body as prose-like text (``NAME says, "..."``)
    for the same checks, and its cue names."""
    parts, cues, cue = [], [], None
    for el in body:
        if el.type == "character":
            cue = " ".join((el.name or el.text).split())
            cues.append(cue)
        elif el.type in ("dialogue", "lyrics") and cue:
            parts.append(f'{cue} says, "{el.text}"')
        elif el.type in ("action", "centered", "transition"):
            parts.append(el.text)
    return "\n\n".join(parts), cues


def screenplay_findings(body: list[Element], brief: SceneBrief, best_match: BestMatch | None = None) -> list[Finding]:
    """The same findings for a screenplay scene (the direct baseline): its
    cues count as naming, and every cue must be someone the scene allows."""
    text, cues = script_text(body)
    findings = _findings(text, brief, best_match, cues)
    return findings
