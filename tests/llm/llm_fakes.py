"""A scripted stand-in for a backend, for unit tests of the cache layer."""

from __future__ import annotations

import asyncio

from dsr.llm.base import Completion, LLMError, Params, Usage


class CountingModel:
    """Answers ``"<n>:<last user message>"`` after ``delay`` seconds and counts calls.

    ``fail_first`` makes the first N calls raise ``LLMError``.
    """

    def __init__(self, spec: str = "fake:counting", delay: float = 0.0, fail_first: int = 0,
                 finish_reason: str = "stop"):
        self.spec = spec
        self.delay = delay
        self.fail_first = fail_first
        self.finish_reason = finish_reason
        self.calls = 0

    async def complete(self, messages, params: Params, sample: int = 0) -> Completion:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.calls <= self.fail_first:
            raise LLMError(f"{self.spec}: scripted failure {self.calls}")
        text = f"{self.calls}:{messages[-1]['content']}:s{sample}"
        return Completion(text, self.finish_reason, Usage(len(messages), 3), latency_s=self.delay)
