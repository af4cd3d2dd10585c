"""Matching is pure: it reads no database and serves no web page, so it can be tried on its own
and used by any way in. Read from the source with ``ast`` (imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import triage.matching

ALLOWED = {"matching", "identifiers", "postcodes"}  # the parts of triage matching may import


def test_matching_imports_no_other_part_of_triage() -> None:
    used: set[str] = set()
    for path in Path(triage.matching.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            used.update(name.split(".")[1] for name in names if name.startswith("triage."))
    assert used <= ALLOWED, sorted(used - ALLOWED)
