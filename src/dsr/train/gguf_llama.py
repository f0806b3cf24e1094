"""Writing Llama-architecture models and LoRA adapters as GGUF, with the
``gguf`` package, for llama.cpp.

llama.cpp's own converters (``convert_hf_to_gguf.py``, ``convert_lora_to_gguf.py``)
ship only in llama.cpp's source tree, which an installed dsr does not have.
For the architecture of the embedded model (Llama) the mapping is small and
written here from llama.cpp's documented tensor names and metadata keys:

- tensors: ``token_embd``, ``blk.N.{attn_norm, attn_q, attn_k, attn_v,
  attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}``, ``output_norm``,
  ``output`` (absent when the embeddings are tied);
- the query and key projections are reordered per head: Hugging Face's
  rotary embedding rotates the two halves of a head, llama.cpp rotates
  adjacent pairs;
- the tokenizer: byte-level BPE (``gpt2``) tokens, types and merges, the
  special token ids and the chat template. llama.cpp picks its
  pre-tokenizer by name; dsr knows the name of the embedded model's
  tokenizer (``smollm``) and refuses other tokenizers rather than guess.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from dsr.errors import UserError

# Hugging Face module name -> llama.cpp tensor name (inside blk.N)
LAYER_TENSORS = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED = 1, 3, 4


@dataclass(frozen=True)
class LlamaShape:
    layers: int
    hidden: int
    ffn: int
    heads: int
    kv_heads: int
    head_dim: int
    context: int
    rms_eps: float
    rope_theta: float
    vocab: int
    tied: bool


def llama_shape(config: Any) -> LlamaShape:
    """The hyper-parameters llama.cpp needs, or ``UserError`` for what this
    writer does not cover (other architectures, scaled rotary embeddings)."""
    if getattr(config, "model_type", None) != "llama":
        raise UserError(f"dsr writes GGUF itself only for Llama-architecture models, not {config.model_type!r}; "
                        "pass --converter with a llama.cpp source tree")
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    rope_type = rope.get("rope_type", rope.get("type", "default"))
    if rope_type not in ("default", None):
        raise UserError(f"this model scales its rotary embeddings ({rope_type}); dsr's GGUF writer does not "
                        "cover that: pass --converter with a llama.cpp source tree")
    theta = rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))
    heads = config.num_attention_heads
    return LlamaShape(
        layers=config.num_hidden_layers, hidden=config.hidden_size, ffn=config.intermediate_size, heads=heads,
        kv_heads=getattr(config, "num_key_value_heads", None) or heads,
        head_dim=getattr(config, "head_dim", None) or config.hidden_size // heads,
        context=config.max_position_embeddings, rms_eps=config.rms_norm_eps, rope_theta=float(theta),
        vocab=config.vocab_size, tied=bool(getattr(config, "tie_word_embeddings", False)))


def rotary_pairs(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder the rows of a query/key projection (or a LoRA B matrix) per
    head from half-split to interleaved rotary order."""
    rows = weight.shape[0]
    return (weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:])
            .swapaxes(1, 2).reshape(weight.shape))


def gguf_name(hf_name: str) -> tuple[str, str | None]:
    """``model.layers.3.self_attn.q_proj.weight`` -> (``blk.3.attn_q.weight``, ``q``)."""
    name = hf_name.removeprefix("model.")
    if name == "embed_tokens.weight":
        return "token_embd.weight", None
    if name == "norm.weight":
        return "output_norm.weight", None
    if hf_name == "lm_head.weight":
        return "output.weight", None
    if name.startswith("layers."):
        _, index, rest = name.split(".", 2)
        module, _, suffix = rest.rpartition(".")
        if module in LAYER_TENSORS:
            rotary = {"self_attn.q_proj": "q", "self_attn.k_proj": "k"}.get(module)
            return f"blk.{index}.{LAYER_TENSORS[module]}.{suffix}", rotary
    raise UserError(f"unexpected tensor {hf_name} for a Llama model; pass --converter with a llama.cpp source tree")


# ---------------------------------------------------------------- tokenizer

def _tokenizer_json(tokenizer: Any) -> dict:
    backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(tokenizer, "_tokenizer", None)
    if backend is None:
        raise UserError("the tokenizer is not a fast (tokenizer.json) tokenizer; pass --converter")
    return json.loads(backend.to_str())


def bpe_vocabulary(tokenizer: Any) -> dict[str, Any]:
    """Tokens, token types and merges of a byte-level BPE tokenizer."""
    data = _tokenizer_json(tokenizer)
    model = data.get("model") or {}
    if model.get("type") != "BPE":
        raise UserError(f"the tokenizer is {model.get('type')}, not byte-level BPE; pass --converter")
    size = len(tokenizer)
    tokens = tokenizer.convert_ids_to_tokens(list(range(size)))
    added = {t.content: t.special for t in tokenizer.added_tokens_decoder.values()}
    types = [TOKEN_NORMAL if t not in added else (TOKEN_CONTROL if added[t] else TOKEN_USER_DEFINED)
             for t in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    return {"tokens": tokens, "types": types, "merges": merges}


def pre_tokenizer_name(tokenizer: Any) -> str:
    """llama.cpp's name for this tokenizer's pre-tokenizer: known for the
    embedded model's tokenizer (compared token for token), refused otherwise."""
    from transformers import AutoTokenizer

    from dsr.llm.hf import embedded_tokenizer

    reference = AutoTokenizer.from_pretrained(embedded_tokenizer())
    if len(reference) == len(tokenizer) and reference.get_vocab() == tokenizer.get_vocab():
        return "smollm"
    raise UserError("dsr's own GGUF writer knows only the embedded model's (SmolLM2) tokenizer; for this base "
                    "pass --converter with a llama.cpp source tree (in llama-cpp-python's source distribution: "
                    "pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36)")


def add_tokenizer(writer: Any, tokenizer: Any) -> None:
    vocab = bpe_vocabulary(tokenizer)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre_tokenizer_name(tokenizer))
    writer.add_token_list(vocab["tokens"])
    writer.add_token_types(vocab["types"])
    writer.add_token_merges(vocab["merges"])
    for name, token_id in (("bos", tokenizer.bos_token_id), ("eos", tokenizer.eos_token_id),
                           ("unk", tokenizer.unk_token_id), ("pad", tokenizer.pad_token_id)):
        if token_id is not None:
            getattr(writer, f"add_{name}_token_id")(int(token_id))
    writer.add_add_bos_token(bool(getattr(tokenizer, "add_bos_token", False)))
    writer.add_add_space_prefix(False)
    if getattr(tokenizer, "chat_template", None):
        writer.add_chat_template(tokenizer.chat_template)


# ---------------------------------------------------------------- files

def _write_atomically(out: Path, fill: Callable[[Any], None], arch: str = "llama") -> None:
    import gguf

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        writer = gguf.GGUFWriter(tmp, arch)
        fill(writer)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_model(model: Any, tokenizer: Any, out: Path, outtype: str = "f16", name: str = "dsr") -> None:
    """A (merged) Llama model with its tokenizer as one GGUF file."""
    import gguf
    import torch

    shape = llama_shape(model.config)

    def fill(writer: Any) -> None:
        writer.add_type(gguf.GGUFType.MODEL)
        writer.add_name(name)
        writer.add_context_length(shape.context)
        writer.add_embedding_length(shape.hidden)
        writer.add_block_count(shape.layers)
        writer.add_feed_forward_length(shape.ffn)
        writer.add_head_count(shape.heads)
        writer.add_head_count_kv(shape.kv_heads)
        writer.add_rope_dimension_count(shape.head_dim)
        writer.add_rope_freq_base(shape.rope_theta)
        writer.add_layer_norm_rms_eps(shape.rms_eps)
        writer.add_vocab_size(shape.vocab)
        writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if outtype == "f16" else gguf.LlamaFileType.ALL_F32)
        add_tokenizer(writer, tokenizer)
        for hf_name, tensor in model.state_dict().items():
            if hf_name == "lm_head.weight" and shape.tied:
                continue
            if hf_name.endswith("rotary_emb.inv_freq"):
                continue
            target, rotary = gguf_name(hf_name)
            data = tensor.detach().to(torch.float32).cpu().numpy()
            if rotary == "q":
                data = rotary_pairs(data, shape.heads)
            elif rotary == "k":
                data = rotary_pairs(data, shape.kv_heads)
            if outtype == "f16" and data.ndim == 2:
                data = data.astype(np.float16)
            writer.add_tensor(target, np.ascontiguousarray(data))

    _write_atomically(out, fill)


def write_lora(adapter_dir: Path, base_config: Any, out: Path) -> int:
    """A PEFT LoRA adapter as a GGUF LoRA llama.cpp applies at load; returns
    the number of adapted matrices."""
    import gguf
    from safetensors.numpy import load_file

    shape = llama_shape(base_config)
    config = json.loads((adapter_dir / "adapter_config.json").read_text("utf-8"))
    if config.get("use_rslora") or config.get("use_dora"):
        raise UserError("rsLoRA/DoRA adapters have another scale than llama.cpp applies; export the merged model")
    weights_file = adapter_dir / "adapter_model.safetensors"
    if not weights_file.is_file():
        raise UserError(f"{adapter_dir}: no adapter_model.safetensors")
    weights = load_file(str(weights_file))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in weights.items():
        # base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight
        stem, _, part = key.removesuffix(".weight").rpartition(".")
        if part not in ("lora_A", "lora_B"):
            raise UserError(f"{weights_file.name}: {key} is not a LoRA matrix (trained embeddings or heads "
                            "cannot be applied by llama.cpp); export the merged model instead")
        hf_name = stem.removeprefix("base_model.model.") + ".weight"
        pairs.setdefault(hf_name, {})[part] = value.astype(np.float32)

    def fill(writer: Any) -> None:
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
        for hf_name, pair in sorted(pairs.items()):
            target, rotary = gguf_name(hf_name)
            lora_b = pair["lora_B"]
            if rotary == "q":
                lora_b = rotary_pairs(lora_b, shape.heads)
            elif rotary == "k":
                lora_b = rotary_pairs(lora_b, shape.kv_heads)
            writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(pair["lora_A"]))
            writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(lora_b))

    _write_atomically(out, fill)
    return len(pairs)
