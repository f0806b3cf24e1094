"""A scripted stand-in for the synthesis models (unit tests of the orchestration).

``GoodModel`` answers every synthesis request the way a capable model
would, deterministically, from what the prompt shows: a scene summary made
of the scene's own action sentences and names, a profile from the lines,
directives, and prose that retells the outline (or, with a reference, the
real scene). Its answers pass the filters, so tests can follow good data all
the way into datasets. ``overrides`` replace the answer for a kind of request
(a function of the request; may raise ``LLMError``); every request is kept
(the skeleton is ``testkit.scripted``).
"""

from __future__ import annotations

import json
import re

from testkit.scripted import Request, ScriptedModel


def request_kind(messages: list) -> str:
    """Which request this is, from markers that survive rewording of the
    pipeline's templates (ours are matched exactly)."""
    user = messages[-1]["content"]
    if "Describe this scene for an outline" in user:
        return "scene"
    if "for a writer. Answer with JSON" in user:
        return "character"
    if '"action_beats"' in user and '"pacing"' in user:
        return "directives"
    if "prose" in user.lower() and "What happens:" in user:
        return "prose"
    return "unknown"


def _between(text: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + r"\n(.*?)\n" + re.escape(end), text, re.DOTALL)
    return match.group(1).strip() if match else ""


def scene_answer(request: Request) -> str:
    user = request.user
    scene = _between(user, "The scene:", "Describe this scene")
    action = [ln for ln in scene.split("\n\n") if ln.strip() and not ln.strip().isupper()
              and not ln.startswith("(") and len(ln.split()) > 4]
    names = re.search(r"^Characters in the scene: (.*)$", user, re.MULTILINE).group(1)
    first = " ".join(action[0].split()[:30]) if action else "They talk."
    summary = f"{names.split(',')[0].title()} is here. {first}"
    return json.dumps({
        "summary": summary, "pacing": "Slow at first, then quicker as the talk turns.",
        "revelation": "We learn what each of them wants near the end.",
        "emotional_trajectory": "From wary distance to a first moment of trust.",
        "action_beats": [" ".join(a.split()[:12]) for a in action[:3]] or ["They talk."],
    })


def character_answer(request: Request) -> str:
    name = re.search(r"^Character: (.*)$", request.user, re.MULTILINE).group(1)
    return json.dumps({"who": f"{name.title()} is one of the people of this story.",
                       "wants": "to be left in peace", "flaws": "stubborn and proud",
                       "voice": "short, dry sentences", "relationships": []})


def directives_answer(request: Request) -> str:
    return json.dumps({"pacing": "Measured, with a pause before the last line.",
                       "revelation": "The stakes become clear at the end.",
                       "emotional_trajectory": "Guarded to open.",
                       "action_beats": ["They meet.", "They talk.", "One of them leaves."]})


def prose_answer(request: Request) -> str:
    """The outline retold (and the reference's words when the prompt has one)."""
    user = request.user
    summary = re.search(r"^What happens: (.*)$", user, re.MULTILINE).group(1)
    names = re.findall(r"^- ([A-Z][A-Z0-9 .'-]*?)(?::| \(|$)", user, re.MULTILINE)
    reference = user.split("not as a screenplay:", 1)[1].strip() if "not as a screenplay:" in user else ""
    people = ", ".join(n.title() for n in names if n != "(none named)") or "Someone"
    body = [summary, f"{people} stand close together and nobody moves for a while.",
            f'{names[0] if names else "SOMEONE"} says, "We should go before the light changes."']
    if reference:
        body.append(" ".join(re.sub(r"[^\w .,!?'\"]", " ", reference).split()[:400]))
    # Each take (sample // 100, the pipeline's numbering) its own ending, so
    # K samples of one scene differ; the near-duplicate filter sees through less.
    take = request.sample // 100
    body.append(["A door bangs somewhere far off. Nobody turns to look at it, and the silence comes back.",
                 "Rain starts against the window, hard and sudden, and the street outside empties fast.",
                 "A phone rings twice on the wall and stops before anyone can reach it.",
                 "Footsteps pass in the corridor outside, slow, then quick, then gone."][take % 4])
    return "\n\n".join(body)


ANSWERS = {"scene": scene_answer, "character": character_answer, "directives": directives_answer,
           "prose": prose_answer}


class GoodModel(ScriptedModel):
    def __init__(self, spec: str = "fake:good", delay: float = 0.0, overrides: dict | None = None):
        super().__init__(spec, overrides, delay=delay, structured="grammar")

    def kind_of(self, messages: list) -> str:
        return request_kind(messages)

    def answer(self, request: Request) -> str:
        answer = ANSWERS.get(request.kind)
        return answer(request) if answer else super().answer(request)
