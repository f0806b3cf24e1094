"""Benchmark of ``dsr write``'s orchestration (issue 3).

Against bench/sim_server.py (fixed time to first token, tokens/s, N slots;
no inference, so every second beyond the model's own time is ours):

1. orchestration overhead = wall time of a whole ``dsr write`` / critical-path
   model time. The critical path is the chain of stage-1 calls plus, for the
   scene that finishes last, its stage-2 calls; a call's model time is
   ``ttft + completion_tokens / tps`` (what a model of that speed must take).
   Goal <= 1.03.
2. stage-2 speed-up with N slots (and --concurrency N) over 1 slot, on the
   same prose (stage 1 answered from the cache). Goal >= 0.9 N.
3. re-run of a finished run: model calls and seconds. Goal 0 calls, < 1 s.
4. the embedded model's tokens/s on the pipeline's model path (cache +
   backend, as a run calls it) vs a bare ``llama_cpp`` call on the same
   prompt and parameters, with 1 thread and with all cores, A/B interleaved.
   Goal >= 0.95 of the faster bare side.

    .venv/bin/python bench/pipeline.py [--scenes 12] [--skip-embedded]
    .venv/bin/python bench/pipeline.py --only-embedded [--rounds 4] [--requests N]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsr.llm.cache import CallJournal  # noqa: E402
from dsr.pipeline.settings import Settings  # noqa: E402
from dsr.pipeline.write import write_story  # noqa: E402


class SimServer:
    """bench/sim_server.py in its own process, so that the client measured
    here does not share a GIL with the server it measures against."""

    def __init__(self, **config):
        args = [sys.executable, str(REPO / "bench" / "sim_server.py"), "--port", "0"]
        for name, value in config.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"(http://\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"sim server did not start: {line!r}")
        self.url = match.group(1)

    def __enter__(self) -> "SimServer":
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def make_story(path: Path, n: int) -> Path:
    places = ["KITCHEN", "HALLWAY", "ROOFTOP", "STAIRWELL", "GARAGE", "CELLAR", "GARDEN", "ATTIC"]
    data = {
        "title": "Bench", "logline": "A search through a house.",
        "characters": [{"name": "MAYA", "profile": "precise"}, {"name": "JONAH", "profile": "evasive"}],
        "scenes": [{"place": f"{places[i % 8]} {i + 1}", "time": "NIGHT", "characters": ["MAYA", "JONAH"],
                    "summary": f"Maya searches room {i + 1} while Jonah watches."} for i in range(n)],
    }
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


def model_time(usage: dict, ttft: float, tps: float) -> float:
    return usage.get("model_calls", 0) * ttft + usage.get("completion_tokens", 0) / tps


def critical_path(run_dir: Path, n: int, cost) -> float:
    """max over scenes of (stage-1 chain up to it + its own stage 2), where
    ``cost(usage)`` is the time of one scene's calls in one stage."""
    chain, best = 0.0, 0.0
    for i in range(n):
        meta = json.loads((run_dir / "scenes" / f"{i + 1:03d}" / "meta.json").read_text())
        chain += cost(meta["stage1"]["usage"])
        best = max(best, chain + cost(meta["stage2"]["usage"]))
    return best


def bench_overhead(work: Path, scenes: int, ttft: float, tps: float, slots: int) -> dict:
    story = make_story(work / "story.yaml", scenes)
    with SimServer(ttft=ttft, tps=tps, slots=slots, answer_tokens=80) as server:
        spec = f"openai:sim@{server.url}"
        # Stage 1 keeps one slot to itself (concurrency = slots - 1): it is the critical path.
        settings = Settings(stage1_model=spec, stage2_model=spec, concurrency=slots - 1, pdf=False)
        out = work / "overhead"
        began = time.perf_counter()
        write_story(story, out, settings)
        wall = time.perf_counter() - began
        path = critical_path(out, scenes, lambda usage: model_time(usage, ttft, tps))
        # The same path with each call's latency as the backend measured it
        # (HTTP client and server included): what is left is the pipeline's own.
        backend_path = critical_path(out, scenes, lambda usage: usage["model_seconds"])
        calls = CallJournal(out / "calls.sqlite").real_calls()

        began = time.perf_counter()
        before = CallJournal(out / "calls.sqlite").real_calls()
        again = write_story(story, out, settings)
        rerun = time.perf_counter() - began
        rerun_calls = CallJournal(out / "calls.sqlite").real_calls() - before
    return {"scenes": scenes, "calls": calls, "wall_s": wall, "critical_path_s": path, "overhead": wall / path,
            "backend_path_s": backend_path,
            "rerun_s": rerun, "rerun_calls": rerun_calls, "rerun_summary": again.summary}


def bench_stage2_scaling(work: Path, scenes: int, ttft: float, tps: float, slot_counts: list[int]) -> dict:
    story = make_story(work / "story2.yaml", scenes)
    base = work / "stage1-only"
    with SimServer(ttft=ttft, tps=tps, slots=1, answer_tokens=80) as stage1_server:
        stage1 = f"openai:sim@{stage1_server.url}"
        # Stage 1 once; --max-attempts 0 sends stage 2 straight to the fallback (no calls).
        write_story(story, base, Settings(stage1_model=stage1, stage2_model=stage1, max_attempts=0, pdf=False))
        times = {}
        for slots in slot_counts:
            with SimServer(ttft=ttft, tps=tps, slots=slots, answer_tokens=80) as server:
                out = work / f"stage2-{slots}"
                shutil.copytree(base, out)
                settings = Settings(stage1_model=stage1, stage2_model=f"openai:sim@{server.url}",
                                    concurrency=slots, max_attempts=1, pdf=False)
                result = write_story(story, out, settings)
                # The stage-2 phase: from the start of the stages to the last stage-2 answer
                # (stage 1 is all cache hits here, so this is stage 2's time).
                times[slots] = result.pipeline.stage_seconds["stage2_end"]
                usage = result.pipeline.usage_by_stage()
                assert usage.get("stage 1", {}).get("model_calls", 0) == 0
                assert usage["stage 2"]["model_calls"] == scenes, usage
    return times


def embedded_worker(kind: str, requests_file: str) -> None:
    """One side of the A/B comparison, in a process of its own (two llama.cpp
    models in one process disturb each other's thread pools): load, warm up,
    make every request, print tokens and seconds as JSON. ``bare-N`` is a
    bare ``Llama`` with N threads; ``pipeline`` is the run's model path, which
    chooses its threads per call."""
    import asyncio

    from dsr.llm.base import Params
    from dsr.llm.cache import CachedModel
    from dsr.llm.embedded import EmbeddedModel, default_gguf_path, derive_seed

    requests = json.loads(Path(requests_file).read_text())
    if kind.startswith("bare-"):
        from llama_cpp import Llama

        threads = int(kind.split("-")[1])
        llama = Llama(model_path=str(default_gguf_path()), n_ctx=8192, n_threads=threads,
                      n_threads_batch=threads, verbose=False)

        def call(request: dict) -> int:
            p = request["params"]
            answer = llama.create_chat_completion(
                messages=request["messages"], temperature=p["temperature"], top_p=p["top_p"],
                max_tokens=p["max_tokens"], stop=p["stop"] or None, seed=derive_seed(p["seed"], request["sample"]),
                repeat_penalty=p.get("repeat_penalty") or 1.0)
            return answer["usage"]["completion_tokens"]
        used = {threads: len(requests)}
    else:
        backend = EmbeddedModel()

        def call(request: dict) -> int:
            p = request["params"]
            model = CachedModel(backend, Path(tempfile.mkdtemp()) / "calls.sqlite")  # fresh cache: a real call
            params = Params(temperature=p["temperature"], max_tokens=p["max_tokens"], top_p=p["top_p"],
                            seed=p["seed"], stop=tuple(p["stop"]), repeat_penalty=p.get("repeat_penalty"))
            return asyncio.run(model.complete(request["messages"], params, request["sample"])).usage.completion_tokens

    call({**requests[0], "params": {**requests[0]["params"], "max_tokens": 8}})  # load and warm up
    if not kind.startswith("bare-"):
        backend.loaded().threads.used.clear()
    tokens, began = 0, time.perf_counter()
    for request in requests:
        tokens += call(request)
    seconds = time.perf_counter() - began
    if not kind.startswith("bare-"):
        used = backend.loaded().threads.used
    print(json.dumps({"tokens": tokens, "seconds": seconds, "threads": used}))


def bench_embedded(work: Path, rounds: int = 4, max_requests: int | None = None) -> dict:
    """Tokens/s of the embedded model as the pipeline calls it vs bare llama_cpp.

    A real pipeline run (two_scenes.yaml) gives the requests and, from its
    journal, the tokens/s of its free-text calls as they happened. Machine
    load moves llama.cpp's speed by several times on a shared 2-core box, so
    the ratio is taken A/B: the same requests through the pipeline's model
    path (CachedModel over EmbeddedModel, fresh cache) and through a bare
    ``Llama.create_chat_completion`` with 1 thread and with every core, each
    side in its own process, in rotating order for ``rounds`` rounds. The
    ratio is against the faster bare side: on a quiet machine all cores win,
    on a busy one 1 thread does (all cores can be ten times slower there),
    and the pipeline's per-call thread choice should match the winner.
    """
    import sqlite3

    from dsr.llm.embedded import cpu_count

    out = work / "embedded"
    settings = Settings(directives_tokens=160, prose_tokens=240, stage2_tokens=400, max_attempts=1, pdf=False)
    write_story(REPO / "examples" / "two_scenes.yaml", out, settings)
    conn = sqlite3.connect(out / "calls.sqlite")
    rows = conn.execute(
        "SELECT c.request, j.latency_s, j.completion_tokens FROM calls j JOIN completions c ON c.key = j.key"
        " WHERE j.error IS NULL ORDER BY j.id").fetchall()
    conn.close()
    # Free-text calls only (a schema call would need the same grammar on both sides).
    free = [(json.loads(r), lat, tok) for r, lat, tok in rows if json.loads(r)["params"]["json_schema"] is None]
    free = free[:max_requests] if max_requests else free
    in_run = sum(t for _, _, t in free) / sum(lat for _, lat, _ in free)
    requests_file = work / "requests.json"
    requests_file.write_text(json.dumps([r for r, _, _ in free]))

    kinds = [f"bare-{n}" for n in sorted({1, cpu_count()})] + ["pipeline"]
    totals = {kind: [0, 0.0] for kind in kinds}
    per_round: list[str] = []
    threads_used: dict[str, int] = {}
    for round_no in range(rounds):
        shift = round_no % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            done = subprocess.run([sys.executable, __file__, "--embedded-worker", kind, str(requests_file)],
                                  capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            per_round.append(f"{kind} {figures['tokens'] / figures['seconds']:.0f}")
            totals[kind][0] += figures["tokens"]
            totals[kind][1] += figures["seconds"]
            if kind == "pipeline":
                for n, calls in figures["threads"].items():
                    threads_used[n] = threads_used.get(n, 0) + calls
    rates = {kind: tokens / seconds for kind, (tokens, seconds) in totals.items()}
    best_bare = max((k for k in kinds if k != "pipeline"), key=rates.get)
    return {"calls": len(free), "in_run_tok_s": in_run, "pipeline_tok_s": rates["pipeline"], "rates": rates,
            "best_bare": best_bare, "ratio": rates["pipeline"] / rates[best_bare],
            "tokens": {k: t for k, (t, _) in totals.items()}, "rounds": rounds,
            "per_round": ", ".join(per_round), "threads_used": threads_used}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=8)
    parser.add_argument("--ttft", type=float, default=0.2)
    parser.add_argument("--tps", type=float, default=50.0)
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument("--only-embedded", action="store_true")
    parser.add_argument("--rounds", type=int, default=4, help="A/B rounds of section 4 (default 4)")
    parser.add_argument("--requests", type=int, help="section 4: only the first N free-text requests (a busy machine)")
    parser.add_argument("--embedded-worker", nargs=2, metavar=("KIND", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.embedded_worker:
        embedded_worker(*args.embedded_worker)
        return
    # Imports excluded from the timings: the first `import openai` alone costs 1-6 s here.
    import openai  # noqa: F401
    with tempfile.TemporaryDirectory(prefix="dsr-bench-") as tmp:
        work = Path(tmp)
        if args.only_embedded:
            return print_embedded(bench_embedded(work, args.rounds, args.requests))
        o = bench_overhead(work, args.scenes, args.ttft, args.tps, slots=4)
        print(f"1. overhead: {o['scenes']} scenes, {o['calls']} calls: wall {o['wall_s']:.2f} s, critical-path "
              f"model time {o['critical_path_s']:.2f} s -> ratio {o['overhead']:.3f} (goal <= 1.03)")
        print(f"   of which HTTP client + server: the path as the backend timed it is {o['backend_path_s']:.2f} s; "
              f"wall / that = {o['wall_s'] / o['backend_path_s']:.3f}")
        print(f"3. re-run: {o['rerun_calls']} model calls, {o['rerun_s']:.3f} s (goal 0 calls, < 1 s)")

        slot_counts = [1, 4, 8]
        times = bench_stage2_scaling(work, 16, args.ttft, args.tps, slot_counts)
        for n in slot_counts[1:]:
            speedup = times[1] / times[n]
            print(f"2. stage 2, 16 scenes: 1 slot {times[1]:.2f} s, {n} slots {times[n]:.2f} s -> speed-up "
                  f"{speedup:.2f}x = {speedup / n:.2f} N (goal >= 0.9 N)")

        if not args.skip_embedded:
            print_embedded(bench_embedded(work, args.rounds, args.requests))


def print_embedded(e: dict) -> None:
    bare = ", ".join(f"{k} {v:.1f}" for k, v in e["rates"].items() if k != "pipeline")
    threads = ", ".join(f"{n} thread(s) x{calls}" for n, calls in sorted(e["threads_used"].items()))
    print(f"4. embedded: {e['rounds']} A/B rounds of the run's {e['calls']} free-text requests: pipeline's model "
          f"path {e['pipeline_tok_s']:.1f} tok/s ({threads}), bare llama_cpp {bare} tok/s -> ratio "
          f"{e['ratio']:.3f} against {e['best_bare']} (goal >= 0.95); tokens {e['tokens']}; "
          f"during the run itself: {e['in_run_tok_s']:.1f} tok/s")
    print(f"   each side's tok/s in order (machine load moves them): {e['per_round']}")


if __name__ == "__main__":
    main()
