"""Read YAML files keeping the line of every key, so errors can point at it.

PyYAML's plain ``safe_load`` forgets positions and silently keeps the last of two duplicate keys;
a policy lead who writes ``points:`` twice must be told, so we compose the node tree ourselves.

Policy files arrive over the API too, so a file is refused before it is built when it could cost
more than its size suggests: over ``MAX_FILE_BYTES``, nested deeper than ``MAX_DEPTH``, or using
YAML anchors and aliases (370 bytes of nested aliases expand to hundreds of millions of values;
policy files never need them). Messages name the file as its author knows it, never a server folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from triage.field_paths import dotted_path
from triage.rulebook.errors import PolicyProblem

KeyPath = tuple[str | int, ...]

MAX_FILE_BYTES = 1_048_576  # the largest shipped policy file is about 30 KiB
MAX_DEPTH = 50  # the deepest shipped policy file nests about 12 levels
_NO_SHORTHAND = "are not allowed in policy files: write the value out in full"

# libyaml's loader when PyYAML was built with it (about 15x faster at start-up), with the same
# nodes and marks; the pure-Python one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SourceFile:
    """One YAML file's data and where each key sits in it."""

    name: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: KeyPath, message: str) -> PolicyProblem:
        return PolicyProblem(self.name, self.line_of(path), dotted_path(path), message)


def read_yaml(path: Path, name: str) -> tuple[SourceFile | None, list[PolicyProblem]]:
    """Parse one file; on a syntax error, a duplicate key or a refused shape return the problems instead."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [
                PolicyProblem(
                    name,
                    None,
                    "",
                    f"the file is larger than {MAX_FILE_BYTES // 1024} KiB, the most a policy file may be",
                )
            ]
        text = path.read_text(encoding="utf-8")
        refused = _refused_shape(text, name)
        if refused is not None:
            return None, [refused]
        return _composed(text, name)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        return None, [PolicyProblem(name, line, "", f"YAML syntax error: {reason}")]
    except UnicodeDecodeError as error:
        return None, [PolicyProblem(name, None, "", f"cannot read file: not UTF-8 text ({error.reason})")]
    except OSError as error:  # its text names the server's folder: say why only
        return None, [PolicyProblem(name, None, "", f"cannot read file: {error.strerror or type(error).__name__}")]


def _refused_shape(text: str, name: str) -> PolicyProblem | None:
    """The first anchor, alias or nesting too deep, read off the parser's events before any node is built."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                return PolicyProblem(name, line, "", f"YAML aliases (*name) {_NO_SHORTHAND}")
            if getattr(event, "anchor", None) is not None:
                return PolicyProblem(name, line, "", f"YAML anchors (&name) {_NO_SHORTHAND}")
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return PolicyProblem(
                        name, line, "", f"nested more than {MAX_DEPTH} levels deep; a policy file never needs that many"
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
        return None
    finally:
        loader.dispose()


def _composed(text: str, name: str) -> tuple[SourceFile | None, list[PolicyProblem]]:
    """The file's data with the line of every key (its shape already checked)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source = SourceFile(name, None)
        problems: list[PolicyProblem] = []
        if node is not None:
            source.data = _build(loader, node, (), source, problems)
        return source, problems
    finally:
        loader.dispose()


def _build(loader: Any, node: yaml.Node, path: KeyPath, source: SourceFile, problems: list[PolicyProblem]) -> Any:
    """Convert a node to Python data, recording lines and refusing duplicate or non-text keys."""
    source.lines.setdefault(path, node.start_mark.line + 1)  # a key's own line, when known, wins
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, path, source, problems)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problems.append(PolicyProblem(source.name, line, dotted_path(path), f"key {key!r} must be text"))
                continue
            if key in result:
                problems.append(PolicyProblem(source.name, line, dotted_path(path + (key,)), "duplicate key"))
                continue
            source.lines[path + (key,)] = line
            result[key] = _build(loader, value_node, path + (key,), source, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), source, problems) for i, item in enumerate(node.value)]
    return _scalar(loader, node, path, source, problems)


def _scalar(loader: Any, node: yaml.Node, path: KeyPath, source: SourceFile, problems: list[PolicyProblem]) -> Any:
    """A scalar's value; a number with thousands of digits (which Python refuses to convert) is a problem."""
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        problems.append(
            PolicyProblem(source.name, node.start_mark.line + 1, dotted_path(path), "the number is too long to read")
        )
        return None
