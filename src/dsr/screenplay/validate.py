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
from dataclasses import asdict, dataclass

from dsr.screenplay.headings import TIME_WORDS, split_heading
from dsr.screenplay.inline import plain, printable
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.preprocess import contains
from dsr.screenplay.stats import ACTION_WIDTH, character_key, reflowed_lines
from dsr.screenplay.validate_lines import is_transition, quote, scan_lines
from dsr.screenplay.validate_rules import (
    CODES,
    CUE_EXTENSION,
    CUE_LIKE,
    FADE_IN,
    HEADING_LINE,
    LOWERCASE,
    MAX_ACTION_LINES,
    NOT_SPEAKERS,
    PARENTHETICAL_ALONE,
    Severity,
)

_DIALOGUE_PARTS = frozenset({"parenthetical", "dialogue", "lyrics"})
# First characters of a cue worth a closer look: a heading (I, E), markup.
_CLOSER_LOOK = frozenset({"I", "E", "*", "_", ""})
# Last characters of a cue worth a closer look: a colon, a full stop, markup.
_CUE_ENDS = frozenset({":", ".", "*", "_"})
# Greedy wrapping puts at least a full width in any two consecutive lines, so
# 5 lines need more than 2 widths of text: shorter paragraphs are not measured.
_LONG_ENOUGH = (MAX_ACTION_LINES + 1) // 2 * ACTION_WIDTH
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


class _Checker:
    """Element and whole-script checks; findings collect in ``self.findings``.

    The line-level checks (inside action and dialogue text) are in
    ``validate_lines.py``.
    """

    def __init__(self, sp: Screenplay, source: str | None):
        self.sp = sp
        self.source = source
        self.findings: list[Finding] = []
        self._speakers: set[str] | None = None
        # Heading text -> its (code, message) problems: scripts return to the same places.
        self._heading_problems: dict[str, list[tuple[str, str]]] = {}

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
                     f"{quote(before.text)} comes before the first scene heading; start the script with a "
                     "heading such as 'INT. KITCHEN - DAY' (a note to the reader belongs in [[double brackets]])")

    # ------------------------------------------------------------ per element

    def check_elements(self) -> tuple[list[Element], list[Element]]:
        """Element-level checks; returns the action and dialogue elements for the line scans."""
        done = len(self.findings)
        checked = self.check_printed(self.sp.elements)
        if checked is not None:
            return checked
        # Notes, sections or synopses, which are not printed: start again on the printed elements alone.
        del self.findings[done:]
        elements = []
        for el in self.sp.elements:
            if el.type not in _NOT_PRINTED:
                elements.append(el)
            elif el.type == "section" and HEADING_LINE.match(el.text.strip()):
                self.add(el.line, "heading-not-recognized",
                         f"{quote('#' * (el.depth or 1) + ' ' + el.text.strip())} is meant as a scene heading "
                         f"but the '#' makes it a section, which is not printed; write it without '#': "
                         f"{el.text.strip()}")
        return self.check_printed(elements)  # type: ignore[return-value]

    def check_printed(self, elements: list[Element]) -> tuple[list[Element], list[Element]] | None:
        """check_elements() on printed elements; None (stopped) at one that is not printed."""
        actions: list[Element] = []
        dialogue: list[Element] = []
        previous = None
        waiting = None  # a cue with parentheticals under it: is there speech after them?
        following = elements[1:]
        following.append(None)  # type: ignore[arg-type]
        # The hot loop of the validator (a 120-page script has ~3,000
        # elements): the common case of each kind is decided inline.
        pairs = zip(elements, following)
        for el, after in pairs:
            kind = el.type
            if waiting is not None and kind != "parenthetical":
                if kind not in _SPOKEN:
                    self.report_no_speech(waiting)
                waiting = None
            if kind == "character":
                text = el.text
                next_kind = None if after is None else after.type
                if next_kind not in _SPOKEN or text[-1:] in _CUE_ENDS or text[:1] in _CLOSER_LOOK:
                    if self.check_cue(el):  # it should have speech under it: does it?
                        if next_kind == "parenthetical":
                            waiting = el
                        elif next_kind not in _SPOKEN:
                            self.report_no_speech(el)
                elif next_kind == "dialogue":  # a plain cue and its speech: nothing to check in either
                    dialogue.append(after)
                    next(pairs)
                    previous = "dialogue"
                    continue
            elif kind == "dialogue":
                dialogue.append(el)
                if previous not in _IN_BLOCK:
                    self.report_no_cue(el)
            elif kind == "action":
                actions.append(el)
                text = el.text
                # Only these can be a loose cue, transition or parenthetical (see
                # check_action), or too long; most action paragraphs are neither.
                if len(text) > _LONG_ENOUGH or (
                    "\n" not in text and (text.isupper() or text[-1:] == ":" or text[:1] == "(")
                ):
                    self.check_action(el, after if after is not None and after.type else None)
            elif kind == "scene_heading":
                for code, message in self.heading_problems(el.text):
                    self.add(el.line, code, message)
            elif kind == "parenthetical":
                if previous not in _IN_BLOCK:
                    self.report_no_cue(el)
            elif kind in _NOT_PRINTED:
                return None
            previous = kind
        if waiting is not None:
            self.report_no_speech(waiting)
        return actions, dialogue

    def report_no_cue(self, el: Element) -> None:
        what = "a parenthetical" if el.type == "parenthetical" else "dialogue"
        self.add(el.line, "dialogue-without-cue",
                 f"{quote(el.text)} is {what} with no character cue above it; put the speaker's name in "
                 "capitals on its own line directly above it")

    def heading_problems(self, text: str) -> list[tuple[str, str]]:
        """(code, message) for each problem of a scene heading's ``text``; the
        same heading text is checked once per script."""
        problems = self._heading_problems.get(text)
        if problems is not None:
            return problems
        problems = self._heading_problems[text] = []
        parts = split_heading(text)
        if parts.prefix is None:
            return problems  # a forced heading such as ".FLASHBACK" names no place or time by design
        heading = quote(text)
        if not parts.place:
            problems.append(("heading-missing-place",
                             f"scene heading {heading} names no place; write it as 'INT. PLACE - DAY'"))
        if parts.time is None and parts.place:
            words = parts.place.split()
            if len(words) > 1 and words[-1].upper() in TIME_WORDS:
                written = plain(text).strip()
                fixed = f"{written[: written.rindex(words[-1])].rstrip()} - {words[-1]}"
                problems.append(("heading-missing-time",
                                 f"scene heading {heading} runs the time of day into the place; separate them "
                                 f"with ' - ': {quote(fixed)}"))
            else:
                problems.append(("heading-missing-time",
                                 f"scene heading {heading} has no time of day; end it with ' - DAY' or ' - NIGHT'"))
        elif parts.time is not None and not parts.time_known:  # "INT." has neither place nor time
            problems.append(("heading-unknown-time",
                             f"scene heading {heading} ends in {quote(parts.time)}, which is not a time of day; "
                             f"end it with ' - DAY', ' - NIGHT' or ' - CONTINUOUS' (if {quote(parts.time)} is "
                             "part of the place, keep it and add the time after it)"))
        return problems

    def check_action(self, el: Element, following: Element | None) -> None:
        text = el.text
        if "\n" not in text and not el.forced:
            # Only these shapes can be a loose cue or transition (all capitals, or
            # "Cut to:") or a parenthetical; most action lines are none of them.
            if text.isupper() or text[-1:] == ":" or text[:1] == "(":
                self.check_loose_line(el, printable(text).strip(), following)
        if len(text) > _LONG_ENOUGH:
            size = reflowed_lines(text, ACTION_WIDTH)
            if size > MAX_ACTION_LINES:
                self.add(el.line, "long-action",
                         f"action paragraph holds {size} lines of text at {ACTION_WIDTH} characters a line (over "
                         f"{MAX_ACTION_LINES}); split it into paragraphs of at most {MAX_ACTION_LINES} lines, one "
                         "image or beat each")

    def check_loose_line(self, el: Element, text: str, following: Element | None) -> None:
        """A one-line action paragraph that is really a transition, cue or parenthetical."""
        if text[-1:] in (":", ".") and is_transition(text):
            self.add(el.line, "transition-not-recognized",
                     f"{quote(text)} reads as action, not a transition; write it as '> {text.upper()}' on its "
                     "own line with blank lines around it")
        elif text[:1] == "(" and PARENTHETICAL_ALONE.match(text):
            self.add(el.line, "dialogue-without-cue",
                     f"{quote(text)} is a parenthetical with no character cue above it; put it directly under "
                     "a cue (the speaker's name on its own line), or write it as plain action")
        elif text.isupper() and len(text) <= 40 and CUE_LIKE.match(text) and self.looks_like_cue(text, following):
            # Quote the next line as the loose dialogue only when it could be some: a
            # transition ("FADE OUT:") after a cue is the scene ending, not the speech.
            loose = following is not None and following.type == "action" and not _reads_as_transition(following)
            nxt = f" ({quote(following.text)})" if loose else ""
            self.add(el.line, "cue-without-dialogue",
                     f"{quote(text)} is a character cue with no dialogue under it; put the dialogue{nxt} on the "
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

    def check_cue(self, el: Element) -> bool:
        """A cue's own shape; True when it is a cue that should have speech under it."""
        raw = el.text.strip()
        text = printable(raw).strip()
        if text[:1] in ("I", "E") and HEADING_LINE.match(text):
            marks = " and wrapped in emphasis marks" if raw != text else ""
            self.add(el.line, "heading-not-recognized",
                     f"{quote(raw)} is meant as a scene heading but is glued to the line after it{marks}, so it "
                     f"reads as a character cue; write it plain ({text}) with a blank line before and after it")
            return False
        if text[-1:] in (":", "."):
            if is_transition(text):
                self.add(el.line, "transition-not-recognized",
                         f"{quote(text)} is glued to the line after it, so it reads as a character cue, not a "
                         f"transition; write it as '> {text}' with blank lines around it")
                return False
            if text.endswith(":"):
                self.add(el.line, "cue-with-colon",
                         f"{quote(text)} looks like a character cue; write the name alone on its own line, "
                         f"without the colon: {text.rstrip(':').strip()}")
        return True

    def report_no_speech(self, el: Element) -> None:
        text = printable(el.text.strip()).strip()
        self.add(el.line, "cue-without-dialogue",
                 f"character cue {quote(text)} has no dialogue under it; write what {character_key(el) or 'they'} "
                 "says on the next line, or remove the cue")

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
                     f"{quote(f'{key}: {speech}')} writes dialogue as 'NAME: speech' at the top, where it reads as "
                     f"a title page entry; put the name alone on its own line ({key}) and the dialogue below it")

    def check_comments(self) -> None:
        """Unclosed /* boneyard */ and [[ notes ]]: the parser would hide what follows.

        Each search goes on from where the one before stopped, so that a
        source of a hundred thousand "[[" stays linear.
        """
        source = self.source
        if not source or (not contains(source, "/*") and not contains(source, "[[")):
            return
        find = source.find
        boneyard, note = find("/*"), find("[[")  # the next of each from `position` (-1: no more)
        close = -2  # the first "]]" after the note being looked at (-1: no more; -2: not looked for)
        position, line, counted = 0, 1, 0  # `line` is the source line at offset `counted`
        while True:
            if 0 <= boneyard < position:
                boneyard = find("/*", position)
            if 0 <= note < position:
                note = find("[[", position)
            if boneyard == -1 and note == -1:
                return
            if boneyard != -1 and (note == -1 or boneyard < note):
                end = find("*/", boneyard + 2)
                if end == -1:
                    self.add(line + source.count("\n", counted, boneyard), "unclosed-boneyard",
                             "'/*' opens a boneyard comment that is never closed, so everything after it is "
                             "hidden; close it with '*/' or delete the '/*'")
                    return
                position = end + 2
                continue
            if close != -1 and close < note + 2:
                close = find("]]", note + 2)
            if close == -1 or find("[[", note + 2, close) != -1 or find("\n\n", note + 2, close) != -1:
                line += source.count("\n", counted, note)
                counted = note
                self.add(line, "unclosed-note",
                         "'[[' opens a note that is not closed on its paragraph, so the text after it is hidden; "
                         "close it with ']]' or delete the '[['")
                position = note + 2
            else:
                position = close + 2


def _reads_as_transition(el: Element) -> bool:
    """A one-line action paragraph that is a transition Fountain did not recognise (``FADE OUT:``)."""
    text = printable(el.text).strip()
    return "\n" not in text and text[-1:] in (":", ".") and is_transition(text)


def validate(sp: Screenplay, source: str | None = None) -> list[Finding]:
    """Findings for ``sp`` (and its Fountain ``source`` when given), sorted by line."""
    if source is not None and "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    checker = _Checker(sp, source)
    checker.check_structure()
    actions, dialogue = checker.check_elements()
    scan_lines(actions, dialogue, checker.add)
    checker.check_title_page()
    checker.check_comments()
    return sorted(checker.findings, key=lambda f: (f.line, f.severity != "error", f.code))
