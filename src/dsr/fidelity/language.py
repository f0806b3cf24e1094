"""Is a draft written in the story's language? A count of each language's
most common short words (articles, pronouns, auxiliaries), no model.

Small models answer a German outline in English (measured: the embedded
model's `kurzfilm_de.yaml` prose, 3 scenes of 5). The check only speaks when
the evidence is plain: the text's words of another listed language number at
least ``MIN_HITS`` and twice those of the story's language. Languages without
a list here are not checked.
"""

from __future__ import annotations

import re
from collections import Counter

from dsr.story.model import language_name

MIN_HITS = 8
DOMINANCE = 2.0

# Words that mark a language and rarely appear as words of the others
# ("was", "will", "die", "in", "no" are left out: they are words of two).
COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to is with that this his her she he they it for on at from but not are be have has "
                    "what which who you your my we would there their by or into out up just when one".split()),
    "de": frozenset("der das und ist nicht ein eine einen dem den des sie er ich wir ihr mit auf von zu sich auch "
                    "aber noch nur wie hat sind war wird doch schon dann wenn kein keine über bei aus nach vor ihm "
                    "ihn ihre sein seine".split()),
    "fr": frozenset("le la les et est une des du il elle ils pas ne que qui dans pour sur avec au aux ce cette son "
                    "sa ses mais nous vous je lui leur très sont été".split()),
    "es": frozenset("el los las y es una del que pero con por para su sus se lo muy está están hay como cuando él "
                    "ella ellos sin sobre entre también".split()),
    "it": frozenset("il lo gli è che di della un una non per con sono ma come anche nel nella questo questa lui "
                    "lei loro ha hanno".split()),
    "pt": frozenset("os é um uma não que do da dos das em com para por mas ele ela eles seu sua está são muito "
                    "também".split()),
    "nl": frozenset("de het een en van niet dat zijn met op voor maar hij zij ze ook naar bij heeft wordt nog geen "
                    "om uit dan wel".split()),
}


def language_hits(text: str) -> Counter:
    words = re.findall(r"[^\W\d_]+", text.lower())
    return Counter({code: sum(1 for w in words if w in common) for code, common in COMMON_WORDS.items()})


def foreign_language(text: str, language: str) -> str | None:
    """The name of the language ``text`` is plainly written in, when that is
    not the story's ``language`` (a code); None when it is, or cannot tell."""
    story = (language or "en").split("-")[0].lower()
    if story not in COMMON_WORDS:
        return None
    hits = language_hits(text)
    other, count = max(((code, n) for code, n in hits.items() if code != story), key=lambda item: item[1])
    if count >= MIN_HITS and count >= DOMINANCE * hits[story]:
        return language_name(other)
    return None
