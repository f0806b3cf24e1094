"""``dsr check FILE... [--json]``: format findings and statistics per screenplay.

Exit status: 0 when no file has an error finding, 1 when one does, 2 when a
file cannot be read (the other files are still checked).
"""

from __future__ import annotations

import argparse
import json
import sys

from dsr.errors import UserError
from dsr.screenplay.io import read_fountain
from dsr.screenplay.stats import statistics
from dsr.screenplay.validate import CODES, validate

DESCRIPTION = """\
Check Fountain screenplays for what makes a script malformed or unprofessional
(a heading glued to the next line, a cue written 'BOB:', dialogue with no cue,
camera directions or a character's thoughts in action lines, ...), and print
statistics: scenes, estimated pages (55 lines a page), speaking characters,
dialogue/action balance, INT/EXT and DAY/NIGHT mix.

Each finding prints as FILE:LINE: SEVERITY CODE: MESSAGE (codes below).
"""

EPILOG = """\
examples:
  dsr check script.fountain                 # findings, then a statistics table
  dsr check drafts/*.fountain               # several files; exit 1 if any has an error
  dsr check script.fountain --json | jq '.files[0].statistics.pages'
  cat script.fountain | dsr check -         # read standard input

Files are read as UTF-8 (a file that is not is read as Windows-1252, with a
warning); CRLF and CR line endings are fine; binary files and files over 20 MB
are refused.

exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read

codes:
""" + "\n".join(f"  {code:<26} {severity:<8} {meaning}" for code, (severity, meaning) in CODES.items())


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="format findings and statistics for Fountain screenplays",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="Fountain file to check; '-' reads standard input")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: {files: [{file, findings, statistics} | {file, error}], "
                             "errors, warnings}")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reports = []
    unreadable = False
    for path in args.files:
        name = "<stdin>" if path == "-" else path
        try:
            text, screenplay = read_fountain(path)
        except UserError as exc:
            # One line, and the other files are still checked.
            unreadable = True
            print(f"dsr: error: {exc}", file=sys.stderr)
            reports.append({"file": name, "error": str(exc)})
            continue
        reports.append({"file": name, "findings": validate(screenplay, text), "statistics": statistics(screenplay)})

    errors = sum(f.severity == "error" for r in reports for f in r.get("findings", ()))
    warnings = sum(f.severity == "warning" for r in reports for f in r.get("findings", ()))
    if args.json:
        for report in reports:
            if "findings" in report:
                report["findings"] = [f.to_dict() for f in report["findings"]]
        json.dump({"files": reports, "errors": errors, "warnings": warnings}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(reports)
    if unreadable:
        return 2
    return 1 if errors else 0


def _print_text(reports: list[dict]) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    for report in reports:
        if "findings" not in report:
            continue
        name, findings, stats = report["file"], report["findings"], report["statistics"]
        for f in findings:
            # Plain print: one finding a line, never wrapped, easy to grep.
            print(f"{name}:{f.line}: {f.severity} {f.code}: {f.message}")
        n_errors = sum(f.severity == "error" for f in findings)
        summary = f"{name}: {n_errors} error{'s' * (n_errors != 1)}, {len(findings) - n_errors} warning" \
                  f"{'s' * (len(findings) - n_errors != 1)}"
        print(summary)
        console.print(_stats_table(name, stats))


def _stats_table(name: str, stats: dict):
    from rich.table import Table

    table = Table(title=f"{name}: statistics", show_header=False, title_justify="left", box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    ratio = stats["dialogue_action_ratio"]
    table.add_row("scenes", str(stats["scenes"]))
    table.add_row("pages (55 lines)", f"{stats['pages']:.1f}  ({stats['printed_lines']} printed lines)")
    table.add_row("words", f"dialogue {stats['dialogue_words']}, action {stats['action_words']}, "
                           f"ratio {'-' if ratio is None else f'{ratio:.2f}'}")
    table.add_row("INT/EXT", _mix(stats["int_ext"]))
    table.add_row("time of day", _mix(stats["time_of_day"]))
    characters = stats["characters"]
    shown = list(characters.items())[:8]
    cast = ", ".join(f"{n} {c['blocks']}/{c['lines']}" for n, c in shown)
    if len(characters) > len(shown):
        cast += f", +{len(characters) - len(shown)} more"
    table.add_row(f"speakers ({len(characters)})", (cast + "  (speeches/lines)") if cast else "-")
    return table


def _mix(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items() if value) or "-"
