"""The Ray engine: the same per-record function on Ray Data.

``map_batches`` over the pending items with a fixed pool of actors
(``--workers``); each actor builds the model once (from the specs, so it can
talk to one or more OpenAI-compatible servers, or load the embedded model)
and runs its batch with asyncio at ``--concurrency``. Finished records
stream back to the driver, which appends each to the store as it arrives:
the store's done-set is the row-level checkpoint, shared with the local
engine, so a run started with one engine can be resumed with the other and
both give the same record ids.

Calls go through a call cache in every actor. On one machine that is the
data directory's ``calls.sqlite`` (shared with the local engine; SQLite in
WAL mode takes writers from several processes); on a cluster
(``--address``) each node keeps its own cache under the system temp
directory, because SQLite must not be shared over a network filesystem.
Install with ``pip install '.[cluster]'``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path

from dsr.errors import UserError
from dsr.files import sha256_hex
from dsr.synth.engine import EngineReport, Sink
from dsr.synth.records import WorkItem

BATCH_PER_SLOT = 2  # items per batch = concurrency * this: small batches stream back soon


class RecordWorker:
    """A Ray Data actor: one model (with its cache), one event loop."""

    def __init__(self, specs: list[str], cache_path: str | None, data_key: str, concurrency: int):
        from dsr.synth.models import cached_model

        if cache_path is None:
            cache_path = str(Path(tempfile.gettempdir()) / "dsr-synth-cache" / f"{data_key}.sqlite")
        self.model = cached_model(specs, Path(cache_path))
        self.concurrency = concurrency
        self.loop = asyncio.new_event_loop()  # kept: HTTP clients belong to one loop

    def __call__(self, batch: dict) -> dict:
        items = [WorkItem(**json.loads(text)) for text in batch["item"]]
        results = self.loop.run_until_complete(self._run(items))
        return {"record": [r for r, _ in results], "error": [e for _, e in results]}

    async def _run(self, items: list[WorkItem]) -> list[tuple[str, str]]:
        from dsr.pipeline.calls import StageError
        from dsr.synth.steps import run_item

        slots = asyncio.Semaphore(self.concurrency)

        async def one(item: WorkItem) -> tuple[str, str]:
            async with slots:
                try:
                    return json.dumps(await run_item(item, self.model)), ""
                except StageError as exc:
                    return "", str(exc.error) or "model call failed"

        return await asyncio.gather(*(one(item) for item in items))


def ray_module():
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install 'dsr[cluster]' (or '.[cluster]' in a checkout)") from None
    return ray


def ensure_ray(address: str | None, workers: int) -> None:
    ray = ray_module()
    if ray.is_initialized():
        return
    try:
        if address:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(num_cpus=max(workers, 1), include_dashboard=False, logging_level=logging.ERROR,
                     log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UserError(f"cannot start or reach Ray{f' at {address}' if address else ''}: "
                        f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None


def run_ray(todo: list[WorkItem], specs: list[str], data_dir: Path, sink: Sink, *, workers: int,
            concurrency: int, address: str | None, report: EngineReport) -> None:
    if not todo:
        return
    ray = ray_module()
    ensure_ray(address, workers)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # our own progress bar counts records
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # no per-run execution plan chatter
    context.execution_options.preserve_order = False
    batch_size = max(1, concurrency * BATCH_PER_SLOT)
    rows = [{"item": json.dumps(asdict(item))} for item in todo]
    dataset = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / batch_size)))
    cache_path = None if address else str(data_dir.resolve() / "calls.sqlite")
    data_key = sha256_hex(str(data_dir.resolve()), 16)
    with warnings.catch_warnings():  # max_restarts has no named parameter yet
        warnings.simplefilter("ignore", DeprecationWarning)
        mapped = dataset.map_batches(
            RecordWorker, batch_size=batch_size, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
            batch_format="numpy", max_restarts=0,  # a crashed actor fails the run; the done-set resumes it
            fn_constructor_kwargs={"specs": specs, "cache_path": cache_path, "data_key": data_key,
                                   "concurrency": concurrency},
        )
    started = time.perf_counter()
    try:
        for row in mapped.iter_rows():
            if row["error"]:
                sink.fail(str(row["error"]))
            else:
                sink.accept(json.loads(row["record"]))
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise UserError(f"the Ray job failed: {first[:300]} (finished records are kept; re-run to resume)",
                        exit_code=4) from None
    finally:
        report.seconds += time.perf_counter() - started
