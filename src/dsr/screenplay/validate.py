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
| heading-not-separated    | error    | ``EXT. PATIO - DAY`` glued to a neighbouring line, so not a heading  |
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
| long-action              | warning  | an action paragraph of over 4 lines of text at 61 characters a line  |

The rules themselves (codes, the phrase tables ``CAMERA_PHRASES`` and
``INTERIOR_PHRASES``, line patterns) are tables in ``validate_rules.py``:
the place to tune what counts.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from dsr.screenplay.inline import plain
from dsr.screenplay.model import Element, Screenplay
from dsr.screenplay.stats import ACTION_WIDTH, TIME_WORDS, character_key, reflowed_lines, split_heading
from dsr.screenplay.validate_rules import (
    CAMERA,
    CAPS_TRANSITION,
    CODES,
    COLON_CUE,
    CUE_EXTENSION,
    CUE_LIKE,
    FADE_IN,
    HEADING_LINE,
    INTERIOR,
    LOWERCASE,
    MAX_ACTION_LINES,
    NAMED_TRANSITION,
    NOT_SPEAKERS,
    PARENTHETICAL_ALONE,
    QUOTED,
    Severity,
)

_DIALOGUE_PARTS = frozenset({"parenthetical", "dialogue", "lyrics"})
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


class _Checker:
    """One pass over the elements; findings collect in ``self.findings``."""

    def __init__(self, sp: Screenplay, source: str | None):
        self.sp = sp
        self.source = source
        self.findings: list[Finding] = []
        # Names that speak somewhere in the script: an all-caps action line
        # equal to one of them is a cue whose dialogue came loose.
        self.speakers = {character_key(el) for el in sp.elements if el.type == "character"}

    def add(self, line: int, code: str, message: str) -> None:
        self.findings.append(Finding(line, CODES[code][0], code, message))

    # ------------------------------------------------------------ whole script

    def check_structure(self) -> None:
        elements = self.sp.elements
        story = [el for el in elements if el.type in _STORY or el.type == "scene_heading"]
        if not story:
            empty = self.source is not None and not self.source.strip()
            what = "the file is empty" if empty else "the script has no scene heading, action or dialogue"
            self.add(1, "empty-script",
                     f"{what}; write at least one scene: a heading such as 'INT. KITCHEN - DAY', then action and dialogue")
            return
        first_heading = next((i for i, el in enumerate(elements) if el.type == "scene_heading"), None)
        if first_heading is None:
            self.add(story[0].line, "no-scene-heading",
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

    def check_elements(self) -> None:
        previous: Element | None = None
        elements = [el for el in self.sp.elements if el.type not in _NOT_PRINTED]
        for index, el in enumerate(elements):
            kind = el.type
            if kind == "scene_heading":
                self.check_heading(el)
            elif kind == "action":
                self.check_action(el, elements[index + 1] if index + 1 < len(elements) else None)
            elif kind == "character":
                self.check_cue(el, elements, index)
            elif kind in _DIALOGUE_PARTS:
                if previous is None or previous.type not in ("character", *_DIALOGUE_PARTS):
                    if kind != "lyrics":  # a lyric on its own is a song, not dialogue
                        self.add(el.line, "dialogue-without-cue",
                                 f"{_quote(el.text)} is {'a parenthetical' if kind == 'parenthetical' else 'dialogue'} "
                                 "with no character cue above it; put the speaker's name in capitals on its own "
                                 "line directly above it")
                if kind == "dialogue":
                    self.check_glued_heading(el)
            previous = el

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

    def check_glued_heading(self, el: Element) -> None:
        """A heading-shaped line inside action or dialogue: its blank lines are missing."""
        for offset, line in enumerate(el.text.split("\n")):
            stripped = line.strip()
            if HEADING_LINE.match(stripped):
                where = "the line after it" if offset == 0 else "the line before it"
                self.add(el.line + offset, "heading-not-separated",
                         f"{_quote(stripped)} is meant as a scene heading but is glued to {where}, so it reads "
                         f"as {el.type}; put a blank line before and after it")

    def check_action(self, el: Element, following: Element | None) -> None:
        lines = el.text.split("\n")
        if len(lines) == 1:
            text = plain(lines[0]).strip()
            if self.check_loose_line(el, text, following):
                return
        self.check_glued_heading(el)
        for offset, raw in enumerate(lines):
            number = el.line + offset
            text = plain(raw).strip()
            if not text:
                continue
            if len(lines) > 1 and (NAMED_TRANSITION.match(text) or CAPS_TRANSITION.match(text)):
                self.add(number, "transition-not-recognized",
                         f"{_quote(text)} is glued to the action around it, so it is not a transition; put it on "
                         f"its own line with blank lines around it, written '> {text.upper()}'")
            if not raw.lstrip().startswith(("*", "_")):  # an emphasised line is a note or a sign
                self.check_colon_cue(number, text)
            spoken_free = QUOTED.sub(" ", text)
            match = CAMERA.search(spoken_free)
            if match:
                self.add(number, "camera-direction",
                         f"{_quote(match.group(0))} is a camera direction; describe only what is seen and "
                         "heard, and let the action imply the shot")
            match = INTERIOR.search(spoken_free)
            if match:
                self.add(number, "interior-thought",
                         f"{_quote(match.group(0))} tells what a character thinks or feels, which the camera "
                         "cannot show; show it through a visible action, an expression, or dialogue")
        size = reflowed_lines(el.text, ACTION_WIDTH)
        if size > MAX_ACTION_LINES:
            self.add(el.line, "long-action",
                     f"action paragraph holds {size} lines of text at {ACTION_WIDTH} characters a line (over "
                     f"{MAX_ACTION_LINES}); split it into paragraphs of at most {MAX_ACTION_LINES} lines, one "
                     "image or beat each")

    def check_loose_line(self, el: Element, text: str, following: Element | None) -> bool:
        """A one-line action paragraph that is really a transition, cue or parenthetical."""
        if NAMED_TRANSITION.match(text) or CAPS_TRANSITION.match(text):
            self.add(el.line, "transition-not-recognized",
                     f"{_quote(text)} reads as action, not a transition; write it as '> {text.upper()}' on its "
                     "own line with blank lines around it")
            return True
        if PARENTHETICAL_ALONE.match(text):
            self.add(el.line, "dialogue-without-cue",
                     f"{_quote(text)} is a parenthetical with no character cue above it; put it directly under "
                     "a cue (the speaker's name on its own line), or write it as plain action")
            return True
        if CUE_LIKE.match(text) and len(text) <= 40 and (
            CUE_EXTENSION.search(text) or character_key(Element("character", text, el.line)) in self.speakers
        ):
            nxt = f" ({_quote(following.text)})" if following is not None and following.type == "action" else ""
            self.add(el.line, "cue-without-dialogue",
                     f"{_quote(text)} is a character cue with no dialogue under it; put the dialogue{nxt} on the "
                     "very next line, with no blank line between cue and dialogue")
            return True
        return False

    def check_colon_cue(self, number: int, text: str) -> None:
        match = COLON_CUE.match(text)
        if not match:
            return
        name = " ".join(match.group(1).split()).rstrip(".")
        if name in NOT_SPEAKERS or len(name.split()) > 4 or HEADING_LINE.match(text):
            return
        if NAMED_TRANSITION.match(text) or CAPS_TRANSITION.match(text):
            return
        cue = name + (f" {match.group(2)}" if match.group(2) else "")
        speech = match.group(3)
        if speech:
            self.add(number, "cue-with-colon",
                     f"{_quote(text)} writes dialogue as 'NAME: speech'; put the name alone on its own line "
                     f"({cue}) and the dialogue on the line below it")
        else:
            self.add(number, "cue-with-colon",
                     f"{_quote(text)} looks like a character cue; write the name alone on its own line, without "
                     f"the colon: {cue}")

    def check_cue(self, el: Element, elements: list[Element], index: int) -> None:
        text = plain(el.text).strip()
        if HEADING_LINE.match(text):
            self.add(el.line, "heading-not-separated",
                     f"{_quote(text)} is meant as a scene heading but is glued to the line after it, so it reads "
                     "as a character cue; put a blank line before and after it")
            return
        if NAMED_TRANSITION.match(text) or CAPS_TRANSITION.match(text):
            self.add(el.line, "transition-not-recognized",
                     f"{_quote(text)} is glued to the line after it, so it reads as a character cue, not a "
                     f"transition; write it as '> {text}' with blank lines around it")
            return
        if text.endswith(":") or (el.name or "").rstrip().endswith(":"):
            fixed = text.rstrip(":").strip()
            self.add(el.line, "cue-with-colon",
                     f"{_quote(text)} looks like a character cue; write the name alone on its own line, without "
                     f"the colon: {fixed}")
        spoken = False
        for follower in elements[index + 1:]:
            if follower.type not in _DIALOGUE_PARTS:
                break
            if follower.type in _SPOKEN:
                spoken = True
                break
        if not spoken:
            self.add(el.line, "cue-without-dialogue",
                     f"character cue {_quote(text)} has no dialogue under it; write what {character_key(el) or 'they'} "
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
    checker.check_elements()
    checker.check_title_page()
    checker.check_comments()
    return sorted(checker.findings, key=lambda f: (f.line, f.severity != "error", f.code))
