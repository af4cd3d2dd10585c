"""The shape of the code: no import cycle between the parts of ``triage`` (its subpackages and
top-level modules), and the audit log and the database below the engine and intake.

Read from the source with ``ast`` (imports inside functions count: they are imports all the same).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import triage

PACKAGE = Path(triage.__file__).parent
# parts that must not import others: the audit log keeps records, it never decides or reads referrals
FORBIDDEN = {
    "audit": {"engine", "intake", "front_door", "api", "web", "cli", "cases", "services", "app"},
    "db": {"audit", "access", "engine", "intake", "cases", "api", "web", "cli"},
    "api": {"web", "cli"},
    "web": {"api", "cli"},
    "engine": {"audit", "db", "api", "web", "cli"},
    "rulebook": {"engine", "audit", "db"},
    "matching": {"db", "audit", "engine", "cases", "households", "api", "web", "cli", "services"},  # pure
    "households": {"engine", "intake", "front_door", "api", "web", "cli", "services", "app"},
    "cases": {"households", "api", "web", "cli"},
}


def _part(path: Path) -> str:
    """The part of triage a source file belongs to: its subpackage, or its module's name."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported_parts(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [node.module]
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "triage" and len(parts) > 1:
                yield parts[1]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        part = _part(path)
        if part == "__init__":
            continue
        graph.setdefault(part, set()).update(p for p in _imported_parts(path) if p != part)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between parts, as the path around it, or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_part_of_triage_imports_one_that_imports_it_back():
    assert _cycle(_graph()) is None


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_a_part_imports_nothing_above_it(part):
    assert _graph().get(part, set()) & FORBIDDEN[part] == set()


def test_the_cycle_finder_finds_a_cycle():
    """The check above could only pass if it can fail: a made-up graph with a cycle is found."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
