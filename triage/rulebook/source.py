"""Read YAML files keeping the line of every key, so errors can point at it.

PyYAML's plain ``safe_load`` forgets positions and silently keeps the last of two duplicate keys;
a policy lead who writes ``points:`` twice must be told, so we compose the node tree ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from triage.paths import dotted_path
from triage.rulebook.errors import PolicyProblem

KeyPath = tuple[str | int, ...]

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
    """Parse one file; on a syntax error or duplicate key return the problems instead."""
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            source = SourceFile(name, None)
            problems: list[PolicyProblem] = []
            if node is not None:
                source.data = _build(loader, node, (), source, problems)
            return source, problems
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        return None, [PolicyProblem(name, line, "", f"YAML syntax error: {reason}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [PolicyProblem(name, None, "", f"cannot read file: {error}")]


def _build(loader: Any, node: yaml.Node, path: KeyPath, source: SourceFile,
           problems: list[PolicyProblem], active: frozenset[int] = frozenset()) -> Any:
    """Convert a node to Python data, recording lines, refusing duplicate/non-text keys and loops."""
    source.lines.setdefault(path, node.start_mark.line + 1)  # a key's own line, when known, wins
    if id(node) in active:
        problems.append(source.problem(path, "a YAML alias refers to itself"))
        return None
    inner = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problems.append(PolicyProblem(source.name, line, dotted_path(path), f"key {key!r} must be text"))
                continue
            if key in result:
                problems.append(PolicyProblem(source.name, line, dotted_path(path + (key,)), "duplicate key"))
                continue
            source.lines[path + (key,)] = line
            result[key] = _build(loader, value_node, path + (key,), source, problems, inner)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), source, problems, inner) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
