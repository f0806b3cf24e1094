"""``dsr serve``: the writers' room, a local web app over run directories."""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path

from dsr.errors import UserError

DESCRIPTION = """\
Open the writers' room in your browser: outline the story (characters,
scenes, checked as you type), write it and watch each scene arrive, read the
prose beside the screenplay, fix a scene (edit the prose and re-convert it,
draw a new take and choose between takes, or edit the screenplay itself),
read the whole script page by page, and download Fountain, PDF or FDX.

Every story is a run directory under --runs, the same as `dsr write -o`
makes: the terminal and the page can take turns on one run, and runs stay
after the server stops.
"""

EPILOG = """\
examples:
  dsr serve                                   # http://127.0.0.1:8000, runs in ./runs
  dsr serve --runs ~/scripts --port 8080
  dsr serve --config dsr.toml                 # offer the models named there
  DSR_SERVE_TOKEN=... dsr serve --host 0.0.0.0  # reachable from other machines: token required

config file (TOML or YAML): dsr write's options for new runs (concurrency = 8,
prose_tokens = 900 ...) and a table of named model specs for the page to offer:
  concurrency = 8
  [models]
  qwen = "openai:Qwen/Qwen3-8B@http://127.0.0.1:8001/v1"
  gpt = "openai:gpt-4.1-mini#key_env=OPENAI_API_KEY"
The embedded model is always offered. Keys stay in the environment: specs
name the variable, and neither keys nor specs' options reach the page.
"""

LOOPBACK_NAMES = ("localhost",)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="the writers' room: a local web app to outline, write, fix and export",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--runs", default="runs", metavar="DIR", help="directory of run directories (default ./runs)")
    p.add_argument("--token", metavar="TOKEN",
                   help="require this token on every request (default: $DSR_SERVE_TOKEN); needed off loopback")
    p.add_argument("--config", metavar="FILE", help="TOML or YAML with a [models] table of name = spec")
    p.set_defaults(func=run_serve)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_config(path: str | None) -> tuple[dict[str, str], dict]:
    """(named model specs, write options for new runs) from the config file."""
    models = {"embedded": "embedded"}
    if not path:
        return models, {}
    from dsr.llm.specs import parse_openai_spec
    from dsr.pipeline.commands import _typed, load_config
    from dsr.pipeline.settings import Settings

    config = {str(k).replace("-", "_"): v for k, v in load_config(path).items()}
    table = config.pop("models", None) or {}
    unknown = sorted(set(config) - Settings.field_names() - {"scene"})
    if unknown or "scene" in config:
        raise UserError(f"config {path}: unknown option(s) {', '.join(unknown or ['scene'])}; known: models, "
                        f"{', '.join(sorted(Settings.field_names() - {'scene'}))}")
    options = {name: _typed(name, value, path) for name, value in config.items()}
    Settings(**options).check()
    if not isinstance(table, dict):
        raise UserError(f"config {path}: [models] must be a table of name = \"spec\"")
    for name, spec in table.items():
        if not isinstance(spec, str) or not spec.strip():
            raise UserError(f"config {path}: models.{name} must be a model spec such as \"openai:MODEL@URL\"")
        spec = spec.strip()
        if spec.startswith("openai:"):
            parse_openai_spec(spec)  # a bad spec is reported now, not at the first write
        elif spec != "embedded" and not spec.startswith("embedded:"):
            raise UserError(f"config {path}: models.{name}: {spec!r} is not a model spec "
                            "(embedded, embedded:/path.gguf or openai:MODEL@URL)")
        models[str(name)] = spec
    return models, options


def run_serve(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("DSR_SERVE_TOKEN") or None
    if not is_loopback(args.host) and not token:
        raise UserError(f"--host {args.host} is reachable from other machines: give --token TOKEN "
                        "(or set DSR_SERVE_TOKEN), or keep the default 127.0.0.1")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0 to 65535, not {args.port}")
    runs_dir = Path(args.runs)
    if runs_dir.exists() and not runs_dir.is_dir():
        raise UserError(f"--runs {runs_dir}: not a directory")
    models, options = read_config(args.config)
    port = args.port or _free_port(args.host)

    import uvicorn

    from dsr.web.app import Config, create_app

    config = Config(runs_dir=runs_dir, token=token, models=models, settings=options, check_host=is_loopback(args.host))
    app = create_app(config)
    shown = "localhost" if is_loopback(args.host) else args.host
    print(f"dsr serve: the writers' room at http://{shown}:{port}/ (runs in {runs_dir}); Ctrl-C stops it",
          flush=True)
    try:
        uvicorn.run(app, host=args.host, port=port, log_level="warning")
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{port}: {exc.strerror}") from None
    return 0


def _free_port(host: str) -> int:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host.strip("[]"), 0))
        return sock.getsockname()[1]
