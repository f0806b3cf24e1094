"""Small text helpers shared by every layer (prompts, judges, synthesis)."""

from __future__ import annotations


def clip_words(text: str, limit: int) -> str:
    """``text`` single-spaced, cut after ``limit`` words (`` ...`` marks the cut)."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + " ..."
