"""Cutting a long scene to fit a prompt, the same way everywhere.

A model is shown at most ``limit`` words of a scene (reverse synthesis
describing a real scene, a judge reading one). The cut falls at a line end,
so the scene keeps its layout, and a marker line says that it goes on.
"""

from __future__ import annotations

CLIP_MARK = "(... the scene goes on ...)"


def clip_scene(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` words of ``text`` cut at a line end (with
    ``CLIP_MARK`` after them), and whether it was cut. A scene within the
    limit comes back as it is."""
    if len(text.split()) <= limit:
        return text, False
    kept, count = [], 0
    for line in text.splitlines():
        count += len(line.split())
        if count > limit and kept:
            kept.append(CLIP_MARK)
            break
        kept.append(line)
    return "\n".join(kept), True
