"""benchmarks/mutation.py makes the bugs issue 20 was about, and each mutant changes one thing."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    """benchmarks/mutation.py, imported from its file (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_mutation", ROOT / "benchmarks" / "mutation.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["benchmarks_mutation"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("triage/engine/compiler.py", "'le': 'gt' -> 'le': 'ge'"),
        ("triage/audit/verify.py", "any((content.get(key) != value for key, value in columns.items())) -> all("),
        ("triage/web/decisions.py", "check_csrf(request, csrf_token) -> pass"),
    ],
    ids=["negation-table", "verify-any-all", "csrf-removed"],
)
def test_the_bugs_found_by_hand_are_among_the_mutants(tool, file, key):
    assert any(key in found for found in tool._numbered(tool.mutants_of(file)))


def test_docstrings_decorators_and_type_unions_are_not_mutated(tool):
    mutants = tool.mutants_of("triage/engine/compiler.py")
    assert not [m for m in mutants if "frozen" in m.before or "| None" in m.before or "intermediate form" in m.before]


def test_a_mutant_changes_exactly_its_node_and_keeps_the_file_name(tool):
    [mutant] = [m for m in tool.mutants_of("triage/postcodes.py") if m.after == "len(text) >= _MAX_ECHO"]
    source = (ROOT / "triage/postcodes.py").read_text(encoding="utf-8")
    mutated = tool._Walk(source.splitlines(), target=(mutant.index, mutant.variant)).visit(ast.parse(source))
    before, after = ast.unparse(ast.parse(source)).splitlines(), ast.unparse(mutated).splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ("    if len(text) > _MAX_ECHO:", "    if len(text) >= _MAX_ECHO:")
    ]
    assert tool.mutated_code(mutant).co_filename == str(ROOT / "triage/postcodes.py")


def test_each_module_in_the_table_maps_to_existing_tests(tool):
    for module, tests in tool.TESTS.items():
        assert (ROOT / module).exists(), module
        assert all((ROOT / test).exists() for test in tests), module
