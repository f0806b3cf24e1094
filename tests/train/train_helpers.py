"""Shared pieces of the training tests (a plain module: tests/ has several conftest.py).

- ``make_tiny_base``: a randomly initialised 2-layer, 64-wide Llama with the
  embedded SmolLM2 tokenizer (read from its GGUF), ~3M parameters: trains a
  few LoRA steps in about a second.
- ``make_dataset``: ``dsr synth reverse -> forward -> dataset`` on real corpus
  screenplays with the scripted teacher of the synth tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "synth") not in sys.path:
    sys.path.insert(0, str(TESTS / "synth"))


def make_tiny_base(folder: Path, *, heads: int = 4, kv_heads: int = 2, seed: int = 0, init: float = 0.5) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from dsr.llm.hf import embedded_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_tokenizer())
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=heads, num_key_value_heads=kv_heads, max_position_embeddings=8192,
                         rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True, initializer_range=init,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_dataset(tmp: Path, names: tuple[str, ...] = ("ASCENT_TO_GURU_PEAK", "Cyber_Bob_epLocalTransDimensionalRift",
                                                       "Cyber_Bob_ep00001"), max_scenes: int = 2) -> Path:
    """Datasets made by the synthesis code from real screenplays: OUT/{stage1,stage2,direct,...}."""
    from synth_fakes import GoodModel
    from synth_paths import make_corpus

    from dsr.synth.dataset import dataset_job
    from dsr.synth.jobs import forward_job, reverse_job
    from dsr.synth.settings import ForwardSettings, ReverseSettings, RunOptions

    corpus = make_corpus(tmp, names=names)
    data = tmp / "data"
    model = GoodModel()
    reverse_job(corpus, data, ReverseSettings(max_scenes=max_scenes), RunOptions(), backend=model)
    forward_job(data, ForwardSettings(samples=1, with_reference=True), RunOptions(), backend=model)
    out = tmp / "datasets"
    dataset_job(data, out, seed=3, use_filters=False)
    return out


TEST_CONFIG = """\
[train]
lora_rank = 8
lora_alpha = 16
lora_dropout = 0.0
learning_rate = 0.005
lr_schedule = "constant"
warmup_ratio = 0.0
batch_size = 2
max_length = 1024
logging_steps = 1
eval_steps = 4
save_steps = 2
"""


def write_config(folder: Path, extra: str = "") -> Path:
    """The test settings, with ``extra`` lines replacing settings of the same name."""
    replaced = {line.split("=")[0].strip() for line in extra.splitlines() if "=" in line}
    kept = [line for line in TEST_CONFIG.splitlines() if line.split("=")[0].strip() not in replaced]
    path = folder / "train.toml"
    path.write_text("\n".join(kept) + "\n" + extra, "utf-8")
    return path


def run_dsr(*args: str) -> tuple[int, str, str]:
    """``dsr ARGS`` in this process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from dsr.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def train_tiny(folder: Path, base: Path, dataset: Path, max_steps: int = 4, *extra: str) -> tuple[Path, str]:
    config = write_config(folder)
    ckpt = folder / "ckpt"
    code, out, err = run_dsr("train", dataset, "-o", ckpt, "--base", base, "--config", config,
                             "--max-steps", max_steps, *extra)
    assert code == 0, err
    return ckpt, out
