"""Small checks and clean-ups of the text a model writes, shared by the
steps' validators. A check returns a finding (one line the model is shown
when it is asked again) or None."""

from __future__ import annotations

import re
from typing import Any

# Names a model writes when it has not thought of one.
PLACEHOLDER_NAMES = {"NAME", "CHARACTER", "HERO", "PROTAGONIST", "ANTAGONIST", "PERSON", "MAN", "WOMAN",
                     "FRIEND", "UNKNOWN", "JOHN DOE", "JANE DOE", "X", "TBD"}
_SENTENCE_END = re.compile(r"[.!?…][\"'”»)]*(?=\s|$)")


def text_of(value: Any) -> str:
    """A model's value as one line of text (lists joined, None empty)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return " ".join(text_of(v) for v in value.values())
    return " ".join(str(value).split())


def words(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’-]\w+)*", text)


def tidy(text: str, min_words: int = 4) -> str:
    """A text cut mid-sentence by a length bound ends at its last whole
    sentence instead, when that leaves enough of it."""
    text = " ".join(text.split()).strip().rstrip(",;:-–— ")
    if not text or re.search(r"[.!?…][\"'”»)]*$", text):
        return text
    last = None
    for last in _SENTENCE_END.finditer(text):
        pass
    if last is not None and len(words(text[: last.end()])) >= min_words:
        return text[: last.end()].strip()
    return text


_WORD_RE = re.compile(r"\w+(?:['’-]\w+)*")


def loop_start(text: str, n: int = 4, times: int = 3) -> int | None:
    """Where a small model starts going in circles, as an offset into
    ``text``: the second time round of a phrase of ``n`` words that comes
    round ``times`` times, or of a phrase of one to ``n`` words said
    ``times`` times in a row (``and... and... and...``). None: no loop."""
    spans = list(_WORD_RE.finditer(text))
    tokens = [m.group().lower() for m in spans]
    found: list[int] = []  # token indices where a repetition begins
    first: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(tokens) - n + 1):
        places = first.setdefault(tuple(tokens[i:i + n]), [])
        places.append(i)
        if len(places) >= times:
            found.append(places[1])
            break
    for size in range(1, n + 1):
        for i in range(len(tokens) - size * times + 1):
            gram = tokens[i:i + size]
            if all(tokens[i + k * size:i + (k + 1) * size] == gram for k in range(1, times)):
                found.append(i + size)
                break
    return spans[min(found)].start() if found else None


def loops(text: str) -> bool:
    return loop_start(text) is not None


class Findings:
    """What is wrong with an answer. ``hard`` ones make it unusable (asked
    again, and the step stops if no answer is free of them); ``soft`` ones are
    about quality (asked again, but the best answer with only soft findings is
    kept when nothing better comes, and they are flagged)."""

    def __init__(self) -> None:
        self.hard: list[str] = []
        self.soft: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.hard or self.soft)

    def text(self, label: str, text: str, min_words: int, max_words: int | None = None) -> str:
        """Check one text; returns it, cut where it starts repeating itself
        (a soft finding: what is left is the model's own words)."""
        start = loop_start(text)
        if start is not None:
            text = tidy(text[:start])
            self.soft.append(f"{label} repeated itself; it was cut where the repetition began")
        count = len(words(text))
        if re.search(r"[a-z][A-Z]", text):
            self.soft.append(f"{label} runs words together; put spaces between words")
        if count == 0:
            self.hard.append(f"{label} is empty")
        elif count < min_words:
            self.soft.append(f"{label} is too short ({count} word{'s' if count != 1 else ''}; "
                             f"write at least {min_words})")
        elif max_words is not None and count > max_words:
            self.soft.append(f"{label} is too long ({count} words; at most {max_words})")
        return text


def name_key(name: str) -> str:
    return " ".join(name.split()).upper()


def clean_name(value: Any) -> str:
    """``"  dr. Okafor "`` -> ``DR. OKAFOR``; quotes and trailing punctuation dropped."""
    text = text_of(value).strip().strip("\"'“”‘’*").rstrip(":,;")
    return name_key(text)


def match_cast(name: str, cast: list[str]) -> str | None:
    """The cast member ``name`` means: the same name, or a unique first or last name."""
    key = clean_name(name)
    if not key:
        return None
    by_key = {name_key(c): c for c in cast}
    if key in by_key:
        return by_key[key]
    partial = [c for k, c in by_key.items() if key in k.split() or k in key.split()]
    return partial[0] if len(partial) == 1 else None


def mentions(text: str, name: str) -> bool:
    """Does ``text`` name this character (full name, or the first name as
    written or in capitals)? Case matters: 'Will' the name, 'will' the verb."""
    first = name.split()[0]
    forms = {name, name.upper(), name.title()} | ({first, first.upper(), first.title()} if len(first) > 2 else set())
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text) for form in forms)
