"""The Markdown form of a story outline: what a writer types in any editor.
``docs/story-format.md`` has a full example; in short::

    # The Last Ferry

    Logline: A ferry pilot on her last night run must decide whether to
    carry the brother who sold her boat.
    Genre: drama

    ## Characters

    - **MAYA** — 34, pilot of the last ferry. Speaks in instructions.
      - JONAH: younger brother; she raised him
    - **JONAH** — 29, charming, broke, sorry too late.

    ## Scenes

    ### EXT. HARBOUR - NIGHT
    Characters: MAYA, JONAH

    Rain on the quay. Jonah waits by the ramp with one suitcase.

    Directives: slow; hold on the empty car deck.

The rules:

- ``# Title`` (the first level-1 heading) is the title.
- Before the first ``##`` section: ``Logline:``, ``Genre:``, ``Language:``,
  ``Style:`` lines (a value may continue on the following lines until a blank
  line). A plain paragraph there is the logline.
- ``## Logline`` / ``## Genre`` / ``## Language`` / ``## Style`` sections work
  too: their text is the value.
- ``## Characters`` (or ``## Cast``): either bullets ``- **NAME** — profile``
  (the separator may be an em or en dash, `` - `` or ``:``; indented lines
  continue the profile; an indented sub-bullet ``- OTHER: relation`` naming
  another character is a relationship), or ``### NAME`` followed by the
  profile paragraphs and optionally ``Relationships:`` with ``- OTHER:
  relation`` bullets. In either form an ``Aliases: Nelly, Mrs. Hart`` line
  gives other names the text may use for the character.
- ``## Scenes`` (or ``## Outline``): one ``### `` heading per scene, written
  like a scene heading: ``INT. KITCHEN - NIGHT``, ``EXT. ROOF - DAWN``,
  ``INT./EXT. CAR - DAY`` (``INT``/``EXT`` without the dot, ``I/E`` and a
  leading scene number such as ``3.`` are accepted). Under it: an optional
  ``Characters: A, B`` line, an optional ``Extras: BARMAN, a nurse`` line
  (minor people who may appear besides the cast), the summary (all plain
  paragraphs, joined by a blank line), and an optional ``Directives:`` text
  or bullet list.
  ``Place:``, ``Time:``, ``Interior:`` and ``Summary:`` lines are accepted too.
- Paragraph lines join with a space; paragraphs join with a blank line; list
  items (in directives) become one line each, without the bullet.
- HTML comments (``<!-- ... -->``) are ignored; a rule line (``---``) counts
  as a blank line.

``parse_markdown`` turns the text into the same plain data a YAML file gives,
plus a map from data paths to line numbers and the problems found on the way
(unknown sections, mistyped labels), so ``loader.py`` can validate all three
formats alike and report every problem at once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from dsr.story.headings import parse_heading, plain_text as _plain

Path = tuple  # a data path such as ("scenes", 3, "summary")
_MISTYPED = "?"  # the key of a label line that was reported as a typo

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_LABEL = re.compile(r"^\s*(?:\*\*|__)?([A-Za-z][A-Za-z' ]{0,24}?)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(.*)$")
_NAME_SEPARATOR = re.compile(r"\s*[–—]\s*|\s+-\s+|\s*:\s*")

TOP_KEYS = {"logline": "logline", "genre": "genre", "language": "language", "style": "style",
            "tone": "style", "title": "title",
            "author": "author", "written by": "author", "contact": "contact", "draft date": "draft_date"}
ALIAS_LABELS = {"aliases", "alias", "aka", "also called"}
SECTIONS = {"characters": "characters", "cast": "characters", "scenes": "scenes",
            "outline": "scenes", **{k: k for k in ("logline", "genre", "language", "style")}}
SCENE_KEYS = {"characters": "characters", "cast": "characters", "who": "characters",
              "with": "characters", "extras": "extras", "extra": "extras", "directives": "directives",
              "notes": "directives", "note": "directives",
              "summary": "summary", "place": "place", "time": "time", "interior": "interior"}


@dataclass
class MarkdownProblem:
    path: Path
    line: int
    message: str


@dataclass
class ParsedMarkdown:
    data: dict[str, Any]
    lines: dict[Path, int]  # data path -> 1-based line number
    problems: list[MarkdownProblem] = field(default_factory=list)


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """``line`` without HTML comments, and whether a comment is still open after it."""
    out = ""
    while line:
        if in_comment:
            end = line.find("-->")
            if end < 0:
                return out, True
            line, in_comment = line[end + 3:], False
        else:
            start = line.find("<!--")
            if start < 0:
                return out + line, False
            out, line, in_comment = out + line[:start], line[start + 4:], True
    return out, in_comment


class _Block:
    """Lines of one section or sub-section, with their line numbers."""

    def __init__(self, title: str, line: int):
        self.title = title
        self.line = line
        self.body: list[tuple[int, str]] = []


def _paragraphs(body: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    groups: list[list[tuple[int, str]]] = [[]]
    for number, text in body:
        if text.strip():
            groups[-1].append((number, text))
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _join(lines: list[str]) -> str:
    """Paragraph lines join with a space; each list item starts a new line."""
    out: list[str] = []
    for text in lines:
        bullet = _BULLET.match(text)
        if bullet or not out:
            out.append((bullet.group(2) if bullet else text).strip())
        else:
            out[-1] = f"{out[-1]} {text.strip()}"
    return "\n".join(out)


def _join_paragraphs(body: list[tuple[int, str]]) -> str:
    return "\n\n".join(_join([t for _, t in p]) for p in _paragraphs(body))


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.data: dict[str, Any] = {}
        self.lines: dict[Path, int] = {}
        self.problems: list[MarkdownProblem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(MarkdownProblem(path, line, message))

    def set(self, key: str, value: Any, line: int) -> None:
        if key in self.data:
            self.problem((key,), line, f"given twice, first at line {self.lines[(key,)]} (keep one)")
            return
        self.data[key] = value
        self.lines[(key,)] = line

    def run(self) -> ParsedMarkdown:
        front = _Block("", 1)
        sections: list[_Block] = []
        in_comment = False
        for number, raw in enumerate(self.text.splitlines(), start=1):
            raw, in_comment = _strip_comments(raw, in_comment)
            if _RULE.match(raw):
                raw = ""
            heading = _HEADING.match(raw)
            if heading and len(heading.group(1)) == 1:
                if "title" in self.data:
                    self.problem((), number, f"a second '# {heading.group(2)}' title (use '## ' for sections)")
                else:
                    self.set("title", _plain(heading.group(2)), number)
            elif heading and len(heading.group(1)) == 2:
                sections.append(_Block(_plain(heading.group(2)), number))
            else:
                (sections[-1] if sections else front).body.append((number, raw))
        self.front_matter(front)
        for section in sections:
            key = SECTIONS.get(section.title.lower())
            if key == "characters":
                self.set("characters", self.characters(section), section.line)
            elif key == "scenes":
                self.set("scenes", self.scenes(section), section.line)
            elif key:
                self.set(key, _join_paragraphs(section.body), section.line)
            else:
                close = difflib.get_close_matches(section.title.lower(), SECTIONS, n=1, cutoff=0.6)
                hint = (f"did you mean '## {close[0].title()}'?" if close
                        else "known sections: Characters, Scenes, Logline, Genre, Language, Style")
                self.problem((), section.line, f"unknown section '## {section.title}' ({hint})")
        return ParsedMarkdown(self.data, self.lines, self.problems)

    def label(self, text: str, known: dict[str, str], number: int) -> tuple[str, str] | None:
        """``Genre: drama`` -> ("genre", "drama"); a near-miss label is a problem
        (and its line is skipped: ``_MISTYPED``)."""
        found = _LABEL.match(text)
        if not found or _BULLET.match(text):
            return None
        word = found.group(1).strip().lower()
        if word in known:
            return known[word], found.group(2).strip()
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.8)
        if close:
            self.problem((), number, f"unknown label '{found.group(1).strip()}:' (did you mean '{close[0].title()}:'?)")
            return _MISTYPED, ""
        return None

    # -- top of the file -------------------------------------------------
    def front_matter(self, block: _Block) -> None:
        loose: list[tuple[int, str]] = []
        current: tuple[str, int, list[str]] | None = None  # a label whose value may continue

        def finish() -> None:
            if current:
                self.set(current[0], _join(current[2]), current[1])

        for number, text in block.body:
            label = self.label(text, TOP_KEYS, number) if text.strip() else None
            if _HEADING.match(text):
                self.problem((), number, "a '###' heading before any '## Characters' or '## Scenes' section")
            elif label:
                finish()
                current = (label[0], number, [label[1]] if label[1] else []) if label[0] != _MISTYPED else None
            elif not text.strip():
                finish()
                current = None
                loose.append((number, text))
            elif current:
                current[2].append(text)
            else:
                loose.append((number, text))
        finish()
        if any(t.strip() for _, t in loose):
            first = next(n for n, t in loose if t.strip())
            self.set("logline", _join_paragraphs(loose), first)

    # -- ## Characters -----------------------------------------------------
    def characters(self, block: _Block) -> list[dict[str, Any]]:
        """Each character's profile is kept as chunks: ("text", s), ("break",),
        and ("item", s, line, after_label) for bullets, which become
        relationships once all names are known."""
        people: list[dict[str, Any]] = []
        chunks: list[list[tuple]] = []
        heading_form: list[bool] = []
        after_label = False
        for number, text in block.body:
            heading = _HEADING.match(text)
            bullet = _BULLET.match(text)
            label = _LABEL.match(text)
            if heading and len(heading.group(1)) == 3:
                people.append({"name": _plain(heading.group(2))})
                chunks.append([])
                heading_form.append(True)
                self.lines[("characters", len(people) - 1)] = number
                after_label = False
            elif bullet and not bullet.group(1) and not (people and heading_form[-1]):
                name, rest = self._split_name(bullet.group(2))
                people.append({"name": name})
                chunks.append([("text", rest)] if rest else [])
                heading_form.append(False)
                self.lines[("characters", len(people) - 1)] = number
            elif not people:
                if text.strip():
                    self.problem(("characters",), number, "text before the first character; "
                                 "start each with '- **NAME** — profile' or '### NAME'")
            elif bullet:
                chunks[-1].append(("item", bullet.group(2).strip(), number, after_label))
            elif not text.strip():
                after_label = False
                chunks[-1].append(("break",))
            elif label and not bullet and label.group(1).strip().lower() == "relationships":
                after_label = True
                if label.group(2).strip():
                    chunks[-1].append(("item", label.group(2).strip(), number, True))
            elif label and not bullet and label.group(1).strip().lower() in ALIAS_LABELS:
                after_label = False
                person = people[-1]
                person["aliases"] = person.get("aliases", []) + [
                    a.strip() for a in label.group(2).split(",") if a.strip()]
                self.lines[("characters", len(people) - 1, "aliases")] = number
            else:
                chunks[-1].append(("text", text.strip()))
        names = {p["name"].upper() for p in people}
        for index, person in enumerate(people):
            lines: list[str] = []  # "" between paragraphs
            joinable = False  # may the next text line continue the last line?
            for chunk in chunks[index]:
                if chunk[0] == "break":
                    if lines and lines[-1]:
                        lines.append("")
                    joinable = False
                    continue
                if chunk[0] == "item":
                    other, colon, relation = chunk[1].partition(":")
                    if colon and (chunk[3] or _plain(other).upper() in names):
                        person.setdefault("relationships", {})[_plain(other)] = relation.strip()
                        self.lines[("characters", index, "relationships", _plain(other))] = chunk[2]
                        continue
                    lines.append(chunk[1])  # a bullet that is no relationship: a profile line
                    joinable = False
                elif joinable:
                    lines[-1] = f"{lines[-1]} {chunk[1]}"
                else:
                    lines.append(chunk[1])
                    joinable = True
            if "\n".join(lines).strip():
                person["profile"] = "\n".join(lines).strip()
        return people

    @staticmethod
    def _split_name(text: str) -> tuple[str, str]:
        bold = re.match(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*(.*)$", text)
        if bold:
            rest = re.sub(r"^(?:[–—:]|-\s)\s*", "", bold.group(2).strip())
            return bold.group(1).strip().rstrip(":").strip(), rest.strip()
        parts = _NAME_SEPARATOR.split(text, maxsplit=1)
        return _plain(parts[0]), parts[1].strip() if len(parts) > 1 else ""

    # -- ## Scenes ---------------------------------------------------------
    def scenes(self, block: _Block) -> list[dict[str, Any]]:
        scenes: list[dict[str, Any]] = []
        bodies: list[list[tuple[int, str]]] = []
        for number, text in block.body:
            heading = _HEADING.match(text)
            if heading and len(heading.group(1)) == 3:
                scenes.append(dict(parse_heading(heading.group(2))))
                bodies.append([])
                self.lines[("scenes", len(scenes) - 1)] = number
            elif bodies:
                bodies[-1].append((number, text))
            elif text.strip():
                self.problem(("scenes",), number, "text before the first scene; "
                             "start each scene with a heading like '### INT. KITCHEN - NIGHT'")
        for index, scene in enumerate(scenes):
            self.scene_body(index, scene, bodies[index])
        return scenes

    def scene_body(self, index: int, scene: dict[str, Any], body: list[tuple[int, str]]) -> None:
        plain: list[tuple[int, str]] = []  # unlabelled lines: the summary
        labelled: dict[str, list[str]] = {}
        key: str | None = None  # the label whose value the following lines continue
        for number, text in body:
            label = self.label(text, SCENE_KEYS, number) if text.strip() else None
            if label and label[0] == _MISTYPED:
                key = None
                continue
            if label:
                key = label[0]
                if key in labelled or (key in scene and key in ("place", "time", "interior")):
                    self.problem(("scenes", index, key), number,
                                 f"'{key.title()}:' given twice in this scene, the heading counts (keep one)")
                labelled[key] = [label[1]] if label[1] else []
                self.lines[("scenes", index, key)] = number
                continue
            if not text.strip():
                key = None
            elif key in ("directives", "summary") or (key and _BULLET.match(text)):
                labelled[key].append(text)
                continue
            else:
                key = None
            if text.strip() and not any(t.strip() for _, t in plain):
                self.lines.setdefault(("scenes", index, "summary"), number)
            plain.append((number, text))
        summary = [_join(labelled.pop("summary"))] if "summary" in labelled else []
        if any(t.strip() for _, t in plain):
            summary.append(_join_paragraphs(plain))
        if summary or not labelled:
            scene["summary"] = "\n\n".join(s for s in summary if s)
        for name, lines in labelled.items():
            value = _join(lines)
            scene[name] = [n.strip() for n in value.replace("\n", ",").split(",") if n.strip()] \
                if name in ("characters", "extras") else value


def parse_markdown(text: str) -> ParsedMarkdown:
    return _Parser(text).run()
