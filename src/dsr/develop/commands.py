"""``dsr develop``: from a logline to the outline ``dsr write`` reads, in
four steps a writer can stop and edit between."""

from __future__ import annotations

import argparse
from pathlib import Path

from dsr.errors import UserError
from dsr.progress import NullContext, reporter_for_terminal

DESCRIPTION = """\
Develop a story from a logline, one step at a time, each step one file in DIR
that you can edit by hand before the next one runs:

  1. premise.yaml     title, genre, theme, the central conflict, the ending
  2. characters.yaml  the cast with profiles (want, need, flaw, voice) and relationships
  3. beats.yaml       the plot as the beats of a structure, each with what changes
  4. story.yaml       scenes (place, time, characters, summary) over the beats:
                      the outline `dsr write` reads

Re-running on DIR redoes only the steps after the first file that changed, and
never overwrites a file you edited; the prompts of later steps tell the model
what you changed. Every answer is JSON (grammar-constrained on the embedded
model) and validated; an answer that fails is asked again with the problems
found. A step that never passes stops with one line naming it, and writes nothing.
How many scenes each beat gets follows the beats' shares (arithmetic, not the model).
"""

EPILOG = """\
examples:
  dsr develop "A lighthouse keeper finds a child on the rocks after a storm." -o dev/lighthouse
  dsr develop --logline-file logline.txt -o dev/pilot --structure tv-cold-open-four-acts --scenes 24
  dsr develop -o dev/lighthouse --until characters     # stop after the cast, edit it, then run again
  dsr develop -o dev/lighthouse                        # after editing: redoes only the later steps
  dsr develop -o dev/lighthouse --redo beats           # a new take of the beats (the old one is kept)
  dsr develop "..." -o dev/x --model 'openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1'
  dsr story check dev/lighthouse/story.yaml --strict && dsr write dev/lighthouse/story.yaml

structures: three-act (default, 12 scenes), save-the-cat (40), tv-cold-open-four-acts (24), short (5)

model specs: embedded (default, offline) | embedded:/path/model.gguf | openai:MODEL@BASE_URL[#key_env=VAR,...]
The embedded 135M model makes every step run offline, but its stories are weak: use a
capable model for real work.

exit codes: 0 ok, 2 bad input or options, 3 DIR in use, 4 a model call failed,
5 a step had no valid answer.
"""

MAX_LOGLINE_FILE_BYTES = 1 << 20


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("develop", help="logline -> premise -> characters -> beats -> story outline",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("logline", nargs="?", metavar="LOGLINE",
                   help="one or two sentences: who wants what, and what stands in the way "
                        "(not needed when DIR was started before)")
    p.add_argument("--logline-file", metavar="FILE", help="read the logline from a text file")
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="the develop directory (made if missing)")
    p.add_argument("--scenes", type=int, metavar="N", help="scenes in story.yaml, 1 to 200 "
                   "(default: the structure's, e.g. 12 for three-act)")
    p.add_argument("--structure", metavar="NAME", help="three-act (default), save-the-cat, "
                   "tv-cold-open-four-acts or short")
    p.add_argument("--genre", metavar="G", help="the genre (default: the model proposes one)")
    p.add_argument("--language", metavar="L", help="language of the story, e.g. en (default), de, es")
    p.add_argument("--style", metavar="S", help="tone and style notes (default: the model proposes them)")
    p.add_argument("--model", metavar="SPEC", help="model (default: embedded; remembered in DIR)")
    p.add_argument("--redo", metavar="STEP", help="draw a new take of STEP (premise, characters, beats, story); "
                   "the steps after it follow")
    p.add_argument("--until", metavar="STEP", help="stop after STEP")
    p.add_argument("--temperature", type=float, default=0.7, metavar="T", help="sampling temperature (default 0.7)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed (default 0)")
    p.add_argument("--max-attempts", type=int, default=3, metavar="N",
                   help="answers per request (default 3); then the usable one with the fewest findings is "
                        "kept and flagged, or, if none is usable, the step stops")
    p.set_defaults(func=run_develop)


def read_logline_file(path: str) -> str:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_LOGLINE_FILE_BYTES:
            raise UserError(f"{path}: {file.stat().st_size / 2**20:.1f} MiB is far too long for a logline")
        return file.read_text("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a logline file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it: {exc.strerror}") from None


def run_develop(args: argparse.Namespace) -> int:
    from dsr.develop.project import DevelopOptions, develop

    if args.logline is not None and args.logline_file:
        raise UserError("give the logline as an argument or with --logline-file, not both")
    logline = read_logline_file(args.logline_file) if args.logline_file else args.logline
    options = DevelopOptions(
        logline=logline, scenes=args.scenes, structure=args.structure, genre=args.genre,
        language=args.language, style=args.style, model=args.model, temperature=args.temperature,
        seed=args.seed, max_attempts=args.max_attempts, redo=args.redo, until=args.until)
    reporter = reporter_for_terminal("done")  # a bar per step; the story's counts scenes
    with reporter or NullContext():
        result = develop(args.output, options, reporter=reporter)
    print(result.summary())
    return 0
