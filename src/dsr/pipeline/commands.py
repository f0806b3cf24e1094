"""``dsr write``: the command line of the pipeline (thin: options -> Settings
-> write_story)."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from dsr.errors import UserError
from dsr.progress import NullContext, reporter_for_terminal
from dsr.pipeline.settings import Settings

DESCRIPTION = """\
Write a screenplay from an outline by Dual-Stage Refinement: per scene, the
model first plans (narrative directives) and writes screen-oriented prose
(stage 1), then converts the prose into a screenplay scene (stage 2), checked
with the format validator; scenes it cannot format are converted by a
deterministic fallback, so the result always parses and validates.

Each scene's prose must keep its outline (the fidelity gate: the scene's
characters named, nobody invented, each summary sentence covered, the
heading's time of day kept); prose with findings is asked for again with
them, and when none passes the prose is built from the outline itself,
flagged "fallback: outline" and counted in the summary line.

Outputs in RUN_DIR: prose.md, screenplay.fountain, screenplay.pdf,
manifest.json, calls.sqlite (every model call), scenes/NNN/ (per scene).
Re-running the same command reuses everything finished (also after a crash
or kill); after editing the outline only what depends on the edit is redone.
"""

EPILOG = """\
examples:
  dsr write examples/short_film.yaml                      # embedded model -> runs/short_film/
  dsr write story.yaml -o runs/mine --model openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1
  dsr write story.yaml --stage1-model openai:gpt-4.1#key_env=OPENAI_API_KEY --stage2-model embedded
  dsr write story.yaml -o runs/mine --scene 3             # a new take of scene 3 only
  dsr write story.yaml --direct                           # baseline: outline -> screenplay directly
  dsr write story.yaml --config write.toml                # options from a YAML/TOML file

model specs: embedded | embedded:/path/model.gguf | openai:MODEL@BASE_URL[#key_env=VAR,...]

--scene N draws a new take of scene N (stage 1 and 2 with the next sample
index, so the answer differs; takes are kept in RUN_DIR/takes.json). The other
scenes stay as they are, including those after N, which were written from the
earlier take's ending.

A config file holds the same options with - or _ (e.g. stage1_model = "embedded",
concurrency = 8, prose_tokens = 900); options on the command line win.
exit codes: 0 ok, 2 bad input or options, 3 run directory in use, 4 a model call failed.
"""

CLI_OPTIONS = {  # option dest -> Settings field
    "direct": "direct", "scene": "scene", "concurrency": "concurrency", "temperature": "temperature",
    "repeat_penalty": "repeat_penalty",
    "seed": "seed", "max_attempts": "max_attempts", "paper": "paper", "stage1_model": "stage1_model",
    "stage2_model": "stage2_model", "stage2_format": "stage2_format",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "write", help="outline -> prose -> screenplay (the main job)", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("story", metavar="STORY", help="the outline: .yaml, .json or .md")
    p.add_argument("-o", "--output", metavar="RUN_DIR", help="run directory (default: runs/<story file name>)")
    p.add_argument("--direct", action="store_true", default=None, help="the direct baseline: outline -> screenplay, no prose stage")
    p.add_argument("--scene", type=int, metavar="N", help="draw a new take of scene N (1-based)")
    p.add_argument("--model", metavar="SPEC", help="model for both stages (default: embedded)")
    p.add_argument("--stage1-model", metavar="SPEC", help="model for stage 1 (directives and prose)")
    p.add_argument("--stage2-model", metavar="SPEC", help="model for stage 2 (formatting) and --direct")
    p.add_argument("--config", metavar="FILE", help="options from a YAML or TOML file")
    p.add_argument("--concurrency", type=int, metavar="N", help="stage-2 scenes converted at once (default 4); stage 1 adds one more request, "
                   "so for a server with S slots use S-1")
    p.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (default 0.7; stage 2 uses at most 0.3)")
    p.add_argument("--repeat-penalty", type=float, metavar="P",
                   help="penalty on repeating recent tokens, 1 = none (default: 1.1 for stage 1 on the embedded model, "
                        "else none; servers get it as repeat_penalty and repetition_penalty, which hosted APIs reject)")
    p.add_argument("--seed", type=int, metavar="S", help="sampling seed (default 0)")
    p.add_argument("--max-attempts", type=int, metavar="N", help="model answers per scene and stage before the fallback: prose that fails the "
                   "fidelity gate is asked again with the findings, then built from the outline (default 2)")
    p.add_argument("--stage2-format", choices=("auto", "fountain", "json"), help="how stage 2 asks: auto (default), fountain, json")
    p.add_argument("--paper", choices=("letter", "a4"), help="PDF paper size (default letter)")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.set_defaults(func=run_write)


def load_config(path: str) -> dict:
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        if file.suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            import yaml

            data = yaml.safe_load(raw.decode("utf-8")) or {}
    except (ValueError, UnicodeDecodeError) as exc:  # tomllib/yaml errors are ValueErrors or YAMLError
        raise UserError(f"config {path}: not valid {'TOML' if file.suffix == '.toml' else 'YAML'}: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # yaml.YAMLError
        raise UserError(f"config {path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UserError(f"config {path}: expected a mapping of options")
    return data


def settings_from(args: argparse.Namespace) -> tuple[Settings, str | None]:
    values: dict = {}
    output = None
    if args.config:
        config = {str(k).replace("-", "_"): v for k, v in load_config(args.config).items()}
        model = config.pop("model", None)
        output = config.pop("output", None)
        if model:
            values.update(stage1_model=model, stage2_model=model)
        unknown = sorted(set(config) - Settings.field_names())
        if unknown:
            raise UserError(f"config {args.config}: unknown option(s) {', '.join(unknown)}; "
                            f"known: model, output, {', '.join(sorted(Settings.field_names()))}")
        values.update(config)
    if args.model:
        values.update(stage1_model=args.model, stage2_model=args.model)
    for dest, name in CLI_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            values[name] = value
    if args.no_pdf:
        values["pdf"] = False
    settings = Settings(**{name: _typed(name, value, args.config) for name, value in values.items()})
    return settings.check(), args.output or output


def _typed(name: str, value, source: str | None):
    """A config value as the type the option has (TOML/YAML may give "4" or 4.0)."""
    default = getattr(Settings(), name)
    kind = float if name == "repeat_penalty" else int if default is None else type(default)  # seed, scene: None
    if value is None or isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            if str(value).lower() not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError(value)
            return str(value).lower() in ("true", "yes", "1")
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError):
        where = f"config {source}: " if source else ""
        raise UserError(f"{where}{name} must be {kind.__name__}, not {value!r}") from None


def run_write(args: argparse.Namespace) -> int:
    from dsr.pipeline.write import write_story

    settings, output = settings_from(args)
    reporter = reporter_for_terminal()
    with reporter or NullContext():
        result = write_story(args.story, output, settings, reporter)
    # One line; fallbacks and flagged prose are counted in it and listed in manifest.json.
    print(result.summary)
    return 0
