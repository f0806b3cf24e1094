"""The novelization index: how much of a script's action reads as prose.

Screenplay action says, in the present tense, what a camera can see and a
microphone can hear. Prose leaking into it shows in three ways, each a
table of patterns:

* ``interior``: thoughts and feelings told, not shown ("she realizes",
  "he feels a pang of regret") -- the validator's own phrase table;
* ``camera``: the reader addressed as an audience ("we see", "the camera
  pans") -- the validator's phrase table;
* ``past_tense``: narration in the past tense ("She walked to the door",
  "It was late").

The unit is the sentence of action text (action lines wrap arbitrarily, so
lines would count a long sentence several times). Quoted text is skipped:
quotes in action are signs, screens and sounds. The index is the share of
action sentences that match at least one pattern; each kind is counted too.
These are patterns, not understanding: they find the common cases and will
miss artful ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsr.screenplay.inline import plain
from dsr.screenplay.model import Screenplay
from dsr.screenplay.validate_rules import CAMERA, INTERIOR

KINDS = ("interior", "camera", "past_tense")

_QUOTED = re.compile(r"\"[^\"]*\"|\u201c[^\u201d]*\u201d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")
# Past tense: a subject (pronoun or capitalised name) followed by a past
# form. "where the sign was" is not narration; "It was late" is.
_IRREGULAR_PAST = (
    "was|were|had|went|came|saw|said|took|got|made|knew|thought|felt|ran|sat|stood|told|began|gave|found|held|kept|brought"
    "|spoke|wrote|drove|rose|fell|left|threw|grew|drew|ate|drank|sang|swam|woke|wore|shook|struck|caught|bought"
)
_NOT_PAST = frozenset(
    "need needed speed feed bleed breed seed proceed exceed succeed shed naked wicked sacred ragged rugged crooked "
    "hundred kindred bed red".split()
)
_PRONOUN_PAST = re.compile(
    rf"\b(?:he|she|they|it|i|we|you)\s+(?:also\s+|then\s+|slowly\s+|suddenly\s+)?(\w{{3,}}ed|{_IRREGULAR_PAST})\b",
    re.IGNORECASE,
)
_DETERMINERS = "The|A|An|This|That|These|Those|His|Her|Their|Its|Our|My|Your|Some|Every|Each|No|One|Two"
_NAME_PAST = re.compile(rf"\b(?!(?:{_DETERMINERS})\b)[A-Z][a-z]+\s+(\w{{3,}}ed|{_IRREGULAR_PAST})\b")


@dataclass(frozen=True)
class NovelizationIndex:
    sentences: int
    novelistic: int  # sentences matching any kind
    by_kind: dict[str, int]
    examples: list[str]  # a few matching sentences, for the report

    @property
    def index(self) -> float | None:
        return self.novelistic / self.sentences if self.sentences else None

    def to_dict(self) -> dict:
        return {"index": self.index, "sentences": self.sentences, "novelistic": self.novelistic,
                "by_kind": dict(self.by_kind), "examples": list(self.examples)}


def _matches_table(sentence: str, table) -> bool:
    lowered = sentence.lower()
    return any(any(t in lowered for t in triggers) and pattern.search(sentence) for triggers, pattern in table)


def _past_tense(sentence: str) -> bool:
    for pattern in (_PRONOUN_PAST, _NAME_PAST):
        for match in pattern.finditer(sentence):
            if match.group(1).lower() not in _NOT_PAST:
                return True
    return False


def sentence_kinds(sentence: str) -> list[str]:
    """Which kinds of prose leakage one action sentence shows (quoted text skipped)."""
    sentence = _QUOTED.sub(" ", sentence)
    kinds = []
    if _matches_table(sentence, INTERIOR):
        kinds.append("interior")
    if _matches_table(sentence, CAMERA):
        kinds.append("camera")
    if _past_tense(sentence):
        kinds.append("past_tense")
    return kinds


def action_sentences(script: Screenplay) -> list[str]:
    sentences = []
    for element in script.iter_type("action"):
        text = plain(element.text)
        sentences += [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s.strip()]
    return sentences


def novelization_index(script: Screenplay, max_examples: int = 3) -> NovelizationIndex:
    by_kind = dict.fromkeys(KINDS, 0)
    novelistic, examples = 0, []
    sentences = action_sentences(script)
    for sentence in sentences:
        kinds = sentence_kinds(sentence)
        for kind in kinds:
            by_kind[kind] += 1
        if kinds:
            novelistic += 1
            if len(examples) < max_examples:
                examples.append(sentence[:160])
    return NovelizationIndex(len(sentences), novelistic, by_kind, examples)
