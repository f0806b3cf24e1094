"""A scripted stand-in for a chat model, for unit tests of orchestration.

``ScriptedModel`` is a ``ChatModel``: each call becomes a ``Request`` (kept
in ``requests``), is classified by ``kind_of`` (a subclass reads it from the
prompt), and is answered by ``overrides[kind]`` (or ``overrides["*"]``) when
given, else by ``answer``. An answer is the text, ``(text, finish_reason)``
or a whole ``Completion``; an override may raise ``LLMError`` (see ``fail``)
or return None to fall back to ``answer``. ``delay`` makes each call take
that long; ``in_flight`` and ``max_in_flight`` count the calls running at
once, which is what concurrency tests assert on (never elapsed time).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Callable

from dsr.llm.base import Completion, LLMError, Params, Usage
from dsr.llm.specs import redact


@dataclass
class Request:
    kind: str
    messages: list
    params: Params
    sample: int

    @property
    def user(self) -> str:
        """The last user message (the request being asked)."""
        return [m for m in self.messages if m["role"] == "user"][-1]["content"]

    @property
    def first_user(self) -> str:
        """The first user message (a repair's original request)."""
        return [m for m in self.messages if m["role"] == "user"][0]["content"]

    @property
    def is_repair(self) -> bool:
        return any(m["role"] == "assistant" for m in self.messages)

    def field(self, label: str) -> str:
        """The text after ``label`` on its line in the first user message."""
        match = re.search(rf"^{re.escape(label)}\s*(.*)$", self.first_user, re.MULTILINE)
        return match.group(1).strip() if match else ""


Answer = Callable[[Request], Any]


class ScriptedModel:
    request_type: type[Request] = Request  # a subclass may read more out of its prompts

    def __init__(self, spec: str = "fake:scripted", overrides: dict[str, Answer] | None = None,
                 delay: float = 0.0, structured: str | None = None):
        self.spec = spec
        self.overrides = dict(overrides or {})
        self.delay = delay
        self.structured = structured
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0

    # -- what a subclass fills in ---------------------------------------------
    def kind_of(self, messages: list) -> str:
        return "request"

    def answer(self, request: Request) -> Any:
        raise LLMError(f"{self.spec}: no answer scripted for a {request.kind} request")

    def usage(self, request: Request, text: str) -> Usage:
        return Usage(len(request.user.split()), len(text.split()))

    # -- the ChatModel interface -----------------------------------------------
    def describe(self) -> dict:
        # As the real backends do: no credentials from the spec.
        return {"spec": redact(self.spec), "structured_output": self.structured}

    async def complete(self, messages, params: Params, sample: int = 0) -> Completion:
        request = self.request_type(self.kind_of(messages), messages, params, sample)
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            override = self.overrides.get(request.kind) or self.overrides.get("*")
            answer = override(request) if override else None
            if answer is None:
                answer = self.answer(request)
        finally:
            self.in_flight -= 1
        if isinstance(answer, Completion):
            return answer
        text, finish = answer if isinstance(answer, tuple) else (answer, "stop")
        return Completion(text, finish, self.usage(request, text), latency_s=self.delay)

    # -- for assertions ----------------------------------------------------------
    def kinds(self) -> list[str]:
        return [r.kind for r in self.requests]

    def count(self, kind: str) -> int:
        return sum(r.kind == kind for r in self.requests)


def fail(message: str = "cannot reach http://127.0.0.1:9/v1: is the server running?") -> Answer:
    """An override whose call fails for good, as a backend out of retries does."""
    def raise_error(_request: Request):
        raise LLMError(message)
    return raise_error
