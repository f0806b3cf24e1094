"""``dsr parse FILE [--json]``: the elements of a Fountain screenplay."""

from __future__ import annotations

import argparse
import json
import sys

from dsr.screenplay.io import read_fountain
from dsr.screenplay.model import Screenplay

DESCRIPTION = """\
Parse a Fountain screenplay (https://fountain.io, version 1.1) and print its
elements with their source line numbers: scene headings, action, character
cues, parentheticals, dialogue, transitions, centered text, lyrics, page
breaks, sections, synopses and notes. Boneyard (/* ... */) is left out.

Input may be UTF-8 (with or without BOM), UTF-16, or Windows-1252 (read
with a warning); CRLF and CR line endings are fine; files over 20 MB and
binary files are refused with a one-line error.
"""

EPILOG = """\
examples:
  dsr parse script.fountain                 # LINE  TYPE  TEXT, one element a line
  dsr parse script.fountain --json          # {"title_page": {...}, "elements": [...]}
  dsr parse script.fountain --json | jq '[.elements[] | select(.type=="character") | .name] | unique'
  cat script.fountain | dsr parse -         # read standard input

JSON elements: type, text, line; plus scene_number (scene_heading);
name, extension, dual (character); depth (section).

exit status: 0 parsed (a warning may be printed), 2 the file could not be read
"""

# Element types that only a screenplay has; a file with none of them is likely not one.
_SCREENPLAY_TYPES = frozenset({"scene_heading", "character", "transition"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="print the parsed elements of a Fountain screenplay (text or JSON)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="Fountain file; '-' reads standard input")
    parser.add_argument("--json", action="store_true",
                        help='print {"title_page": {key: [values]}, "elements": [...]} as JSON')
    parser.set_defaults(func=run)


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


def _warn(message: str) -> None:
    print(f"dsr: warning: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    name = "stdin" if args.file == "-" else args.file
    text, screenplay = read_fountain(args.file)
    if not text.strip():
        _warn(f"{name} is empty: no screenplay in it")
    elif not screenplay.title_page and not any(el.type in _SCREENPLAY_TYPES for el in screenplay.elements):
        # Parsed anyway (everything unrecognised is action), but say so once.
        _warn(f"{name} has no scene heading, character cue or transition: is it a screenplay?")
    if args.json:
        json.dump(screenplay.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif screenplay.elements or screenplay.title_page:
        print(_listing(screenplay))
    return 0
