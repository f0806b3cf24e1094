"""Writing imported screenplays and their validation report.

``OUT/NAME.fountain`` for every usable file, and ``OUT/import-report.json``
with one entry per input: format, notes on what was guessed, the
validator's findings and the statistics, or why the file is not usable
(those files get no ``.fountain``, so synthesis never sees them).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from dsr.errors import UserError
from dsr.files import atomic_write_json, atomic_write_text
from dsr.synth.importers.convert import ImportResult, import_file

REPORT_NAME = "import-report.json"
FINDINGS_KEPT = 50  # per file in the report; the counts cover all
# An -o ending in one of these names a screenplay file, not the output folder.
_SCRIPT_SUFFIXES = {".fountain", ".spmd", ".fdx", ".txt"}


def expand_inputs(paths: list[str]) -> list[Path]:
    """Files as given; a directory stands for the files directly in it."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{name}: no such file or directory")
    if not files:
        raise UserError("no files to import")
    return files


def output_name(source: Path, taken: set[str]) -> str:
    slug = re.sub(r"[^\w.-]+", "_", source.stem).strip("._") or "screenplay"
    name, n = slug, 1
    while name.lower() in taken:
        n += 1
        name = f"{slug}-{n}"
    taken.add(name.lower())
    return name + ".fountain"


def report_entry(result: ImportResult, output: str | None) -> dict:
    stats = result.statistics
    errors = [f for f in result.findings if f.severity == "error"]
    entry = {
        "source": str(result.source),
        "format": result.format,
        "output": output,
        "usable": result.usable,
        "problem": result.problem,
        "notes": result.notes,
        "errors": len(errors),
        "warnings": len(result.findings) - len(errors),
        "finding_codes": dict(Counter(f.code for f in result.findings)),
        "findings": [f.to_dict() for f in result.findings[:FINDINGS_KEPT]],
    }
    if stats:
        entry["statistics"] = {
            "scenes": stats["scenes"], "pages": stats["pages"], "speaking_characters": len(stats["characters"]),
            "dialogue_words": stats["dialogue_words"], "action_words": stats["action_words"],
        }
    return entry


def import_corpus(paths: list[str], out_dir: Path, on_file=None) -> list[dict]:
    """Import every file; returns the report entries (also written to OUT)."""
    files = expand_inputs(paths)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"-o {out_dir} is a file; -o names the folder the Fountain files go into "
                        f"(e.g. -o {out_dir.parent}/), each named after its source")
    if not out_dir.exists() and out_dir.suffix.lower() in _SCRIPT_SUFFIXES:
        raise UserError(f"-o {out_dir} names a file; -o names the folder the Fountain files go into "
                        f"(e.g. -o {out_dir.parent}/), each named after its source")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {out_dir}: {exc.strerror}") from None
    taken: set[str] = set()
    entries = []
    for path in files:
        if path.resolve().parent == out_dir.resolve() and path.name == REPORT_NAME:
            continue
        result = import_file(path)
        output = None
        if result.usable:
            output = output_name(path, taken)
            target = out_dir / output
            if target.resolve() != path.resolve():
                atomic_write_text(target, result.fountain)
        entry = report_entry(result, output)
        entries.append(entry)
        if on_file is not None:
            on_file(entry)
    atomic_write_json(out_dir / REPORT_NAME, {"files": entries})
    return entries
