"""The floor under stage 1 (and the direct baseline): a scene's prose built
from the outline itself, for when no model answer keeps the outline.

The summary as the writer wrote it (outlines are written in the present
tense), then only those of the model's directive beats that are plainly the
outline's own events (``usable_beat``: no count, person, thing or
instruction echo the outline does not have; when in doubt, left out: the
model that wrote them is the one that failed); first, a line naming each
of the scene's characters the rest does not name. Plain, but the user's
story with the user's cast; flagged ``fallback: outline`` wherever it is used.
"""

from __future__ import annotations

import re

from dsr.fidelity.prose import (
    COVERAGE_THRESHOLD, BestMatch, SceneBrief, prose_findings, scene_brief, summary_sentences,
)
from dsr.story.model import SceneDirectives, Story

MIN_BEAT_WORDS = 3
MIN_SHARED_WORDS = 2  # content words a beat shares with one summary sentence when it names nobody

# "7.", "(3)", "b)", "-", "*", "•" before a list item
_LIST_MARK = re.compile(r"^\s*(?:\(?\d+[.):]|\(?[a-z]\)|[-*•·]+)\s+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty hundred thousand dozen "
    "first second third fourth fifth sixth seventh eighth ninth tenth half".split())
# Words of the directives/prose instructions a small model echoes back as "beats".
_INSTRUCTION_WORDS = frozenset(
    "scene scenes sentence sentences audience viewer viewers reader readers show shows shown reveal reveals "
    "revealed revelation pacing pace beat beats directive directives prose screenplay script outline story "
    "character characters dialogue paragraph paragraphs tone emotional emotion trajectory tension writer "
    "narrative narration moment describe describes establish establishes climax".split())
# People a beat may not bring in unless the summary has them.
_PEOPLE_WORDS = frozenset(
    "man men woman women people person persons someone somebody anyone anybody everyone everybody stranger "
    "strangers boy boys girl girls child children kid kids guy guys crowd friend friends police officer".split())
# After these comes a thing (or a person): the word that follows must be the summary's.
_DETERMINERS = frozenset(
    "a an the every each some any another his her their its my your our this that these those no".split())
_STOPWORDS = _DETERMINERS | frozenset(
    "i me he him she they them we us you it and or but nor so yet if then than as at by for from in into of "
    "off on onto out over to up with without under about after before behind below beside between through "
    "across around down near past toward towards while when where who whom whose which what why how is are "
    "was were be been being am has have had do does did not just also too very all both there here again "
    "still only even back away now".split())


def _stem(word: str) -> str:
    """Crude English stem, enough to match "searches" with "search"."""
    word = word.lower().removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def _names(brief: SceneBrief) -> set[str]:
    return {_stem(w) for p in brief.allowed for n in (p.name, *p.aliases) for w in _WORD.findall(n)}


def _invents(beat: str, brief: SceneBrief) -> bool:
    """Whether the beat brings in a count, a person, a thing or an instruction
    word the outline does not have (crude: a word after an article or a
    possessive, or a capitalised word, must be one the summary, the heading
    or the scene's people use)."""
    known = _stems(brief.summary) | _stems(brief.heading) | _names(brief)
    numbers = set(re.findall(r"\d+", brief.summary))
    if any(n not in numbers for n in re.findall(r"\d+", beat)):
        return True
    words = _WORD.findall(beat)
    for i, word in enumerate(words):
        lower, stem = word.lower(), _stem(word)
        if stem in known or lower in known:
            continue
        if lower in _NUMBER_WORDS or lower in _INSTRUCTION_WORDS or lower in _PEOPLE_WORDS:
            return True
        if word[:1].isupper() and i > 0 and lower not in _STOPWORDS:  # a name or a proper thing the outline does not have
            return True
        if i > 0 and words[i - 1].lower() in _DETERMINERS and lower not in _STOPWORDS:
            return True
    return False


def _sentence(text: str) -> str:
    text = " ".join(_LIST_MARK.sub("", text).split()).strip(" -*•")
    if text and text[-1] not in ".!?…\"”":
        text += "."
    return text[:1].upper() + text[1:]


def _about_the_summary(beat: str, brief: SceneBrief) -> bool:
    """Names one of the scene's characters, or shares content words with one summary sentence."""
    if any(p.named_in(beat) for p in brief.cast):
        return True
    content = {_stem(w) for w in _WORD.findall(beat) if w.lower() not in _STOPWORDS}
    return any(len(content & {_stem(w) for w in _WORD.findall(s) if w.lower() not in _STOPWORDS}) >= MIN_SHARED_WORDS
               for s in summary_sentences(brief.summary))


def usable_beat(beat: str, brief: SceneBrief, best_match: BestMatch | None = None) -> bool:
    """A model-written beat the floor may keep: plainly one of this scene's
    outline events. English only; words (list marks stripped); no finding but
    the ones a single beat cannot help (it need not name everyone); no count,
    person, thing or instruction word ("the scene", "the audience", "reveal")
    the summary, the heading and the scene's people do not have; names a
    scene character or shares content words with a summary sentence; and,
    given the similarity, about one of the summary's events. The floor exists
    because the model failed: when in doubt, a beat is left out."""
    beat = _LIST_MARK.sub("", beat)
    if not brief.english or len(_WORD.findall(beat)) < MIN_BEAT_WORDS:
        return False
    if _invents(beat, brief) or not _about_the_summary(beat, brief):
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
