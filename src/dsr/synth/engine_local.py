"""The local engine: asyncio with bounded concurrency in this process.

Against servers, ``concurrency`` calls are in flight at once; the embedded
model serialises its calls itself (one llama.cpp context), so there the
bound only decides how much work waits in memory.
"""

from __future__ import annotations

import asyncio
import time

from dsr.llm.base import ChatModel
from dsr.pipeline.calls import StageError
from dsr.synth.engine import EngineReport, Sink
from dsr.synth.models import aclose_backends
from dsr.synth.records import WorkItem
from dsr.synth.steps import run_item


async def run_local(todo: list[WorkItem], model: ChatModel, sink: Sink, concurrency: int) -> None:
    slots = asyncio.Semaphore(concurrency)

    async def one(item: WorkItem) -> None:
        async with slots:
            try:
                record = await run_item(item, model)
            except StageError as exc:
                sink.fail(str(exc.error))
                return
        sink.accept(record)

    tasks = [asyncio.create_task(one(item)) for item in todo]
    try:
        # The first exception (the failure limit) cancels the rest; records
        # already accepted are on disk.
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await aclose_backends(model)


def run_local_sync(todo: list[WorkItem], model: ChatModel, sink: Sink, concurrency: int, report: EngineReport) -> None:
    started = time.perf_counter()
    try:
        asyncio.run(run_local(todo, model, sink, concurrency))
    finally:
        report.seconds += time.perf_counter() - started
