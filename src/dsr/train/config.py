"""Training settings: one TOML file (``--config``), command-line options on top.

The defaults here suit the embedded 135M base on a laptop CPU. For a 7-8B
base on one 80 GB GPU start from ``configs/train.toml``, which documents
every field.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from dsr.errors import UserError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
SCHEDULES = ("linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial")


@dataclass
class TrainConfig:
    # LoRA
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    # "all-linear" (every linear layer but the output head) or a list of module names.
    target_modules: str | list[str] = "all-linear"
    # optimisation
    learning_rate: float = 2e-4
    lr_schedule: str = "cosine"
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    epochs: float = 1.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 4  # per device
    gradient_accumulation: int = 1
    max_length: int = 2048  # tokens of prompt + completion
    precision: str = "auto"  # auto: bf16 where the GPU has it, fp16 on older GPUs, fp32 on CPU
    gradient_checkpointing: bool = False
    seed: int = 0
    # bookkeeping
    logging_steps: int = 1
    eval_steps: int = 50  # validation loss every N steps (and at the end)
    save_steps: int = 50  # checkpoint every N steps (what a crash falls back to)
    save_total_limit: int = 2
    packing: bool = False

    def check(self) -> "TrainConfig":
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise UserError(f"train config: {what}")

        need(self.lora_rank >= 1, f"lora_rank must be at least 1, not {self.lora_rank}")
        need(self.lora_alpha > 0, f"lora_alpha must be positive, not {self.lora_alpha}")
        need(0.0 <= self.lora_dropout < 1.0, f"lora_dropout must lie in [0, 1), not {self.lora_dropout}")
        need(isinstance(self.target_modules, str) or (isinstance(self.target_modules, list) and self.target_modules
                                                      and all(isinstance(m, str) for m in self.target_modules)),
             "target_modules must be \"all-linear\" or a list of module names")
        need(self.learning_rate > 0, f"learning_rate must be positive, not {self.learning_rate}")
        need(self.lr_schedule in SCHEDULES, f"lr_schedule must be one of {', '.join(SCHEDULES)}")
        need(0.0 <= self.warmup_ratio < 1.0, f"warmup_ratio must lie in [0, 1), not {self.warmup_ratio}")
        need(self.epochs > 0, f"epochs must be positive, not {self.epochs}")
        need(self.max_steps == -1 or self.max_steps >= 1, "max_steps must be -1 (use epochs) or >= 1")
        need(self.batch_size >= 1, f"batch_size must be at least 1, not {self.batch_size}")
        need(self.gradient_accumulation >= 1, "gradient_accumulation must be at least 1")
        need(self.max_length >= 16, f"max_length must be at least 16 tokens, not {self.max_length}")
        need(self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}")
        for name in ("logging_steps", "eval_steps", "save_steps", "save_total_limit"):
            need(getattr(self, name) >= 1, f"{name} must be at least 1")
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_config(path: Path | str | None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Defaults, then the TOML file (top level or a ``[train]`` table), then
    ``overrides`` (command-line values that were given)."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except OSError as exc:
            raise UserError(f"cannot read the train config {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: not valid TOML ({exc})") from None
        values = dict(data.get("train", data))
        known = {f.name for f in fields(TrainConfig)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        config = TrainConfig(**values)
    except TypeError as exc:
        raise UserError(f"train config: {exc}") from None
    kinds = {f.name: f.type for f in fields(TrainConfig)}
    for name, value in values.items():
        expected = {"int": int, "float": (int, float), "bool": bool, "str": str}.get(str(kinds[name]))
        if expected and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
            raise UserError(f"train config: {name} = {value!r} should be {kinds[name]}")
    return config.check()
