"""Synthesis prompt templates (files in ``prompts/``, ``$name`` fields).

Only what synthesis asks on its own lives here: describing a real scene and
a real character (reverse synthesis) and the grounding block of forward
synthesis's ``--with-reference`` ablation. Forward synthesis otherwise sends
exactly the pipeline's stage-1 prompts (``dsr.pipeline.prompts``), so
training data and inference share one prompt. ``prompt_version()`` hashes
these templates; it goes into every record id.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from string import Template

TEMPLATE_NAMES = ("reverse_system", "reverse_scene", "reverse_character", "forward_reference")


@lru_cache(maxsize=None)
def template_text(name: str) -> str:
    return resources.files("dsr.synth").joinpath("prompts", f"{name}.txt").read_text("utf-8")


@lru_cache(maxsize=1)
def prompt_version() -> str:
    digest = hashlib.sha256()
    for name in TEMPLATE_NAMES:
        digest.update(name.encode() + b"\0" + template_text(name).encode() + b"\0")
    return digest.hexdigest()[:12]


def render(template: str, /, **fields: str) -> str:
    return Template(template_text(template)).substitute(fields).strip()
