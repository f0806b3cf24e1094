"""What the model layer costs on top of the model.

1. Embedded tokens/s for a ~200-token completion: a bare ``llama_cpp`` call
   vs the same request through ``CachedModel(EmbeddedModel)`` (same loaded
   model, same seeds, so the same tokens; runs alternate to share the noise
   of a busy machine). Goal: ratio >= 0.95.
2. Cache overhead per call: a miss (lookup + model + one transaction) and a
   hit (lookup only) around a model that answers instantly, vs calling that
   model directly.

3. With ``--threads``: bare tokens/s at 1, half and all cores.
4. With ``--grammar``: CPU milliseconds per token (1 thread; CPU time, which
   a busy machine moves far less than wall time) of free text and of the
   pipeline's two schemas, sampled by llama-cpp-python's grammar-first chain
   and grammar-last (``dsr.llm.llama_sampling``), alternating.

    .venv/bin/python bench/llm.py [--rounds 5] [--tokens 200] [--threads] [--grammar]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dsr.llm.base import Completion, Params, Usage
from dsr.llm.cache import CachedModel
from dsr.llm.embedded import DEFAULT_N_CTX, EmbeddedModel, default_gguf_path, default_threads, derive_seed

PROMPT = [
    {"role": "system", "content": "You are a screenwriter."},
    {"role": "user", "content": "Describe, in vivid detail and at length, a rainy night at a small "
                                "train station where two old friends meet again after twenty years."},
]


def embedded_speed(rounds: int, tokens: int) -> None:
    from llama_cpp import Llama

    threads = default_threads()
    # The same fixed thread count on both sides: this measures the layer, not
    # the per-call thread choice (bench/pipeline.py section 4 does that).
    model = EmbeddedModel(n_threads=threads)
    # Its own Llama object, loaded as EmbeddedModel loads its own.
    llama = Llama(model_path=str(default_gguf_path()), n_ctx=DEFAULT_N_CTX, n_threads=threads,
                  n_threads_batch=threads, verbose=False)
    model.loaded()
    params = Params(max_tokens=tokens, temperature=0.8, seed=11)
    bare_tps, layer_tps = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cached = CachedModel(model, Path(tmp) / "calls.sqlite")
        # Warm-up at full length: pages the models in and fills the prompt caches.
        llama.create_chat_completion(messages=PROMPT, max_tokens=tokens, seed=1)
        asyncio.run(model.complete(PROMPT, Params(max_tokens=tokens, seed=1)))
        for sample in range(rounds):
            # Alternate which goes first, so neither always follows the other.
            order = ("bare", "layer") if sample % 2 == 0 else ("layer", "bare")
            texts = {}
            for which in order:
                started = time.perf_counter()
                if which == "bare":
                    response = llama.create_chat_completion(
                        messages=PROMPT, max_tokens=tokens, temperature=params.temperature,
                        top_p=params.top_p, seed=derive_seed(params.seed, sample))
                    n_tokens = response["usage"]["completion_tokens"]
                    texts[which] = response["choices"][0]["message"]["content"]
                else:
                    answer = asyncio.run(cached.complete(PROMPT, params, sample=sample))
                    n_tokens = answer.usage.completion_tokens
                    texts[which] = answer.text
                (bare_tps if which == "bare" else layer_tps).append(n_tokens / (time.perf_counter() - started))
            if texts["bare"] != texts["layer"]:
                print(f"  note: round {sample} produced different text through the layer", file=sys.stderr)
            print(f"  round {sample}: bare {bare_tps[-1]:.1f} tok/s, through the layer {layer_tps[-1]:.1f} tok/s")
    bare, layer = statistics.median(bare_tps), statistics.median(layer_tps)
    print(f"embedded tokens/s ({threads} threads, median of {rounds}): bare llama_cpp {bare:.1f}, "
          f"EmbeddedModel+CachedModel {layer:.1f}, ratio {layer / bare:.3f} (goal >= 0.95)")


def thread_sweep(tokens: int) -> None:
    """Bare llama_cpp tokens/s by thread count (why the default is half the cores)."""
    from llama_cpp import Llama

    from dsr.llm.embedded import cpu_count

    for threads in sorted({1, max(1, cpu_count() // 2), cpu_count()}):
        llama = Llama(model_path=str(default_gguf_path()), n_ctx=2048, n_threads=threads,
                      n_threads_batch=threads, verbose=False)
        llama.create_chat_completion(messages=PROMPT, max_tokens=16, seed=0)
        rates = []
        for seed in range(3):
            started = time.perf_counter()
            response = llama.create_chat_completion(messages=PROMPT, max_tokens=tokens, seed=seed)
            rates.append(response["usage"]["completion_tokens"] / (time.perf_counter() - started))
        print(f"bare llama_cpp, {threads} thread(s): {statistics.median(rates):.1f} tokens/s (median of 3)")
        del llama


def grammar_cost(rounds: int, tokens: int) -> None:
    import json

    from llama_cpp import Llama, LlamaGrammar

    from dsr.llm.llama_sampling import GrammarLastLlama
    from dsr.pipeline.scene import elements_schema
    from dsr.pipeline.stage1 import DIRECTIVES_SCHEMA

    request = [{"role": "user", "content": "Turn this into screenplay elements as JSON: June stands at her door. "
                                           "She cannot find her key. Mr. Okafor opens his door. 'Good morning,' he "
                                           "says. June sighs: 'Is it?'"}]
    schemas = {"free text": None, "stage 2 elements": elements_schema(["JUNE", "MR. OKAFOR"]),
               "directives": DIRECTIVES_SCHEMA}
    models = {kind: cls(model_path=str(default_gguf_path()), n_ctx=4096, n_threads=1, n_threads_batch=1,
                        verbose=False) for kind, cls in (("grammar-first", Llama), ("grammar-last", GrammarLastLlama))}
    spent: dict[tuple[str, str], list[float]] = {}
    for sample in range(rounds):
        for kind, llama in (models.items() if sample % 2 == 0 else reversed(models.items())):
            for name, schema in schemas.items():
                if schema is None and kind == "grammar-last":
                    continue  # the same code path as grammar-first
                grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False) if schema else None
                began = time.process_time()
                answer = llama.create_chat_completion(messages=request, max_tokens=tokens, temperature=0.7,
                                                      seed=sample, grammar=grammar)
                cell = spent.setdefault((name, kind), [0.0, 0])
                cell[0] += time.process_time() - began
                cell[1] += answer["usage"]["completion_tokens"]
    for (name, kind), (cpu, n) in spent.items():
        print(f"{name:17s} {kind:13s} {1000 * cpu / n:5.1f} CPU-ms/token over {n} tokens")


class InstantModel:
    spec = "bench:instant"

    async def complete(self, messages, params, sample=0):
        return Completion("x" * 400, "stop", Usage(100, 100), 0.0)


def cache_overhead(calls: int) -> None:
    inner = InstantModel()
    params = Params()
    requests = [[{"role": "user", "content": f"request {i} " + "words " * 200}] for i in range(calls)]

    async def timed(model) -> float:
        started = time.perf_counter()
        for i, messages in enumerate(requests):
            await model.complete(messages, params, sample=i)
        return (time.perf_counter() - started) / calls

    with tempfile.TemporaryDirectory() as tmp:
        cached = CachedModel(inner, Path(tmp) / "calls.sqlite")
        direct = asyncio.run(timed(inner))
        miss = asyncio.run(timed(cached))
        hit = asyncio.run(timed(cached))
        assert cached.stats.misses == calls and cached.stats.hits == calls
    print(f"cache overhead per call ({calls} calls, 1 KB prompts): miss {1e3 * (miss - direct):.2f} ms"
          f" (lookup + store + journal), hit {1e3 * (hit - direct):.2f} ms; direct call {1e6 * direct:.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--cache-calls", type=int, default=500)
    parser.add_argument("--threads", action="store_true", help="also compare thread counts")
    parser.add_argument("--grammar", action="store_true", help="also compare grammar-first and grammar-last sampling")
    args = parser.parse_args()
    if args.grammar:
        grammar_cost(args.rounds, min(args.tokens, 120))
    cache_overhead(args.cache_calls)
    if args.threads:
        thread_sweep(args.tokens)
    embedded_speed(args.rounds, args.tokens)


if __name__ == "__main__":
    main()
