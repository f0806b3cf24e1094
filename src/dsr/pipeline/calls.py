"""One model call as the pipeline makes it: bounded handling of truncated
answers, and an account of what the calls of one step cost.

Sample indices: a scene's take ``t`` (0 unless ``--scene N`` drew new ones)
asks with ``sample = t * SAMPLES_PER_TAKE + k``, where ``k`` counts retries
of the very same request (a junk answer asked again). Different takes and
retries are therefore different cache keys, and a re-run asks exactly the
same keys again (all answered from the cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from dsr.llm.base import ChatModel, Completion, LLMError, Message, Params

SAMPLES_PER_TAKE = 100
# Doubling max_tokens on a truncated answer at most this often, up to TOKEN_CAP.
LENGTH_RAISES = 1
TOKEN_CAP = 4096


def sample_index(take: int, retry: int = 0) -> int:
    return take * SAMPLES_PER_TAKE + retry


@dataclass
class CallLog:
    """What the calls of one step (one scene, one stage) did."""

    stage: str
    listener: Callable[[str, Completion], None] | None = None
    calls: int = 0  # answers received (from the model or the cache)
    model_calls: int = 0  # of which really reached the model
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    truncated_answers: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, completion: Completion) -> None:
        self.calls += 1
        if not completion.cached:
            self.model_calls += 1
            self.prompt_tokens += completion.usage.prompt_tokens
            self.completion_tokens += completion.usage.completion_tokens
            self.model_seconds += completion.latency_s
        if completion.finish_reason == "length":
            self.truncated_answers += 1
        if self.listener is not None:
            self.listener(self.stage, completion)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def to_dict(self) -> dict:
        return {
            "calls": self.calls,
            "model_calls": self.model_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model_seconds": round(self.model_seconds, 3),
            "truncated_answers": self.truncated_answers,
            "notes": list(self.notes),
        }


class StageError(Exception):
    """A model call of one stage failed for good; the orchestrator names the scene."""

    def __init__(self, stage: str, error: LLMError):
        super().__init__(f"{stage}: {error}")
        self.stage = stage
        self.error = error


async def ask(model: ChatModel, messages: list[Message], params: Params, sample: int, log: CallLog,
              worth_more: Callable[[str], bool] = lambda _text: True) -> Completion:
    """One call. An answer cut off by the token limit is asked again with a
    higher limit (bounded), unless ``worth_more(cut_text)`` says more room
    would not help (a small model looping on one sentence runs into any
    limit). If it is still cut off, the caller sees ``finish_reason ==
    "length"`` and must not keep it as a whole answer."""
    current = params
    for raise_no in range(LENGTH_RAISES + 1):
        try:
            completion = await model.complete(messages, current, sample)
        except LLMError as exc:
            raise StageError(log.stage, exc) from None
        log.add(completion)
        if completion.finish_reason != "length" or current.max_tokens >= TOKEN_CAP or raise_no == LENGTH_RAISES:
            return completion
        if not worth_more(completion.text):
            log.note("answer cut off (repeating itself, or already long enough); not asked again")
            return completion
        log.note(f"answer cut at {current.max_tokens} tokens; asked again with more")
        current = replace(current, max_tokens=min(TOKEN_CAP, current.max_tokens * 2))
    return completion  # unreachable; keeps type checkers calm
