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


def cast_in(request: Request) -> list[str]:
    """The names under ``Who:`` in the request (stage 1 and direct)."""
    first = [m for m in request.messages if m["role"] == "user"][0]["content"]
    block = first.split("\nWho:\n", 1)[-1].split("\nWhat happens:", 1)[0] if "\nWho:\n" in first else ""
    return [m.group(1).strip() for m in re.finditer(r"^- ([A-Z][A-Z .'-]*?)(?: \(|:|$)", block, re.MULTILINE)]


def others_line(request: Request) -> str:
    """A sentence naming the scene's people besides MAYA (a faithful model names its cast)."""
    others = [n.title() for n in cast_in(request) if n != "MAYA"]
    return " ".join(f"{n} watches her from the door." for n in others)


def default_answer(request: Request) -> str:
    kind = request.kind.replace("_repair", "")
    if kind == "directives":
        return json.dumps({"pacing": "slow, then quick", "revelation": "the key is gone",
                           "emotional_trajectory": "calm to alarmed",
                           "action_beats": ["She enters.", "She searches.", "She speaks."]})
    if kind == "prose":
        place = place_of(request.heading).lower()
        return (f"Rain taps on the window of the {place}. A kettle starts to hum. {request.field('What happens:')}\n\n"
                f"MAYA crosses to the table and lifts a mug. She turns it over. {others_line(request)}\n\n"
                f'MAYA says, "Nobody has been in the {place} all day."')
    if kind == "stage2_fountain":
        heading = request.field("Scene heading (use it exactly, as the first line):")
        paragraphs = [re.sub(r'^(\w+) says, "(.*)"$', r"\1\n\2", p) for p in prose_in(request).split("\n\n")]
        return heading + "\n\n" + "\n\n".join(paragraphs) + "\n"
    if kind == "direct_fountain":
        heading = request.heading
        place = place_of(heading).lower()
        return (f"{heading}\n\nRain taps on the window of the {place}. A kettle starts to hum. "
                f"{request.field('What happens:')}\n\n"
                f"MAYA crosses to the table and lifts a mug. She turns it over. {others_line(request)}\n\n"
                f"MAYA\nNobody has been in the {place} all day.\n")
    if kind in ("stage2_json", "direct_json"):
        prose = prose_in(request)
        quote = re.findall(r'"([^"]+)"', prose)
        events = re.findall(r"hum\. (.*?)\n", prose)[:1] if prose else [request.field("What happens:")]
        others = re.findall(r"((?:\w+ watches her from the door\. ?)+)", prose) if prose else [others_line(request)]
        return json.dumps({"elements": [
            {"type": "action", "text": " ".join(["Rain taps on the window. A kettle starts to hum.", *events])},
            {"type": "action", "text": " ".join(["MAYA crosses to the table and lifts a mug. She turns it over.",
                                                 *others]).strip()},
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
