"""Time-of-day and place words in action lines that contradict a scene heading.

Only the action is read: dialogue talks about other times and places freely
("see you tomorrow morning"), action says what the camera sees now. Words
that point elsewhere in time are not contradictions: ``last night``,
``this morning``, ``until dawn``, ``the night before``, a possessive
(``last night's``), a compound (``night shift``, ``evening dress``), words in
quotes (a sign, a title) or in capitals (a sound, a caption), and sentences
about a picture, a screen or a memory.

A place contradiction needs a static sentence that puts the scene somewhere
else the story goes: ``Nell sits in the kitchen`` or ``Back in the kitchen, ...``
where KITCHEN is another scene's place and not part of this heading. Moving
(``walks into the kitchen``) or hearing (``in the kitchen, a kettle``) is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Heading time of day -> the period it names. CONTINUOUS-like times take the
# previous scene's period; LATER and the unknown say nothing.
_HEADING_PERIODS = (
    ("continuous", re.compile(r"\b(?:CONTINUOUS|CONT'?D?|SAME(?:\s+TIME)?|MOMENTS?\s+LATER|SECONDS\s+LATER)\b")),
    ("night", re.compile(r"\b(?:NIGHT|MIDNIGHT|NIGHTTIME|PRE-?DAWN|SMALL HOURS)\b")),
    ("evening", re.compile(r"\b(?:DUSK|SUNSET|EVENING|TWILIGHT|MAGIC HOUR|NIGHTFALL)\b")),
    ("dawn", re.compile(r"\b(?:DAWN|SUNRISE|DAYBREAK|FIRST LIGHT)\b")),
    ("morning", re.compile(r"\bMORNING\b")),
    ("day", re.compile(r"\b(?:DAY|NOON|MIDDAY|AFTERNOON|DAYTIME|LUNCHTIME)\b")),
)

# Words of the action -> the period they put the scene in.
_PERIOD_WORDS = {
    "night": r"night|nights|nighttime|midnight|moonlight|moonlit|moonrise|starlight|starlit|starry sky|full moon",
    "morning": r"morning|mornings|sunrise|daybreak|dawn|first light",
    "day": r"noon|midday|afternoon|daylight|sunlight|sunshine|sunlit|midday sun|blazing sun",
    "evening": r"evening|evenings|sunset|dusk|twilight|nightfall",
}
_PERIOD_PATTERN = re.compile(
    r"\b(" + "|".join(f"(?P<{period}>{words})" for period, words in _PERIOD_WORDS.items()) + r")\b(['\u2019]s)?",
    re.IGNORECASE,
)
# Heading period -> periods whose words contradict it. Dawn scenes end the
# night, dusk scenes begin it: those neighbours are never a contradiction.
CONTRADICTS = {
    "night": {"morning", "day"},
    "dawn": {"evening"},
    "morning": {"night", "evening"},
    "day": {"night"},
    "evening": {"morning"},
}
# A period word right after one of these points to another time.
_POINTS_ELSEWHERE_BEFORE = frozenset({
    "last", "yesterday", "yesterday's", "tomorrow", "tomorrow's", "tonight", "tonight's", "previous", "next",
    "every", "each", "all", "one", "some", "that", "this", "since", "until", "till", "til", "before", "after",
    "through", "throughout", "good", "other", "another", "same", "whole", "per", "by", "towards", "toward",
    "from", "awaiting", "await", "awaits", "await", "wait", "waits", "for",
})
_POINTS_ELSEWHERE_AFTER = frozenset({"before", "ago", "earlier", "previously", "prior"})
# Compounds where the period word only describes a thing (a night light is a lamp).
_COMPOUNDS = {
    "night": frozenset({
        "shift", "shifts", "nurse", "watch", "watchman", "bus", "train", "porter", "club", "clubs", "light", "lights",
        "owl", "owls", "stand", "table", "gown", "cap", "school", "class", "duty", "vision", "desk", "editor",
        "market", "manager", "staff", "crew", "person", "guard", "terrors", "sweats", "dress", "wear",
    }),
    "morning": frozenset({
        "paper", "papers", "show", "news", "edition", "sickness", "glory", "star", "prayer", "prayers", "jog",
        "run", "meeting", "briefing", "routine", "ritual", "person", "shift", "coat", "suit", "dress",
    }),
    "day": frozenset({"tea", "nap", "naps", "shift", "show", "lamp", "lamps", "club"}),
    "evening": frozenset({
        "dress", "gown", "gowns", "wear", "news", "paper", "papers", "class", "classes", "star", "service",
        "prayer", "prayers", "mass", "shift", "bag", "jacket", "suit", "standard",
    }),
}
# Sentences about something shown rather than the scene's own time.
_DEPICTION = re.compile(
    r"\b(?:photos?|photographs?|pictures?|paintings?|posters?|postcards?|screens?|tv|television|films?|movies?|"
    r"videos?|footage|dreams?|dreaming|memor(?:y|ies)|remembers?|recalls?|flashback|calendar|sign|label|"
    r"headline|caption|diary|letter|note|message|text|forecast|schedule|timetable|"
    r"tonight|tomorrow|yesterday|earlier|later)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def heading_period(time: str | None, previous: str | None = None) -> str | None:
    """``NIGHT`` -> night, ``LATE MORNING`` -> morning, ``CONTINUOUS`` -> ``previous``; None if unknown."""
    if not time:
        return None
    upper = time.upper()
    for period, pattern in _HEADING_PERIODS:
        if pattern.search(upper):
            return previous if period == "continuous" else period
    return None


def sentences(text: str) -> list[str]:
    """Action text as sentences: lines run together (writers break lines
    mid-sentence), quotations blanked out."""
    flat = " ".join(_QUOTED.sub(" ", text).split())
    return [s for s in _SENTENCE_END.split(flat) if s]


@dataclass(frozen=True)
class TimeWord:
    period: str
    phrase: str  # the words as written, with a little context


def contradicting_time_words(text: str, period: str | None) -> list[TimeWord]:
    """Words of ``text`` (action) that put a scene of ``period`` at another time."""
    if period not in CONTRADICTS:
        return []
    found = []
    for sentence in sentences(text):
        if _DEPICTION.search(sentence):
            continue
        for match in _PERIOD_PATTERN.finditer(sentence):
            word_period = next(p for p in _PERIOD_WORDS if match.group(p))
            if word_period not in CONTRADICTS[period] or match.group(len(_PERIOD_WORDS) + 2):
                continue  # no contradiction, or a possessive ("last night's")
            written = match.group(1)
            if written.isupper() and len(written) > 1:
                continue  # capitals: a sound, a caption, a title
            if written[0].isupper() and sentence[: match.start()].strip():
                continue  # capitalised mid-sentence: a name (Dawn) or a title (Evening Standard)
            following = sentence[match.end():].split()
            if written[0].isupper() and following and following[0][:1].isupper():
                continue  # Dawn Miller, Morning Glory: a name
            before = [w.strip(".,;:!?()") for w in sentence[: match.start()].lower().split()]
            after = [w.strip(".,;:!?()") for w in sentence[match.end():].lower().split()]
            if set(before[-2:]) & _POINTS_ELSEWHERE_BEFORE:
                continue
            if after and (after[0] in _POINTS_ELSEWHERE_AFTER or after[0] in _COMPOUNDS[word_period]):
                continue
            context = " ".join(before[-2:] + [written.lower()] + after[:2]).strip(" .,;:")
            found.append(TimeWord(word_period, context))
    return found


# ---------------------------------------------------------------- places

_STATIC_VERBS = frozenset({
    "is", "are", "sits", "sit", "sitting", "stands", "stand", "standing", "waits", "wait", "waiting", "lies", "lie",
    "lying", "sleeps", "sleep", "sleeping", "remains", "remain", "stays", "stay", "kneels", "crouches", "hides",
    "paces", "works", "working", "seated", "alone", "still",
})
_OPENERS = frozenset({"", "back", "meanwhile", "still", "now", "later", "elsewhere", "outside", "inside"})
_GENERIC_HEADS = frozenset({"room", "area", "space", "side", "spot", "place", "end", "corner", "day", "night"})
_DETERMINER = r"(?:the|a|an|her|his|their|its|our|my|your|[A-Z][\w'\u2019]*['\u2019]s)"
_PLACE_WORD = re.compile(r"[A-Za-z0-9]+")


def place_words(place: str) -> set[str]:
    """Lower-case words of a place, without owners' names (``NELL'S VAN`` -> van)."""
    place = re.sub(r"\b[\w]+['\u2019]s\b", " ", place, flags=re.IGNORECASE)
    return {w.lower() for w in _PLACE_WORD.findall(place)} - {"the", "a", "an", "of", "int", "ext"}


def place_phrases(place: str) -> set[str]:
    """What a sentence might call a place: each part of ``ISLAND - CHAPEL RUIN``
    (``island``, ``chapel ruin``) and its head noun (``ruin``)."""
    phrases = set()
    for part in re.split(r"\s+[-\u2013\u2014/]+\s+|/|--", place):
        part = re.sub(r"\b[\w]+['\u2019]s\b", " ", part, flags=re.IGNORECASE)
        words = [w.lower() for w in _PLACE_WORD.findall(part) if w.lower() not in ("the", "a", "an")]
        if not words:
            continue
        phrases.add(" ".join(words))
        if len(words) > 1 and len(words[-1]) >= 4 and words[-1] not in _GENERIC_HEADS:
            phrases.add(words[-1])
    return {p for p in phrases if len(p) >= 3 and p not in _GENERIC_HEADS}


@dataclass(frozen=True)
class PlaceClaim:
    phrase: str  # the place the sentence names
    context: str  # the words as written


@lru_cache(maxsize=512)
def _places_pattern(heading_place: str, other_places: frozenset[str]) -> re.Pattern | None:
    """One pattern for "in/at the PLACE" over the places unrelated to the
    heading (compiled once per heading: a script returns to its places)."""
    here = place_words(heading_place)
    candidates = sorted(
        (p for p in other_places if not set(p.split()) <= here and not any(
            len(w) >= 4 and w in here for w in p.split())),
        key=len, reverse=True,
    )
    if not candidates:
        return None
    return re.compile(
        r"\b(?:in|inside|at|aboard)\s+" + _DETERMINER + r"\s+(" + "|".join(re.escape(p) for p in candidates) + r")\b",
        re.IGNORECASE,
    )


def contradicting_places(text: str, heading_place: str, other_places: frozenset[str]) -> list[PlaceClaim]:
    """Static sentences of ``text`` that put the scene in one of ``other_places``
    (phrases from ``place_phrases``) unrelated to ``heading_place``."""
    pattern = _places_pattern(heading_place, frozenset(other_places))
    if pattern is None or not pattern.search(text):
        return []
    found = []
    for sentence in sentences(text):
        for match in pattern.finditer(sentence):
            before = [w.strip(",;:").lower() for w in sentence[: match.start()].split()]
            opener = " ".join(before) in _OPENERS
            static = bool(set(before[-3:]) & _STATIC_VERBS)
            if opener or static:
                context = " ".join(sentence[: match.end()].split()[-6:])
                found.append(PlaceClaim(match.group(1).lower(), context))
    return found
