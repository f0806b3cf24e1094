"""One corpus file -> Fountain, and whether synthesis can use it.

The format layer reads the file (``dsr.screenplay.readers``: format
detection, Final Draft, plain-text layouts); this module writes it as
canonical Fountain, validates what was written and judges its usability.

A file is usable for synthesis when it has at least one scene heading and
some words under it; anything else is listed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsr.screenplay.io import DecodedText, UnreadableFile, read_decoded
from dsr.screenplay.model import Screenplay
from dsr.screenplay.parser import parse
from dsr.screenplay.readers import FdxError, detect_format, read_as
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import Finding, validate
from dsr.screenplay.writer import write

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


def read_source(path: Path) -> DecodedText:
    """A corpus file as text (the format layer's reading policy); an empty
    file is unreadable too, since there is nothing to synthesise from."""
    file = read_decoded(path)
    if not file.text.strip():
        raise UnreadableFile(f"{path} is an empty file", "empty file")
    return file


def import_file(path: Path | str) -> ImportResult:
    path = Path(path)
    result = ImportResult(path)
    try:
        file = read_source(path)
    except UnreadableFile as exc:
        result.problem = exc.reason
        return result
    result.notes += file.notes
    result.format = detect_format(path, file.text)
    try:
        screenplay, notes = read_as(result.format, file.text)
    except FdxError as exc:
        result.problem = str(exc)
        return result
    result.notes += notes
    # What lands on disk is what gets validated: write, read back, check.
    result.fountain = write(screenplay)
    written = parse(result.fountain)
    result.findings = validate(written, result.fountain)
    result.statistics = statistics(written)
    result.problem = usability_problem(written, result.statistics)
    return result


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
