"""Benchmark of ``dsr synth``'s engines (issue 4).

Against bench/sim_server.py in its own process (fixed time to first token,
tokens/s, many slots so the server is never the bottleneck; no inference),
running reverse synthesis over a corpus of replicated screenplays (each copy
retitled, so every record is a distinct request):

1. local engine, records/s as ``--concurrency`` grows, against the ideal
   ``concurrency / call time`` (one model call per record);
2. Ray engine with 1 vs 2 worker processes at the same per-worker
   concurrency: scaling = rate(2) / (2 * rate(1)); goal >= 0.85. Rates are
   steady-state (first to last record arriving), so the seconds Ray takes to
   start its actors are reported apart;
3. overhead per record = (engine wall time - model time) / records at
   concurrency 1, where model time is what the server spent serving.

    .venv/bin/python bench/synth.py [--copies 8] [--ray-copies 16] [--skip-ray]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsr.synth.importers.report import import_corpus  # noqa: E402
from dsr.synth.jobs import reverse_job  # noqa: E402
from dsr.synth.settings import ReverseSettings, RunOptions  # noqa: E402

SOURCES = [REPO / ".." / "shared" / "corpus" / f"{name}.fountain"
           for name in ("Cyber_Bob_epLocalTransDimensionalRift", "Cyber_Bob_ep00003", "ASCENT_TO_GURU_PEAK")]


def _bench_pipeline():
    """bench/pipeline.py's SimServer (the server in a subprocess), loaded by path."""
    spec = importlib.util.spec_from_file_location("dsr_bench_pipeline", REPO / "bench" / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Arrivals:
    """A progress listener that notes when each record reaches the driver."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def start(self, stage: str, total: int) -> None:
        self.times.clear()

    def item_done(self, stage: str, index: int, reused: bool) -> None:
        self.times.append(time.perf_counter())

    def completion(self, stage: str, completion) -> None:
        pass

    def steady_rate(self) -> float:
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / max(1e-9, self.times[-1] - self.times[0])


def make_corpus(work: Path, copies: int) -> Path:
    """``copies`` retitled copies of each source screenplay, imported."""
    corpus = work / f"corpus-{copies}"
    if corpus.exists():
        return corpus
    raw = work / f"raw-{copies}"
    raw.mkdir()
    for source in SOURCES:
        text = source.read_text("utf-8")
        for k in range(copies):
            body = re.sub(r"(?im)^title:.*$", "", text, count=1)
            (raw / f"{source.stem}-{k:03d}.fountain").write_text(f"Title: {source.stem} copy {k}\n{body}", "utf-8")
    import_corpus([str(raw)], corpus)
    return corpus


def server_seconds(url: str) -> float:
    base = url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(f"{base}/stats", timeout=5) as answer:
        return sum(json.load(answer)["service_s"])


def run_once(corpus: Path, work: Path, spec: str, options: RunOptions, name: str) -> dict:
    data = work / name
    arrivals = Arrivals()
    began = time.perf_counter()
    summary = reverse_job(corpus, data, ReverseSettings(models=[spec], max_characters=2, max_tokens=256),
                          options, progress=arrivals)
    wall = time.perf_counter() - began
    assert summary.failed == 0 and summary.new == summary.planned, summary.to_dict()
    shutil.rmtree(data, ignore_errors=True)
    return {"records": summary.new, "engine_s": summary.seconds, "job_s": wall,
            "rate": summary.new / summary.seconds, "steady_rate": arrivals.steady_rate(),
            "first_record_s": (arrivals.times[0] - began) if arrivals.times else None}


def bench_local(corpus: Path, work: Path, server, call_s: float, levels: list[int]) -> list[dict]:
    rows = []
    for concurrency in levels:
        before = server_seconds(server.url)
        result = run_once(corpus, work, f"openai:sim@{server.url}", RunOptions(concurrency=concurrency),
                          f"local-{concurrency}")
        result.update(concurrency=concurrency, ideal_rate=concurrency / call_s,
                      model_s=server_seconds(server.url) - before)
        result["efficiency"] = result["rate"] / result["ideal_rate"]
        result["overhead_ms"] = 1000 * (result["engine_s"] * concurrency - result["model_s"]) / result["records"]
        rows.append(result)
        print(f"  local  c={concurrency:<3} {result['records']} records in {result['engine_s']:.2f}s: "
              f"{result['rate']:.1f} rec/s (ideal {result['ideal_rate']:.1f}, {result['efficiency']:.2f}); "
              f"overhead {result['overhead_ms']:.1f} ms/record", flush=True)
    return rows


def bench_ray(corpus: Path, work: Path, server, concurrency: int) -> list[dict]:
    import ray

    rows = []
    for workers in (1, 2):
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        try:
            result = run_once(corpus, work, f"openai:sim@{server.url}",
                              RunOptions(engine="ray", workers=workers, concurrency=concurrency), f"ray-{workers}")
        finally:
            ray.shutdown()
        result.update(workers=workers, concurrency=concurrency)
        rows.append(result)
        print(f"  ray    workers={workers} c={concurrency}: {result['records']} records, engine {result['engine_s']:.2f}s "
              f"({result['rate']:.1f} rec/s), steady {result['steady_rate']:.1f} rec/s, "
              f"first record after {result['first_record_s']:.1f}s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of each screenplay for the local runs")
    parser.add_argument("--ray-copies", type=int, default=16, help="copies for the Ray runs")
    parser.add_argument("--ttft", type=float, default=0.1)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--answer-tokens", type=int, default=30)
    parser.add_argument("--levels", default="1,2,4,8,16")
    parser.add_argument("--ray-concurrency", type=int, default=4)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    call_s = args.ttft + args.answer_tokens / args.tps
    work = Path(tempfile.mkdtemp(prefix="dsr-bench-synth-"))
    figures: dict = {"call_s": call_s}
    try:
        sim = _bench_pipeline().SimServer(ttft=args.ttft, tps=args.tps, slots=256, answer_tokens=args.answer_tokens)
        with sim as server:
            corpus = make_corpus(work, args.copies)
            print(f"sim server: {call_s:.3f}s per call ({args.ttft}s to first token, {args.answer_tokens} tokens "
                  f"at {args.tps}/s), 256 slots; one call per record")
            # Warm the process (imports, the endpoint's structured-output probe) before measuring.
            run_once(make_corpus(work, 1), work, f"openai:sim@{server.url}", RunOptions(concurrency=4), "warm-up")
            print("1. local engine, records/s by concurrency")
            figures["local"] = bench_local(corpus, work, server, call_s, [int(x) for x in args.levels.split(",")])
            if not args.skip_ray:
                print(f"2. Ray engine, 1 vs 2 workers (concurrency {args.ray_concurrency} each)")
                ray_corpus = make_corpus(work, args.ray_copies)
                rows = bench_ray(ray_corpus, work, server, args.ray_concurrency)
                figures["ray"] = rows
                scaling = rows[1]["steady_rate"] / (2 * rows[0]["steady_rate"])
                wall_scaling = rows[1]["rate"] / (2 * rows[0]["rate"])
                figures["ray_scaling"] = {"steady": scaling, "wall": wall_scaling}
                print(f"   scaling 2 workers vs 1: steady {scaling:.2f} of linear (goal >= 0.85), "
                      f"including actor start {wall_scaling:.2f}")
        first = figures["local"][0]
        print(f"3. overhead per record at concurrency 1: {first['overhead_ms']:.1f} ms "
              f"(engine {first['engine_s']:.2f}s, model {first['model_s']:.2f}s, {first['records']} records)")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
