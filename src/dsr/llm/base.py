"""The one chat-model interface every part of dsr talks to.

A backend is one small class with one method, ``complete``. Everything else
(caching, journaling, retries on junk, structured output) is layered around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


@dataclass(frozen=True)
class Params:
    """Sampling parameters; part of the cache key, so keep them explicit."""

    temperature: float = 0.7
    max_tokens: int = 1024
    top_p: float = 0.95
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # JSON schema the answer must follow, when the backend can constrain
    # decoding (llama.cpp grammar, server json_object+schema); None = free text.
    json_schema: dict[str, Any] | None = None
    # Multiplies down the odds of tokens among the last 64 generated (llama.cpp's
    # repeat_penalty, vLLM's repetition_penalty; 1.0 = none). None = send
    # nothing: the backend's own default (llama.cpp's server uses 1.1).
    repeat_penalty: float | None = None

    def key_dict(self) -> dict[str, Any]:
        key = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "seed": self.seed,
            "stop": list(self.stop),
            "json_schema": self.json_schema,
        }
        if self.repeat_penalty is not None:  # absent when unset: older cache entries keep their keys
            key["repeat_penalty"] = self.repeat_penalty
        return key


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: Literal["stop", "length", "error"] | str = "stop"
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    cached: bool = False


class LLMError(RuntimeError):
    """A model call failed for good (after the backend's own retries).

    The message is one line a user can act on.
    """


@runtime_checkable
class ChatModel(Protocol):
    """``spec`` names the model (``embedded``, ``openai:NAME@URL`` ...)."""

    spec: str

    async def complete(
        self, messages: list[Message], params: Params, sample: int = 0
    ) -> Completion:
        """One chat completion. ``sample`` tells apart repeated draws of the
        same request (it is part of the cache key; backends may fold it into
        the seed)."""
        ...
