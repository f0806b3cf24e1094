"""Asking the model for one structured answer until it passes validation.

Every request carries a JSON schema (grammar-constrained decoding on the
embedded model, ``response_format`` on servers). The first JSON object of
the answer goes to the step's validator, which returns the value and its
findings. An answer with findings is asked again, once per remaining
attempt, with that answer and the findings in the conversation; a step
whose answers never pass raises ``StepFailed`` naming the step, and nothing
is written.

Sample indices: take ``t`` of a step asks with ``sample = 100·t + attempt``,
so a new take (``--redo``) draws new answers while a re-run asks exactly the
same keys again (answered by the call cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generic, TypeVar

from dsr.errors import UserError
from dsr.llm.base import ChatModel, LLMError, Message, Params
from dsr.llm.text import extract_json
from dsr.templates import TemplateSet

T = TypeVar("T")

SAMPLES_PER_TAKE = 100
# Answers asked for while the best so far is usable but weak (soft findings
# only); the remaining attempts are kept for answers that are unusable.
SOFT_ATTEMPTS = 2
MAX_SHOWN_FINDINGS = 8


class StepFailed(UserError):
    """No answer passed: one line naming the step and the last findings."""

    def __init__(self, step: str, what: str, attempts: int, findings: list[str]):
        shown = "; ".join(findings[:MAX_SHOWN_FINDINGS])
        more = f"; ... and {len(findings) - MAX_SHOWN_FINDINGS} more" if len(findings) > MAX_SHOWN_FINDINGS else ""
        super().__init__(
            f"step {step}: no valid {what} after {attempts} attempt{'s' if attempts != 1 else ''} "
            f"(last answer: {shown}{more}); nothing was written for this step. Run again with "
            f"--redo {step} for new draws, --max-attempts N, or a more capable --model", exit_code=5)
        self.step = step
        self.findings = findings


@dataclass
class Checked(Generic[T]):
    """A validator's verdict: the value it made of the answer (None when the
    answer is unusable), what is wrong with it (``hard``: unusable; ``soft``:
    weak but usable), and ``notes``: harmless normalisations worth recording
    (a name upper-cased, a relation to nobody dropped)."""

    value: T | None
    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Answer(Generic[T]):
    value: T
    attempts: int
    rejected: list[list[str]]  # findings of each answer asked again
    notes: list[str]
    flags: list[str]  # soft findings of the answer kept, when no answer was free of them
    tokens: int


def sample_index(take: int, attempt: int) -> int:
    return take * SAMPLES_PER_TAKE + attempt


async def ask_valid(model: ChatModel, messages: list[Message], schema: dict[str, Any],
                    check: Callable[[dict[str, Any]], Checked[T]], params: Params, *, step: str, what: str,
                    take: int, attempts: int, templates: TemplateSet,
                    on_answer: Callable[[Any], None] | None = None) -> Answer[T]:
    """Ask until ``check`` finds nothing wrong, at most ``attempts`` times."""
    conversation = list(messages)
    current = replace(params, json_schema=schema)
    rejected: list[list[str]] = []
    tokens = 0
    findings: list[str] = ["no answer"]
    best: Checked[T] | None = None  # the usable answer with the fewest (soft) findings
    for attempt in range(attempts):
        try:
            completion = await model.complete(conversation, current, sample_index(take, attempt))
        except LLMError as exc:
            raise UserError(f"step {step}: the model call failed: {exc}", exit_code=4) from None
        if on_answer is not None:
            on_answer(completion)
        if not completion.cached:
            tokens += completion.usage.completion_tokens
        data = extract_json(completion.text.replace("\n", " "))
        cut = None
        if completion.finish_reason == "length":
            # The schema bounds every text: a cut answer ran on (too many
            # items, or words of many tokens). More room would only buy more
            # of it; the whole items before the cut may still be a usable answer.
            cut = f"the answer was cut off at {current.max_tokens} tokens; write less"
            data = whole_items_before_cut(completion.text.replace("\n", " "))
        if data is None:
            findings = [cut or "the answer was not a JSON object"]
        else:
            checked = check(data)
            if cut:
                checked.soft.insert(0, cut + " (the items before the cut were kept)")
            usable = checked.value is not None and not checked.hard
            if usable and not checked.soft:
                return Answer(checked.value, attempt + 1, rejected, list(dict.fromkeys(checked.notes)), [], tokens)
            if usable and (best is None or len(checked.soft) < len(best.soft)):
                best = checked
            findings = list(dict.fromkeys(checked.hard + checked.soft)) or ["the answer could not be used"]
        rejected.append(findings)
        if best is not None and attempt + 1 >= SOFT_ATTEMPTS:
            break  # a usable answer is in hand: weak answers are not worth every attempt
        conversation = [
            *messages,
            {"role": "assistant", "content": completion.text[:4000]},
            {"role": "user", "content": templates.render("repair", findings="\n".join(f"- {f}" for f in findings))},
        ]
    if best is not None:
        return Answer(best.value, len(rejected), rejected, list(dict.fromkeys(best.notes)),
                      list(dict.fromkeys(best.soft)), tokens)
    raise StepFailed(step, what, attempts, findings)


def whole_items_before_cut(text: str) -> dict[str, Any] | None:
    """What can be kept of an answer cut off by the token limit, as an object:

    - cut inside its top-level list (``{"characters": [{...}, {...}, {"na``):
      the items that were complete (``{"characters": [{...}, {...}]}``);
    - else cut anywhere else: closed at the cut (a text ends where it was
      cut, a key with no value is dropped), for the validator to judge
      what is missing or cut short.

    None when nothing can be made of it."""
    start = text.find("{")
    if start < 0:
        return None
    body = text[start:]
    stack: list[list] = []  # [bracket, expecting a key?]
    in_string = escaped = False
    string_start = 0
    last_whole: int | None = None
    for i, ch in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string, string_start = True, i
        elif ch in "{[":
            stack.append([ch, ch == "{"])
        elif ch in "}]":
            if not stack:
                return None
            stack.pop()
            if [frame[0] for frame in stack] == ["{", "["]:  # an item of the top-level list just ended
                last_whole = i + 1
            elif not stack:
                return None  # the object ended: nothing was cut
        elif ch == ":" and stack:
            stack[-1][1] = False
        elif ch == "," and stack:
            stack[-1][1] = stack[-1][0] == "{"
    if last_whole is not None:
        return _loads(body[:last_whole] + "]}")
    if in_string:
        if stack and stack[-1][1]:  # cut inside a key: drop it
            body = body[:string_start]
        else:
            body = (body[:-1] if escaped else body) + '"'
    body = body.rstrip()
    if body.endswith(":"):  # a key with no value
        body = body[:body.rstrip(":").rstrip().rfind('"', 0, len(body.rstrip(":").rstrip()) - 1)]
    body = body.rstrip().rstrip(",")
    closing = "".join("}" if frame[0] == "{" else "]" for frame in reversed(stack))
    return _loads(body + closing)


def _loads(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
