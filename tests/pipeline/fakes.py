"""The pipeline's scripted model, for unit tests of the orchestration.

``ScriptedModel`` (on ``testkit.scripted``'s skeleton) recognises which
pipeline request it got (directives, prose, stage 2 in Fountain or JSON, a
repair, direct) from the prompt and answers plausibly and
deterministically; ``overrides`` replace the answer for a kind of request
(a function of the request, may raise LLMError). Every request is recorded
in ``requests``.
"""

from __future__ import annotations

import json
import re

from dsr.llm.base import Usage
from testkit import scripted
from testkit.scripted import fail  # noqa: F401  (tests import it from here)


class Request(scripted.Request):
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
    match = re.search(r"Prose:\n(.*?)\n\n(?:Rules:|Each element)", request.first_user, re.DOTALL)
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


class ScriptedModel(scripted.ScriptedModel):
    request_type = Request

    def kind_of(self, messages: list) -> str:
        return request_kind(messages)

    def answer(self, request: Request) -> str:
        return default_answer(request)

    def usage(self, request: Request, text: str) -> Usage:
        return Usage(len(str(request.messages)) // 4, len(text) // 4)
