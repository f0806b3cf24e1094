"""A scripted stand-in for a backend, for unit tests of the cache layer."""

from __future__ import annotations

from dsr.llm.base import LLMError, Usage
from testkit.scripted import Request, ScriptedModel


class CountingModel(ScriptedModel):
    """Answers ``"<n>:<last user message>:s<sample>"`` after ``delay`` seconds
    (``n``: calls made so far) and counts calls.

    ``fail_first`` makes the first N calls raise ``LLMError``.
    """

    def __init__(self, spec: str = "fake:counting", delay: float = 0.0, fail_first: int = 0,
                 finish_reason: str = "stop"):
        super().__init__(spec, delay=delay)
        self.fail_first = fail_first
        self.finish_reason = finish_reason

    @property
    def calls(self) -> int:
        return len(self.requests)

    def answer(self, request: Request):
        if self.calls <= self.fail_first:
            raise LLMError(f"{self.spec}: scripted failure {self.calls}")
        return f"{self.calls}:{request.messages[-1]['content']}:s{request.sample}", self.finish_reason

    def usage(self, request: Request, text: str) -> Usage:
        return Usage(len(request.messages), 3)
