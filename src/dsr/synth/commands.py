"""``dsr import`` and ``dsr synth reverse|forward|filter|dataset``: thin
argument parsing (options -> settings -> jobs); the work is in the synth
modules."""

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

SYNTH_DESCRIPTION = """\
Make training data for the two stages from real screenplays (run in order):

  reverse   screenplays -> per scene an outline beat (place, time, characters,
            what happens) and narrative directives; per screenplay character
            profiles; stories/ID.json in `dsr write`'s story format
  forward   a teacher model writes directives + screen-oriented prose from
            those inputs with dsr write's own stage-1 prompts (K samples)
  filter    decide which items to keep, each drop with its reason
  dataset   chat-format JSONL (stage1, stage2, direct, reverse_only), split
            by screenplay, with a dataset card

Every model option defaults to the embedded model, so the chain runs offline.
Records are keyed by source, step, prompt version, model and sampling: a
re-run (or a run killed and started again) does only what is missing.
"""

SYNTH_EPILOG = """\
examples:
  dsr import scripts/ -o corpus/
  dsr synth reverse corpus/ -o data/
  dsr synth forward data/ --teacher openai:Qwen/Qwen3-32B@http://gpu1:8000/v1 --samples 2
  dsr synth forward data/ --teacher openai:M@http://gpu1:8000/v1 --teacher openai:M@http://gpu2:8000/v1 \\
      --engine ray --address auto --workers 8 --concurrency 16
  dsr synth dataset data/ -o datasets/v1 --seed 7

exit codes: 0 ok, 2 bad input or options, 3 data directory in use,
4 model calls failed (finished records are kept; re-run to retry)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="screenplays (Fountain, FDX, plain text) -> Fountain corpus",
                              description=IMPORT_DESCRIPTION, epilog=IMPORT_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="screenplay files or directories of them")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the Fountain files")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_import)
    _register_synth(subparsers)


def _register_synth(subparsers: argparse._SubParsersAction) -> None:
    synth = subparsers.add_parser("synth", help="training data from screenplays: reverse, forward, filter, dataset",
                                  description=SYNTH_DESCRIPTION, epilog=SYNTH_EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = synth.add_subparsers(dest="synth_step", metavar="STEP")
    synth.set_defaults(func=lambda args: synth.print_help() or 0)

    p = steps.add_parser("reverse", help="screenplays -> outline beats, directives, profiles",
                         description="Reverse synthesis over a directory of .fountain files (from dsr import).")
    p.add_argument("corpus", metavar="CORPUS_DIR")
    p.add_argument("-o", "--output", required=True, metavar="DATA_DIR")
    p.add_argument("--model", action="append", metavar="SPEC",
                   help="model spec (default embedded); repeat for replicas of one model on several servers")
    p.add_argument("--max-screenplays", type=int, metavar="N", help="only the first N screenplays (by file name)")
    p.add_argument("--max-scenes", type=int, metavar="N", help="only the first N scenes of each screenplay")
    p.add_argument("--max-characters", type=int, default=8, metavar="N", help="profiles per screenplay (default 8)")
    p.add_argument("--max-tokens", type=int, default=400, metavar="N", help="answer limit per call (default 400)")
    _sampling_options(p, 0.2)
    _engine_options(p)
    p.set_defaults(func=run_reverse)

    p = steps.add_parser("forward", help="teacher: inputs -> directives + screen-oriented prose",
                         description="Forward synthesis with dsr write's stage-1 prompts.")
    p.add_argument("data", metavar="DATA_DIR")
    p.add_argument("--teacher", action="append", metavar="SPEC",
                   help="teacher model spec (default embedded); repeat for replicas")
    p.add_argument("--samples", type=int, default=1, metavar="K", help="teacher samples per scene (default 1)")
    p.add_argument("--with-reference", action="store_true",
                   help="ablation: the teacher also sees the real scene as grounding")
    p.add_argument("--max-items", type=int, metavar="N", help="only the first N scenes")
    p.add_argument("--directives-tokens", type=int, default=400, metavar="N",
                   help="answer limit of the directives call (default 400, as dsr write)")
    p.add_argument("--prose-tokens", type=int, default=700, metavar="N",
                   help="answer limit of the prose call (default 700, as dsr write)")
    _sampling_options(p, 0.7)
    _engine_options(p)
    p.set_defaults(func=run_forward)

    p = steps.add_parser("filter", help="decide what to keep; every drop with its reason",
                         description="Run the filters and write DATA_DIR/verdicts.jsonl (dataset runs them too).")
    p.add_argument("data", metavar="DATA_DIR")
    p.set_defaults(func=run_filter)

    p = steps.add_parser("dataset", help="chat-format JSONL datasets, split by screenplay, with a card",
                         description="Write OUT/{stage1,stage2,direct,reverse_only}/{train,validation,test}.jsonl "
                                     "and OUT/README.md.")
    p.add_argument("data", metavar="DATA_DIR")
    p.add_argument("-o", "--output", required=True, metavar="OUT")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="split seed (default 0)")
    p.add_argument("--split", default="0.8,0.1,0.1", metavar="TRAIN,VAL,TEST",
                   help="shares of screenplays per split (default 0.8,0.1,0.1)")
    p.add_argument("--no-filter", action="store_true", help="keep every parsed item (for inspection only)")
    p.set_defaults(func=run_dataset)


def _engine_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("engine")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: asyncio in this process (default); ray: Ray Data actors (pip install '.[cluster]')")
    g.add_argument("--concurrency", type=int, default=4, metavar="N",
                   help="model calls in flight (per Ray worker) (default 4)")
    g.add_argument("--workers", type=int, default=2, metavar="N", help="Ray actors (default 2)")
    g.add_argument("--address", metavar="ADDR", help="Ray cluster address (default: start Ray locally)")
    g.add_argument("--max-failures", type=int, default=8, metavar="N",
                   help="stop after N items in a row whose model call failed (default 8)")


def _sampling_options(p: argparse.ArgumentParser, temperature: float) -> None:
    p.add_argument("--temperature", type=float, default=temperature, metavar="T",
                   help=f"sampling temperature (default {temperature})")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed (default 0)")
    p.add_argument("--junk-retries", type=int, default=1, metavar="N",
                   help="extra draws when an answer does not parse (default 1)")


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


def run_reverse(args: argparse.Namespace) -> int:
    from dsr.synth.jobs import reverse_job
    from dsr.synth.settings import ReverseSettings

    settings = ReverseSettings(models=args.model or ["embedded"], max_screenplays=args.max_screenplays,
                               max_scenes=args.max_scenes, max_characters=args.max_characters,
                               temperature=args.temperature, seed=args.seed, max_tokens=args.max_tokens,
                               junk_retries=args.junk_retries)
    return _run_job(reverse_job, Path(args.corpus), Path(args.output), settings, _options(args))


def run_forward(args: argparse.Namespace) -> int:
    from dsr.synth.jobs import forward_job
    from dsr.synth.settings import ForwardSettings

    settings = ForwardSettings(models=args.teacher or ["embedded"], samples=args.samples,
                               with_reference=args.with_reference, temperature=args.temperature, seed=args.seed,
                               directives_tokens=args.directives_tokens, prose_tokens=args.prose_tokens,
                               junk_retries=args.junk_retries, max_items=args.max_items)
    return _run_job(forward_job, Path(args.data), settings, _options(args))


def run_filter(args: argparse.Namespace) -> int:
    from dsr.synth.filter_job import filter_job

    summaries = filter_job(Path(args.data))
    return _finish(summaries)


def run_dataset(args: argparse.Namespace) -> int:
    from dsr.synth.dataset import dataset_job

    try:
        shares = tuple(float(x) for x in args.split.split(","))
    except ValueError:
        raise UserError(f"--split wants three numbers like 0.8,0.1,0.1, not {args.split!r}") from None
    summaries, card = dataset_job(Path(args.data), Path(args.output), seed=args.seed, shares=shares,
                                  use_filters=not args.no_filter)
    code = _finish(summaries)
    print(f"datasets and card in {card.parent}")
    return code


def _options(args: argparse.Namespace):
    from dsr.synth.settings import RunOptions

    return RunOptions(engine=args.engine, concurrency=args.concurrency, address=args.address,
                      workers=args.workers, max_failures=args.max_failures)


def _finish(summaries) -> int:
    from dsr.synth.summary import print_summary

    print_summary(summaries)
    failed = sum(s.failed for s in summaries)
    if failed:
        print(f"dsr: warning: {failed} item(s) failed; finished records are kept, re-run the same command "
              "to retry them", file=sys.stderr)
        return 4
    return 0


def _run_job(job, *args) -> int:
    """A reverse or forward job with progress bars (on a terminal), then the table."""
    from dsr.progress import NullContext, reporter_for_terminal

    reporter = reporter_for_terminal(unit="items")
    with reporter or NullContext():
        summary = job(*args, reporter)
    return _finish([summary])
