"""Any OpenAI-compatible chat server, through the ``openai`` SDK.

Spec: ``openai:MODEL@BASE_URL[#OPTIONS]`` (full syntax in ``dsr.llm.specs``),
for example::

    openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1                 # vLLM, no key
    openai:llama3.1:8b@http://127.0.0.1:11434/v1                   # Ollama
    openai:smollm2@http://127.0.0.1:8080/v1#structured=json_object # llama.cpp server
    openai:gpt-4o-mini@https://api.openai.com/v1#key_env=OPENAI_API_KEY

The API key is read from the environment variable named by ``key_env``
(default ``OPENAI_API_KEY``); when that variable is unset and was not named
explicitly, a dummy key is sent, which keyless local servers accept.

Retries: the SDK retries 408/409/429/5xx, connection errors and timeouts with
exponential backoff and honours ``Retry-After``; we set how many times and the
timeout. When it finally gives up we raise one ``LLMError`` line naming the
endpoint.

Structured output differs per server: vLLM, Ollama and hosted APIs take
``response_format`` type ``json_schema``; llama.cpp's Python server answers
that with HTTP 500 but constrains decoding with type ``json_object`` plus a
``schema``; some servers support neither (the pipeline validates what comes
back in any case). ``structured=auto`` (the default) tries them in that order
on the first request that carries a schema and remembers the answer per
endpoint for the rest of the process.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from typing import Any, Mapping

from dsr.errors import UserError
from dsr.llm.base import Completion, LLMError, Message, Params, Usage
from dsr.llm.embedded import derive_seed
from dsr.llm.specs import OpenAISpec, parse_openai_spec, redact

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # what keyless local servers get; they ignore it
CONNECT_TIMEOUT_S = 10.0

# Structured-output modes, best first, and what each one tried and failed
# with tells us: a server that does not know a response_format answers
# 400/422 (validation) or, like llama.cpp's Python server, 500.
STRUCTURED_ORDER = ("json_schema", "json_object", "none")
UNSUPPORTED_STATUSES = {400, 404, 415, 422, 500, 501}

# Per endpoint (base URL): the structured mode that worked. Shared by every
# model object in the process so an endpoint is probed once.
_STRUCTURED_SUPPORT: dict[str, str] = {}
# event loop -> endpoint -> lock held while that endpoint is probed
_PROBE_LOCKS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]" = (
    weakref.WeakKeyDictionary())


def response_format_for(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


class OpenAICompatModel:
    """``ChatModel`` for an OpenAI-compatible endpoint."""

    def __init__(self, spec: str | OpenAISpec, *, http_client: Any = None,
                 env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        self.config = spec if isinstance(spec, OpenAISpec) else parse_openai_spec(spec)
        self.base_url = (self.config.base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.endpoint = redact(self.base_url)  # what messages and the cache may show
        self.spec = self.config.canonical(self.base_url)
        key = env.get(self.config.key_env)
        if not key:
            if self.config.key_env_explicit:
                raise UserError(f"environment variable {self.config.key_env} is not set (API key for {self.spec})")
            key = NO_KEY
        self._key = key
        self._http_client = http_client
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._client_obj: Any = None  # connection pools belong to one event loop
        if self.config.structured != "auto":
            _STRUCTURED_SUPPORT.setdefault(self.base_url, self.config.structured)

    def __repr__(self) -> str:  # never the key
        return f"OpenAICompatModel({self.spec!r})"

    @property
    def structured_mode(self) -> str | None:
        """The mode used for schema requests here; None until probed."""
        if self.config.structured != "auto":
            return self.config.structured
        return _STRUCTURED_SUPPORT.get(self.base_url)

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "structured_output": self.structured_mode or "not probed yet",
                "timeout_s": self.config.timeout_s, "retries": self.config.retries}

    def _client(self, max_retries: int | None = None) -> Any:
        from openai import AsyncOpenAI

        loop = asyncio.get_running_loop()
        if self._client_loop is not loop:  # first call, or an earlier loop's pool is dead
            import httpx2

            self._client_loop = loop
            self._client_obj = AsyncOpenAI(
                api_key=self._key,
                base_url=self.base_url,
                timeout=httpx2.Timeout(self.config.timeout_s, connect=CONNECT_TIMEOUT_S),
                max_retries=self.config.retries,
                http_client=self._http_client,
            )
        client = self._client_obj
        return client if max_retries is None else client.with_options(max_retries=max_retries)

    async def aclose(self) -> None:
        """Close the connection pool while its event loop still runs (a pool
        collected after its loop closed complains on stderr). The next call
        opens a new one. An ``http_client`` passed in belongs to the caller."""
        client, loop = self._client_obj, self._client_loop
        self._client_obj = self._client_loop = None
        if client is not None and self._http_client is None and loop is asyncio.get_running_loop():
            await client.close()

    async def complete(self, messages: list[Message], params: Params, sample: int = 0) -> Completion:
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": derive_seed(params.seed, sample),
        }
        if params.stop:
            request["stop"] = list(params.stop)
        if params.repeat_penalty is not None:
            # Not an OpenAI parameter (frequency_penalty is additive, another scale),
            # so it travels as extra body fields under both names in use:
            # llama.cpp (its C++ and Python servers) reads repeat_penalty, vLLM and
            # SGLang read repetition_penalty; each ignores the other. Hosted APIs
            # reject unknown fields: leave it unset for them.
            request["extra_body"] = {"repeat_penalty": params.repeat_penalty,
                                     "repetition_penalty": params.repeat_penalty}
        started = time.perf_counter()
        if params.json_schema is None:
            response = await self._send(request)
        else:
            response = await self._send_structured(request, params.json_schema)
        return self._completion(response, time.perf_counter() - started)

    async def _send_structured(self, request: dict[str, Any], schema: dict[str, Any]) -> Any:
        mode = self.structured_mode
        if mode is not None:
            return await self._send({**request, "response_format": response_format_for(mode, schema)})
        locks = _PROBE_LOCKS.setdefault(asyncio.get_running_loop(), {})
        lock = locks.setdefault(self.base_url, asyncio.Lock())
        async with lock:  # the first schema request probes; the others wait for its verdict
            if self.structured_mode is not None:
                return await self._send_structured(request, schema)
            for candidate in STRUCTURED_ORDER:
                attempt = {**request}
                if candidate != "none":
                    attempt["response_format"] = response_format_for(candidate, schema)
                try:
                    # No retries while probing: an unsupported mode answers 500 on
                    # some servers, and retrying that only wastes time.
                    response = await self._send(attempt, max_retries=0 if candidate != "none" else None,
                                                probing=True)
                except _Unsupported:
                    continue
                _STRUCTURED_SUPPORT[self.base_url] = candidate
                return response
        raise AssertionError("unreachable: mode 'none' never reports unsupported")

    async def _send(self, request: dict[str, Any], max_retries: int | None = None,
                    probing: bool = False) -> Any:
        import openai

        try:
            return await self._client(max_retries).chat.completions.create(**request)
        except openai.APITimeoutError:
            raise LLMError(
                f"{self.endpoint} did not answer within {self.config.timeout_s:g}s"
                f" (tried {self.config.retries + 1} times): raise #timeout= in the model spec or check the server"
            ) from None
        except openai.APIConnectionError:
            raise LLMError(f"cannot reach {self.endpoint}: is the server running?") from None
        except openai.APIStatusError as exc:
            if probing and exc.status_code in UNSUPPORTED_STATUSES:
                raise _Unsupported() from None
            raise LLMError(self._status_message(exc)) from None

    def _status_message(self, exc: Any) -> str:
        status = exc.status_code
        detail = " ".join(redact(str(getattr(exc, "message", "") or "")).split())[:200]
        if status in (401, 403):
            return (f"{self.endpoint} rejected the API key (HTTP {status}): set ${self.config.key_env}"
                    " or name another variable with #key_env=VAR")
        if status == 404:
            return (f"{self.endpoint} answered HTTP 404 for model {self.config.model!r}:"
                    f" check the model name and that the URL ends in /v1 ({detail})")
        if status == 429:
            return f"{self.endpoint} kept answering 429 (rate limited) after {self.config.retries} retries"
        if status >= 500:
            return f"{self.endpoint} answered HTTP {status} after {self.config.retries} retries: {detail}"
        return f"{self.endpoint} rejected the request (HTTP {status}): {detail}"

    def _completion(self, response: Any, latency: float) -> Completion:
        if not response.choices:
            raise LLMError(f"{self.endpoint} answered with no choices")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=(choice.message.content if choice.message else None) or "",
            finish_reason=choice.finish_reason or "stop",
            usage=Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else Usage(),
            latency_s=latency,
        )


class _Unsupported(Exception):
    """The endpoint rejected a structured-output mode while probing."""
