"""A scripted stand-in for a chat model, for unit tests of the orchestration.

``ScriptedModel`` recognises which pipeline request it got (directives,
prose, stage 2 in Fountain or JSON, a repair, direct) from the prompt and
answers plausibly and deterministically; ``overrides`` replace the answer
for a kind of request (a function of the request, may raise LLMError).
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from dsr.llm.base import Completion, LLMError, Params, Usage


@dataclass
class Request:
    kind: str
    messages: list
    params: Params
    sample: int

    @property
    def user(self) -> str:
        return [m for m in self.messages if m["role"] == "user"][-1]["content"]

    def field(self, label: str) -> str:
        """The text after ``label`` on its line in the first user message."""
        first = [m for m in self.messages if m["role"] == "user"][0]["content"]
        match = re.search(rf"^{re.escape(label)}\s*(.*)$", first, re.MULTILINE)
        return match.group(1).strip() if match else ""

    @property
    def heading(self) -> str:
        return self.field("Where:") or self.field("Scene heading (use it exactly, as the first line):")


# A phrase only that request's template has -> the kind of request.
KIND_MARKERS = (
    ("before it is written", "directives"),
    ("as prose for the screen", "prose"),
    ("Convert this scene into Fountain", "stage2_fountain"),
    ("Convert this scene of prose into a list", "stage2_json"),
    ("as a screenplay scene in Fountain format", "direct_fountain"),
    ("of the film as screenplay elements", "direct_json"),
)


def request_kind(messages: list) -> str:
    first_user = [m for m in messages if m["role"] == "user"][0]["content"]
    kind = next((k for marker, k in KIND_MARKERS if marker in first_user), "unknown")
    repair = any(m["role"] == "assistant" for m in messages)
    return kind + ("_repair" if repair else "")


def prose_in(request: Request) -> str:
    first = [m for m in request.messages if m["role"] == "user"][0]["content"]
    match = re.search(r"Prose:\n(.*?)\n\n(?:Rules:|Each element)", first, re.DOTALL)
    return match.group(1) if match else ""


def place_of(heading: str) -> str:
    return heading.split(". ", 1)[-1].rsplit(" - ", 1)[0]


def default_answer(request: Request) -> str:
    kind = request.kind.replace("_repair", "")
    if kind == "directives":
        return json.dumps({"pacing": "slow, then quick", "revelation": "the key is gone",
                           "emotional_trajectory": "calm to alarmed",
                           "action_beats": ["She enters.", "She searches.", "She speaks."]})
    if kind == "prose":
        place = place_of(request.heading).lower()
        return (f"Rain taps on the window of the {place}. A kettle starts to hum.\n\n"
                f"MAYA crosses to the table and lifts a mug. She turns it over.\n\n"
                f'MAYA says, "Nobody has been in the {place} all day."')
    if kind in ("stage2_fountain", "direct_fountain"):
        heading = request.field("Scene heading (use it exactly, as the first line):") or request.heading
        place = place_of(heading).lower()
        return (f"{heading}\n\nRain taps on the window of the {place}. A kettle starts to hum.\n\n"
                f"MAYA crosses to the table and lifts a mug. She turns it over.\n\n"
                f"MAYA\nNobody has been in the {place} all day.\n")
    if kind in ("stage2_json", "direct_json"):
        prose = prose_in(request)
        quote = re.findall(r'"([^"]+)"', prose)
        return json.dumps({"elements": [
            {"type": "action", "text": "Rain taps on the window. A kettle starts to hum."},
            {"type": "action", "text": "MAYA crosses to the table and lifts a mug. She turns it over."},
            {"type": "dialogue", "character": "MAYA", "parenthetical": "", "text": quote[0] if quote else "Hello."},
        ]})
    return "?"


class ScriptedModel:
    def __init__(self, spec: str = "fake:scripted", overrides: dict | None = None,
                 structured: str | None = None, delay: float = 0.0):
        self.spec = spec
        self.overrides = overrides or {}
        self.structured = structured
        self.delay = delay
        self.requests: list[Request] = []

    def describe(self) -> dict:
        return {"spec": self.spec, "structured_output": self.structured}

    def kinds(self) -> list[str]:
        return [r.kind for r in self.requests]

    async def complete(self, messages, params: Params, sample: int = 0) -> Completion:
        request = Request(request_kind(messages), messages, params, sample)
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        override = self.overrides.get(request.kind) or self.overrides.get("*")
        answer = override(request) if override else None
        if answer is None:
            answer = default_answer(request)
        if isinstance(answer, Completion):
            return answer
        return Completion(answer, "stop", Usage(len(str(messages)) // 4, len(answer) // 4), latency_s=0.001)


def fail(message: str = "cannot reach http://127.0.0.1:9/v1: is the server running?"):
    def raise_error(_request):
        raise LLMError(message)
    return raise_error
