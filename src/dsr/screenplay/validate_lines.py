"""The validator's line-level checks, run over whole action and dialogue texts.

A 120-page script has ~2,500 action lines; looping over them in Python with
a dozen regular expressions each costs tens of milliseconds. Instead, the
texts of all action (and dialogue) elements are joined into one string
(``_Joined``) and searched with ``str.find`` at C speed for the few places
worth a closer look: lines that start like a heading or a transition, lines
with a colon, words that begin a phrase from the tables in
``validate_rules.py``. Only those lines meet a regular expression.

Findings go to the ``add(line, code, message)`` callback of ``validate.py``.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from itertools import accumulate
from typing import Callable, Iterator

from dsr.screenplay.inline import plain, printable
from dsr.screenplay.model import Element
from dsr.screenplay.validate_rules import (
    CAMERA,
    CAPS_TRANSITION,
    COLON_CUE,
    HEADING_LINE,
    HEADING_STARTS,
    INTERIOR,
    NAMED_TRANSITION,
    NOT_SPEAKERS,
    TRANSITION_STARTS,
)

# _Joined.line_starts: one-character prefixes looked at one by one, at most.
_MAX_MARK_HITS = 64
# a-z stay, every other byte becomes a space: for _Joined.words.
_LETTERS_ONLY = bytes(byte if 97 <= byte <= 122 else 32 for byte in range(256))


def _phrase_rows(rows):
    """A phrase table as rows of (pattern, ((entry, its first word as bytes), ...))."""
    return tuple((pattern, tuple((entry, entry.split(" ", 1)[0].encode()) for entry in entries))
                 for entries, pattern in rows)


_CAMERA_ROWS = _phrase_rows(CAMERA)
_INTERIOR_ROWS = _phrase_rows(INTERIOR)
# Every word _Joined.words() is asked about: heading and transition starts,
# the first words of the phrase entries.
_GATE_WORDS = frozenset(
    [prefix.encode() for prefix in (*HEADING_STARTS, *TRANSITION_STARTS) if prefix.isalpha()]
    + [word for table in (_CAMERA_ROWS, _INTERIOR_ROWS) for _, entries in table for _, word in entries]
)


def quote(text: str, limit: int = 60) -> str:
    """``text`` on one line in single quotes, shortened to ``limit`` characters."""
    text = " ".join(text.split())
    return f"'{text[: limit - 3]}...'" if len(text) > limit else f"'{text}'"


def is_transition(text: str) -> bool:
    """A transition line (``CUT TO:``, ``Fade out.``) written any way Fountain does not recognise."""
    return bool(NAMED_TRANSITION.match(text) or CAPS_TRANSITION.match(text))


def _inside_quotes(line: str, at: int) -> bool:
    before = line[:at]
    return before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d")


class _Joined:
    """The texts of many elements joined by newlines, for fast substring search.

    Line-level checks search this one string with ``str.find`` (C speed) for
    the few places worth a regular expression, instead of looping over every
    line in Python. ``text`` starts with a newline, so every line of every
    element follows one.
    """

    def __init__(self, elements: list[Element]):
        self.elements = elements
        self.text = "\n" + "\n".join([el.text for el in elements])
        self._colon_lines: list[tuple[int, str]] | None = None
        self._words: frozenset[bytes] | None = None

    @cached_property
    def lower(self) -> str:
        """``text`` in lower case, position for position."""
        lower = self.text.lower()
        if len(lower) != len(self.text):  # a few characters grow when lower-cased
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in self.text)
        return lower

    @cached_property
    def starts(self) -> list[int]:
        """Where each element's text starts in ``text``: after the newline before it."""
        starts = list(accumulate([len(el.text) + 1 for el in self.elements], initial=1))
        starts.pop()
        return starts

    def words(self) -> frozenset[bytes]:
        """Which of the trigger words (``_GATE_WORDS``) the text uses: lower-case
        ASCII words, as bytes (split at anything but a-z).

        Bytes because ``bytes.translate`` with a 256-byte table is several
        times faster than ``str.translate``; non-ASCII letters split words,
        which no trigger needs. Only trigger words are ever looked up, so
        only they are kept (cheaper than a set of every word).
        """
        if self._words is None:
            self._words = _GATE_WORDS.intersection(
                self.lower.encode("ascii", "replace").translate(_LETTERS_ONLY).split())
        return self._words

    def colon_lines(self) -> list[tuple[int, str]]:
        """(start, stripped line) of each line holding a colon, once per line."""
        if self._colon_lines is None:
            found = []
            text = self.text
            position = text.find(":")
            while position != -1:
                begin, end = self.line_bounds(position)
                found.append((begin, text[begin:end].strip()))
                position = text.find(":", end)
            self._colon_lines = found
        return self._colon_lines

    def line_starts(self, prefix: str, cased: bool = False) -> Iterator[int]:
        """Starts of lines that begin with ``prefix``: in lower case, or as
        written when ``cased``."""
        text = self.text if cased else self.lower
        find = text.find
        position = 0
        if len(prefix) == 1:
            # A mark such as "*" is rare: finding each one (memchr) and looking
            # back beats searching for "\n*", up to a point.
            position = find(prefix, 1)
            for _ in range(_MAX_MARK_HITS):
                if position == -1:
                    return
                if text[position - 1] == "\n":
                    yield position
                position = find(prefix, position + 1)
            if position == -1:
                return
            position -= 1  # go on with the search below, from the newline before it
        needle = "\n" + prefix
        position = find(needle, position)
        while position != -1:
            yield position + 1
            position = find(needle, position + 1)

    def word_starts(self, prefix: str) -> Iterator[int]:
        """Positions where a word begins with ``prefix`` (lower case)."""
        lower = self.lower
        find = lower.find
        position = find(prefix)
        while position != -1:
            if not lower[position - 1].isalpha():
                yield position
            position = find(prefix, position + 1)

    def line_bounds(self, position: int) -> tuple[int, int]:
        end = self.text.find("\n", position)
        return self.text.rfind("\n", 0, position) + 1, len(self.text) if end == -1 else end

    def locate(self, position: int) -> tuple[Element, int]:
        """The element holding ``position`` and the source line number there."""
        index = bisect_right(self.starts, position) - 1
        el = self.elements[index]
        return el, el.line + self.text.count("\n", self.starts[index], position)


class _LineScans:
    def __init__(self, add: Callable[[int, str, str], None]):
        self.add = add

    def run(self, actions: list[Element], dialogue: list[Element]) -> None:
        action_text = _Joined(actions)
        self.scan_glued_headings(action_text)
        self.scan_glued_headings(_Joined(dialogue), gate=False)
        self.scan_transitions(action_text)
        self.scan_colon_cues(action_text)
        self.scan_phrases(action_text, _CAMERA_ROWS, "camera-direction",
                          "{} is a camera direction; describe only what is seen and heard, and let the action "
                          "imply the shot")
        self.scan_phrases(action_text, _INTERIOR_ROWS, "interior-thought",
                          "{} tells what a character thinks or feels, which the camera cannot show; show it "
                          "through a visible action, an expression, or dialogue")

    def scan_glued_headings(self, joined: _Joined, gate: bool = True) -> None:
        """A heading-shaped line inside action or dialogue: glued to its neighbours or wrapped in emphasis."""
        text = joined.text
        starts = [start for prefix in HEADING_STARTS
                  # The word set pays off on action text, where it also gates the phrase scans.
                  if not (gate and prefix.isalpha() and prefix.encode() not in joined.words())
                  # HEADING_LINE wants capitals ("INT"): searched as written, no lower case needed.
                  for start in joined.line_starts(prefix.upper(), cased=True)]
        # Models like to write "**INT. KITCHEN - DAY**": lines starting with a mark, checked below.
        starts += [start for mark in ("*", "_") for start in joined.line_starts(mark, cased=True)]
        seen: set[int] = set()
        for start in sorted(starts):
            begin, end = joined.line_bounds(start)
            raw = text[begin:end].strip()
            line = printable(raw).strip()
            if not HEADING_LINE.match(line):
                continue
            el, number = joined.locate(start)
            if number in seen or el.forced:
                continue
            seen.add(number)
            problems = []
            if "\n" in el.text:
                problems.append("glued to " + ("the line after it" if number == el.line else "the line before it"))
            if raw != line:
                problems.append("wrapped in emphasis marks")
            self.add(number, "heading-not-recognized",
                     f"{quote(raw)} is meant as a scene heading but is {' and '.join(problems)}, so it reads "
                     f"as {el.type}; write it plain ({line}) on its own line with a blank line before and after it")

    def scan_transitions(self, joined: _Joined) -> None:
        """A transition line inside a longer action paragraph (one-line ones are checked per element)."""
        found = set()
        words = joined.words()
        candidates = [start for prefix in TRANSITION_STARTS if prefix.encode() in words
                      for start in joined.line_starts(prefix)]
        candidates += [start for start, line in joined.colon_lines() if line.endswith(" TO:")]
        for start in candidates:
            begin, end = joined.line_bounds(start)
            line = plain(joined.text[begin:end]).strip()
            el, number = joined.locate(start)
            if number in found or el.forced or "\n" not in el.text or not is_transition(line):
                continue
            found.add(number)
            self.add(number, "transition-not-recognized",
                     f"{quote(line)} is glued to the action around it, so it is not a transition; put it on "
                     f"its own line with blank lines around it, written '> {line.upper()}'")

    def scan_colon_cues(self, joined: _Joined) -> None:
        for start, raw in joined.colon_lines():
            if raw[:1] in ("*", "_") or not raw[:1].isupper():
                continue  # an emphasised line is a note or a sign; a cue starts with a capital
            line = plain(raw).strip()
            match = COLON_CUE.match(line)
            if not match or HEADING_LINE.match(line) or is_transition(line):
                continue
            name = " ".join(match.group(1).split()).rstrip(".")
            if name in NOT_SPEAKERS or len(name.split()) > 4:
                continue
            el, number = joined.locate(start)
            if el.forced:
                continue
            cue = name + (f" {match.group(2)}" if match.group(2) else "")
            if match.group(3):
                self.add(number, "cue-with-colon",
                         f"{quote(line)} writes dialogue as 'NAME: speech'; put the name alone on its own line "
                         f"({cue}) and the dialogue on the line below it")
            else:
                self.add(number, "cue-with-colon",
                         f"{quote(line)} looks like a character cue; write the name alone on its own line, "
                         f"without the colon: {cue}")

    def scan_phrases(self, joined: _Joined, rows, code: str, message: str) -> None:
        """At most one finding of ``code`` per line: the first table row that matches outside quotes."""
        words = joined.words()
        flagged: set[int] = set()
        for pattern, entries in rows:
            tried: set[int] = set()
            for entry, first_word in entries:
                if first_word not in words:
                    continue
                for position in joined.word_starts(entry):
                    begin, end = joined.line_bounds(position)
                    if begin in flagged or begin in tried:
                        continue
                    tried.add(begin)
                    line = joined.text[begin:end]
                    for match in pattern.finditer(line):
                        if not _inside_quotes(line, match.start()):
                            flagged.add(begin)
                            _, number = joined.locate(begin)
                            self.add(number, code, message.format(quote(match.group(0))))
                            break


def scan_lines(actions: list[Element], dialogue: list[Element], add: Callable[[int, str, str], None]) -> None:
    """Run every line-level check over the action and dialogue elements."""
    _LineScans(add).run(actions, dialogue)
