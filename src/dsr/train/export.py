"""``dsr train export``: a trained checkpoint -> GGUF for llama.cpp.

Merged (default): the adapter is merged into its base and the whole model is
written as one GGUF (``--stage1-model embedded:OUT.gguf``). ``--lora-gguf``:
the adapter alone, which llama.cpp applies to the base GGUF at load
(``Llama(model_path=BASE.gguf, lora_path=OUT.gguf)``).

dsr writes Llama-architecture models with the embedded model's tokenizer
itself (``gguf_llama``). For other bases, ``--converter DIR`` runs llama.cpp's
own scripts from a llama.cpp source tree on the merged model / the adapter.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dsr.errors import UserError
from dsr.llm.base import LLMError


def _checkpoint(path: Path):
    from dsr.llm.hf import resolve_checkpoint

    try:
        return resolve_checkpoint(str(path))
    except LLMError as exc:
        raise UserError(str(exc).replace("hf:", "", 1)) from None


def merged_model(checkpoint):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint.tokenizer_dir)
    model = AutoModelForCausalLM.from_pretrained(checkpoint.base, dtype=torch.float32)
    if checkpoint.adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, checkpoint.adapter).merge_and_unload()
    return model.eval(), tokenizer


def find_script(converter: Path, name: str) -> Path:
    for candidate in (converter / name, converter / "vendor" / "llama.cpp" / name):
        if candidate.is_file():
            return candidate
    raise UserError(f"--converter {converter}: no {name} in it (give a llama.cpp source tree, or the unpacked "
                    "llama-cpp-python source distribution)")


def run_script(script: Path, args: list[str]) -> None:
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise UserError(f"{script.name} failed (exit {done.returncode}): {last}")


def export(ckpt: Path, out: Path, *, lora: bool = False, outtype: str = "f16", converter: Path | None = None) -> str:
    """Write the GGUF; returns the line to print."""
    from dsr.train.gguf_llama import write_lora, write_model

    checkpoint = _checkpoint(ckpt)
    if out.suffix != ".gguf":
        raise UserError(f"-o {out}: the output must be a .gguf file")
    if lora:
        if checkpoint.adapter is None:
            raise UserError(f"{ckpt} is a plain model, not an adapter: export it without --lora-gguf")
        if converter is not None:
            run_script(find_script(converter, "convert_lora_to_gguf.py"),
                       [str(checkpoint.adapter), "--base", str(checkpoint.base), "--outfile", str(out)])
        else:
            from transformers import AutoConfig

            count = write_lora(checkpoint.adapter, AutoConfig.from_pretrained(checkpoint.base), out)
            return (f"wrote {out} (LoRA adapter, {count} matrices, {out.stat().st_size / 2**20:.1f} MiB); "
                    f"llama.cpp applies it to the base model's GGUF: Llama(model_path=BASE.gguf, lora_path={out})")
        return f"wrote {out} (LoRA adapter, by {converter})"
    model, tokenizer = merged_model(checkpoint)
    if converter is not None:
        script = find_script(converter, "convert_hf_to_gguf.py")
        folder = Path(tempfile.mkdtemp(prefix="dsr-merged-"))
        try:
            model.save_pretrained(folder)
            tokenizer.save_pretrained(folder)
            run_script(script, [str(folder), "--outfile", str(out), "--outtype", outtype])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        write_model(model, tokenizer, out, outtype=outtype, name=Path(ckpt).resolve().name)
    return (f"wrote {out} ({outtype}, {out.stat().st_size / 2**20:.1f} MiB, adapter merged); "
            f"run it with --model embedded:{out}")
