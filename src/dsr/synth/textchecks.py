"""Checks on generated text that need no model: each returns the reasons
(short, stable phrases) it finds, an empty list when the text is fine.

- ``degenerate``: repetition loops, chatter addressed to the user, refusals,
  leftover markup, and echoes of our own prompt instructions (a small model
  likes to answer "what the audience learns, and when (one sentence)");
- ``telling``: interior-monologue markers (thinks, realizes, feels sad ...),
  the validator's own phrase table, outside quoted speech;
- ``length``: word bounds;
- ``missing_names``: characters of the beat the text never names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dsr.screenplay.validate_rules import INTERIOR

ECHO_NGRAM = 6  # words in a row shared with an instruction = an echo
MIN_WORDS_FOR_REPETITION = 30
MIN_DISTINCT_4GRAMS = 0.55  # share of distinct 4-grams below which text loops
MAX_SAME_SENTENCE = 2  # a sentence (or list item) may occur this often
MIN_SENTENCE_WORDS = 5  # shorter ones ("No!", "LINCOLN says, What?") repeat in real scenes
MAX_SAME_RUN = 4  # the same short phrase back to back, e.g. "I'm leery, I'm leery, ..."

_WORD = re.compile(r"[\w']+")
_QUOTED = re.compile(r"\"[^\"]*\"|\u201c[^\u201d]*\u201d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_REFUSAL = re.compile(
    r"\b(?:as an ai\b|as a language model|i(?:'m| am) (?:sorry|unable)|i can(?:not|'t) (?:help|assist|write|do that"
    r"|provide|create|comply)|i (?:won't|will not) (?:write|help))", re.IGNORECASE)
_CHATTER = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|absolutely)\b[!,.]|^\s*here(?:'s| is| are) (?:the|a|your)\b"
    r"|\b(?:let me know if|i hope this helps|feel free to|would you like me to)\b", re.IGNORECASE | re.MULTILINE)
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s|```|\*\*[^*\n]+\*\*\s*$|[-*]\s+\*\*)|[{}]|\[\[", re.MULTILINE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


@lru_cache(maxsize=1)
def instruction_ngrams() -> frozenset[tuple[str, ...]]:
    """Word n-grams of every instruction line in our prompt templates (synth
    and pipeline), minus the ``$field`` placeholders."""
    from dsr.pipeline import prompts as pipeline_prompts
    from dsr.synth import prompts as synth_prompts

    texts = [pipeline_prompts.template_text(n) for n in pipeline_prompts.TEMPLATE_NAMES]
    texts += [synth_prompts.template_text(n) for n in synth_prompts.TEMPLATE_NAMES]
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        for line in text.splitlines():
            tokens = words(re.sub(r"\$\w+", " ", line))
            grams.update(_ngrams(tokens, ECHO_NGRAM))
    return frozenset(grams)


def repetition(text: str) -> list[str]:
    reasons = []
    tokens = words(text)
    if len(tokens) >= MIN_WORDS_FOR_REPETITION:
        grams = _ngrams(tokens, 4)
        if grams and len(set(grams)) / len(grams) < MIN_DISTINCT_4GRAMS:
            reasons.append("repetition loop")
    sentences = [" ".join(words(s)) for s in _SENTENCE.split(text) if len(words(s)) >= MIN_SENTENCE_WORDS]
    if sentences and max(sentences.count(s) for s in set(sentences)) > MAX_SAME_SENTENCE:
        reasons.append("the same sentence again and again")
    for size in range(1, 5):  # "I'm leery, I'm leery, I'm leery ..."
        for start in range(0, max(0, len(tokens) - size * MAX_SAME_RUN) + 1):
            phrase = tokens[start:start + size]
            if all(tokens[start + k * size:start + (k + 1) * size] == phrase for k in range(MAX_SAME_RUN + 1)):
                return sorted(set(reasons + ["repetition loop"]))
    return reasons


def degenerate(text: str) -> list[str]:
    if not text.strip():
        return ["empty"]
    reasons = repetition(text)
    narration = _QUOTED.sub(" ", text)  # characters may say "I'm sorry"; the writer may not
    if _REFUSAL.search(narration):
        reasons.append("refusal")
    if _CHATTER.search(narration):
        reasons.append("chatter addressed to the user")
    if _MARKUP.search(text):
        reasons.append("markup or JSON left in the text")
    if set(_ngrams(words(text), ECHO_NGRAM)) & instruction_ngrams():
        reasons.append("echoes the prompt's instructions")
    return reasons


def telling(text: str, per_100_words: float = 1.0, at_least: int = 2) -> tuple[list[str], int]:
    """Interior-monologue markers outside quoted speech: (reasons, count)."""
    narration = _QUOTED.sub(" ", text)
    count = 0
    for triggers, pattern in INTERIOR:
        lower = narration.lower()
        if any(t in lower for t in triggers):
            count += len(pattern.findall(narration))
    n_words = max(1, len(words(narration)))
    if count >= at_least and count * 100 / n_words > per_100_words:
        return [f"tells instead of shows ({count} interior-monologue markers)"], count
    return [], count


def length(text: str, low: int, high: int, what: str) -> list[str]:
    n = len(words(text))
    if n < low:
        return [f"{what} too short ({n} words < {low})"]
    if n > high:
        return [f"{what} too long ({n} words > {high})"]
    return []


def names_present(text: str, names: list[str]) -> list[str]:
    """The names the text mentions: the full name or any word of it (``ANNA
    MARIE`` counts as named by "Anna"), case-insensitively."""
    tokens = set(words(text))
    found = []
    for name in names:
        parts = [p for p in words(name) if len(p) > 1]
        if parts and (" ".join(parts) in " ".join(words(text)) or any(p in tokens for p in parts)):
            found.append(name)
    return found


def profile_problems(parts: dict[str, str]) -> list[str]:
    """A character profile (who / wants / flaws / voice) that says nothing:
    degenerate fields, or fields that repeat each other."""
    reasons = sorted({r for value in parts.values() for r in degenerate(value) if value})
    values = [" ".join(words(v)) for v in parts.values() if v.strip()]
    if len(values) - len(set(values)) >= 1:
        reasons.append("profile fields repeat each other")
    return reasons


def missing_names(text: str, names: list[str]) -> list[str]:
    present = set(names_present(text, names))
    return [n for n in names if n not in present]
