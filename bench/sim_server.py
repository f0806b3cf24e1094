"""A latency-simulating OpenAI-compatible chat server, for benchmarks and tests.

It does no inference. Each request holds one of N slots (requests beyond N
wait in a queue) for ``ttft + tokens / tps`` seconds, then answers with
deterministic text derived from the prompt, so the time a pipeline spends can
be compared with the time a model of that speed must take. When a request
carries a JSON schema (``response_format`` ``json_schema``, or ``json_object``
with ``schema``) the answer is an instance of that schema.

Answer length: ``min(max_tokens, --answer-tokens)`` tokens (a "token" here is
a word); finish_reason is ``length`` when the request's ``max_tokens`` cut it.

Faults, for tests of retry paths: ``--fail-every K`` answers every K-th chat
request with ``--fail-status`` (429 carries ``Retry-After``);
``--hang-every K`` stalls every K-th request for ``--hang-s`` seconds (past the
client's timeout). ``--structured`` says which response formats it accepts:
``json_schema`` (all), ``json_object`` (answers ``json_schema`` with HTTP 500,
as llama.cpp's Python server does), ``none`` (HTTP 400 for both).

    python bench/sim_server.py --port 8011 --ttft 0.2 --tps 50 --slots 4

In process: ``with run_in_thread(SimConfig(slots=2)) as server: server.url``.
``GET /stats`` reports requests, faults, and the most requests in service at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

WORDS = (
    "rain door window night light street car silence voice hand glass table smoke "
    "stairs phone letter shadow river bridge coat key station train morning kitchen "
    "she he they look turn wait run open close stop listen whisper laugh stare reach "
    "slowly quietly again still almost never suddenly outside inside behind across"
).split()


@dataclass
class SimConfig:
    ttft: float = 0.2  # seconds before the first token
    tps: float = 50.0  # tokens per second per slot after that
    slots: int = 4  # requests served at once; more wait
    answer_tokens: int = 100  # answer length when max_tokens allows
    model: str = "sim"
    fail_every: int = 0
    fail_status: int = 500
    retry_after: float = 0.05  # seconds, sent with 429 and 503
    hang_every: int = 0
    hang_s: float = 30.0
    # Requests after this many are held unanswered until the server stops (0: none
    # held): lets a test stop a client mid-run at a known count, whatever the load.
    answer_limit: int = 0
    structured: str = "json_schema"  # json_schema | json_object | none


@dataclass
class SimStats:
    requests: int = 0  # chat requests received
    answered: int = 0
    faults: int = 0
    hangs: int = 0
    in_service: int = 0
    max_in_service: int = 0
    completion_tokens: int = 0
    service_s: list[float] = field(default_factory=list)  # per answered request


# ---- answers -------------------------------------------------------------

def prompt_rng(body: dict[str, Any]) -> random.Random:
    seed_text = json.dumps([body.get("messages"), body.get("seed")], sort_keys=True)
    return random.Random(hashlib.sha256(seed_text.encode()).digest())


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(max(1, count)))


def schema_instance(schema: dict[str, Any], rng: random.Random, n_tokens: int) -> Any:
    """A value that follows ``schema``, its strings sharing ``n_tokens`` words."""
    defs = schema.get("$defs") or schema.get("definitions") or {}
    leaves: list[_Slot] = []  # strings, filled once we know how many there are
    value = _instance(schema, defs, rng, leaves, depth=0)
    per_leaf = max(1, n_tokens // max(1, len(leaves)))
    for slot in leaves:
        slot.text = words(rng, per_leaf)
    return _unbox(value)


class _Slot:
    text = ""


def _instance(schema: dict, defs: dict, rng: random.Random, leaves: list[_Slot], depth: int) -> Any:
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if s.get("type") != "null"] or schema[combinator]
            return _instance(options[0], defs, rng, leaves, depth)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _instance(sub, defs, rng, leaves, depth + 1) for name, sub in props.items()}
    if kind == "array":
        low, high = schema.get("minItems", 1), schema.get("maxItems", 4)
        count = 0 if depth > 6 else max(low, min(high, 3))
        return [_instance(schema.get("items", {}), defs, rng, leaves, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    slot = _Slot()
    leaves.append(slot)
    return slot


def _unbox(value: Any) -> Any:
    if isinstance(value, _Slot):
        return value.text
    if isinstance(value, dict):
        return {k: _unbox(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unbox(v) for v in value]
    return value


def requested_schema(body: dict[str, Any], accepts: str) -> tuple[int, str] | dict | None:
    """The schema to follow; None for free text; (status, why) if refused."""
    fmt = body.get("response_format") or {}
    kind = fmt.get("type", "text")
    if kind == "text":
        return None
    if accepts == "none" or (kind == "json_schema" and accepts == "json_object"):
        return (500 if accepts == "json_object" else 400), f"response_format {kind} is not supported"
    if kind == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
    return fmt.get("schema") or {"type": "object", "properties": {"text": {"type": "string"}}}


# ---- the server ------------------------------------------------------------

class SimServer:
    def __init__(self, config: SimConfig | None = None):
        self.config = config or SimConfig()
        self.stats = SimStats()
        self.url = ""
        self._server: asyncio.base_events.Server | None = None
        self._slots: asyncio.Semaphore | None = None
        self._connections: set[asyncio.Task] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._slots = asyncio.Semaphore(self.config.slots)
        self._server = await asyncio.start_server(self._connection, host, port)
        bound = self._server.sockets[0].getsockname()
        self.url = f"http://{bound[0]}:{bound[1]}/v1"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):  # open keep-alive connections, hung requests
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while True:  # keep-alive: one request after another on this connection
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                status, payload, extra = await self._route(method, path.split("?")[0], body)
                data = json.dumps(payload).encode()
                head_out = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}",
                            "Content-Type: application/json", f"Content-Length: {len(data)}"]
                head_out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head_out) + "\r\n\r\n").encode() + data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any, dict]:
        if method == "GET" and path == "/v1/models":
            return 200, {"object": "list", "data": [{"id": self.config.model, "object": "model",
                                                     "owned_by": "sim"}]}, {}
        if method == "GET" and path == "/stats":
            return 200, asdict(self.stats), {}
        if method == "POST" and path == "/v1/chat/completions":
            try:
                request = json.loads(body)
            except ValueError:
                return 400, {"error": {"message": "body is not JSON"}}, {}
            return await self._chat(request)
        return 404, {"error": {"message": f"no route {method} {path}"}}, {}

    async def _chat(self, request: dict[str, Any]) -> tuple[int, Any, dict]:
        cfg, stats = self.config, self.stats
        stats.requests += 1
        number = stats.requests
        if cfg.fail_every and number % cfg.fail_every == 0:
            stats.faults += 1
            extra = {"Retry-After": f"{cfg.retry_after:g}"} if cfg.fail_status in (429, 503) else {}
            return cfg.fail_status, {"error": {"message": f"simulated {cfg.fail_status}"}}, extra
        if cfg.hang_every and number % cfg.hang_every == 0:
            stats.hangs += 1
            await asyncio.sleep(cfg.hang_s)
        if cfg.answer_limit and number > cfg.answer_limit:
            await asyncio.Event().wait()  # held; cancelled when the server stops
        if request.get("stream"):
            return 400, {"error": {"message": "streaming is not simulated"}}, {}
        schema = requested_schema(request, cfg.structured)
        if isinstance(schema, tuple):
            return schema[0], {"error": {"message": schema[1]}}, {}
        max_tokens = int(request.get("max_tokens") or cfg.answer_tokens)
        n_tokens = min(max_tokens, cfg.answer_tokens)
        rng = prompt_rng(request)
        text = words(rng, n_tokens) if schema is None else json.dumps(schema_instance(schema, rng, n_tokens))
        async with self._slots:
            stats.in_service += 1
            stats.max_in_service = max(stats.max_in_service, stats.in_service)
            started = time.perf_counter()
            try:
                await asyncio.sleep(cfg.ttft + n_tokens / cfg.tps)
            finally:
                stats.in_service -= 1
            stats.service_s.append(time.perf_counter() - started)
        stats.answered += 1
        stats.completion_tokens += n_tokens
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
        return 200, {
            "id": f"sim-{number}", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model", cfg.model),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "length" if cfg.answer_tokens > max_tokens else "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": n_tokens,
                      "total_tokens": prompt_tokens + n_tokens},
        }, {}


class ThreadedSimServer:
    """A SimServer on its own event loop in a daemon thread (for sync callers)."""

    def __init__(self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0):
        self.server = SimServer(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="sim-server")
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.server.start(host, port), self._loop).result(10)

    @property
    def stats(self) -> SimStats:
        return self.server.stats

    def reset_stats(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self.server, "stats", SimStats())

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@contextlib.contextmanager
def run_in_thread(config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> Iterator[ThreadedSimServer]:
    server = ThreadedSimServer(config, host, port)
    try:
        yield server
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = SimConfig()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    for name in ("ttft", "tps", "retry_after", "hang_s"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    for name in ("slots", "answer_tokens", "fail_every", "fail_status", "hang_every"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    parser.add_argument("--model", default=defaults.model)
    parser.add_argument("--structured", choices=("json_schema", "json_object", "none"), default=defaults.structured)
    args = parser.parse_args(argv)
    config = SimConfig(**{k: v for k, v in vars(args).items() if k not in ("host", "port")})

    async def serve() -> None:
        server = SimServer(config)
        print(f"sim server on {await server.start(args.host, args.port)}  ({config})", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
