"""One per-record function per step, and the wrapper every engine calls.

``run_item(item, model)`` runs the step's function on the item's payload and
returns the finished record: the item's id, step, source and metadata
(model, prompt version, sampling parameters, sample), the outcome (``ok``
with a result, or ``unparsed`` with the raw answer and the reason) and the
call accounting. It is a plain module-level coroutine function so Ray
workers can import and run it unchanged; a model call that fails for good
raises ``StageError`` and produces no record (a re-run retries the item).
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable

from dsr.llm.base import ChatModel
from dsr.pipeline.calls import CallLog
from dsr.synth.records import WorkItem

StepFunction = Callable[[dict, ChatModel, CallLog], Awaitable[dict]]


def step_function(step: str) -> StepFunction:
    # Imported here: a Ray worker needs only the step it runs.
    if step == "reverse.scene":
        from dsr.synth.reverse import scene_step
        return scene_step
    if step == "reverse.character":
        from dsr.synth.reverse import character_step
        return character_step
    if step == "forward":
        from dsr.synth.forward import forward_step
        return forward_step
    raise ValueError(f"unknown synthesis step {step!r}")


async def run_item(item: WorkItem, model: ChatModel) -> dict:
    log = CallLog(item.step)
    started = time.perf_counter()
    answer = await step_function(item.step)(item.payload, model, log)
    usage = log.to_dict()
    usage.pop("notes", None)
    return {
        "id": item.id, "step": item.step, "source": item.source, **item.payload["meta"], **answer,
        "notes": log.notes, "usage": usage, "seconds": round(time.perf_counter() - started, 3),
    }
