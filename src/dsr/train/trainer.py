"""``dsr train``: LoRA fine-tuning of one stage on a ``dsr synth dataset`` kind.

TRL's ``SFTTrainer`` does the training (conversational prompt/completion, so
the loss is on the completion only) with a PEFT LoRA adapter. What dsr adds
is around it: strict dataset checks, the base model (``embedded`` made
trainable offline), long-example accounting, resuming after a crash, a
progress bar, and a checkpoint directory a person can read::

    CKPT/adapter/            the LoRA adapter and tokenizer (what ``hf:CKPT`` loads)
    CKPT/checkpoints/        the Trainer's checkpoints (what a crash resumes from)
    CKPT/manifest.json       base, dataset, settings, package versions, status
    CKPT/train.toml          the settings as used (reusable with --config)
    CKPT/dataset-card.md     the dataset's README.md (and dataset-stats.json)
    CKPT/figures.json        final figures and the whole loss history
    CKPT/loss.png            train and validation loss against steps

Under ``torchrun`` or ``accelerate launch`` every process runs this same
function; the Trainer shares the work (DDP, FSDP, DeepSpeed from the launcher's
config) and only the main process writes files.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsr.errors import UserError
from dsr.files import atomic_write_json, atomic_write_text, hash_of, read_json
from dsr.train.config import TrainConfig
from dsr.train.data import DatasetDir, load_dataset_dir

MANIFEST = "manifest.json"
ADAPTER_DIR = "adapter"
CHECKPOINTS_DIR = "checkpoints"
# Settings that change what is learned; the others (how long, how often to
# log or save) may change between a run and its resumption.
RESUMABLE_CHANGES = ("epochs", "max_steps", "logging_steps", "eval_steps", "save_steps", "save_total_limit")
PACKAGES = ("dsr", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "deepspeed")


@dataclass
class LengthReport:
    rows: int = 0
    longest: int = 0
    truncated: int = 0  # longer than max_length: cut at max_length
    dropped: int = 0  # longer than max_length with --drop-long, or prompt alone that long
    tokens: int = 0  # tokens of the rows kept, after truncation


@dataclass
class TrainResult:
    checkpoint: Path
    figures: dict[str, Any]
    summary: str
    already_done: bool = False


@dataclass
class TrainRequest:
    dataset: Path
    output: Path
    base: str = "embedded"
    config: TrainConfig = field(default_factory=TrainConfig)
    drop_long: bool = False
    resume: bool = False
    show_progress: bool = True


def world() -> tuple[int, int]:
    """(rank, world size) as set by torchrun / accelerate launch."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def measure_lengths(rows: list[dict], tokenizer, max_length: int, drop_long: bool) -> tuple[list[dict], LengthReport]:
    """Token lengths as the trainer will see them (the chat template over
    prompt + completion). Rows over ``max_length`` are kept (the trainer cuts
    them) or dropped; a row whose prompt alone fills ``max_length`` would
    train on nothing and is always dropped."""
    report = LengthReport(rows=len(rows))
    kept = []
    for row in rows:
        full = len(tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=True,
                                                 return_dict=True)["input_ids"])
        report.longest = max(report.longest, full)
        if full > max_length:
            prompt = len(tokenizer.apply_chat_template(row["prompt"], tokenize=True, add_generation_prompt=True,
                                                       return_dict=True)["input_ids"])
            if drop_long or prompt >= max_length:
                report.dropped += 1
                continue
            report.truncated += 1
        report.tokens += min(full, max_length)
        kept.append(row)
    return kept, report


def complete_checkpoints(folder: Path) -> list[Path]:
    """Trainer checkpoints, oldest first, that were written to the end (the
    trainer state is saved last; a ``kill -9`` during a save leaves a folder
    without it, which is skipped)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("checkpoint-*"):
        step = path.name.rpartition("-")[2]
        if step.isdigit() and read_json(path / "trainer_state.json") is not None:
            found.append((int(step), path))
    return [p for _, p in sorted(found)]


def settings_fingerprint(dataset: DatasetDir, base: str, base_path: Path, config: TrainConfig,
                         drop_long: bool) -> str:
    learned = {k: v for k, v in config.to_dict().items() if k not in RESUMABLE_CHANGES}
    return hash_of({"dataset": dataset.fingerprint, "base": base, "base_path": str(base_path.resolve()),
                    "config": learned, "drop_long": drop_long}, 16)


def precision_flags(precision: str) -> dict[str, bool]:
    import torch

    if precision == "auto":
        if not torch.cuda.is_available():
            return {"bf16": False, "fp16": False}
        return {"bf16": torch.cuda.is_bf16_supported(), "fp16": not torch.cuda.is_bf16_supported()}
    if precision in ("bf16", "fp16") and not torch.cuda.is_available():
        raise UserError(f"precision {precision} needs a GPU; on a CPU use precision = \"fp32\" (or \"auto\")")
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def toml_text(config: TrainConfig) -> str:
    lines = ["# The settings this adapter was trained with (dsr train --config reads this file).", "[train]"]
    for key, value in config.to_dict().items():
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def out_of_memory(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        "out of memory" in text.lower() or "can't allocate memory" in text or isinstance(exc, MemoryError))


def oom_message(config: TrainConfig, step: int | None) -> str:
    where = f" at step {step}" if step else ""
    hints = [f"batch_size (now {config.batch_size}; raise gradient_accumulation to keep the global batch)",
             f"max_length (now {config.max_length})"]
    if not config.gradient_checkpointing:
        hints.append("or set gradient_checkpointing = true")
    return (f"out of memory{where}; lower " + ", ".join(hints) +
            " in the --config file; finished checkpoints are kept, re-run to resume")


def train(request: TrainRequest) -> TrainResult:
    """Run (or resume, or recognise as finished) one training."""
    from dsr.train.base import resolve_base

    config = request.config.check()
    out = Path(request.output)
    rank, world_size = world()
    main_process = rank == 0
    dataset = load_dataset_dir(request.dataset)
    base_path = _main_first(lambda: resolve_base(request.base))
    fingerprint = settings_fingerprint(dataset, request.base, base_path, config, request.drop_long)

    manifest = read_json(out / MANIFEST) if (out / MANIFEST).exists() else None
    # The directory checks are the main process's: the others could see it
    # half-way through writing its manifest. A failing main process ends them all.
    if main_process and (out / MANIFEST).exists() and not isinstance(manifest, dict):
        raise UserError(f"{out / MANIFEST} is unreadable; choose another -o or remove the directory")
    if main_process and manifest is None and out.exists() and any(out.iterdir()):
        raise UserError(f"{out} exists and is not a dsr train checkpoint directory; choose another -o")
    if isinstance(manifest, dict):
        if manifest.get("fingerprint") != fingerprint and main_process:
            raise UserError(f"{out} holds a training with another dataset, base or settings "
                            f"({_difference(manifest, dataset, request, config)}); choose another -o "
                            "(nothing was changed)")
        if manifest.get("status") == "finished" and manifest.get("fingerprint") == fingerprint \
                and manifest.get("length_settings") == _length_settings(config) and (out / ADAPTER_DIR).is_dir():
            figures = read_json(out / "figures.json") or {}
            return TrainResult(out, figures, "already trained: " + summary_line(figures, out), already_done=True)
    checkpoints = complete_checkpoints(out / CHECKPOINTS_DIR)
    if request.resume and not checkpoints:
        raise UserError(f"--resume: {out / CHECKPOINTS_DIR} has no finished checkpoint to resume from")
    resume_from = checkpoints[-1] if checkpoints else None

    _quiet_libraries()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path)
    train_rows, train_lengths = measure_lengths(dataset.train, tokenizer, config.max_length, request.drop_long)
    val_rows, val_lengths = measure_lengths(dataset.validation, tokenizer, config.max_length, request.drop_long)
    if not train_rows:
        raise UserError(f"all {train_lengths.rows} training rows are longer than max_length={config.max_length} "
                        f"tokens (longest {train_lengths.longest}); raise max_length or leave out --drop-long")

    if main_process:
        out.mkdir(parents=True, exist_ok=True)
        manifest = {
            "status": "running",
            "fingerprint": fingerprint,
            "length_settings": _length_settings(config),
            "base": request.base,
            "base_path": str(base_path.resolve()),
            "dataset": str(Path(request.dataset).resolve()),
            "dataset_fingerprint": dataset.fingerprint,
            "rows": {"train": len(train_rows), "validation": len(val_rows)},
            "lengths": {"train": train_lengths.__dict__, "validation": val_lengths.__dict__},
            "drop_long": request.drop_long,
            "config": config.to_dict(),
            "world_size": world_size,
            "packages": package_versions(),
            "python": sys.version.split()[0],
            "command": sys.argv,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "resumed_from": resume_from.name if resume_from else None,
        }
        atomic_write_json(out / MANIFEST, manifest)
        atomic_write_text(out / "train.toml", toml_text(config))
        if dataset.card:
            shutil.copyfile(dataset.card, out / "dataset-card.md")
        if dataset.stats:
            shutil.copyfile(dataset.stats, out / "dataset-stats.json")

    trainer = build_trainer(base_path, tokenizer, train_rows, val_rows, config, out, request.show_progress and main_process)
    started = time.perf_counter()
    try:
        trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        final_eval = final_validation(trainer) if val_rows else {}
    except Exception as exc:
        if out_of_memory(exc):
            raise UserError(oom_message(config, trainer.state.global_step), exit_code=5) from None
        raise
    finally:
        progress = getattr(trainer, "dsr_progress", None)
        if progress is not None:
            progress.close()
    seconds = time.perf_counter() - started
    trainer.save_model(str(out / ADAPTER_DIR))  # the main process writes; others wait
    figures = final_figures(trainer, final_eval, seconds, train_lengths, val_lengths, world_size, resume_from)
    if trainer.is_world_process_zero():
        atomic_write_json(out / "figures.json", figures)
        from dsr.train.plots import plot_losses

        plot_losses(figures["history"], out / "loss.png")
        manifest = read_json(out / MANIFEST) or {}
        manifest.update(status="finished", finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        adapter=ADAPTER_DIR, steps=figures["steps"])
        atomic_write_json(out / MANIFEST, manifest)
    return TrainResult(out, figures, summary_line(figures, out))


def _length_settings(config: TrainConfig) -> dict[str, Any]:
    return {"epochs": config.epochs, "max_steps": config.max_steps}


def _difference(manifest: dict, dataset: DatasetDir, request: TrainRequest, config: TrainConfig) -> str:
    if manifest.get("dataset_fingerprint") != dataset.fingerprint:
        return "the dataset files differ"
    if manifest.get("base") != request.base:
        return f"base was {manifest.get('base')}"
    if manifest.get("drop_long") != request.drop_long:
        return "--drop-long differs"
    old = manifest.get("config") or {}
    changed = [k for k, v in config.to_dict().items() if k not in RESUMABLE_CHANGES and old.get(k) != v]
    return "changed: " + ", ".join(changed) if changed else "settings differ"


def _main_first(make):
    """Run ``make`` on the main process first (e.g. converting the embedded
    base once), then on the others."""
    _, world_size = world()
    if world_size == 1:
        return make()
    from accelerate import PartialState

    with PartialState(cpu=not _cuda()).main_process_first():
        return make()


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _quiet_libraries() -> None:
    """Our progress bar and summary line, not the libraries' logs."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_trainer(base_path: Path, tokenizer, train_rows: list[dict], val_rows: list[dict], config: TrainConfig,
                  out: Path, show_progress: bool):
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, PrinterCallback, set_seed
    from trl import SFTConfig, SFTTrainer

    from dsr.train.progress import TrainProgress

    set_seed(config.seed)
    flags = precision_flags(config.precision)
    dtype = torch.bfloat16 if flags["bf16"] else (torch.float16 if flags["fp16"] else torch.float32)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=dtype)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    target: Any = config.target_modules
    lora = LoraConfig(r=config.lora_rank, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=target, task_type="CAUSAL_LM", bias="none")
    args = SFTConfig(
        output_dir=str(out / CHECKPOINTS_DIR),
        max_length=config.max_length,
        packing=config.packing,
        completion_only_loss=True,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_schedule,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a share of the steps
        weight_decay=config.weight_decay,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        activation_checkpointing=config.gradient_checkpointing,
        logging_steps=config.logging_steps,
        eval_strategy="steps" if val_rows else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        dataset_num_proc=None,
        **flags,
    )
    columns = lambda rows: [{"prompt": r["prompt"], "completion": r["completion"]} for r in rows]  # noqa: E731
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(columns(train_rows)),
        eval_dataset=Dataset.from_list(columns(val_rows)) if val_rows else None,
        processing_class=tokenizer,
        peft_config=lora,
    )
    trainer.remove_callback(PrinterCallback)  # it prints every log dict; we draw a bar and one summary line
    if show_progress:
        progress = TrainProgress()
        trainer.add_callback(progress)
        trainer.dsr_progress = progress
    return trainer


def final_validation(trainer) -> dict[str, Any]:
    """Validation loss of the final weights: the one logged at the last step
    when there was one (no second pass over the same rows), else a new one."""
    history = trainer.state.log_history
    last = next((e for e in reversed(history) if "eval_loss" in e), None)
    if last is not None and last.get("step") == trainer.state.global_step:
        return last
    return trainer.evaluate()


def final_figures(trainer, final_eval: dict, seconds: float, train_lengths: LengthReport,
                  val_lengths: LengthReport, world_size: int, resumed_from: Path | None) -> dict[str, Any]:
    import torch

    state = trainer.state
    history = [dict(entry) for entry in state.log_history]
    losses = [e["loss"] for e in history if "loss" in e]
    train_summary = next((e for e in reversed(history) if "train_loss" in e), {})
    tokens = next((e["num_tokens"] for e in reversed(history) if "num_tokens" in e), None)
    runtime = train_summary.get("train_runtime") or seconds
    # Steps done in this process's run (a resumed run did only the rest).
    steps_this_run = state.global_step - _checkpoint_step(resumed_from)
    tokens_this_run = None
    if tokens is not None:
        start_tokens = _tokens_at(history, _checkpoint_step(resumed_from))
        tokens_this_run = tokens - start_tokens
    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else _peak_rss()
    return {
        "steps": state.global_step,
        "max_steps": state.max_steps,
        "epochs": round(state.epoch or 0.0, 4),
        "train_loss": losses[-1] if losses else None,
        "train_loss_first": losses[0] if losses else None,
        "train_loss_mean": train_summary.get("train_loss"),
        "validation_loss": final_eval.get("eval_loss"),
        "tokens": tokens,
        "tokens_per_s": (tokens_this_run / runtime) if tokens_this_run and runtime else None,
        "seconds": round(seconds, 3),
        "steps_this_run": steps_this_run,
        "resumed_from_step": _checkpoint_step(resumed_from),
        "world_size": world_size,
        "peak_memory_bytes": peak,
        "peak_memory_kind": "cuda_allocated" if torch.cuda.is_available() else "process_rss",
        "rows": {"train": train_lengths.rows - train_lengths.dropped, "validation": val_lengths.rows - val_lengths.dropped},
        "truncated": {"train": train_lengths.truncated, "validation": val_lengths.truncated},
        "dropped": {"train": train_lengths.dropped, "validation": val_lengths.dropped},
        "history": history,
    }


def _checkpoint_step(path: Path | None) -> int:
    return int(path.name.rpartition("-")[2]) if path else 0


def _tokens_at(history: list[dict], step: int) -> int:
    before = [e["num_tokens"] for e in history if "num_tokens" in e and e.get("step", 0) <= step]
    return before[-1] if before else 0


def _peak_rss() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    except (ImportError, OSError):
        return 0


def summary_line(figures: dict[str, Any], out: Path) -> str:
    def num(value, fmt):
        return format(value, fmt) if isinstance(value, (int, float)) and not math.isnan(value) else "-"

    parts = [f"{figures.get('steps', 0)} steps",
             f"train loss {num(figures.get('train_loss_first'), '.3f')} -> {num(figures.get('train_loss'), '.3f')}",
             f"validation loss {num(figures.get('validation_loss'), '.3f')}",
             f"{num(figures.get('tokens_per_s'), ',.0f')} tokens/s",
             f"{num(figures.get('seconds'), '.1f')} s"]
    truncated = sum((figures.get("truncated") or {}).values())
    dropped = sum((figures.get("dropped") or {}).values())
    if truncated:
        parts.append(f"{truncated} long rows truncated")
    if dropped:
        parts.append(f"{dropped} long rows dropped")
    return ", ".join(parts) + f"; adapter: {out / ADAPTER_DIR} (use --model hf:{out})"
