"""Reading story files: bytes to text, and YAML / JSON / Markdown text to
plain data, with a way back from a data path to its line in the file and the
problems found while reading (duplicate keys, Markdown labels). Validation of
the data is ``loader.py``'s job."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml

from dsr.errors import UserError
from dsr.story.markdown import parse_markdown


@dataclass(frozen=True)
class Problem:
    path: str  # "scenes[3].summary"; "" for the file as a whole
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.path and self.line else (
            self.path or (f"line {self.line}" if self.line else ""))
        return f"{where}: {self.message}" if where else self.message


@dataclass(repr=False)
class Parsed:
    data: Any
    line_of: Callable[[tuple], int | None]  # data path -> line number, if known
    problems: list[Problem]

    def __repr__(self) -> str:
        # The data may be a YAML alias bomb: never expand it in a traceback.
        return f"Parsed({type(self.data).__name__}, {len(self.problems)} problems)"


def guess_format(text: str) -> str:
    """``json``, ``markdown`` or ``yaml`` for a story given without a file name
    (standard input): JSON starts with ``{``; Markdown has ``## `` sections
    and none of YAML's top-level keys; anything else is read as YAML."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "json"
    if re.search(r"(?m)^##\s+\S", text) and not re.search(r"(?m)^(title|characters|scenes)\s*:", text):
        return "markdown"
    return "yaml"


def decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                        "save the file as UTF-8") from None


class _YamlLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    pass


def parse_yaml(text: str, source: str) -> Parsed:
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserError(f"{source}: not valid YAML{where}: {exc.problem or exc.context}{_yaml_hint(exc)}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    problems = _duplicate_keys(node) if node is not None else []
    return Parsed(data, lambda path: _yaml_line(node, path), problems)


def _yaml_hint(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or ""
    if "mapping values are not allowed" in problem:
        return " (a value that contains ': ' needs quotes)"
    if "'\\t'" in problem or "tab" in problem:
        return " (indent with spaces, not tabs)"
    if "another document" in problem:
        return " (one story per file: remove the second '---')"
    if "expected key" in problem or "expected <block end>" in problem:
        return " (check the indentation there, and quote a value that starts with a quote mark but goes on after it)"
    return ""


def _yaml_line(node: yaml.Node | None, path: tuple) -> int | None:
    """The line of the deepest node along ``path`` (the key's line for a mapping entry)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """YAML keeps the last of two equal keys silently; a writer loses text that way."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()  # aliases point at the same node: visit each once
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name is not None and name in first:
                    problems.append(Problem(path_text(path + (name,)), f"given twice, first at line {first[name]} "
                                            "(keep one)", key.start_mark.line + 1))
                elif name is not None:
                    first[name] = key.start_mark.line + 1
                stack.append((value, path + (name,)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in enumerate(node.value))
    return problems


def parse_json(text: str, source: str) -> Parsed:
    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    problems = [Problem(key, "key given twice in one object (keep one)") for key in dict.fromkeys(duplicates)]
    return Parsed(data, lambda path: _json_line(text, path), problems)


def _json_line(text: str, path: tuple) -> int | None:
    # JSON is (nearly) YAML, and YAML keeps positions: good enough to point at a line.
    try:
        return _yaml_line(yaml.compose(text, Loader=_YamlLoader), path)
    except yaml.YAMLError:
        return None


def parse_markdown_story(text: str, source: str) -> Parsed:
    parsed = parse_markdown(text)

    def line_of(path: tuple) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in parsed.lines:
                return parsed.lines[path[:end]]
        return None

    problems = [Problem(path_text(p.path), p.message, p.line) for p in parsed.problems]
    return Parsed(parsed.data, line_of, problems)


def path_text(loc: tuple) -> str:
    """("scenes", 3, "summary") -> "scenes[3].summary"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
