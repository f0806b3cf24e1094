"""Paths shared by the synth tests (a plain module: tests/ has several conftest.py);
the shared corpus through ``testkit.shared``."""

from __future__ import annotations

from pathlib import Path

from testkit.shared import shared

DATA = Path(__file__).resolve().parent / "data"

# Corpus scripts with scene headings (the other two are drafts without any).
USABLE = ["ASCENT_TO_GURU_PEAK", "Cyber_Bob_ep00001", "Cyber_Bob_ep00003",
          "Cyber_Bob_epLocalTransDimensionalRift", "Cyber_Bob_epWinDebateAgainstLincoln",
          "THE_LIBRARY_FREAK-OUT"]


def make_corpus(tmp_path: Path, names: tuple[str, ...] = ("Cyber_Bob_epLocalTransDimensionalRift",),
                with_text: bool = True) -> Path:
    """A small corpus directory made by ``dsr import`` (corpus scripts + our plain-text one)."""
    from dsr.synth.importers.report import import_corpus

    out = tmp_path / "corpus"
    files = [str(shared("corpus", f"{name}.fountain")) for name in names]
    if with_text:
        files.append(str(DATA / "night_shift.txt"))
    import_corpus(files, out)
    return out
