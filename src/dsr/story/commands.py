"""The story layer's commands: ``dsr story check``.

``dsr story check FILE``: load a story outline, report every problem at
once (exit 2), or print a short summary and the warnings (exit 0; with
``--strict`` exit 1 when there are warnings). ``--json`` prints the story as
dsr reads it, normalised, which also converts Markdown or YAML to JSON.
FILE ``-`` reads standard input (its format from ``--format``, or guessed)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from dsr.story.formats import decode, guess_format
from dsr.story.loader import MAX_STORY_BYTES, load_story, load_story_text, story_warnings
from dsr.story.model import Story

EPILOG = """\
examples:
  dsr story check examples/short_film.yaml
  dsr story check my_outline.md --strict      # warnings fail too (for CI)
  dsr story check my_outline.md --json > my_outline.json
  cat my_outline.yaml | dsr story check -     # standard input (--format if the guess is wrong)

exit status: 0 the story loads (warnings allowed), 1 warnings with --strict,
2 the story has problems or cannot be read
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    story = subparsers.add_parser("story", help="check a story outline (YAML, JSON or Markdown)")
    commands = story.add_subparsers(dest="story_command", metavar="SUBCOMMAND", required=True)
    check = commands.add_parser(
        "check",
        help="validate a story outline and summarise it",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("file", help="story outline: .yaml, .yml, .json or .md; '-' reads standard input")
    check.add_argument("--format", choices=("yaml", "json", "markdown"),
                       help="the story's format (default: from the file's suffix; guessed for standard input)")
    check.add_argument("--json", action="store_true", help="print the normalised story as JSON instead")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    check.set_defaults(func=run_story_check)


def run_story_check(args: argparse.Namespace) -> int:
    story = _read_story(args.file, args.format)
    warnings = story_warnings(story)
    if args.json:
        print(story.model_dump_json(indent=2))
    else:
        print(summary(story, "stdin" if args.file == "-" else args.file))
        for warning in warnings:
            print(f"warning: {warning}")
    return 1 if args.strict and warnings else 0


def _read_story(file: str, fmt: str | None) -> Story:
    if file != "-":
        return load_story(file, fmt)
    raw = sys.stdin.buffer.read(MAX_STORY_BYTES + 1)  # the loader refuses what is over the limit
    return load_story_text(raw, fmt or guess_format(decode(raw, "stdin")), source="stdin")


def summary(story: Story, source: str) -> str:
    about = ", ".join(x for x in (story.genre, story.language) if x)
    appearances = Counter(name for scene in story.scenes for name in scene.characters)
    places = Counter({True: "INT.", False: "EXT.", "both": "INT./EXT."}[s.interior] for s in story.scenes)
    lines = [
        f"{source}: {story.title!r} ({about}): {_count(len(story.scenes), 'scene')}, "
        f"{_count(len(story.characters), 'character')}, "
        f"{_count(sum(len(s.summary.split()) for s in story.scenes), 'word')} of outline",
        "  scenes: " + ", ".join(f"{n} {prefix}" for prefix, n in places.most_common()),
        "  characters: " + ", ".join(f"{c.name} ({_count(appearances[c.name], 'scene')})" for c in story.characters),
    ]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
