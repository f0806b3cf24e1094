"""A scripted stand-in for a chat model, for unit tests of ``dsr develop``'s
orchestration: it recognises the step from the prompt and answers with
plausible JSON shaped by the request's schema. ``overrides`` replace the
answer for a kind of request (``premise``, ``characters``, ``beats``,
``scenes``, or any kind + ``_repair``); every request is recorded."""

from __future__ import annotations

import json
from dsr.llm.base import Completion, Usage
from testkit import scripted

KIND_MARKERS = (
    ("Develop the premise", "premise"),
    ("Create the cast", "characters"),
    ("story beat by beat", "beats"),
    ("Now plan scenes", "scenes"),
)

PLACES = ["HARBOUR OFFICE", "LIGHTHOUSE GALLERY", "FERRY DECK", "ROCKY SHORE", "VILLAGE SHOP", "CHAPEL"]


class Request(scripted.Request):
    @property
    def prompt(self) -> str:
        """The first user message (the step's request)."""
        return self.first_user

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


class ScriptedModel(scripted.ScriptedModel):
    """``overrides`` by kind; a repair falls back to its step's override."""
    request_type = Request

    def __init__(self, overrides: dict | None = None, spec: str = "fake:develop"):
        super().__init__(spec)
        self.step_overrides = overrides or {}

    def kind_of(self, messages: list) -> str:
        return request_kind(messages)

    def answer(self, request: Request):
        kind = request.kind
        override = self.step_overrides.get(kind) or self.step_overrides.get(kind.replace("_repair", ""))
        answer = override(request) if override else None
        if answer is None:
            answer = default_answer(request)
        if isinstance(answer, Completion):
            return answer
        return answer if isinstance(answer, str) else json.dumps(answer)

    def usage(self, request: Request, text: str) -> Usage:
        return Usage(len(str(request.messages)) // 4, len(text) // 4)
