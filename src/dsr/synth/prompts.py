"""Synthesis prompt templates (files in ``prompts/``, ``$name`` fields).

Only what synthesis asks on its own lives here: describing a real scene and
a real character (reverse synthesis) and the grounding block of forward
synthesis's ``--with-reference`` ablation. Forward synthesis otherwise sends
exactly the pipeline's stage-1 prompts (``dsr.pipeline.prompts``), so
training data and inference share one prompt. ``prompt_version()`` hashes
these templates; it goes into every record id.
"""

from __future__ import annotations

from dsr.templates import TemplateSet

TEMPLATE_NAMES = ("reverse_system", "reverse_scene", "reverse_character", "forward_reference")
TEMPLATES = TemplateSet("dsr.synth", TEMPLATE_NAMES)

template_text = TEMPLATES.text
render = TEMPLATES.render


def prompt_version() -> str:
    return TEMPLATES.version
