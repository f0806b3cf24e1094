"""Getting the content out of a model's answer.

Models wrap what we asked for: ``<think>`` blocks from reasoning models,
"Sure! Here is the scene:" before it, code fences around it, "Let me know if
you want changes" after it. These helpers peel that off, and find the first
JSON object in an answer even when it is surrounded by prose.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.IGNORECASE | re.DOTALL)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*[\w+-]*[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)

# A first line that only announces the content: an interjection followed by
# punctuation ("Sure! ...", "Certainly."), or "Here is ..." that ends in a
# colon or names the thing delivered ("Here's the formatted scene.").
_INTERJECTION = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|absolutely|great|alright)\s*[!,.:]", re.IGNORECASE
)
_ANNOUNCEMENT = re.compile(
    r"^\s*(?:here(?:'s| is| are)|below is|below are|the following is)\b"
    r"(?:[^\n]*:\s*|[^\n]*\b(?:scene|screenplay|script|answer|json|version|result|draft|prose|output)\b[^\n]*[.!]\s*)$",
    re.IGNORECASE,
)
# A last line that only talks to the user ("Let me know if ...").
_SIGN_OFF = re.compile(
    r"^\s*(?:let me know\b|i hope (?:this|that)\b|feel free to\b|hope (?:this|that) helps\b"
    r"|would you like\b|if you(?:'d| would)? like\b|do you want\b|is there anything\b)[^\n]*$",
    re.IGNORECASE,
)


def strip_think(text: str) -> str:
    """Remove reasoning blocks. An unclosed ``<think>`` (cut off by the token
    limit) hides everything after it; a lone ``</think>`` (the template
    opened the block inside the prompt) hides everything before it."""
    text = _THINK_BLOCK.sub("", text)
    close = None
    for close in _THINK_CLOSE.finditer(text):
        pass
    if close is not None:
        text = text[close.end():]
    opened = _THINK_OPEN.search(text)
    if opened is not None:
        text = text[: opened.start()]
    return text


def strip_fences(text: str) -> str:
    """The inside of the longest fenced code block, if the answer has one;
    else the text unchanged."""
    blocks = _FENCE.findall(text)
    if not blocks:
        return text
    return max(blocks, key=len)


def strip_chatter(text: str) -> str:
    """Drop lead-in and sign-off lines addressed to the user."""
    lines = text.strip().splitlines()
    while lines and (not lines[0].strip() or _is_lead_in(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _SIGN_OFF.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def _is_lead_in(line: str) -> bool:
    if len(line) > 160:  # a long line is content, whatever its first word
        return False
    return bool(_INTERJECTION.match(line) or _ANNOUNCEMENT.match(line))


def clean_answer(text: str) -> str:
    """Everything above in the order it matters: think blocks, fences, chatter."""
    text = strip_think(text)
    text = strip_chatter(text)
    text = strip_fences(text)
    return strip_chatter(text).strip()


_DECODER = json.JSONDecoder()
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"'})


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text``, or None if there is none.

    Looks past think blocks, fences and prose; tolerates trailing commas and
    typographic double quotes around keys. A truncated object (the answer hit
    the token limit) is not an object: None.
    """
    text = strip_think(text)
    for attempt in (text, _repair(text)):
        found = _first_object(attempt)
        if found is not None:
            return found
    return None


def _first_object(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            # Not JSON from here: skip this whole {...} so we never return an
            # inner piece of a broken or truncated object.
            end = _balanced_end(text, start)
            if end == -1:
                return None
            start = text.find("{", end)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _balanced_end(text: str, start: int) -> int:
    """Index just past the brace closing the one at ``start`` (strings
    respected), or -1 if it never closes."""
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def _repair(text: str) -> str:
    return _TRAILING_COMMA.sub(r"\1", text.translate(_SMART_QUOTES))
