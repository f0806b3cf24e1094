"""Prompt templates that live as text files beside the code using them.

``TemplateSet("dsr.synth", names)`` reads ``<package>/prompts/<name>.txt``
(``$name`` fields, ``string.Template``), renders them, and hashes all of
them into a version string that goes into cache keys and record ids, so an
edited prompt redoes exactly the work that used it.
"""

from __future__ import annotations

import hashlib
from functools import cached_property, lru_cache
from importlib import resources
from string import Template


class TemplateSet:
    def __init__(self, package: str, names: tuple[str, ...]):
        self.package = package
        self.names = names

    @lru_cache(maxsize=None)
    def text(self, name: str) -> str:
        return resources.files(self.package).joinpath("prompts", f"{name}.txt").read_text("utf-8")

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for name in self.names:
            digest.update(name.encode() + b"\0" + self.text(name).encode() + b"\0")
        return digest.hexdigest()[:12]

    def render(self, template: str, /, **fields: str) -> str:
        # substitute, not safe_substitute: a missing field is a bug, not a prompt.
        return Template(self.text(template)).substitute(fields).strip()
