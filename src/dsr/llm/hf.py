"""Local Hugging Face checkpoints with transformers: spec ``hf:CKPT_DIR``.

``CKPT_DIR`` is any of:

- a ``dsr train`` output directory (its ``adapter/`` is a LoRA adapter on the
  base the manifest names);
- a PEFT LoRA adapter directory (``adapter_config.json``; the base is its
  ``base_model_name_or_path``, a local directory);
- a plain or merged model directory (``config.json`` and weights).

Adapters are merged into the base weights once at load (faster generation,
same answers). A model is loaded once per process and shared; calls are
serialised by a lock and run in a worker thread, like the embedded backend.
Sampling follows ``Params``: temperature (0 = greedy), top_p, max_tokens,
stop strings, and a seed derived from (seed, sample) so re-runs agree and
repeated draws differ. transformers cannot constrain decoding to a JSON
schema, so ``describe()`` says ``structured_output: none`` and callers get
free text to validate (as with servers that support no structured output).

The spec's cache identity includes a fingerprint of the weights, so answers
cached for one training are never served for a retrained checkpoint.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsr.files import sha256_hex
from dsr.llm.base import Completion, LLMError, Message, Params, Usage
from dsr.llm.embedded import derive_seed

CACHE_ENV = "DSR_CACHE_DIR"
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "model*.bin")
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
INSTALL_HINT = "pip install 'dsr[train]' (torch, transformers, peft)"


def cache_dir() -> Path:
    """dsr's cache outside any repository: ``$DSR_CACHE_DIR`` or ``~/.cache/dsr``."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "dsr"


def _embedded_cache(kind: str) -> tuple[Path, Path]:
    from dsr.llm.embedded import default_gguf_path

    gguf = default_gguf_path()
    stat = gguf.stat()
    identity = sha256_hex(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}", 12)
    return gguf, cache_dir() / kind / f"{gguf.stem}-{identity}"


def embedded_checkpoint() -> Path:
    """The embedded SmolLM2 GGUF as an ordinary Hugging Face checkpoint, made
    once in ``cache_dir()/bases`` (the base ``dsr train --base embedded``
    trains, and the one its adapters load onto)."""
    gguf, target = _embedded_cache("bases")
    if not (target / "config.json").is_file():
        _make_once(target, lambda tmp: _convert_gguf(gguf, tmp, weights=True))
    return target


def embedded_tokenizer() -> Path:
    """The embedded model's tokenizer alone, saved once (reading it from the
    GGUF takes ~15 s; from this folder well under one)."""
    gguf, target = _embedded_cache("tokenizers")
    if not (target / "tokenizer_config.json").is_file():
        _make_once(target, lambda tmp: _convert_gguf(gguf, tmp, weights=False))
    return target


def _make_once(target: Path, make) -> None:
    """Build ``target`` in a temporary folder beside it and rename it into
    place: a killed conversion leaves nothing half-made, and two processes
    racing both end up with one whole folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        make(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process made it meanwhile
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _convert_gguf(gguf: Path, folder: Path, weights: bool) -> None:
    """Load a GGUF with transformers (weights dequantised), drop the
    quantisation marker the Trainer would refuse, save it."""
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise LLMError(f"turning {gguf.name} into a trainable checkpoint needs transformers: {INSTALL_HINT}") from None

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer.save_pretrained(folder)
    if weights:
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
        model.save_pretrained(folder)
    (folder / "dsr-source.json").write_text(json.dumps({"gguf": str(gguf)}) + "\n", "utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """What ``hf:PATH`` names, resolved: a base model and an optional adapter."""

    path: Path
    base: Path
    adapter: Path | None
    fingerprint: str

    @property
    def tokenizer_dir(self) -> Path:
        if self.adapter is not None and (self.adapter / "tokenizer_config.json").is_file():
            return self.adapter
        return self.base


def _has_weights(folder: Path) -> bool:
    return any(any(folder.glob(pattern)) for pattern in WEIGHT_PATTERNS)


def _file_identity(paths: list[Path], full_hash_below: int = 256 * 2**20) -> str:
    """Content hash of small files (adapters), size + mtime of large ones."""
    parts = []
    for path in sorted(paths):
        stat = path.stat()
        if stat.st_size < full_hash_below:
            parts.append(f"{path.name}:{sha256_hex(path.read_bytes())}")
        else:
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return sha256_hex(";".join(parts), 12)


def resolve_checkpoint(text: str) -> Checkpoint:
    """``hf:`` spec path -> ``Checkpoint``, or ``LLMError`` saying what is missing."""
    path = Path(text).expanduser()
    if not path.exists():
        raise LLMError(f"hf:{text}: no such directory")
    if not path.is_dir():
        raise LLMError(f"hf:{text}: not a directory (give a `dsr train` output, a LoRA adapter or a model directory)")
    path = path.resolve()
    manifest = None
    if (path / "manifest.json").is_file() and (path / "adapter").is_dir():
        manifest = json.loads((path / "manifest.json").read_text("utf-8"))
        adapter: Path | None = path / "adapter"
    elif (path / "adapter_config.json").is_file():
        adapter = path
    elif (path / "config.json").is_file():
        if not _has_weights(path):
            raise LLMError(f"hf:{text}: config.json but no weights (*.safetensors or pytorch_model.bin) in it")
        weights = [p for pattern in WEIGHT_PATTERNS for p in path.glob(pattern)]
        return Checkpoint(path, path, None, _file_identity(weights))
    elif (path / "checkpoints").is_dir() and (path / "manifest.json").is_file():
        raise LLMError(f"hf:{text}: training is not finished (no adapter yet); re-run the same `dsr train` "
                       "command to resume it")
    else:
        raise LLMError(f"hf:{text}: not a model, adapter or `dsr train` directory (no config.json, "
                       "adapter_config.json or adapter/)")
    assert adapter is not None
    weights = [adapter / name for name in ADAPTER_WEIGHTS if (adapter / name).is_file()]
    if not weights:
        raise LLMError(f"hf:{text}: the adapter in {adapter} has no weights (adapter_model.safetensors)")
    config = json.loads((adapter / "adapter_config.json").read_text("utf-8"))
    base_text = config.get("base_model_name_or_path") or ""
    base = Path(base_text).expanduser() if base_text else None
    if (base is None or not (base / "config.json").is_file()) and manifest and manifest.get("base") == "embedded":
        base = embedded_checkpoint()  # the cached conversion was removed: make it again
    if base is None or not (base / "config.json").is_file():
        raise LLMError(f"hf:{text}: the adapter's base model {base_text or '(not named)'} is not a local "
                       "model directory (nothing is downloaded)")
    if not _has_weights(base):
        raise LLMError(f"hf:{text}: the base model {base} has no weights")
    identity = _file_identity(weights + [adapter / "adapter_config.json"])
    return Checkpoint(path, base.resolve(), adapter, identity)


class _Loaded:
    def __init__(self, model: Any, tokenizer: Any, device: str):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.lock = threading.Lock()


_LOADED: dict[tuple[str, str], _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def load_checkpoint(checkpoint: Checkpoint) -> _Loaded:
    """Base (+ adapter, merged) and tokenizer, once per process."""
    key = (str(checkpoint.path), checkpoint.fingerprint)
    with _LOAD_LOCK:
        loaded = _LOADED.get(key)
        if loaded is not None:
            return loaded
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise LLMError(f"the hf: backend needs torch and transformers: {INSTALL_HINT}") from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a load bar per call site would interleave with dsr's bars
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
        try:
            tokenizer = AutoTokenizer.from_pretrained(checkpoint.tokenizer_dir)
            model = AutoModelForCausalLM.from_pretrained(checkpoint.base, dtype=dtype)
            if checkpoint.adapter is not None:
                try:
                    from peft import PeftModel
                except ImportError:
                    raise LLMError(f"hf:{checkpoint.path} is a LoRA adapter; loading it needs peft: "
                                   f"{INSTALL_HINT}") from None
                model = PeftModel.from_pretrained(model, checkpoint.adapter).merge_and_unload()
        except (OSError, ValueError, RuntimeError) as exc:
            raise LLMError(f"hf:{checkpoint.path}: cannot load: {str(exc).splitlines()[0]}") from None
        if not getattr(tokenizer, "chat_template", None):
            raise LLMError(f"hf:{checkpoint.path}: the tokenizer has no chat template; dsr sends chat messages")
        model.to(device).eval()
        loaded = _LOADED[key] = _Loaded(model, tokenizer, device)
        return loaded


class HFModel:
    """``ChatModel`` for a local Hugging Face checkpoint (with its LoRA adapter)."""

    def __init__(self, path: str | os.PathLike):
        self.checkpoint = resolve_checkpoint(str(path))
        self.spec = f"hf:{self.checkpoint.path}#weights={self.checkpoint.fingerprint}"

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "base": str(self.checkpoint.base),
                "adapter": str(self.checkpoint.adapter) if self.checkpoint.adapter else None,
                "structured_output": "none"}

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        loaded = await asyncio.to_thread(load_checkpoint, self.checkpoint)
        stop = threading.Event()
        try:
            return await asyncio.to_thread(self._complete_sync, loaded, messages, params, sample, stop)
        except asyncio.CancelledError:
            stop.set()  # the worker stops at its next token
            raise

    def _complete_sync(self, loaded: _Loaded, messages: list[Message], params: Params, sample: int,
                       stop: threading.Event) -> Completion:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

        tokenizer, model = loaded.tokenizer, loaded.model
        with loaded.lock:
            if stop.is_set():
                raise LLMError(f"{self.spec}: cancelled")
            inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                   return_dict=True, return_tensors="pt").to(loaded.device)
            prompt_tokens = int(inputs["input_ids"].shape[1])
            limit = getattr(model.config, "max_position_embeddings", None)
            if limit and prompt_tokens >= limit:
                raise LLMError(f"{self.spec}: the prompt ({prompt_tokens} tokens) fills the model's context "
                               f"of {limit}")
            # Room left in the context, like a server that caps max_tokens: an
            # answer cut there ends with finish_reason "length".
            budget = min(params.max_tokens, limit - prompt_tokens) if limit else params.max_tokens
            sampling = params.temperature > 0
            options: dict[str, Any] = {
                "max_new_tokens": budget,
                "do_sample": sampling,
                "stopping_criteria": StoppingCriteriaList([Cancelled()]),
                "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
            }
            if sampling:
                options.update(temperature=params.temperature, top_p=params.top_p)
            else:  # the model's generation_config may carry sampling defaults: greedy means greedy
                options.update(temperature=None, top_p=None, top_k=None)
            if params.stop:
                options.update(stop_strings=list(params.stop), tokenizer=tokenizer)
            torch.manual_seed(derive_seed(params.seed, sample))
            started = time.perf_counter()
            with torch.inference_mode():
                output = model.generate(**inputs, **options)
            latency = time.perf_counter() - started
        new = output[0, prompt_tokens:]
        if stop.is_set():
            raise LLMError(f"{self.spec}: cancelled")
        text = tokenizer.decode(new, skip_special_tokens=True)
        finish = "stop"
        eos = set(_eos_ids(model, tokenizer))
        ended = len(new) > 0 and int(new[-1]) in eos
        cut = min((i for i in (text.find(s) for s in params.stop) if i >= 0), default=-1)
        if cut >= 0:
            text = text[:cut]
        elif not ended and len(new) >= budget:
            finish = "length"
        return Completion(text=text, finish_reason=finish, usage=Usage(prompt_tokens, int(len(new))),
                          latency_s=latency)


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids = getattr(model.generation_config, "eos_token_id", None)
    ids = ids if isinstance(ids, list) else [ids]
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return [i for i in ids if i is not None]
