"""The screenplay layer's commands: ``dsr parse``, ``dsr check``, ``dsr export``.

- ``dsr parse FILE [--json]``: the elements of a Fountain screenplay.
- ``dsr check FILE... [--json]``: format findings and statistics per
  screenplay. Exit 0 when no file has an error finding, 1 when one does, 2
  when a file cannot be read (the other files are still checked).
- ``dsr export FILE -o OUT``: PDF, FDX, HTML or Fountain. The format comes
  from OUT's extension, or from ``--format`` (needed when OUT is ``-``). Files
  are written atomically, so a failed export never leaves a half-written file
  or destroys an older one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dsr.errors import UserError
from dsr.files import atomic_write_bytes
from dsr.screenplay.formats import FORMATS, output_format, render
from dsr.screenplay.io import read_fountain, screenplay_doubt
from dsr.screenplay.model import Screenplay
from dsr.screenplay.validate import CODES

# Listed in --help; the checks themselves load only with --story.
CONTINUITY_CODES = {
    "name-drift": "the same person under a drifting name (NELLY for NELL)",
    "not-in-scene-outline": "a cast member speaks or acts in a scene whose outline does not list them",
    "uncast-speaker": "a named speaker in neither the cast nor the scene's extras",
    "time-contradiction": "action words against the heading's time of day (morning in a NIGHT scene)",
    "place-contradiction": "action that puts the scene in another of the story's places",
    "heading-differs": "the heading's INT/EXT, time or place is not the outline's",
}

def register(subparsers: argparse._SubParsersAction) -> None:
    _register_parse(subparsers)
    _register_check(subparsers)
    _register_export(subparsers)


def _warn(message: str) -> None:
    print(f"dsr: warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------- dsr parse

PARSE_DESCRIPTION = """\
Parse a Fountain screenplay (https://fountain.io, version 1.1) and print its
elements with their source line numbers: scene headings, action, character
cues, parentheticals, dialogue, transitions, centered text, lyrics, page
breaks, sections, synopses and notes. Boneyard (/* ... */) is left out.

Input may be UTF-8 (with or without BOM), UTF-16, or Windows-1252 (read
with a warning); CRLF and CR line endings are fine; files over 20 MiB and
binary files are refused with a one-line error.
"""

PARSE_EPILOG = """\
examples:
  dsr parse script.fountain                 # LINE  TYPE  TEXT, one element a line
  dsr parse script.fountain --json          # {"title_page": {...}, "elements": [...]}
  dsr parse script.fountain --json | jq '[.elements[] | select(.type=="character") | .name] | unique'
  cat script.fountain | dsr parse -         # read standard input

JSON elements: type, text, line; plus scene_number (scene_heading);
name, extension, dual (character); depth (section).

exit status: 0 parsed (a warning may be printed), 2 the file could not be read
"""


def _register_parse(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="print the parsed elements of a Fountain screenplay (text or JSON)",
        description=PARSE_DESCRIPTION,
        epilog=PARSE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="Fountain file; '-' reads standard input")
    parser.add_argument("--json", action="store_true",
                        help='print {"title_page": {key: [values]}, "elements": [...]} as JSON')
    parser.set_defaults(func=run_parse)


def run_parse(args: argparse.Namespace) -> int:
    name = "stdin" if args.file == "-" else args.file
    text, screenplay = read_fountain(args.file)
    _warn_if_not_a_screenplay(name, text, screenplay)
    if args.json:
        json.dump(screenplay.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif screenplay.elements or screenplay.title_page:
        print(_listing(screenplay))
    return 0


def _warn_if_not_a_screenplay(name: str, text: str, screenplay: Screenplay) -> None:
    # Parsed anyway (everything unrecognised is action), but said once.
    doubt = screenplay_doubt(name, text, screenplay)
    if doubt:
        _warn(f"{doubt}: is it a screenplay?")


def _listing(screenplay: Screenplay) -> str:
    """Readable listing: title page entries, then LINE TYPE TEXT per element."""
    out = [f"title page  {key}: {' / '.join(values)}" for key, values in screenplay.title_page.items()]
    for el in screenplay.elements:
        text = el.text.replace("\n", " / ")
        details = []
        if el.scene_number:
            details.append(f"#{el.scene_number}#")
        if el.type == "character":
            details.append(f"name={el.name}")
            if el.extension:
                details.append(f"extension={el.extension}")
            if el.dual:
                details.append("dual")
        if el.depth:
            details.append(f"depth={el.depth}")
        suffix = f"  [{', '.join(details)}]" if details else ""
        out.append(f"{el.line:>5}  {el.type:<13}  {text}{suffix}".rstrip())
    return "\n".join(out)


# ---------------------------------------------------------------- dsr check

CHECK_DESCRIPTION = """\
Check Fountain screenplays for what makes a script malformed or unprofessional
(a heading glued to the next line, a cue written 'BOB:', dialogue with no cue,
camera directions or a character's thoughts in action lines, ...), and print
statistics: scenes, estimated pages (55 lines a page), speaking characters,
dialogue/action balance, INT/EXT and DAY/NIGHT mix.

Each finding prints as FILE:LINE: SEVERITY CODE: MESSAGE (codes below).
"""

CHECK_EPILOG = """\
examples:
  dsr check script.fountain                 # findings, then a statistics table
  dsr check drafts/*.fountain               # several files; exit 1 if any has an error
  dsr check script.fountain --json | jq '.files[0].statistics.pages'
  cat script.fountain | dsr check -         # read standard input
  dsr check --story story.yaml runs/x/screenplay.fountain   # also continuity against the outline

With --story, each screenplay is also read scene by scene against the outline
it was written from (one heading per outline scene, in order); continuity
findings print as FILE:LINE: warning CODE: scene N: MESSAGE.

Files are read as UTF-8 (a file that is not is read as Windows-1252, with a
warning); CRLF and CR line endings are fine; binary files and files over 20 MiB
are refused.

exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read
(or, with --story, has another number of scenes than the outline)

codes:
""" + "\n".join(f"  {code:<26} {severity:<8} {meaning}" for code, (severity, meaning) in CODES.items()) + """

continuity codes (with --story; all warnings):
""" + "\n".join(f"  {code:<26} {meaning}" for code, meaning in CONTINUITY_CODES.items())


def _register_check(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="format findings and statistics for Fountain screenplays",
        description=CHECK_DESCRIPTION,
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="Fountain file to check; '-' reads standard input")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: {files: [{file, findings, statistics} | {file, error}], "
                             "errors, warnings}; with --story also continuity per file and in all")
    parser.add_argument("--story", metavar="STORY",
                        help="the outline the screenplays were written from (YAML, JSON, Markdown, or a run's "
                             "story.json): also report continuity findings against it, with scene numbers")
    parser.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from dsr.screenplay.check_report import print_text
    from dsr.screenplay.stats import statistics
    from dsr.screenplay.validate import validate

    story = None
    if args.story:
        from dsr.story.loader import load_story

        story = load_story(Path(args.story))
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
        if story is not None:
            unreadable |= not _add_continuity(reports[-1], story, screenplay)

    errors = sum(f.severity == "error" for r in reports for f in r.get("findings", ()))
    warnings = sum(f.severity == "warning" for r in reports for f in r.get("findings", ()))
    if args.json:
        for report in reports:
            if "findings" in report:
                report["findings"] = [f.to_dict() for f in report["findings"]]
        totals = {"errors": errors, "warnings": warnings}
        if story is not None:
            for report in reports:
                if "continuity" in report:
                    report["continuity"] = [f.to_dict() for f in report["continuity"]]
            totals["continuity"] = sum(len(r.get("continuity", ())) for r in reports)
        json.dump({"files": reports, **totals}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_text(reports)
    if unreadable:
        return 2
    return 1 if errors else 0


def _add_continuity(report: dict, story, screenplay: Screenplay) -> bool:
    """Continuity findings of one screenplay against ``story`` into its report;
    False (and one line on stderr) when its scenes are not the outline's."""
    from dsr.fidelity.continuity import SceneCountError, check_screenplay

    try:
        report["continuity"] = check_screenplay(story, screenplay)
        return True
    except SceneCountError as exc:
        report["continuity_error"] = f"{report['file']}: {exc}"
        print(f"dsr: error: {report['continuity_error']}", file=sys.stderr)
        return False


# ---------------------------------------------------------------- dsr export

EXPORT_DESCRIPTION = """\
Export a Fountain screenplay as an industry-layout PDF (Courier 12 pt, 1.5 in
left margin, standard cue/dialogue indents, title page, page numbers,
(MORE)/(CONT'D) when a speech breaks across pages), a Final Draft FDX file,
a self-contained HTML page, or canonical Fountain. FILE may also be a Final
Draft .fdx, read as one. A FILE that is not a screenplay (no scene heading,
cue or transition) is exported with a warning.
"""

EXPORT_EPILOG = """\
examples:
  dsr export script.fountain -o script.pdf                # US Letter PDF
  dsr export script.fountain -o script.pdf --paper a4     # A4 PDF
  dsr export script.fountain -o script.fdx                # open in Final Draft
  dsr export script.fountain -o script.html               # view in a browser
  dsr export draft.fountain -o clean.fountain             # canonical Fountain
  cat script.fountain | dsr export - -o - --format html > script.html

The format comes from OUT's extension (.pdf .fdx .html .fountain); with
'-o -' (standard output) give --format. A --format that contradicts OUT's
extension is refused.
"""


def _register_export(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a Fountain screenplay to PDF, FDX, HTML or Fountain",
        description=EXPORT_DESCRIPTION,
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="Fountain screenplay (or Final Draft .fdx); '-' reads standard input")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file (.pdf, .fdx, .html or .fountain); '-' writes standard output")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's extension)")
    parser.add_argument("--paper", choices=("letter", "a4"), default="letter", help="PDF paper size (default: letter)")
    parser.add_argument("--font", choices=("auto", "courier-prime", "courier"), default="auto",
                        help="PDF typeface: Courier Prime when installed (auto, the default) or the built-in Courier")
    parser.add_argument("--bold-headings", action="store_true", help="PDF: print scene headings in bold (plain capitals by default)")
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    fmt = output_format(args.output, args.format)
    name = "stdin" if args.file == "-" else args.file
    text, screenplay = _read_fountain_or_fdx(args.file, name)
    _warn_if_not_a_screenplay(name, text, screenplay)
    data, summary = render(screenplay, fmt, paper=args.paper, font=args.font, bold_headings=args.bold_headings)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        _write_atomically(args.output, data)
        print(f"wrote {args.output} ({summary})")
    return 0


def _read_fountain_or_fdx(source: str, name: str) -> tuple[str, Screenplay]:
    """A Fountain file, or a Final Draft file (``.fdx``, or XML that is one) read as such."""
    from dsr.screenplay.io import read_text
    from dsr.screenplay.parser import parse
    from dsr.screenplay.readers import FdxError, detect_format, read_as

    text = read_text(source)
    if detect_format(Path(source if source != "-" else "stdin"), text) != "fdx":
        return text, parse(text)
    try:
        screenplay, _ = read_as("fdx", text)
    except FdxError as exc:
        raise UserError(f"{name} is not a Final Draft file the export can read: {exc}") from None
    return text, screenplay


def _write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, or fail with one line."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if target.is_dir():
        raise UserError(f"cannot write {path}: it is a folder")
    try:
        atomic_write_bytes(target, data, make_parents=False)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
