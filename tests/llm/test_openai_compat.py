"""The OpenAI-compatible backend against scripted HTTP answers (httpx2.MockTransport)."""

import asyncio
import json
import socket

import httpx2
import pytest

from dsr.llm import openai_compat
from dsr.llm.base import LLMError, Params
from dsr.llm.openai_compat import OpenAICompatModel

MESSAGES = [{"role": "user", "content": "hi"}]
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


def ok_body(text="hello", finish="stop"):
    return {
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }


class Script:
    """Answers requests from a list of (status, body, headers) or exceptions; records them."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        return httpx2.Response(status, json=body, headers=headers)

    def bodies(self):
        return [json.loads(r.content) for r in self.requests]


def model_for(script, spec="openai:m@http://mock.test/v1#retries=3", **kw):
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(script))
    return OpenAICompatModel(spec, http_client=client, **kw)


FAST_RETRY = {"retry-after-ms": "5"}  # the SDK honours it, so tests do not sleep through backoff


@pytest.fixture(autouse=True)
def forget_endpoints():
    openai_compat._STRUCTURED_SUPPORT.clear()
    yield
    openai_compat._STRUCTURED_SUPPORT.clear()


def test_plain_answer_maps_text_usage_and_request():
    script = Script((200, ok_body("hello", "length"), {}))
    answer = asyncio.run(model_for(script).complete(MESSAGES, Params(max_tokens=5, seed=3, stop=("END",)), sample=2))
    assert (answer.text, answer.finish_reason) == ("hello", "length")
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (7, 2)
    body = script.bodies()[0]
    assert body["model"] == "m" and body["max_tokens"] == 5 and body["stop"] == ["END"]
    assert "response_format" not in body
    assert script.requests[0].url == "http://mock.test/v1/chat/completions"


def test_repeat_penalty_reaches_the_server_only_when_set():
    script = Script((200, ok_body(), {}))
    model = model_for(script)
    asyncio.run(model.complete(MESSAGES, Params(repeat_penalty=1.15)))
    asyncio.run(model.complete(MESSAGES, Params()))
    with_penalty, without = script.bodies()
    # llama.cpp's servers read repeat_penalty, vLLM and SGLang repetition_penalty
    assert with_penalty["repeat_penalty"] == with_penalty["repetition_penalty"] == 1.15
    assert "repeat_penalty" not in without and "repetition_penalty" not in without  # hosted APIs reject them


def test_samples_get_distinct_deterministic_seeds():
    script = Script((200, ok_body(), {}))
    model = model_for(script)
    for sample in (0, 1, 0):
        asyncio.run(model.complete(MESSAGES, Params(), sample=sample))
    seeds = [b["seed"] for b in script.bodies()]
    assert seeds[0] == seeds[2] != seeds[1]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retries_then_succeeds(status):
    script = Script((status, {"error": {"message": "busy"}}, FAST_RETRY),
                    (status, {"error": {"message": "busy"}}, FAST_RETRY),
                    (200, ok_body("finally"), {}))
    answer = asyncio.run(model_for(script).complete(MESSAGES, Params()))
    assert answer.text == "finally" and len(script.requests) == 3


@pytest.mark.parametrize("status, message", [(429, "kept answering 429"), (500, "answered HTTP 500 after 3 retries")])
def test_permanent_failure_is_one_line_naming_the_endpoint(status, message):
    script = Script((status, {"error": {"message": "no\nluck"}}, FAST_RETRY))
    with pytest.raises(LLMError, match=message) as info:
        asyncio.run(model_for(script).complete(MESSAGES, Params()))
    assert "http://mock.test/v1" in str(info.value) and "\n" not in str(info.value)
    assert len(script.requests) == 4  # first try + 3 retries


def test_timeouts_are_retried_then_reported():
    script = Script(httpx2.ReadTimeout("slow"), (200, ok_body("late"), {}))
    assert asyncio.run(model_for(script).complete(MESSAGES, Params())).text == "late"
    script = Script(httpx2.ReadTimeout("slow"))
    with pytest.raises(LLMError, match=r"did not answer within 7s \(tried 2 times\)"):
        asyncio.run(model_for(script, "openai:m@http://mock.test/v1#retries=1,timeout=7").complete(MESSAGES, Params()))
    assert len(script.requests) == 2


def test_unreachable_server_says_so():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = OpenAICompatModel(f"openai:m@http://127.0.0.1:{port}/v1#retries=0")
    with pytest.raises(LLMError, match=rf"cannot reach http://127.0.0.1:{port}/v1: is the server running\?"):
        asyncio.run(model.complete(MESSAGES, Params()))


def test_key_comes_from_the_named_variable_and_never_from_errors():
    secret = "sk-secret-123456789"
    script = Script((401, {"error": {"message": f"bad key {secret}"}}, {}))
    model = model_for(script, "openai:m@http://mock.test/v1#key_env=DSR_TEST_KEY", env={"DSR_TEST_KEY": secret})
    with pytest.raises(LLMError, match=r"rejected the API key \(HTTP 401\): set \$DSR_TEST_KEY") as info:
        asyncio.run(model.complete(MESSAGES, Params()))
    assert script.requests[0].headers["authorization"] == f"Bearer {secret}"
    assert secret not in str(info.value) and secret not in repr(model) and secret not in json.dumps(model.describe())


def test_keyless_local_server_gets_a_dummy_key():
    script = Script((200, ok_body(), {}))
    asyncio.run(model_for(script, env={}).complete(MESSAGES, Params()))
    assert script.requests[0].headers["authorization"] == "Bearer no-key"


def test_probe_falls_back_to_json_object_and_remembers():
    # Like llama.cpp's Python server: json_schema -> HTTP 500 (not retried while probing).
    def server(request):
        body = json.loads(request.content)
        if body.get("response_format", {}).get("type") == "json_schema":
            return httpx2.Response(500, json={"error": {"message": "unsupported"}})
        return httpx2.Response(200, json=ok_body('{"a": "x"}'))

    seen = []

    def recording(request):
        seen.append(json.loads(request.content))
        return server(request)

    model = model_for(recording)
    params = Params(json_schema=SCHEMA)
    assert asyncio.run(model.complete(MESSAGES, params)).text == '{"a": "x"}'
    assert [b["response_format"]["type"] for b in seen] == ["json_schema", "json_object"]
    assert seen[1]["response_format"]["schema"] == SCHEMA
    assert model.structured_mode == "json_object"
    assert model.describe()["structured_output"] == "json_object"
    # A second model on the same endpoint does not probe again.
    seen.clear()
    asyncio.run(model_for(recording).complete(MESSAGES, params))
    assert [b["response_format"]["type"] for b in seen] == ["json_object"]


def test_probe_settles_on_none_when_nothing_is_supported():
    seen = []

    def server(request):
        body = json.loads(request.content)
        seen.append(body)
        if "response_format" in body:
            return httpx2.Response(400, json={"error": {"message": "unknown field"}})
        return httpx2.Response(200, json=ok_body("{}"))

    model = model_for(server)
    asyncio.run(model.complete(MESSAGES, Params(json_schema=SCHEMA)))
    assert len(seen) == 3 and "response_format" not in seen[-1]
    assert model.structured_mode == "none"


def test_concurrent_schema_requests_probe_once():
    seen = []

    async def server(request):
        body = json.loads(request.content)
        seen.append(body.get("response_format", {}).get("type"))
        await asyncio.sleep(0.01)
        return httpx2.Response(200, json=ok_body("{}"))

    model = model_for(server)

    async def many():
        await asyncio.gather(*(model.complete(MESSAGES, Params(json_schema=SCHEMA), sample=i) for i in range(8)))

    asyncio.run(many())
    assert seen == ["json_schema"] * 8 and model.structured_mode == "json_schema"


def test_spec_option_fixes_the_mode_without_probing():
    script = Script((200, ok_body("{}"), {}))
    model = model_for(script, "openai:m@http://mock.test/v1#structured=json_object")
    asyncio.run(model.complete(MESSAGES, Params(json_schema=SCHEMA)))
    assert script.bodies()[0]["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_empty_choices_and_null_content():
    script = Script((200, {**ok_body(), "choices": []}, {}))
    with pytest.raises(LLMError, match="no choices"):
        asyncio.run(model_for(script).complete(MESSAGES, Params()))
    body = ok_body()
    body["choices"][0]["message"]["content"] = None
    body["usage"] = None
    answer = asyncio.run(model_for(Script((200, body, {}))).complete(MESSAGES, Params()))
    assert answer.text == "" and answer.usage.completion_tokens == 0
