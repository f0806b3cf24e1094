"""The ``dsr`` command: thin. Parses arguments and hands off to the layers.

Each layer that has commands exposes ``register(subparsers)`` in a
``commands.py`` module, with handlers named ``run_<command>``; this file
only lists them, so layers never collide in here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from dsr import __version__
from dsr.errors import UserError

# Order is the order in `dsr --help`.
COMMAND_MODULES = (
    "dsr.develop.commands",  # develop
    "dsr.pipeline.commands",  # write
    "dsr.story.commands",  # story check
    "dsr.screenplay.commands",  # parse, check, export
    "dsr.synth.commands",  # import, synth
    "dsr.evaluate.commands",  # eval
    "dsr.web.commands",  # serve
    "dsr.train.commands",  # train, train export
)

DESCRIPTION = """\
Write screenplays from outlines by Dual-Stage Refinement:
an outline becomes screen-oriented prose (stage 1), and the prose becomes a
properly formatted screenplay (stage 2).
"""

EPILOG = """\
examples:
  dsr write examples/short_film.yaml -o runs/short      # outline -> prose -> screenplay
  dsr check runs/short/screenplay.fountain              # format findings and statistics
  dsr export runs/short/screenplay.fountain -o out.pdf  # industry-layout PDF (also .fdx, .html)

Run `dsr COMMAND --help` for the options of each command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dsr",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dsr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A layer whose commands are not built yet is simply absent.
            if exc.name == module_name:
                continue
            raise
        module.register(subparsers)
    return parser


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost (sub)command parser that ``args`` went through (``dsr eval format``'s, say)."""
    while True:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, actions[0].dest, None) if actions else None
        if chosen not in (actions[0].choices if actions else {}):
            return parser
        parser = actions[0].choices[chosen]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Reported by the command's own parser, so the usage shown is that command's.
        _chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"dsr: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dsr: interrupted; finished work is kept, re-run the same command to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
