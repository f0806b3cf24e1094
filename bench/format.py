"""The screenplay format layer against screenplain on one ~120-page script.

The script is built from the corpus (../shared/corpus): every scene of every
file, repeated in turn until our PDF reaches the target page count, under
one title page. Timed, best of N runs each (ours and screenplain's in turn,
so both see the same load on a shared machine):

- parse: ours (``dsr.screenplay.parser.parse``) + validate
  (``dsr.screenplay.validate.validate``) vs screenplain's parse of the same
  text. Goal: ours at least 5x faster.
- PDF: ours (``write_pdf``, with (MORE)/(CONT'D) pagination) vs screenplain's
  ``to_pdf``, both from an already parsed script into memory. Goal: ours no
  slower.
- FDX and HTML export, ours, for reference.

Times are CPU milliseconds of this process (``time.process_time``), so other
work on a busy machine skews them less than wall-clock time would; our
lru_caches are emptied before every run. Parse runs are short (a few ms), so
they get more runs than exports: the best of many is what the code costs
when nothing else gets in the way.

Usage: python bench/format.py [--pages 120] [--runs 25] [--export-runs 5]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from pathlib import Path

from dsr.screenplay.export import to_fdx, to_html, write_pdf
from dsr.screenplay.parser import parse

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
_HEADING = re.compile(r"^(?:INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", re.IGNORECASE)
_TITLE_PAGE = "Title: A LONG SCRIPT\nCredit: written by\nAuthor: The Corpus\nDraft date: 2026\n\n"


def corpus_scenes() -> list[str]:
    """Each corpus scene as Fountain text, from its heading to the next one."""
    scenes: list[str] = []
    for path in sorted(CORPUS.glob("*.fountain")):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        starts = [i for i, line in enumerate(lines) if _HEADING.match(line) and (i == 0 or not lines[i - 1].strip())]
        for a, b in zip(starts, [*starts[1:], len(lines)]):
            scenes.append("\n".join(lines[a:b]).strip() + "\n")
    return scenes


def build_script(target_pages: int) -> tuple[str, int]:
    """A Fountain script of about ``target_pages`` pages (ours, US Letter, title page included)."""
    scenes = corpus_scenes()
    pieces: list[str] = []
    pages = 0
    while pages < target_pages:
        # Add a round of scenes, then measure; trim back to the last round that fits.
        pieces += scenes
        pages = write_pdf(parse(_TITLE_PAGE + "\n".join(pieces)), io.BytesIO())
    while pages > target_pages and len(pieces) > 1:
        pieces.pop()
        pages = write_pdf(parse(_TITLE_PAGE + "\n".join(pieces)), io.BytesIO())
    return _TITLE_PAGE + "\n".join(pieces), pages


def clear_caches() -> None:
    """Empty our modules' lru_caches, so no run profits from the one before."""
    for name, module in list(sys.modules.items()):
        if name.startswith("dsr."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def timed(fn) -> float:
    """CPU seconds of one run of ``fn``, our caches emptied first."""
    clear_caches()
    start = time.process_time()
    fn()
    return time.process_time() - start


def best_of(runs: int, fn) -> float:
    return min(timed(fn) for _ in range(runs))


def best_of_pair(runs: int, ours, theirs) -> tuple[float, float]:
    """Best of ``runs`` for each of two functions, run in turn."""
    mine, other = [], []
    for _ in range(runs):
        mine.append(timed(ours))
        other.append(timed(theirs))
    return min(mine), min(other)


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--pages", type=int, default=120, help="size of the test script in PDF pages (default 120)")
    cli.add_argument("--runs", type=int, default=25,
                     help="runs of parse + validate (and of screenplain's parse); the best is reported (default 25)")
    cli.add_argument("--export-runs", type=int, default=5,
                     help="runs of each export; the best is reported (default 5)")
    args = cli.parse_args()

    from screenplain.export.pdf import to_pdf as screenplain_pdf
    from screenplain.parsers.fountain import parse as screenplain_parse

    try:
        from dsr.screenplay.validate import validate
    except ImportError as exc:
        validate = None
        print(f"note: dsr.screenplay.validate is not available ({exc}); timing parse alone")

    text, pages = build_script(args.pages)
    ours = parse(text)
    theirs = screenplain_parse(io.StringIO(text))
    their_pages = None
    try:
        from pypdf import PdfReader

        buffer = io.BytesIO()
        screenplain_pdf(theirs, buffer)
        their_pages = len(PdfReader(io.BytesIO(buffer.getvalue())).pages)
    except ImportError:
        pass
    print(
        f"script: {len(text.splitlines())} lines, {len(text) // 1024} KiB, {len(ours.elements)} elements, "
        f"{pages} pages (ours), {their_pages or '?'} pages (screenplain); best of {args.runs} runs "
        f"(exports: {args.export_runs})"
    )

    def ours_parse_validate():
        sp = parse(text)
        if validate is not None:
            validate(sp, text)

    rows = [
        ("parse + validate" if validate else "parse",
         *best_of_pair(args.runs, ours_parse_validate, lambda: screenplain_parse(io.StringIO(text))), 5.0),
        ("PDF export", *best_of_pair(args.export_runs, lambda: write_pdf(ours, io.BytesIO()),
                                     lambda: screenplain_pdf(theirs, io.BytesIO())), 1.0),
    ]
    print(f"{'step (CPU ms)':<18} {'dsr':>8} {'screenplain':>14} {'speed-up':>9} {'goal':>6}  met")
    for name, mine, other, goal in rows:
        ratio = other / mine
        print(f"{name:<18} {mine * 1000:8.2f} {other * 1000:14.2f} {ratio:8.1f}x {goal:5.0f}x  "
              f"{'yes' if ratio >= goal else 'NO'}")
    if validate is not None:
        print(f"{'  parse alone':<18} {best_of(args.runs, lambda: parse(text)) * 1000:8.2f}")
    for name, fn in (("FDX export", lambda: to_fdx(ours)), ("HTML export", lambda: to_html(ours))):
        print(f"{name:<18} {best_of(args.export_runs, fn) * 1000:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
