import pytest

from dsr.errors import UserError
from dsr.llm.embedded import EmbeddedModel
from dsr.llm.openai_compat import OpenAICompatModel
from dsr.llm.registry import resolve_model
from dsr.llm.specs import parse_openai_spec, redact


def test_embedded_specs(tmp_path):
    assert isinstance(resolve_model("embedded"), EmbeddedModel)
    assert resolve_model("embedded").spec == "embedded"
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model(f"embedded:{gguf}").spec == f"embedded:{gguf}"
    with pytest.raises(UserError, match="no model file"):
        resolve_model(f"embedded:{tmp_path / 'missing.gguf'}")


def test_openai_spec_parts():
    spec = parse_openai_spec("openai:llama3.1:8b@http://127.0.0.1:11434/v1#key_env=MY_KEY, structured=json_object,timeout=30,retries=0")
    assert spec.model == "llama3.1:8b" and spec.base_url == "http://127.0.0.1:11434/v1"
    assert (spec.key_env, spec.structured, spec.timeout_s, spec.retries) == ("MY_KEY", "json_object", 30.0, 0)
    assert parse_openai_spec("openai:org/model-7B").base_url is None


def test_openai_model_spec_is_canonical_and_keyless(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = resolve_model("openai:m@http://localhost:8000/v1/#timeout=5")
    assert isinstance(model, OpenAICompatModel)
    assert model.spec == "openai:m@http://localhost:8000/v1"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("gpt4", "unknown kind of model"),
        ("", "empty"),
        ("openai:@http://x/v1", "model name is missing"),
        ("openai:m@http://x/v1#colour=red", "unknown option 'colour'"),
        ("openai:m@http://x/v1#structured=xml", "structured must be one of"),
        ("openai:m@http://x/v1#timeout=soon", "wants a number"),
        ("openai:m@http://x/v1#key_env=sk-abc123", "must name an environment variable"),
    ],
)
def test_bad_specs_are_one_line_user_errors(spec, message):
    with pytest.raises(UserError, match=message) as info:
        resolve_model(spec)
    text = str(info.value)
    assert "\n" not in text and "valid forms" in text and "sk-abc123" not in text


def test_explicit_key_env_must_be_set(monkeypatch):
    monkeypatch.delenv("DSR_NO_SUCH_KEY", raising=False)
    with pytest.raises(UserError, match="DSR_NO_SUCH_KEY is not set"):
        resolve_model("openai:m@http://x/v1#key_env=DSR_NO_SUCH_KEY")


def test_redact_removes_url_credentials():
    assert redact("http://bob:pw@host/v1?api_key=zzz&x=1") == "http://host/v1?api_key=***&x=1"
