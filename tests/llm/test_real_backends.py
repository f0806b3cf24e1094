"""The real backends: SmolLM2 in process, and llama.cpp's OpenAI-compatible server."""

import asyncio
import threading

import pytest

from dsr.llm import openai_compat
from dsr.llm.base import Params
from dsr.llm.cache import CachedModel
from dsr.llm.registry import resolve_model
from dsr.llm.text import extract_json

pytestmark = pytest.mark.slow

CHAT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Name one colour."},
]
PERSON = [{"role": "user", "content": "Invent a film character. Answer in JSON with name and age."}]
PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 30}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def test_embedded_chat_and_cache(tmp_path):
    model = CachedModel(resolve_model("embedded"), tmp_path / "calls.sqlite")
    params = Params(max_tokens=16, temperature=0.0)
    first = asyncio.run(model.complete(CHAT, params))
    assert first.text.strip() and not first.cached
    assert first.finish_reason in ("stop", "length")
    assert 0 < first.usage.completion_tokens <= 16 and first.usage.prompt_tokens > 5
    again = asyncio.run(model.complete(CHAT, params))
    assert again.cached and again.text == first.text
    assert model.journal.real_calls() == 1


def test_embedded_samples_differ_deterministically():
    model = resolve_model("embedded")
    params = Params(max_tokens=12, temperature=1.0, seed=5)
    a0 = asyncio.run(model.complete(CHAT, params, sample=0))
    a1 = asyncio.run(model.complete(CHAT, params, sample=1))
    b0 = asyncio.run(model.complete(CHAT, params, sample=0))
    assert a0.text == b0.text
    assert a0.text != a1.text


def test_embedded_json_schema_is_enforced():
    answer = asyncio.run(resolve_model("embedded").complete(
        PERSON, Params(max_tokens=48, temperature=0.7, seed=1, json_schema=PERSON_SCHEMA)))
    data = extract_json(answer.text)
    assert data is not None, answer.text
    assert isinstance(data["name"], str) and isinstance(data["age"], int)


def test_openai_backend_against_llama_cpp_server(llama_server, tmp_path):
    openai_compat._STRUCTURED_SUPPORT.pop(llama_server, None)
    model = CachedModel(resolve_model(f"openai:smollm2@{llama_server}#retries=1"), tmp_path / "calls.sqlite")
    chat = asyncio.run(model.complete(CHAT, Params(max_tokens=16, temperature=0.0)))
    assert chat.text.strip() and chat.usage.completion_tokens > 0
    person = asyncio.run(model.complete(PERSON, Params(max_tokens=48, seed=1, json_schema=PERSON_SCHEMA)))
    data = extract_json(person.text)
    assert data is not None and isinstance(data.get("age"), int), person.text
    # llama.cpp's Python server refuses json_schema (HTTP 500): the probe settles on json_object.
    assert model.inner.structured_mode == "json_object"
    assert model.journal.model_notes()[model.spec]["structured_output"] == "json_object"
    assert model.journal.real_calls() == 2


def test_cancelling_an_embedded_call_frees_the_model_at_once(monkeypatch):
    from llama_cpp import LogitsProcessorList

    model = resolve_model("embedded")
    loaded = model.loaded()
    # Count the tokens generated, through llama-cpp's per-token logits hook:
    # the test waits on counts, not on time, so a loaded machine cannot fool it.
    tokens: list[int] = []
    generating = threading.Event()

    def count_token(input_ids, scores):
        tokens.append(1)
        if len(tokens) >= 5:
            generating.set()
        return scores

    generate = loaded.llama.create_chat_completion

    def counted(*args, **kwargs):
        return generate(*args, logits_processor=LogitsProcessorList([count_token]), **kwargs)

    monkeypatch.setattr(loaded.llama, "create_chat_completion", counted)

    async def start_then_cancel():
        task = asyncio.create_task(model.complete(
            [{"role": "user", "content": "Count from 1 to 2000, separated by commas."}],
            Params(max_tokens=2000, temperature=0.0, seed=1)))
        assert await asyncio.to_thread(generating.wait, 300)
        assert not task.done() and loaded.lock.locked()  # generating
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        at_cancel = len(tokens)  # the stop flag is set by now
        # Without the stop flag the worker thread would hold the model for
        # the rest of its 2000 tokens. The timeout only stops a hang.
        acquired = await asyncio.to_thread(loaded.lock.acquire, True, 300)
        assert acquired
        loaded.lock.release()
        assert len(tokens) - at_cancel <= 2, (at_cancel, len(tokens))  # stopped at the next token
        assert len(tokens) < 1000

    asyncio.run(start_then_cancel())


def test_prompt_beyond_the_context_is_one_line_llm_error():
    from dsr.llm.base import LLMError

    huge = [{"role": "user", "content": "rain on the window " * 4000}]  # ~16k tokens > 8192
    with pytest.raises(LLMError, match=r"^embedded: Requested tokens \(\d+\) exceed context window of 8192$"):
        asyncio.run(resolve_model("embedded").complete(huge, Params(max_tokens=4)))


def test_embedded_schema_keeps_property_order():
    schema = {"type": "object", "properties": {"zeta": {"type": "integer"}, "alpha": {"type": "integer"}},
              "required": ["zeta", "alpha"]}
    answer = asyncio.run(resolve_model("embedded").complete(
        [{"role": "user", "content": "Two numbers in JSON."}], Params(max_tokens=24, json_schema=schema)))
    assert list(extract_json(answer.text)) == ["zeta", "alpha"], answer.text


def test_embedded_calls_all_run_on_one_thread():
    """llama.cpp's OpenMP build keeps a team of threads per calling thread;
    calls from asyncio's changing pool threads ran at half speed. Calls made
    at once, from different event loops, must all reach llama.cpp from the
    model's one worker thread."""
    model = resolve_model("embedded")
    loaded = model.loaded()
    seen: list[int] = []
    generate = loaded.llama.create_chat_completion

    def recorded(*args, **kwargs):
        seen.append(threading.get_ident())
        return generate(*args, **kwargs)

    loaded.llama.create_chat_completion = recorded
    try:
        async def three_at_once():
            await asyncio.gather(*(model.complete(CHAT, Params(max_tokens=2, seed=n)) for n in range(3)))

        asyncio.run(three_at_once())
        asyncio.run(three_at_once())  # a second event loop, as a second `dsr` step would make
    finally:
        del loaded.llama.create_chat_completion
    assert len(seen) == 6 and len(set(seen)) == 1
    assert threading.get_ident() not in seen  # never on the event loop's thread
