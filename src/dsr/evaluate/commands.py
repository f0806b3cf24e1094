"""``dsr eval ...``: the command line of the evaluation layer (thin: options
-> loaded systems -> ``evaluation`` / ``benchmark`` / the human kit ->
``report``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from dsr.errors import UserError

DESCRIPTION = """\
Evaluate screenplays the way the method does: format metrics (no model),
a rubric judge (12-point scale in six tiers, error counts), a blind
pairwise judge (both orders, win rate with bootstrap CI, flip rate,
length-controlled win rate, Bradley-Terry for more than two systems), the
share of human level, the full benchmark protocol, and a kit for human raters.

A SYSTEM is a dsr write run directory or a Fountain file, optionally named:
NAME=PATH (e.g. dsr=runs/low-water direct=runs/low-water-direct).
Every command writes report.md, report.json and plots/*.png to -o DIR and
prints a summary. Judge calls are cached in DIR/judge_calls.sqlite: re-running
the same command resumes and costs nothing for what is done.
"""

EPILOG = """\
examples:
  dsr eval format runs/low-water runs/low-water-direct -o reports/format
  dsr eval rubric dsr=runs/low-water direct=runs/low-water-direct -o reports/rubric --judge openai:qwen3-32b@http://gpu:8000/v1
  dsr eval pairwise dsr=runs/a direct=runs/b -o reports/ab
  dsr eval human-share dsr=runs/a --reference human=real_script.fountain -o reports/human
  dsr eval benchmark --corpus scripts/ --systems dsr:embedded direct:embedded -o reports/bench --max-scenes 4
  dsr eval continuity runs/low-water -o reports/continuity --judge openai:qwen3-32b@http://gpu:8000/v1
  dsr eval human-kit dsr=runs/a direct=runs/b --reference real.fountain -o kit/
  dsr eval human-import ratings/*.json --kit kit/ -o reports/humans

Without --judge the embedded 135M model judges: fine for trying things out,
not for numbers worth reporting.
exit codes: 0 ok, 2 bad input or options, 4 the judge or a generator failed.
"""


def _judge_options(p: argparse.ArgumentParser, tokens: int = 400) -> None:
    g = p.add_argument_group("judge")
    g.add_argument("--judge", metavar="SPEC", help="judge model spec (default: embedded, with a warning)")
    g.add_argument("--retries", type=int, default=2, metavar="N",
                   help="extra draws when a verdict does not parse (default 2); then it counts as missing")
    g.add_argument("--concurrency", type=int, default=4, metavar="N", help="judge calls in flight (default 4)")
    g.add_argument("--judge-temperature", type=float, default=0.0, metavar="T",
                   help="temperature of the first draw (default 0; retries use at least 0.7)")
    g.add_argument("--judge-tokens", type=int, default=tokens, metavar="N",
                   help=f"max tokens per verdict (default {tokens})")


def _stats_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and of the presentation order (default 0)")
    p.add_argument("--resamples", type=int, default=2000, metavar="N", help="bootstrap resamples (default 2000)")


def _output(p: argparse.ArgumentParser, what: str = "DIR") -> None:
    p.add_argument("-o", "--output", required=True, metavar=what, help="where the report goes")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="evaluate screenplays: metrics, judges, benchmark, human ratings",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="eval_command", metavar="WHAT")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    p = sub.add_parser("format", help="format metrics of scripts (no model)",
                       description="Validator error/warning rates, novelization index, dialogue/action ratio, "
                                   "scenes, pages, speakers, and outline coverage when the outline is known.")
    p.add_argument("systems", nargs="+", metavar="RUN_OR_FILE")
    p.add_argument("--story", metavar="FILE", help="the outline the Fountain files were written from (coverage)")
    _output(p)
    p.set_defaults(func=run_format)

    for name, helptext, handler in (
        ("rubric", "rubric scores per scene (12-point scale, error counts)", run_rubric),
        ("pairwise", "blind pairwise comparison in both orders; Bradley-Terry for 3+ systems", run_pairwise),
        ("human-share", "rubric and win rate against the human-written reference scenes", run_human_share),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:] + ".")
        p.add_argument("systems", nargs="+", metavar="SYSTEM")
        p.add_argument("--reference", metavar="[NAME=]FILE",
                       help="human-written scenes for the same outline scenes (a Fountain file, scene for scene)")
        p.add_argument("--gain", action="append", default=[], metavar="A:B",
                       help="report the score difference A - B on the same scenes (repeatable)")
        _output(p)
        _judge_options(p)
        _stats_options(p)
        p.set_defaults(func=handler)

    p = sub.add_parser(
        "continuity", help="a judge lists contradictions with facts of earlier scenes",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A judge model reads the screenplay scene by scene: first the facts each scene\n"
                    "establishes (who knows what, where objects are, who is alive), then, for each\n"
                    "scene, the contradictions with the facts of the scenes before it, one line each\n"
                    "with the scene numbers. With the outline known (a run directory, or --story for\n"
                    "a Fountain file), the report also has the model-free findings of\n"
                    "`dsr check --story`.",
        epilog="examples:\n"
               "  dsr eval continuity runs/low-water -o reports/continuity --judge SPEC\n"
               "  dsr eval continuity draft.fountain --story story.yaml -o reports/draft --judge SPEC\n\n"
               "Judge calls are cached in DIR/judge_calls.sqlite: re-running costs nothing for what is done.\n"
               "exit codes: 0 ok, 2 bad input or options, 4 the judge failed.")
    p.add_argument("system", metavar="RUN_OR_FOUNTAIN", help="a dsr write run directory or a Fountain file")
    p.add_argument("--story", metavar="FILE",
                   help="the outline a Fountain file was written from (a run directory has its own)")
    _output(p)
    _judge_options(p, tokens=800)  # a list of facts is longer than a verdict
    p.add_argument("--seed", type=int, default=0, help="seed of the judge's sampling (default 0)")
    p.set_defaults(func=run_continuity)

    p = sub.add_parser("benchmark", help="the method's protocol on held-out screenplays",
                       description="Held-out screenplays -> reverse synthesis -> outlines -> each system writes -> "
                                   "format metrics, rubric, pairwise against each other and the human scenes -> "
                                   "report. Cached and resumable.")
    p.add_argument("--corpus", required=True, metavar="DIR",
                   help="folder of .fountain screenplays, or a reverse-synthesised data folder")
    p.add_argument("--systems", nargs="+", required=True, metavar="KIND:SPEC",
                   help="systems to compare: dsr:SPEC (two stages) or direct:SPEC (baseline); "
                        "NAME=KIND:SPEC names one")
    p.add_argument("--teacher", metavar="SPEC", help="model for reverse synthesis (default: the judge's spec)")
    p.add_argument("--max-scripts", type=int, metavar="N", help="use at most N screenplays")
    p.add_argument("--max-scenes", type=int, metavar="N", help="use at most the first N scenes of each")
    p.add_argument("--max-characters", type=int, default=8, metavar="N",
                   help="character profiles reverse-synthesised per screenplay (default 8)")
    p.add_argument("--no-human", action="store_true", help="do not judge the real scenes")
    _output(p, "REPORT_DIR")
    _judge_options(p)
    _stats_options(p)
    p.set_defaults(func=run_benchmark)

    p = sub.add_parser("human-kit", help="a self-contained HTML page for blind human ratings",
                       description="Write KIT_DIR/index.html (open it in any browser, no server) and "
                                   "KIT_DIR/key.json (keep it: it says which system is which).")
    p.add_argument("systems", nargs="+", metavar="SYSTEM")
    p.add_argument("--reference", metavar="[NAME=]FILE", help="human-written scenes to include as one more system")
    p.add_argument("--pairs", type=int, metavar="N", help="at most N pairs (default: every pair of every scene)")
    p.add_argument("--seed", type=int, default=0, help="seed of the pair order and sides (default 0)")
    _output(p, "KIT_DIR")
    p.set_defaults(func=run_human_kit)

    p = sub.add_parser("human-import", help="aggregate the rating files raters sent back",
                       description="Win rates, Bradley-Terry, rubric scores and inter-rater agreement "
                                   "(Krippendorff's alpha) from ratings saved by the kit; with --judge, also "
                                   "judge-vs-human agreement (Cohen's kappa) on the same pairs.")
    p.add_argument("files", nargs="+", metavar="RATINGS.json")
    p.add_argument("--kit", required=True, metavar="KIT_DIR", help="the kit the ratings were made with")
    p.add_argument("--judge", metavar="SPEC", help="also judge the kit's pairs with this model and compare")
    _output(p)
    _stats_options(p)
    p.set_defaults(func=run_human_import)


# -- helpers ----------------------------------------------------------------------

def require_eval_extra() -> None:
    """numpy (statistics) and matplotlib (plots) come with ``dsr[eval]``."""
    import importlib.util

    missing = [m for m in ("numpy", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"dsr eval needs {', '.join(missing)}: pip install 'dsr[eval]'")


def _check_stats(args: argparse.Namespace) -> None:
    if args.resamples < 100:
        raise UserError(f"--resamples must be at least 100, not {args.resamples}")


def judge_settings(args: argparse.Namespace):
    from dsr.evaluate.judge_common import JudgeSettings

    if args.judge_tokens < 64:
        raise UserError(f"--judge-tokens must be at least 64, not {args.judge_tokens}")
    return JudgeSettings(temperature=args.judge_temperature, retries=args.retries, max_tokens=args.judge_tokens,
                         seed=args.seed, concurrency=args.concurrency).check()


def warn(message: str) -> None:
    print(f"dsr: warning: {message}", file=sys.stderr)


def finish(report: dict, out: Path, shown: list[str] = ()) -> int:
    """Write the report and print its summary; warnings in ``shown`` were
    printed already (before the work started) and are not repeated."""
    from dsr.evaluate.report import summary_text, write_report

    write_report(report, out)
    print(summary_text(report, out, shown=shown))
    return 0


def _gains(specs: list[str], names: list[str]) -> list[tuple[str, str]]:
    gains = []
    for spec in specs:
        a, sep, b = spec.partition(":")
        if not sep or a not in names or b not in names or a == b:
            raise UserError(f"--gain {spec}: give two different system names as A:B (systems: {', '.join(names)})")
        gains.append((a, b))
    return gains


def _reference(arg: str | None):
    from dsr.evaluate.items import load_fountain, parse_system_arg

    if not arg:
        return None
    name, path = parse_system_arg(arg if "=" in arg else f"human={arg}")
    if path.is_dir():
        raise UserError(f"--reference {path}: give the human-written screenplay as a Fountain file")
    return load_fountain(path, name)


# -- commands ----------------------------------------------------------------------

def run_format(args: argparse.Namespace) -> int:
    require_eval_extra()
    from dsr.evaluate.evaluation import EvalPlan, evaluate
    from dsr.evaluate.items import load_systems
    from dsr.evaluate.report import new_report
    from dsr.story.loader import load_story

    systems = load_systems(args.systems, require_scenes=False)
    if args.story:
        story = load_story(Path(args.story))
        for system in systems:
            if system.story is None:
                if len(system.scenes) != len(story.scenes):
                    raise UserError(f"{system.source} has {len(system.scenes)} scenes but the outline {args.story} "
                                    f"has {len(story.scenes)}: coverage needs one scene per outline scene")
                system.story = story
    report = new_report("format")
    sections = asyncio.run(evaluate(systems, None, None, EvalPlan(rubric=False, pairwise=False)))
    sections["items"] = None  # scripts need not share items here
    report.update(sections)
    return finish(report, Path(args.output))


def _with_story(system, story_arg: str | None):
    """``system`` with the outline from ``--story`` when it has none of its own."""
    from dsr.evaluate.items import SceneItem, outline_text
    from dsr.story.loader import load_story

    if not story_arg or system.story is not None:
        return system
    story = load_story(Path(story_arg))
    if len(system.scenes) != len(story.scenes):
        raise UserError(f"{system.source} has {len(system.scenes)} scenes but the outline {story_arg} has "
                        f"{len(story.scenes)}: give the outline the screenplay was written from")
    system.story = story
    system.scenes = {iid: SceneItem(iid, item.text, outline_text(story, i))
                     for i, (iid, item) in enumerate(system.scenes.items())}
    return system


def run_continuity(args: argparse.Namespace) -> int:
    require_eval_extra()
    from dsr.evaluate.continuity_judge import prompt_version, review_continuity
    from dsr.evaluate.evaluation import judge_section
    from dsr.evaluate.format_metrics import continuity_metrics
    from dsr.evaluate.items import load_system
    from dsr.evaluate.judge_common import open_judge
    from dsr.evaluate.report import new_report, output_dir
    from dsr.progress import NullContext, reporter_for_terminal

    system = _with_story(load_system(args.system), args.story)
    if args.story and system.story is not None and system.source.is_dir():
        warn(f"{system.source} is a run directory: its own outline (story.json) is used, not {args.story}")
    out = output_dir(args.output)
    reporter = reporter_for_terminal(unit="scenes")
    judge, warnings = open_judge(args.judge, out / "judge_calls.sqlite", judge_settings(args), reporter=reporter)
    for w in warnings:
        warn(w)
    try:
        with reporter or NullContext():
            review = asyncio.run(review_continuity(judge, system))
    finally:
        judge.model.close()
    result = review.to_dict()
    if not any(a.value is not None for a in review.facts.values()):
        raise UserError(f"the judge {judge.spec} gave no valid answer at all "
                        f"({result['failures']['facts']['missing_by_kind']}); try another --judge", exit_code=4)
    report = new_report("continuity", systems=[system.name], items=system.item_ids)
    report["warnings"] = list(warnings)
    missing = result["failures"]["facts"]["missing"]
    if missing:
        report["warnings"].append(f"the facts of {missing} scene(s) are missing after retries: "
                                  "what they established is not checked")
    if result["unchecked_scenes"]:
        report["warnings"].append(f"scene(s) {', '.join(map(str, result['unchecked_scenes']))} could not be "
                                  "checked (no valid answer after retries)")
    report["continuity_review"] = result
    if system.story is not None:
        report["continuity"] = continuity_metrics(system.story, [s.text for s in system.scenes.values()])
    else:
        report["warnings"].append("no outline known: the model-free checks (name drift, presence, time and "
                                  "place) need a run directory or --story")
    report["judge"] = {**judge_section(judge), "prompt_version": prompt_version()}
    return finish(report, out, shown=warnings)


def run_rubric(args: argparse.Namespace) -> int:
    return _run_judged(args, "rubric")


def run_pairwise(args: argparse.Namespace) -> int:
    return _run_judged(args, "pairwise")


def run_human_share(args: argparse.Namespace) -> int:
    return _run_judged(args, "human-share")


def _run_judged(args: argparse.Namespace, kind: str) -> int:
    """rubric, pairwise and human-share: one flow, different plans."""
    require_eval_extra()
    from dsr.evaluate.evaluation import EvalPlan, evaluate
    from dsr.evaluate.items import align, load_systems
    from dsr.evaluate.judge_common import open_judge
    from dsr.evaluate.report import new_report, output_dir
    from dsr.progress import NullContext, reporter_for_terminal

    _check_stats(args)
    minimum = 2 if kind == "pairwise" and not args.reference else 1
    systems = load_systems(args.systems, minimum=minimum)
    human = _reference(args.reference)
    if kind == "human-share" and human is None:
        raise UserError("human-share needs --reference: the human-written screenplay for the same outline scenes")
    if human is not None and human.name in {s.name for s in systems}:
        raise UserError(f"the reference and a system are both named {human.name}; name the reference NAME=FILE")
    align(systems, human)
    names = [s.name for s in systems] + ([human.name] if human else [])
    plan = EvalPlan(format=True, rubric=kind != "pairwise", pairwise=kind != "rubric",
                    gains=_gains(args.gain, names), seed=args.seed, n_resamples=args.resamples)
    if kind == "human-share":
        plan.pairs = [(s.name, human.name) for s in systems]
    out = output_dir(args.output)
    reporter = reporter_for_terminal(unit="verdicts")
    judge, warnings = open_judge(args.judge, out / "judge_calls.sqlite", judge_settings(args), reporter=reporter)
    for w in warnings:
        warn(w)
    try:
        with reporter or NullContext():
            sections = asyncio.run(evaluate(systems, human, judge, plan))
    finally:
        judge.model.close()
    report = new_report(kind)
    sections["warnings"] = warnings + sections["warnings"]
    report.update(sections)
    return finish(report, out, shown=warnings)


def run_benchmark(args: argparse.Namespace) -> int:
    require_eval_extra()
    from dsr.evaluate.benchmark import BenchmarkOptions, run_benchmark_protocol

    _check_stats(args)
    options = BenchmarkOptions(
        corpus=Path(args.corpus), systems=list(args.systems), out=Path(args.output), judge=args.judge,
        teacher=args.teacher, max_scripts=args.max_scripts, max_scenes=args.max_scenes,
        max_characters=args.max_characters, human=not args.no_human,
        judge_settings=judge_settings(args), seed=args.seed, n_resamples=args.resamples,
    )
    shown: list[str] = []

    def warn_now(message: str) -> None:
        warn(message)
        shown.append(message)

    report = run_benchmark_protocol(options, warn=warn_now)
    return finish(report, options.out, shown=shown)


def run_human_kit(args: argparse.Namespace) -> int:
    require_eval_extra()
    from dsr.evaluate.human_kit import write_kit
    from dsr.evaluate.items import align, load_systems

    systems = load_systems(args.systems, minimum=1)
    human = _reference(args.reference)
    align(systems, human)
    everyone = systems + ([human] if human else [])
    if len(everyone) < 2:
        raise UserError("a kit compares at least two systems: give two, or one and --reference")
    kit = write_kit(everyone, Path(args.output), max_pairs=args.pairs, seed=args.seed,
                    human=human.name if human else None)
    print(f"{kit.n_pairs} pairs over {kit.n_items} scenes -> {kit.page} (send raters this file; "
          f"keep {kit.key} to yourself)")
    return 0


def run_human_import(args: argparse.Namespace) -> int:
    require_eval_extra()
    from dsr.evaluate.human_import import import_ratings

    _check_stats(args)
    report = import_ratings([Path(f) for f in args.files], Path(args.kit), judge_spec=args.judge,
                            out=Path(args.output), seed=args.seed, n_resamples=args.resamples)
    return finish(report, Path(args.output))
