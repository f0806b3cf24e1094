"""One corpus file -> Fountain: format detection, conversion, usability.

Formats: ``.fountain``/``.spmd`` as Fountain; ``.fdx`` (or XML whose root is
``<FinalDraft>``) as Final Draft; anything else is sniffed: text whose
layout shows indented cues and dialogue is a plain-text screenplay, other
text is read as Fountain (Fountain is plain text with conventions).

A file is usable for synthesis when it has at least one scene heading and
some words under it; anything else is listed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import Finding, validate
from dsr.screenplay.writer import write
from dsr.synth.importers.fdx import FdxError, parse_fdx
from dsr.synth.importers.plaintext import layout, parse_plain_text
from dsr.synth.importers.reading import Unreadable, read_text

FOUNTAIN_SUFFIXES = {".fountain", ".spmd"}
FDX_SUFFIXES = {".fdx"}
MIN_WORDS = 20  # printable words a usable screenplay has at least


@dataclass
class ImportResult:
    source: Path
    format: str | None = None  # fountain | fdx | text
    fountain: str | None = None  # the converted screenplay (None when unreadable)
    problem: str | None = None  # why it is not usable; None when usable
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.problem is None and self.fountain is not None


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    head = text.lstrip()[:4096]
    if suffix in FDX_SUFFIXES or (head.startswith("<") and "<FinalDraft" in head):
        return "fdx"
    if suffix in FOUNTAIN_SUFFIXES:
        return "fountain"
    return "text" if layout(text) is not None else "fountain"


def import_file(path: Path | str) -> ImportResult:
    path = Path(path)
    result = ImportResult(path)
    try:
        file = read_text(path)
    except Unreadable as exc:
        result.problem = str(exc)
        return result
    result.notes += file.notes
    result.format = detect_format(path, file.text)
    try:
        screenplay = _convert(result.format, file.text, result.notes)
    except FdxError as exc:
        result.problem = str(exc)
        return result
    # What lands on disk is what gets validated: write, read back, check.
    result.fountain = write(screenplay)
    written = parse(result.fountain)
    result.findings = validate(written, result.fountain)
    result.statistics = statistics(written)
    result.problem = usability_problem(written, result.statistics)
    return result


def _convert(fmt: str, text: str, notes: list[str]) -> Screenplay:
    if fmt == "fdx":
        screenplay, fdx_notes = parse_fdx(text)
        notes += fdx_notes
        return screenplay
    if fmt == "text":
        converted = parse_plain_text(text)
        notes += converted.notes
        return converted.screenplay
    return parse(text)


def usability_problem(screenplay: Screenplay, stats: dict) -> str | None:
    headed = [scene for scene in screenplay.scenes() if scene.heading is not None]
    words = stats.get("dialogue_words", 0) + stats.get("action_words", 0)
    if not headed:
        if words < MIN_WORDS:
            return "not a screenplay: no scene headings and almost no text"
        return ("no scene headings (INT./EXT. lines), so no scenes to synthesise from: "
                "not a screenplay, or a draft without sluglines")
    if words < MIN_WORDS:
        return f"only {words} words of action and dialogue"
    return None
