"""The options of one ``dsr write`` run, from the command line or a config
file, and the sampling parameters they imply per call kind."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from dsr.errors import UserError
from dsr.llm.base import Params

DEFAULT_MODEL = "embedded"

# The embedded 135M model loops ("She looks at the door. She looks at the
# door. ...") unless repetition costs something; chosen from measurements
# across examples/ (docs/fidelity-measurements.md). Other models get no
# penalty unless one is asked for: hosted APIs reject the field.
EMBEDDED_REPEAT_PENALTY = {"directives": 1.1, "prose": 1.1, "stage2": None}


@dataclass
class Settings:
    stage1_model: str = DEFAULT_MODEL
    stage2_model: str = DEFAULT_MODEL
    direct: bool = False
    scene: int | None = None  # 1-based: draw a new take of this scene
    concurrency: int = 4  # stage-2 requests in flight at once
    temperature: float = 0.7
    top_p: float = 0.95
    repeat_penalty: float | None = None  # None: the model's default (EMBEDDED_REPEAT_PENALTY, else none)
    seed: int | None = 0
    max_attempts: int = 2  # model answers per scene and stage before the fallback (stage 1: at least 1)
    stage2_format: str = "auto"  # auto | fountain | json
    directives_tokens: int = 400
    prose_tokens: int = 600
    stage2_tokens: int = 1024
    paper: str = "letter"  # letter | a4
    pdf: bool = True

    def check(self) -> "Settings":
        if self.concurrency < 1:
            raise UserError(f"--concurrency must be at least 1, not {self.concurrency}")
        if self.max_attempts < 0:
            raise UserError(f"--max-attempts must be 0 or more, not {self.max_attempts}")
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"--temperature must be between 0 and 2, not {self.temperature}")
        if self.repeat_penalty is not None and not 0.5 <= self.repeat_penalty <= 2.0:
            raise UserError(f"--repeat-penalty must be between 0.5 and 2 (1 = none), not {self.repeat_penalty}")
        if self.paper not in ("letter", "a4"):
            raise UserError(f"--paper must be letter or a4, not {self.paper!r}")
        if self.stage2_format not in ("auto", "fountain", "json"):
            raise UserError(f"stage2_format must be auto, fountain or json, not {self.stage2_format!r}")
        for name in ("directives_tokens", "prose_tokens", "stage2_tokens"):
            if getattr(self, name) < 16:
                raise UserError(f"{name} must be at least 16")
        return self

    def params(self, kind: str) -> Params:
        tokens = {"directives": self.directives_tokens, "prose": self.prose_tokens, "stage2": self.stage2_tokens}[kind]
        # Formatting is conversion, not invention: sample it cooler.
        temperature = min(self.temperature, 0.3) if kind == "stage2" else self.temperature
        return Params(temperature=temperature, max_tokens=tokens, top_p=self.top_p, seed=self.seed,
                      repeat_penalty=self.penalty(kind))

    def penalty(self, kind: str) -> float | None:
        if self.repeat_penalty is not None:
            return self.repeat_penalty
        spec = self.stage2_model if kind == "stage2" else self.stage1_model
        return EMBEDDED_REPEAT_PENALTY[kind] if spec.split(":", 1)[0].strip() == "embedded" else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in fields(cls)}
