"""Our latency-simulating server, driven through the real OpenAI-compatible backend."""

import asyncio
import json
import urllib.request

import pytest

from dsr.llm import openai_compat
from dsr.llm.base import LLMError, Params
from dsr.llm.cache import CachedModel
from dsr.llm.openai_compat import OpenAICompatModel
from dsr.llm.text import extract_json

MESSAGES = [{"role": "user", "content": "Write the scene."}]


@pytest.fixture(autouse=True)
def forget_endpoints():
    openai_compat._STRUCTURED_SUPPORT.clear()


def model(server, options="retries=3"):
    return OpenAICompatModel(f"openai:sim@{server.url}#{options}")


def test_models_endpoint_and_deterministic_text(sim_server):
    server = sim_server(ttft=0.0, tps=10_000, answer_tokens=12)
    with urllib.request.urlopen(server.url + "/models") as answer:
        assert json.load(answer)["data"][0]["id"] == "sim"
    m = model(server)
    a = asyncio.run(m.complete(MESSAGES, Params()))
    b = asyncio.run(m.complete(MESSAGES, Params()))
    c = asyncio.run(m.complete(MESSAGES, Params(), sample=1))
    assert a.text == b.text != c.text
    assert len(a.text.split()) == 12 and a.usage.completion_tokens == 12 and a.finish_reason == "stop"
    cut = asyncio.run(m.complete(MESSAGES, Params(max_tokens=5)))
    assert cut.finish_reason == "length" and cut.usage.completion_tokens == 5


def test_latency_covers_the_servers_time(sim_server):
    server = sim_server(ttft=0.1, tps=200, answer_tokens=40)
    answer = asyncio.run(model(server).complete(MESSAGES, Params()))
    # The backend's latency includes what the server spent on the answer
    # (0.1 + 40/200 s of simulated work); how much more is the machine's load.
    assert server.stats.answered == 1 and server.stats.completion_tokens == 40
    assert answer.latency_s >= server.stats.service_s[0] > 0


def test_requests_beyond_the_slots_queue(sim_server):
    server = sim_server(ttft=0.2, tps=1e6, slots=2)
    m = model(server)

    async def six():
        return await asyncio.gather(*(m.complete(MESSAGES, Params(), sample=i) for i in range(6)))

    answers = asyncio.run(six())
    # Six at once, two slots: never more than two served together, all answered.
    assert server.stats.requests == server.stats.answered == 6 and len({a.text for a in answers}) == 6
    assert server.stats.max_in_service == 2


def test_schema_requests_get_schema_instances(sim_server):
    server = sim_server(ttft=0.0, tps=1e6, answer_tokens=30)
    schema = {
        "type": "object",
        "properties": {
            "elements": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/element"}},
            "done": {"type": "boolean"},
        },
        "required": ["elements", "done"],
        "$defs": {"element": {"type": "object", "properties": {
            "kind": {"enum": ["action", "dialogue"]}, "text": {"type": "string"}}}},
    }
    answer = asyncio.run(model(server).complete(MESSAGES, Params(json_schema=schema)))
    data = extract_json(answer.text)
    assert data["done"] is False and len(data["elements"]) >= 2
    assert all(e["kind"] in ("action", "dialogue") and e["text"] for e in data["elements"])


def test_llama_cpp_like_server_is_probed_down_to_json_object(sim_server):
    server = sim_server(ttft=0.0, tps=1e6, structured="json_object")
    m = model(server)
    answer = asyncio.run(m.complete(MESSAGES, Params(json_schema={"type": "object"})))
    assert extract_json(answer.text) is not None
    assert m.structured_mode == "json_object"
    assert server.stats.faults == 0 and server.stats.requests == 2  # refused once, answered once


@pytest.mark.parametrize("status", [429, 500])
def test_every_kth_fault_is_retried_through_the_cache(sim_server, tmp_path, status):
    server = sim_server(ttft=0.0, tps=1e6, fail_every=2, fail_status=status, retry_after=0.01)
    cached = CachedModel(model(server), tmp_path / "calls.sqlite")

    async def five():
        for i in range(5):
            await cached.complete(MESSAGES, Params(), sample=i)

    asyncio.run(five())
    assert server.stats.answered == 5 and server.stats.faults >= 4
    journal = cached.journal
    assert journal.real_calls() == 5 and journal.real_calls(errors=True) == 0


def test_persistent_fault_is_one_journaled_error(sim_server, tmp_path):
    server = sim_server(ttft=0.0, tps=1e6, fail_every=1, fail_status=429, retry_after=0.01)
    cached = CachedModel(model(server, "retries=2"), tmp_path / "calls.sqlite")
    with pytest.raises(LLMError, match="kept answering 429"):
        asyncio.run(cached.complete(MESSAGES, Params()))
    assert server.stats.requests == 3
    assert cached.journal.real_calls(errors=True) == 1 and cached.journal.cached_entries() == 0


def test_a_hang_past_the_timeout_is_retried(sim_server):
    server = sim_server(ttft=0.0, tps=1e6, hang_every=1, hang_s=3.0)
    m = model(server, "retries=1,timeout=0.3")
    with pytest.raises(LLMError, match="did not answer within 0.3s"):
        asyncio.run(m.complete(MESSAGES, Params()))
    # Two tries, each given up at the timeout (the message says so), none waited out the hang.
    assert server.stats.hangs == 2


def test_aclose_closes_the_pool_and_the_next_call_reopens_it(sim_server):
    server = sim_server(ttft=0.0, tps=1e6, answer_tokens=3)
    m = model(server)

    async def twice():
        await m.complete(MESSAGES, Params())
        pool = m._client_obj
        await m.aclose()
        assert pool.is_closed()
        await m.complete(MESSAGES, Params())
        assert m._client_obj is not pool
        await m.aclose()

    asyncio.run(twice())
    assert server.stats.answered == 2
