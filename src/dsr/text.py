"""Small text helpers shared by every layer (prompts, judges, synthesis)."""

from __future__ import annotations

import re


def clip_words(text: str, limit: int) -> str:
    """``text`` single-spaced, cut after ``limit`` words (`` ...`` marks the cut)."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + " ..."


# Speech in prose, in the styles writers and models use: straight and curly
# double quotes, German „…“ and »…«, French «…», single quotes (not an
# apostrophe: the opening one follows no letter, the closing one precedes
# none), a line opened by a dash (Spanish, French), and *italic* thoughts.
# A quotation left open runs to the end of its paragraph.
_SPEECH = re.compile(
    r'"[^"]*(?:"|\Z)'
    r"|\u201c[^\u201d]*(?:\u201d|\Z)"
    r"|\u201e[^\u201c\u201d]*(?:[\u201c\u201d]|\Z)"
    r"|\u00ab[^\u00bb]*(?:\u00bb|\Z)"
    r"|\u00bb[^\u00ab]*(?:\u00ab|\Z)"
    r"|(?<!\w)\u2018.*?(?:\u2019(?!\w)|\Z)"
    r"|(?<!\w)'.*?(?:'(?!\w)|\Z)"
    r"|^[ \t]*[\u2014\u2013][^\n]*"
    r"|\*[^*\n]+\*",
    re.DOTALL | re.MULTILINE,
)


def without_speech(text: str) -> str:
    """``text`` with what people say in it blanked out: the narration alone."""
    return "\n\n".join(_SPEECH.sub(" ", paragraph) for paragraph in re.split(r"\n\s*\n", text))
