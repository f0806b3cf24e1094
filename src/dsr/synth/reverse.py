"""Reverse synthesis: a real screenplay -> what a writer would have given ``dsr write``.

Per screenplay, one item per main character (a profile: who, wants, flaws,
voice, relationships); per scene, one item (the outline beat's summary and
the narrative directives: pacing, revelation, emotional trajectory, action
beats). Everything the script states outright (place, time, interior,
who is present) is read from the script, not asked: the model only writes
what needs reading comprehension.

Each call is constrained to a JSON schema (llama.cpp grammar for the
embedded model, ``json_schema``/``json_object`` on servers) with bounded
string lengths, so even a 135M model answers with the right keys and stops.
An answer that still does not parse is drawn again (``junk_retries``) and
then kept as an ``unparsed`` record with its raw text and the reason.
"""

from __future__ import annotations

from dsr.files import canonical_json
from dsr.llm.base import ChatModel, Params
from dsr.llm.text import extract_json
from dsr.pipeline.calls import TOKEN_CAP, CallLog, ask, sample_index
from dsr.text import clip_words
from dsr.pipeline.stage1 import parse_directives
from dsr.screenplay.clip import clip_scene
from dsr.screenplay.inline import plain
from dsr.screenplay.stats import character_key
from dsr.synth.corpus import CorpusScene, CorpusScreenplay
from dsr.synth.prompts import prompt_version, render
from dsr.synth.records import WorkItem, content_hash, outcome, params_from, record_id
from dsr.synth.settings import ReverseSettings

SCENE_WORDS = 700  # words of the scene shown to the model (a long scene is clipped)
LINE_WORDS = 25  # per spoken line in a character's evidence
LINES_WORDS = 220  # spoken words in all
MENTION_WORDS = 120  # action words that name the character
MIN_SUMMARY_WORDS = 4

_SHORT = {"type": "string", "minLength": 1, "maxLength": 160}
SCENE_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "minLength": 10, "maxLength": 300},
        "pacing": _SHORT,
        "revelation": _SHORT,
        "emotional_trajectory": _SHORT,
        "action_beats": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100},
                         "minItems": 1, "maxItems": 5},
    },
    "required": ["summary", "pacing", "revelation", "emotional_trajectory", "action_beats"],
}


def character_schema(others: list[str]) -> dict:
    """Profile fields; relationship names limited to the rest of the cast."""
    relations: dict = {"type": "array", "maxItems": 0}  # nobody else to relate to
    if others:
        relation = {"type": "object", "properties": {"name": {"enum": others}, "relation": _SHORT},
                    "required": ["name", "relation"]}
        relations = {"type": "array", "items": relation, "maxItems": 4}
    return {
        "type": "object",
        "properties": {"who": _SHORT, "wants": _SHORT, "flaws": _SHORT, "voice": _SHORT,
                       "relationships": relations},
        "required": ["who", "wants", "flaws", "voice", "relationships"],
    }


# ---------------------------------------------------------------- prompts

def scene_messages(sp: CorpusScreenplay, scene: CorpusScene) -> list[dict]:
    fields = {
        "title": sp.title, "position": str(scene.index + 1), "heading": scene.heading.text,
        "characters": ", ".join(scene.characters) or "(none named)",
        "scene": clip_scene(scene.body_fountain, SCENE_WORDS)[0],
    }
    return [{"role": "system", "content": render("reverse_system")},
            {"role": "user", "content": render("reverse_scene", **fields)}]


def character_evidence(sp: CorpusScreenplay, name: str) -> tuple[str, str]:
    """(what they say, what the action says about them), bounded."""
    lines, mentions = [], []
    said = mentioned = 0
    speaker = None
    for el in sp.elements:
        if el.type == "character":
            speaker = character_key(el)
        elif el.type == "dialogue" and speaker == name and said < LINES_WORDS:
            line = clip_words(plain(el.text), LINE_WORDS)
            lines.append(f"- {line}")
            said += len(line.split())
        elif el.type == "action" and mentioned < MENTION_WORDS and name in plain(el.text).upper():
            text = clip_words(plain(el.text), 40)
            mentions.append(f"- {text}")
            mentioned += len(text.split())
    return "\n".join(lines) or "(nothing)", "\n".join(mentions) or "(nothing)"


def character_messages(sp: CorpusScreenplay, name: str, others: list[str]) -> list[dict]:
    lines, mentions = character_evidence(sp, name)
    fields = {"title": sp.title, "name": name, "others": ", ".join(others) or "(none)",
              "lines": lines, "mentions": mentions}
    return [{"role": "system", "content": render("reverse_system")},
            {"role": "user", "content": render("reverse_character", **fields)}]


# ---------------------------------------------------------------- planning

def plan_reverse(corpus: list[CorpusScreenplay], settings: ReverseSettings, model_id: str) -> list[WorkItem]:
    """Every reverse item of the corpus, with its record id, in a stable order."""
    items = []
    for sp in corpus:
        main = sp.cast[: settings.max_characters]
        for name in main:
            others = [n for n in sp.cast if n != name][:12]
            messages = character_messages(sp, name, others)
            params = settings.params(character_schema(others))
            source = {"file": sp.file, "screenplay": sp.id, "character": name,
                      "content_hash": content_hash(canonical_json(messages))}
            items.append(_item("reverse.character", source, messages, params, model_id,
                               {"name": name, "others": others, "retries": settings.junk_retries}))
        for scene in sp.scenes:
            messages = scene_messages(sp, scene)
            params = settings.params(SCENE_SCHEMA)
            source = {"file": sp.file, "screenplay": sp.id, "scene": scene.index, "scene_hash": scene.hash,
                      "content_hash": content_hash(canonical_json(messages))}
            items.append(_item("reverse.scene", source, messages, params, model_id,
                               {"retries": settings.junk_retries}))
    return items


def _item(step: str, source: dict, messages: list[dict], params: Params, model_id: str, extra: dict) -> WorkItem:
    meta = {"model": model_id, "prompt_version": prompt_version(), "params": params.key_dict(), "sample": 0}
    rid = record_id(step=step, source=source, prompt_version=meta["prompt_version"], model=model_id,
                    params=meta["params"], sample=0)
    return WorkItem(rid, step, {"messages": messages, "meta": meta, **extra}, source)


# ---------------------------------------------------------------- per-record functions

async def _ask_until_parsed(payload: dict, model: ChatModel, log: CallLog, parse) -> dict:
    params = params_from(payload["meta"]["params"])
    sample = payload["meta"]["sample"]
    raw, reason = "", "no answer"
    for retry in range(payload.get("retries", 0) + 1):
        completion = await ask(model, payload["messages"], params, sample_index(sample, retry), log)
        raw = completion.text
        if completion.finish_reason == "length":
            raised = min(TOKEN_CAP, params.max_tokens * 2)
            reason = f"cut off by the token limit (asked with {params.max_tokens}, then {raised} tokens)"
            continue
        result, reason = parse(completion.text)
        if result is not None:
            return outcome(result, flags=["retried"] if retry else [])
    return outcome(reason=reason, raw=raw)


async def scene_step(payload: dict, model: ChatModel, log: CallLog) -> dict:
    return await _ask_until_parsed(payload, model, log, parse_scene_answer)


async def character_step(payload: dict, model: ChatModel, log: CallLog) -> dict:
    others = payload["others"]
    return await _ask_until_parsed(payload, model, log, lambda text: parse_character_answer(text, others))


def parse_scene_answer(text: str) -> tuple[dict | None, str]:
    data = extract_json(text)
    if data is None:
        return None, "no JSON object in the answer"
    summary = data.get("summary")
    if not isinstance(summary, str) or len(summary.split()) < MIN_SUMMARY_WORDS:
        return None, f"no usable summary (under {MIN_SUMMARY_WORDS} words)"
    directives = parse_directives(text)
    if directives is None:
        return None, "no usable directives"
    return {"summary": " ".join(summary.split()), "directives": directives.model_dump()}, ""


def parse_character_answer(text: str, others: list[str]) -> tuple[dict | None, str]:
    data = extract_json(text)
    if data is None:
        return None, "no JSON object in the answer"
    parts = {key: " ".join(str(data.get(key) or "").split()) for key in ("who", "wants", "flaws", "voice")}
    if not parts["who"]:
        return None, "no 'who' in the profile"
    relationships = {}
    for entry in data.get("relationships") or []:
        if isinstance(entry, dict) and entry.get("name") in others and str(entry.get("relation") or "").strip():
            relationships[entry["name"]] = " ".join(str(entry["relation"]).split())
    return {"profile": compose_profile(parts), "relationships": relationships, **parts}, ""


def compose_profile(parts: dict[str, str]) -> str:
    """who / wants / flaws / voice as the one ``profile`` text a story file holds."""
    pieces = [_sentence(parts["who"])]
    for label, key in (("Wants", "wants"), ("Flaws", "flaws"), ("Voice", "voice")):
        if parts.get(key):
            pieces.append(f"{label}: {_sentence(parts[key])}")
    return " ".join(pieces)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."

