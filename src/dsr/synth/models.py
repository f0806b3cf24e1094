"""The model a synthesis step calls: a spec (or several replicas of one
model on different servers) behind the call cache of the data directory.

Replicas: ``--model`` given more than once names servers of the *same*
model (several vLLM servers); each call goes to the replica with the fewest
calls in flight. The first spec names the model in record ids and cache
keys, so an answer is found again whichever replica gave it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dsr.errors import UserError
from dsr.llm.base import ChatModel, Completion, LLMError, Message, Params
from dsr.llm.cache import CachedModel
from dsr.llm.registry import resolve_model


class ReplicaSet:
    """Several backends serving one model, as one ``ChatModel``."""

    def __init__(self, backends: list[ChatModel]):
        if not backends:
            raise ValueError("a replica set needs at least one backend")
        self.backends = backends
        self.spec = backends[0].spec
        self.in_flight = [0] * len(backends)

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        index = min(range(len(self.backends)), key=self.in_flight.__getitem__)
        self.in_flight[index] += 1
        try:
            return await self.backends[index].complete(messages, params, sample)
        finally:
            self.in_flight[index] -= 1

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.backends[0], "describe", None)
        info = dict(describe()) if describe else {"spec": self.spec}
        if len(self.backends) > 1:
            info["replicas"] = len(self.backends)
        return info


def model_identity(specs: list[str]) -> str:
    """What names the model in record ids: the first spec, resolved and redacted."""
    return build_backend(specs[:1]).spec


def build_backend(specs: list[str]) -> ChatModel:
    try:
        backends = [resolve_model(spec) for spec in specs]
    except LLMError as exc:
        raise UserError(str(exc)) from None
    return backends[0] if len(backends) == 1 else ReplicaSet(backends)


def cached_model(specs: list[str], cache_path: Path, backend: ChatModel | None = None) -> CachedModel:
    """The model behind the cache. ``backend`` replaces spec resolution (tests)."""
    return CachedModel(backend or build_backend(specs), cache_path)


async def aclose_backends(model: Any) -> None:
    """Close the HTTP clients under ``model`` (a cache, a replica set, a
    backend) while their event loop still runs."""
    inner = getattr(model, "inner", None)
    if inner is not None:
        await aclose_backends(inner)
        return
    for backend in getattr(model, "backends", None) or [model]:
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()
