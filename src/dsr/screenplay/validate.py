"""Format findings: what makes a script malformed or unprofessional.

``validate(sp, source)`` returns findings sorted by line. Stage 2 feeds them
back to the model as repair instructions (``Finding.instruction()``), and
``dsr check`` and the evaluation report them, so each message says what is
wrong *and* what to write instead.

Most checks read the parsed elements. A few need the raw text, because the
parser has already hidden the mistake: an unclosed ``/*`` swallows the rest of
the script, an unclosed ``[[`` swallows text, and a title page can absorb a
``BOB: Hello`` line. Those run only when ``source`` is given.

Codes are stable; tools may match on them.

| code                     | severity | what                                                                |
|--------------------------|----------|---------------------------------------------------------------------|
| empty-script             | error    | nothing printable: no heading, action or dialogue                    |
| no-scene-heading         | error    | action or dialogue but not one scene heading                         |
| content-before-heading   | warning  | action or dialogue before the first scene heading                    |
| heading-not-recognized   | error    | a heading that parsed as something else: glued to a neighbouring line, |
|                          |          | wrapped in ``**``, or written ``# INT. ...`` (a section)             |
| heading-missing-place    | warning  | ``INT. - DAY``: no place named                                       |
| heading-missing-time     | warning  | ``INT. KITCHEN``: no `` - DAY`` / `` - NIGHT``                       |
| heading-unknown-time     | warning  | ``INT. KITCHEN - BLUE``: the last part is not a time of day          |
| cue-with-colon           | error    | ``BOB:`` or ``BOB: Hello`` instead of the name alone on its line     |
| dialogue-without-cue     | error    | dialogue or a parenthetical with no character cue above it          |
| cue-without-dialogue     | error    | a character cue with no dialogue under it                            |
| transition-not-recognized| warning  | ``FADE OUT:`` / ``CUT TO:`` that parsed as action or as a cue        |
| unclosed-boneyard        | error    | ``/*`` with no ``*/``: everything after it is hidden                 |
| unclosed-note            | error    | ``[[`` with no ``]]`` before the next note or blank line            |
| camera-direction         | warning  | ``we see``, ``camera pans``, ``close on`` ... in action              |
| interior-thought         | warning  | ``she thinks``, ``realizes``, ``remembers`` ... in action: tell, not show |
| long-action              | warning  | an action paragraph of over 4 lines of text at 60 characters a line  |

The rules themselves (codes, the phrase tables ``CAMERA_PHRASES`` and
``INTERIOR_PHRASES``, line patterns) are tables in ``validate_rules.py``:
the place to tune what counts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass
from typing import Iterator

from dsr.screenplay.inline import plain
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.stats import (
    ACTION_WIDTH,
    TIME_WORDS,
    character_key,
    printable,
    reflowed_lines,
    split_heading,
)
from dsr.screenplay.validate_rules import (
    CAMERA,
    CAPS_TRANSITION,
    CODES,
    COLON_CUE,
    CUE_EXTENSION,
    CUE_LIKE,
    FADE_IN,
    HEADING_LINE,
    HEADING_STARTS,
    INTERIOR,
    LOWERCASE,
    MAX_ACTION_LINES,
    NAMED_TRANSITION,
    NOT_SPEAKERS,
    PARENTHETICAL_ALONE,
    Severity,
    TRANSITION_STARTS,
)

_DIALOGUE_PARTS = frozenset({"parenthetical", "dialogue", "lyrics"})
# a-z stay, every other byte becomes a space: for _Joined.words.
_LETTERS_ONLY = bytes(byte if 97 <= byte <= 122 else 32 for byte in range(256))
# First characters of a cue worth a closer look: a heading (I, E), markup.
_CLOSER_LOOK = frozenset({"I", "E", "*", "_", ""})
_IN_BLOCK = frozenset({"character", "parenthetical", "dialogue", "lyrics"})
_STORY = frozenset({"action", "character", "parenthetical", "dialogue", "lyrics", "centered"})
_NOT_PRINTED = frozenset({"note", "section", "synopsis"})
_SPOKEN = frozenset({"dialogue", "lyrics"})


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    severity: Severity
    code: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    def instruction(self) -> str:
        """The finding as one repair instruction for a model: ``line 12: ...``."""
        return f"line {self.line}: {self.message}"


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text[: limit - 3]}...'" if len(text) > limit else f"'{text}'"


def _is_transition(text: str) -> bool:
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
        self.starts = []
        position = 1
        for el in elements:
            self.starts.append(position)
            position += len(el.text) + 1
        self.text = "\n" + "\n".join(el.text for el in elements)
        lower = self.text.lower()
        if len(lower) != len(self.text):  # a few characters grow when lower-cased
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in self.text)
        self.lower = lower
        self._colon_lines: list[tuple[int, str]] | None = None
        self._words: set[bytes] | None = None

    def words(self) -> set[bytes]:
        """The lower-case ASCII words of the text, as bytes (split at anything but a-z).

        Bytes because ``bytes.translate`` with a 256-byte table is several
        times faster than ``str.translate``; non-ASCII letters split words,
        which no trigger needs.
        """
        if self._words is None:
            self._words = set(self.lower.encode("ascii", "replace").translate(_LETTERS_ONLY).split())
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

    def line_starts(self, prefix: str) -> Iterator[int]:
        """Starts of lines that begin with ``prefix`` (lower case)."""
        needle = "\n" + prefix
        find = self.lower.find
        position = find(needle)
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


class _Checker:
    """Findings collect in ``self.findings``: one pass over the elements, then line scans."""

    def __init__(self, sp: Screenplay, source: str | None):
        self.sp = sp
        self.source = source
        self.findings: list[Finding] = []
        self._speakers: set[str] | None = None

    def add(self, line: int, code: str, message: str) -> None:
        self.findings.append(Finding(line, CODES[code][0], code, message))

    @property
    def speakers(self) -> set[str]:
        """Names that speak somewhere: an all-caps action line equal to one is a loose cue."""
        if self._speakers is None:
            self._speakers = {character_key(el) for el in self.sp.elements if el.type == "character"}
        return self._speakers

    # ------------------------------------------------------------ whole script

    def check_structure(self) -> None:
        elements = self.sp.elements
        story = next((el for el in elements if el.type in _STORY or el.type == "scene_heading"), None)
        if story is None:
            empty = self.source is not None and not self.source.strip()
            what = "the file is empty" if empty else "the script has no scene heading, action or dialogue"
            self.add(1, "empty-script",
                     f"{what}; write at least one scene: a heading such as 'INT. KITCHEN - DAY', then action "
                     "and dialogue")
            return
        first_heading = next((i for i, el in enumerate(elements) if el.type == "scene_heading"), None)
        if first_heading is None:
            self.add(story.line, "no-scene-heading",
                     "the script has no scene heading; start every scene with one on its own line, "
                     "such as 'INT. KITCHEN - DAY' or 'EXT. PARK - NIGHT'")
            return
        before = next((el for el in elements[:first_heading]
                       if el.type in _STORY and not FADE_IN.match(plain(el.text).strip())), None)
        if before is not None:
            self.add(before.line, "content-before-heading",
                     f"{_quote(before.text)} comes before the first scene heading; start the script with a "
                     "heading such as 'INT. KITCHEN - DAY' (a note to the reader belongs in [[double brackets]])")

    # ------------------------------------------------------------ per element

    def check_elements(self) -> tuple[list[Element], list[Element]]:
        """Element-level checks; returns the action and dialogue elements for the line scans."""
        elements = []
        for el in self.sp.elements:
            if el.type not in _NOT_PRINTED:
                elements.append(el)
            elif el.type == "section" and HEADING_LINE.match(el.text.strip()):
                self.add(el.line, "heading-not-recognized",
                         f"{_quote('#' * (el.depth or 1) + ' ' + el.text.strip())} is meant as a scene heading "
                         f"but the '#' makes it a section, which is not printed; write it without '#': "
                         f"{el.text.strip()}")
        kinds = [el.type for el in elements] + [None]
        actions: list[Element] = []
        dialogue: list[Element] = []
        previous = None
        # The hot loop of the validator (a 120-page script has ~3,000
        # elements): the common case of each kind is decided inline.
        for index, el in enumerate(elements):
            kind = kinds[index]
            if kind == "dialogue":
                dialogue.append(el)
                if previous not in _IN_BLOCK:
                    self.report_no_cue(el)
            elif kind == "character":
                text = el.text
                # A plain cue followed by dialogue needs no closer look.
                if kinds[index + 1] not in _SPOKEN or text[-1:] in (":", ".", "*", "_") or text[:1] in _CLOSER_LOOK:
                    self.check_cue(el, elements, index)
            elif kind == "action":
                actions.append(el)
                self.check_action(el, elements[index + 1] if kinds[index + 1] else None)
            elif kind == "scene_heading":
                self.check_heading(el)
            elif kind == "parenthetical" and previous not in _IN_BLOCK:
                self.report_no_cue(el)
            previous = kind
        return actions, dialogue

    def report_no_cue(self, el: Element) -> None:
        what = "a parenthetical" if el.type == "parenthetical" else "dialogue"
        self.add(el.line, "dialogue-without-cue",
                 f"{_quote(el.text)} is {what} with no character cue above it; put the speaker's name in "
                 "capitals on its own line directly above it")

    def check_heading(self, el: Element) -> None:
        parts = split_heading(el.text)
        if parts.prefix is None:
            return  # a forced heading such as ".FLASHBACK" names no place or time by design
        heading = _quote(el.text)
        if not parts.place:
            self.add(el.line, "heading-missing-place",
                     f"scene heading {heading} names no place; write it as 'INT. PLACE - DAY'")
        if parts.time is None and parts.place:
            words = parts.place.split()
            if len(words) > 1 and words[-1].upper() in TIME_WORDS:
                written = plain(el.text).strip()
                fixed = f"{written[: written.rindex(words[-1])].rstrip()} - {words[-1]}"
                self.add(el.line, "heading-missing-time",
                         f"scene heading {heading} runs the time of day into the place; separate them with "
                         f"' - ': {_quote(fixed)}")
            else:
                self.add(el.line, "heading-missing-time",
                         f"scene heading {heading} has no time of day; end it with ' - DAY' or ' - NIGHT'")
        elif not parts.time_known:
            self.add(el.line, "heading-unknown-time",
                     f"scene heading {heading} ends in {_quote(parts.time)}, which is not a time of day; end it "
                     f"with ' - DAY', ' - NIGHT' or ' - CONTINUOUS' (if {_quote(parts.time)} is part of the "
                     "place, keep it and add the time after it)")

    def check_action(self, el: Element, following: Element | None) -> None:
        text = el.text
        if "\n" not in text and not el.forced:
            # Only these shapes can be a loose cue or transition (all capitals, or
            # "Cut to:") or a parenthetical; most action lines are none of them.
            if text.isupper() or text[-1:] == ":" or text[:1] == "(":
                self.check_loose_line(el, printable(text).strip(), following)
        # Greedy wrapping puts at least a full width in any two consecutive
        # lines, so 5 lines need more than 2 widths of text: skip the rest.
        if len(text) > (MAX_ACTION_LINES + 1) // 2 * ACTION_WIDTH:
            size = reflowed_lines(text, ACTION_WIDTH)
            if size > MAX_ACTION_LINES:
                self.add(el.line, "long-action",
                         f"action paragraph holds {size} lines of text at {ACTION_WIDTH} characters a line (over "
                         f"{MAX_ACTION_LINES}); split it into paragraphs of at most {MAX_ACTION_LINES} lines, one "
                         "image or beat each")

    def check_loose_line(self, el: Element, text: str, following: Element | None) -> None:
        """A one-line action paragraph that is really a transition, cue or parenthetical."""
        if text[-1:] in (":", ".") and _is_transition(text):
            self.add(el.line, "transition-not-recognized",
                     f"{_quote(text)} reads as action, not a transition; write it as '> {text.upper()}' on its "
                     "own line with blank lines around it")
        elif text[:1] == "(" and PARENTHETICAL_ALONE.match(text):
            self.add(el.line, "dialogue-without-cue",
                     f"{_quote(text)} is a parenthetical with no character cue above it; put it directly under "
                     "a cue (the speaker's name on its own line), or write it as plain action")
        elif text.isupper() and len(text) <= 40 and CUE_LIKE.match(text) and self.looks_like_cue(text, following):
            nxt = f" ({_quote(following.text)})" if following is not None and following.type == "action" else ""
            self.add(el.line, "cue-without-dialogue",
                     f"{_quote(text)} is a character cue with no dialogue under it; put the dialogue{nxt} on the "
                     "very next line, with no blank line between cue and dialogue")

    def looks_like_cue(self, text: str, following: Element | None) -> bool:
        """Whether an all-caps line standing alone is a cue whose dialogue came loose.

        Yes if it has a cue extension (``(V.O.)``) or names someone who speaks
        elsewhere; otherwise if it is a short name (no sentence punctuation,
        at most 3 words, not a label like MONTAGE) with action right after it,
        which is what a model writes when it puts blank lines between every
        cue and its speech.
        """
        if CUE_EXTENSION.search(text):
            return True
        if HEADING_LINE.match(text):
            return False  # "**EXT. PARK**": the heading scan reports it
        key = character_key(Element("character", text, 0))
        if key in self.speakers:
            return True
        return (following is not None and following.type == "action" and text[-1] not in ".!?-"
                and len(key.split()) <= 3 and key not in NOT_SPEAKERS)

    def check_cue(self, el: Element, elements: list[Element], index: int) -> None:
        raw = el.text.strip()
        text = printable(raw).strip()
        if text[:1] in ("I", "E") and HEADING_LINE.match(text):
            marks = " and wrapped in emphasis marks" if raw != text else ""
            self.add(el.line, "heading-not-recognized",
                     f"{_quote(raw)} is meant as a scene heading but is glued to the line after it{marks}, so it "
                     f"reads as a character cue; write it plain ({text}) with a blank line before and after it")
            return
        if text[-1:] in (":", "."):
            if _is_transition(text):
                self.add(el.line, "transition-not-recognized",
                         f"{_quote(text)} is glued to the line after it, so it reads as a character cue, not a "
                         f"transition; write it as '> {text}' with blank lines around it")
                return
            if text.endswith(":"):
                self.add(el.line, "cue-with-colon",
                         f"{_quote(text)} looks like a character cue; write the name alone on its own line, "
                         f"without the colon: {text.rstrip(':').strip()}")
        for position in range(index + 1, len(elements)):
            kind = elements[position].type
            if kind in _SPOKEN:
                return
            if kind != "parenthetical":
                break
        self.add(el.line, "cue-without-dialogue",
                 f"character cue {_quote(text)} has no dialogue under it; write what {character_key(el) or 'they'} "
                 "says on the next line, or remove the cue")

    # ------------------------------------------------------------ line scans

    def scan_lines(self, actions: list[Element], dialogue: list[Element]) -> None:
        action_text = _Joined(actions)
        self.scan_glued_headings(action_text)
        self.scan_glued_headings(_Joined(dialogue), gate=False)
        self.scan_transitions(action_text)
        self.scan_colon_cues(action_text)
        self.scan_phrases(action_text, CAMERA, "camera-direction",
                          "{} is a camera direction; describe only what is seen and heard, and let the action "
                          "imply the shot")
        self.scan_phrases(action_text, INTERIOR, "interior-thought",
                          "{} tells what a character thinks or feels, which the camera cannot show; show it "
                          "through a visible action, an expression, or dialogue")

    def scan_glued_headings(self, joined: _Joined, gate: bool = True) -> None:
        """A heading-shaped line inside action or dialogue: glued to its neighbours or wrapped in emphasis."""
        text = joined.text
        # Models like to write "**INT. KITCHEN - DAY**"; look for those only when a line starts with a mark.
        marks = ("",) + (("*", "**", "***", "_") if "\n*" in text or "\n_" in text else ())
        seen: set[int] = set()
        for prefix in HEADING_STARTS:
            # The word set pays off on action text, where it also gates the phrase scans.
            if gate and prefix.isalpha() and prefix.encode() not in joined.words():
                continue
            for start in (s for mark in marks for s in joined.line_starts(mark + prefix)):
                begin, end = joined.line_bounds(start)
                raw = text[begin:end].strip()
                line = printable(raw).strip()
                el, number = joined.locate(start)
                if number in seen or el.forced or not HEADING_LINE.match(line):
                    continue
                seen.add(number)
                problems = []
                if "\n" in el.text:
                    problems.append("glued to " + ("the line after it" if number == el.line else "the line before it"))
                if raw != line:
                    problems.append("wrapped in emphasis marks")
                self.add(number, "heading-not-recognized",
                         f"{_quote(raw)} is meant as a scene heading but is {' and '.join(problems)}, so it reads "
                         f"as {el.type}; write it plain ({line}) on its own line with a blank line before and "
                         "after it")

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
            if number in found or el.forced or "\n" not in el.text or not _is_transition(line):
                continue
            found.add(number)
            self.add(number, "transition-not-recognized",
                     f"{_quote(line)} is glued to the action around it, so it is not a transition; put it on "
                     f"its own line with blank lines around it, written '> {line.upper()}'")

    def scan_colon_cues(self, joined: _Joined) -> None:
        for start, raw in joined.colon_lines():
            if raw[:1] in ("*", "_") or not raw[:1].isupper():
                continue  # an emphasised line is a note or a sign; a cue starts with a capital
            line = plain(raw).strip()
            match = COLON_CUE.match(line)
            if not match or HEADING_LINE.match(line) or _is_transition(line):
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
                         f"{_quote(line)} writes dialogue as 'NAME: speech'; put the name alone on its own line "
                         f"({cue}) and the dialogue on the line below it")
            else:
                self.add(number, "cue-with-colon",
                         f"{_quote(line)} looks like a character cue; write the name alone on its own line, "
                         f"without the colon: {cue}")

    def scan_phrases(self, joined: _Joined, rows, code: str, message: str) -> None:
        """At most one finding of ``code`` per line: the first table row that matches outside quotes."""
        words = joined.words()
        flagged: set[int] = set()
        for entries, pattern in rows:
            tried: set[int] = set()
            for entry in entries:
                if entry.split(" ", 1)[0].encode() not in words:
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
                            self.add(number, code, message.format(_quote(match.group(0))))
                            break

    # ------------------------------------------------------------ raw source

    def check_title_page(self) -> None:
        """An upper-case title page key ("BOB: Hello" at the top) is a cue the title page swallowed."""
        for key, values in self.sp.title_page.items():
            if LOWERCASE.search(key) or key in NOT_SPEAKERS or len(key.split()) > 4:
                continue
            line = 1
            if self.source is not None:
                found = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*:", self.source, re.MULTILINE)
                if found:
                    line = self.source.count("\n", 0, found.start()) + 1
            speech = " ".join(values)
            self.add(line, "cue-with-colon",
                     f"{_quote(f'{key}: {speech}')} writes dialogue as 'NAME: speech' at the top, where it reads as "
                     f"a title page entry; put the name alone on its own line ({key}) and the dialogue below it")

    def check_comments(self) -> None:
        """Unclosed /* boneyard */ and [[ notes ]]: the parser would hide what follows."""
        source = self.source
        if not source or ("/*" not in source and "[[" not in source):
            return
        position = 0
        while True:
            boneyard = source.find("/*", position)
            note = source.find("[[", position)
            if boneyard == -1 and note == -1:
                return
            if boneyard != -1 and (note == -1 or boneyard < note):
                end = source.find("*/", boneyard + 2)
                if end == -1:
                    self.add(source.count("\n", 0, boneyard) + 1, "unclosed-boneyard",
                             "'/*' opens a boneyard comment that is never closed, so everything after it is "
                             "hidden; close it with '*/' or delete the '/*'")
                    return
                position = end + 2
                continue
            end = source.find("]]", note + 2)
            body = source[note + 2:end] if end != -1 else ""
            if end == -1 or "[[" in body or "\n\n" in body:
                self.add(source.count("\n", 0, note) + 1, "unclosed-note",
                         "'[[' opens a note that is not closed on its paragraph, so the text after it is hidden; "
                         "close it with ']]' or delete the '[['")
                position = note + 2
            else:
                position = end + 2


def validate(sp: Screenplay, source: str | None = None) -> list[Finding]:
    """Findings for ``sp`` (and its Fountain ``source`` when given), sorted by line."""
    if source is not None and "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    checker = _Checker(sp, source)
    checker.check_structure()
    actions, dialogue = checker.check_elements()
    checker.scan_lines(actions, dialogue)
    checker.check_title_page()
    checker.check_comments()
    return sorted(checker.findings, key=lambda f: (f.line, f.severity != "error", f.code))
