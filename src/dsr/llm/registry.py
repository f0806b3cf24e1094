"""Model spec string -> ``ChatModel``.

One entry per spec prefix in ``BACKENDS``; a new kind of backend is one more entry.
Backends are imported when used, so ``dsr --help`` stays fast and a missing
optional dependency only matters to the spec that needs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from dsr.errors import UserError
from dsr.llm.base import ChatModel
from dsr.llm.specs import bad_spec, parse_openai_spec, redact


def _embedded_path(spec: str) -> Path | None:
    _, _, path = spec.partition(":")
    path = path.strip()
    if path and not Path(path).expanduser().is_file():
        raise bad_spec(spec, f"no model file at {path}")
    return Path(path).expanduser() if path else None


def _embedded(spec: str) -> ChatModel:
    from dsr.llm.embedded import EmbeddedModel

    return EmbeddedModel(_embedded_path(spec))


def _openai(spec: str) -> ChatModel:
    from dsr.llm.openai_compat import OpenAICompatModel

    return OpenAICompatModel(spec)


def _hf(spec: str) -> ChatModel:
    from dsr.llm.hf import HFModel

    # "#weights=..." is the fingerprint HFModel adds to its own spec: informational.
    path = spec.partition(":")[2].partition("#")[0].strip()
    if not path:
        raise bad_spec(spec, "give the checkpoint directory: hf:CKPT_DIR")
    return HFModel(path)


# prefix (the part before the first ':') -> factory taking the whole spec
BACKENDS: dict[str, Callable[[str], ChatModel]] = {
    "embedded": _embedded,
    "openai": _openai,
    "hf": _hf,
}


def _openai_settings(spec: str) -> None:
    config = parse_openai_spec(spec)
    if config.key_env_explicit and not os.environ.get(config.key_env):
        raise UserError(f"environment variable {config.key_env} is not set (API key for {redact(spec.partition('#')[0])})")


# prefix -> a cheap check of the rest of the spec (nothing loaded, nothing connected)
CHECKS: dict[str, Callable[[str], object]] = {
    "embedded": _embedded_path,
    "openai": _openai_settings,
}


def check_spec(spec: str) -> None:
    """The one-line ``UserError`` ``resolve_model`` would raise for a malformed
    spec, found without building the backend: commands check every spec before
    they create anything."""
    spec = (spec or "").strip()
    prefix = spec.split(":", 1)[0]
    if prefix not in BACKENDS:
        raise bad_spec(spec, "unknown kind of model" if spec else "empty")
    check = CHECKS.get(prefix)
    if check is not None:
        check(spec)


def resolve_model(spec: str) -> ChatModel:
    """Build the backend a spec names; one-line ``UserError`` if it names none."""
    spec = (spec or "").strip()
    prefix = spec.split(":", 1)[0]
    factory = BACKENDS.get(prefix)
    if factory is None:
        raise bad_spec(spec, "unknown kind of model" if spec else "empty")
    return factory(spec)
