"""What the rubric and pairwise judges share: prompt templates, the judge
model behind the call cache, and asking for a verdict until one parses.

A verdict comes from structured output. The request carries a JSON schema
(decoding is constrained to it where the backend can: llama.cpp grammars,
servers' ``response_format``), the first JSON object of the answer is read
(think blocks, fences and chatter skipped) and checked by the judge's own
validator. An answer without a valid verdict is asked again with the next
sample index and a warmer temperature (a greedy judge would only repeat
itself), at most ``retries`` times. After that the verdict is *missing*: it
is counted by its failure kind and the item is excluded from the statistics
that need it. A verdict is never guessed from a broken answer.

Failure kinds: ``no_json`` (no JSON object in the answer), ``invalid`` (an
object, but a field is missing or out of range), ``refused`` (the judge
declined), ``truncated`` (cut off by the token limit), ``call_failed`` (the
backend gave up after its own retries).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from dsr.errors import UserError
from dsr.llm.base import ChatModel, LLMError, Message, Params
from dsr.llm.cache import CachedModel
from dsr.llm.text import extract_json
from dsr.templates import TemplateSet

T = TypeVar("T")

DEFAULT_JUDGE = "embedded"
EMBEDDED_WARNING = (
    "the judge is the embedded 135M model (SmolLM2): its verdicts are only for trying things out; "
    "pass --judge SPEC with a capable model for numbers worth reporting"
)
FAILURE_KINDS = ("no_json", "invalid", "refused", "truncated", "call_failed")
# Calls that failed for good in a row before the judge counts as unreachable.
MAX_CONSECUTIVE_CALL_FAILURES = 3
# A scene longer than this is cut for the judge (both sides of a pair alike).
MAX_SCENE_WORDS = 1500
_REFUSAL = re.compile(
    r"\b(?:I(?:'m| am) (?:sorry|unable|not able)|I can(?:'t|not|\s+not)|as an AI|I won't|I will not)\b", re.IGNORECASE
)
TEMPLATE_NAMES = ("rubric_system", "rubric", "rubric_tiers", "pairwise_system", "pairwise")
TEMPLATES = TemplateSet("dsr.evaluate", TEMPLATE_NAMES)
template_text = TEMPLATES.text
render = TEMPLATES.render


def prompt_version() -> str:
    """Hash of every judge template: reports name the prompts they used."""
    return TEMPLATES.version


class VerdictError(ValueError):
    """An answer's JSON object is not a valid verdict (the message says why)."""


@dataclass(frozen=True)
class JudgeSettings:
    temperature: float = 0.0
    retry_temperature: float = 0.7
    retries: int = 2
    max_tokens: int = 400
    seed: int = 0
    concurrency: int = 4

    def check(self) -> JudgeSettings:
        if self.retries < 0:
            raise UserError(f"--retries must be 0 or more, not {self.retries}")
        if self.concurrency < 1:
            raise UserError(f"--concurrency must be at least 1, not {self.concurrency}")
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"--judge-temperature must lie between 0 and 2, not {self.temperature}")
        return self

    def params(self, attempt: int, schema: dict[str, Any]) -> Params:
        temperature = self.temperature if attempt == 0 else max(self.temperature, self.retry_temperature)
        return Params(temperature=temperature, max_tokens=self.max_tokens, top_p=0.95, seed=self.seed,
                      json_schema=schema)


@dataclass
class JudgeAnswer(Generic[T]):
    """The outcome of asking for one verdict."""

    value: T | None
    attempts: int
    failures: list[str] = field(default_factory=list)  # one kind per failed attempt
    last_answer: str = ""  # clipped, for the audit trail

    @property
    def failure(self) -> str | None:
        """Why there is no verdict (the last attempt's failure kind), or None."""
        if self.value is not None:
            return None
        return self.failures[-1] if self.failures else "call_failed"


class Judge:
    """A judge model with a bound on concurrent calls and a circuit breaker:
    when the backend fails for good several times in a row, the judge is
    unreachable and the command stops with one line instead of recording a
    hundred failures."""

    def __init__(self, model: ChatModel, settings: JudgeSettings, reporter: Any = None):
        self.model = model
        self.settings = settings.check()
        self.reporter = reporter
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.consecutive_call_failures = 0
        self.last_call_error = ""

    @property
    def spec(self) -> str:
        return self.model.spec

    async def ask(self, messages: list[Message], schema: dict[str, Any], check: Callable[[dict[str, Any]], T],
                  stage: str = "judge") -> JudgeAnswer[T]:
        failures: list[str] = []
        last = ""
        for attempt in range(self.settings.retries + 1):
            params = self.settings.params(attempt, schema)
            async with self.semaphore:
                try:
                    completion = await self.model.complete(messages, params, sample=attempt)
                except LLMError as exc:
                    self._call_failed(str(exc))
                    failures.append("call_failed")
                    last = str(exc)
                    continue
            self.consecutive_call_failures = 0
            if self.reporter is not None:
                self.reporter.completion(stage, completion)
            last = completion.text[:2000]
            kind, value = read_verdict(completion.text, completion.finish_reason, check)
            if kind is None:
                return JudgeAnswer(value, attempt + 1, failures, last)
            failures.append(kind)
        return JudgeAnswer(None, self.settings.retries + 1, failures, last)

    def _call_failed(self, message: str) -> None:
        self.consecutive_call_failures += 1
        self.last_call_error = message
        if self.consecutive_call_failures >= MAX_CONSECUTIVE_CALL_FAILURES:
            raise UserError(f"the judge failed {self.consecutive_call_failures} calls in a row: {message}", exit_code=4)


def read_verdict(text: str, finish_reason: str, check: Callable[[dict[str, Any]], T]) -> tuple[str | None, T | None]:
    """(None, verdict) for a valid answer, else (failure kind, None)."""
    data = extract_json(text)
    if data is None:
        if finish_reason == "length":
            return "truncated", None
        return ("refused" if _REFUSAL.search(text) else "no_json"), None
    try:
        return None, check(data)
    except VerdictError:
        return ("truncated" if finish_reason == "length" else "invalid"), None


def whole_number(data: dict[str, Any], key: str, low: int, high: int | None = None) -> int:
    """``data[key]`` as an int in [low, high]; numbers written as text ("7")
    and floats with no fraction (7.0) count, anything else is invalid."""
    if key not in data:
        raise VerdictError(f"missing {key}")
    value = data[key]
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise VerdictError(f"{key} is not a whole number")
    if value < low or (high is not None and value > high):
        raise VerdictError(f"{key} {value} outside {low}..{high if high is not None else ''}")
    return value


def failure_counts(answers: Iterable[JudgeAnswer]) -> dict[str, Any]:
    """How many verdicts are missing and why; how many needed a retry."""
    answers = list(answers)
    missing = Counter(a.failure for a in answers if a.value is None)
    return {
        "requested": len(answers),
        "valid": sum(a.value is not None for a in answers),
        "missing": sum(missing.values()),
        "missing_by_kind": {kind: missing.get(kind, 0) for kind in FAILURE_KINDS},
        "retried": sum(a.attempts > 1 for a in answers),
        "failed_attempts_by_kind": dict(Counter(k for a in answers for k in a.failures)),
    }


def open_judge(spec: str | None, cache_path: Path, settings: JudgeSettings,
               backend: ChatModel | None = None, reporter: Any = None) -> tuple[Judge, list[str]]:
    """The judge named by ``spec`` (default: the embedded model, with a
    warning) behind the call cache at ``cache_path``; ``backend`` replaces the
    spec resolution (tests pass a scripted model here)."""
    from dsr.llm.registry import resolve_model

    warnings: list[str] = []
    spec = spec or DEFAULT_JUDGE
    if backend is None:
        try:
            backend = resolve_model(spec)
        except LLMError as exc:
            raise UserError(f"judge model: {exc}") from None
    if backend.spec == "embedded":
        warnings.append(EMBEDDED_WARNING)
    return Judge(CachedModel(backend, cache_path), settings, reporter), warnings

