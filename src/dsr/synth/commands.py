"""``dsr import`` and ``dsr synth reverse|forward|filter|dataset``: thin
argument parsing; the work is in the synth modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dsr.errors import UserError

IMPORT_DESCRIPTION = """\
Bring screenplays into Fountain for synthesis: Fountain as is, Final Draft
(.fdx), and plain-text screenplays laid out by indentation (headings at the
margin, cues deep-indented in capitals, dialogue medium-indented; page
numbers, CONTINUED and (MORE) lines are removed). Each file is validated;
files that cannot be used (empty, binary, PDF, enormous, no scene headings)
are listed with the reason and not written. The report is
OUT/import-report.json.
"""

IMPORT_EPILOG = """\
examples:
  dsr import scripts/*.txt scripts/*.fdx -o corpus/
  dsr import archive/ -o corpus/ --json > report.json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="screenplays (Fountain, FDX, plain text) -> Fountain corpus",
                              description=IMPORT_DESCRIPTION, epilog=IMPORT_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="screenplay files or directories of them")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the Fountain files")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_import)
    from dsr.synth.cli_synth import register_synth

    register_synth(subparsers)


def run_import(args: argparse.Namespace) -> int:
    from dsr.synth.importers.report import import_corpus

    out = Path(args.output)
    entries = import_corpus(args.files, out, on_file=None if args.json else _print_entry)
    usable = sum(e["usable"] for e in entries)
    if args.json:
        json.dump({"files": entries}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"imported {usable} of {len(entries)} file(s) into {out}; report: {out / 'import-report.json'}")
    if not usable:
        raise UserError(f"none of the {len(entries)} file(s) could be imported (see above)")
    return 0


def _print_entry(entry: dict) -> None:
    if entry["usable"]:
        s = entry["statistics"]
        print(f"ok    {entry['source']} -> {entry['output']} ({entry['format']}; {s['scenes']} scenes, "
              f"{s['pages']:.0f} pages, {entry['errors']} errors, {entry['warnings']} warnings)")
    else:
        print(f"skip  {entry['source']}: {entry['problem']}")
