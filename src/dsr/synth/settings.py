"""Options of the synthesis steps and the sampling parameters they imply."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dsr.errors import UserError
from dsr.llm.base import Params

DEFAULT_MODEL = "embedded"
ENGINES = ("local", "ray")


@dataclass
class RunOptions:
    """How a step runs (not part of any record id)."""

    engine: str = "local"
    concurrency: int = 4  # model calls in flight (per Ray worker with --engine ray)
    address: str | None = None  # Ray cluster; None starts a local one
    workers: int = 2  # Ray actors
    max_failures: int = 8  # consecutive failed items before the run stops

    def check(self) -> "RunOptions":
        if self.engine not in ENGINES:
            raise UserError(f"--engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        for name in ("concurrency", "workers", "max_failures"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} must be at least 1, not {getattr(self, name)}")
        return self


@dataclass
class ReverseSettings:
    models: list[str] = field(default_factory=lambda: [DEFAULT_MODEL])
    max_screenplays: int | None = None
    max_scenes: int | None = None  # per screenplay, from the start
    max_characters: int = 8  # profiles per screenplay, most lines first
    temperature: float = 0.2  # description, not invention
    top_p: float = 0.95
    seed: int = 0
    max_tokens: int = 400
    junk_retries: int = 1  # extra draws when an answer does not parse

    def check(self) -> "ReverseSettings":
        _check_common(self.temperature, self.max_tokens, self.junk_retries)
        for name in ("max_screenplays", "max_scenes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UserError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
        if self.max_characters < 0:
            raise UserError(f"--max-characters must be 0 or more, not {self.max_characters}")
        return self

    def params(self, schema: dict) -> Params:
        return Params(temperature=self.temperature, max_tokens=self.max_tokens, top_p=self.top_p,
                      seed=self.seed, json_schema=schema)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ForwardSettings:
    models: list[str] = field(default_factory=lambda: [DEFAULT_MODEL])  # the teacher
    samples: int = 1  # K teacher samples per item
    with_reference: bool = False  # the teacher also sees the real scene (ablation)
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0
    directives_tokens: int = 400  # as dsr write's stage 1
    prose_tokens: int = 700
    junk_retries: int = 1
    max_items: int | None = None

    def check(self) -> "ForwardSettings":
        _check_common(self.temperature, min(self.directives_tokens, self.prose_tokens), self.junk_retries)
        if self.samples < 1:
            raise UserError(f"--samples must be at least 1, not {self.samples}")
        if self.max_items is not None and self.max_items < 1:
            raise UserError(f"--max-items must be at least 1, not {self.max_items}")
        return self

    def params(self, kind: str) -> Params:
        tokens = self.directives_tokens if kind == "directives" else self.prose_tokens
        return Params(temperature=self.temperature, max_tokens=tokens, top_p=self.top_p, seed=self.seed)

    def to_dict(self) -> dict:
        return asdict(self)


def _check_common(temperature: float, max_tokens: int, junk_retries: int) -> None:
    if not 0.0 <= temperature <= 2.0:
        raise UserError(f"--temperature must be between 0 and 2, not {temperature}")
    if max_tokens < 16:
        raise UserError(f"token limits must be at least 16, not {max_tokens}")
    if junk_retries < 0:
        raise UserError(f"--junk-retries must be 0 or more, not {junk_retries}")
