"""A scripted stand-in for a chat model, for unit tests of ``dsr develop``'s
orchestration: it recognises the step from the prompt and answers with
plausible JSON shaped by the request's schema. ``overrides`` replace the
answer for a kind of request (``premise``, ``characters``, ``beats``,
``scenes``, or any kind + ``_repair``); every request is recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass

from dsr.llm.base import Completion, Params, Usage

KIND_MARKERS = (
    ("Develop the premise", "premise"),
    ("Create the cast", "characters"),
    ("story beat by beat", "beats"),
    ("Now plan scenes", "scenes"),
)

PLACES = ["HARBOUR OFFICE", "LIGHTHOUSE GALLERY", "FERRY DECK", "ROCKY SHORE", "VILLAGE SHOP", "CHAPEL"]


@dataclass
class Request:
    kind: str
    messages: list
    params: Params
    sample: int

    @property
    def prompt(self) -> str:
        return [m for m in self.messages if m["role"] == "user"][0]["content"]

    @property
    def last(self) -> str:
        return self.messages[-1]["content"]


def request_kind(messages: list) -> str:
    first = [m for m in messages if m["role"] == "user"][0]["content"]
    kind = next((k for marker, k in KIND_MARKERS if marker in first), "unknown")
    return kind + ("_repair" if any(m["role"] == "assistant" for m in messages) else "")


def default_answer(request: Request) -> dict:
    kind = request.kind.replace("_repair", "")
    schema = request.params.json_schema or {}
    if kind == "premise":
        return {"title": "The Last Ferry", "genre": "drama",
                "theme": "Letting people go is also a way of caring for them.",
                "conflict": "Edith wants to keep the child safe, but winter and the sea stand between them.",
                "ending": "The child sails home on the last ferry and Edith lights the lamp again.",
                "style": "Quiet, wind-blown, patient."}
    if kind == "characters":
        return {"characters": [
            {"name": "Edith", "who": "A retired lighthouse keeper of seventy, alone on the island.",
             "want": "To be left in peace.", "need": "To let someone in again.", "flaw": "Stubborn pride.",
             "voice": "Short, dry sentences.", "relationships": [{"name": "MIA", "relation": "the child she finds"}]},
            {"name": "MIA", "who": "A silent girl of eight washed up after the storm.",
             "want": "To get home.", "need": "To trust a stranger.", "flaw": "Fear of the water.",
             "voice": "She does not speak; she draws.", "relationships": [{"name": "EDITH", "relation": "her rescuer"}]},
            {"name": "TOM", "who": "The ferry skipper, forty, in a hurry to close for winter.",
             "want": "To finish the season.", "need": "To slow down.", "flaw": "Impatience with everyone.",
             "voice": "Loud and friendly.", "relationships": [{"name": "NOBODY", "relation": "a cousin"}]},
        ]}
    if kind == "beats":
        keys = list(schema.get("properties", {}))
        return {key: {"what_happens": f"Edith and Mia face the {key.replace('_', ' ')} of their story together.",
                      "what_changes": f"After the {key.replace('_', ' ')} nothing is the same."} for key in keys}
    if kind == "scenes":
        scenes_schema = schema["properties"]["scenes"]
        count = scenes_schema["minItems"]
        cast = scenes_schema["items"]["properties"]["characters"]["items"]["enum"]
        first = int(request.prompt.split("Now plan scenes ", 1)[1].split(" ", 1)[0])
        return {"scenes": [
            {"place": PLACES[(first + n) % len(PLACES)], "interior": "EXT" if n % 2 else "INT", "time": "DAY",
             "characters": cast[:2],
             "summary": f"In scene {first + n} the wind rises while {cast[0].title()} watches the sea and waits."}
            for n in range(count)]}
    return {}


class ScriptedModel:
    def __init__(self, overrides: dict | None = None, spec: str = "fake:develop"):
        self.spec = spec
        self.overrides = overrides or {}
        self.requests: list[Request] = []

    def kinds(self) -> list[str]:
        return [r.kind for r in self.requests]

    async def complete(self, messages, params: Params, sample: int = 0) -> Completion:
        request = Request(request_kind(messages), messages, params, sample)
        self.requests.append(request)
        override = self.overrides.get(request.kind) or self.overrides.get(request.kind.replace("_repair", ""))
        answer = override(request) if override else None
        if answer is None:
            answer = default_answer(request)
        if isinstance(answer, Completion):
            return answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return Completion(text, "stop", Usage(len(str(messages)) // 4, len(text) // 4), latency_s=0.001)
