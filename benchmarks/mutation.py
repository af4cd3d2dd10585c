"""Mutation testing: how many small, realistic bugs the fast tests of each module catch.

    python benchmarks/mutation.py [MODULE ...] [--target 95] [--timeout-factor 3] [--list]

MODULE is a file or a package folder from the table below (default: all of them); the table also
names each module's fast test subset (and ``ONLY`` the part of a module that is measured: the
CSRF checks of the form handlers). Each mutant changes one thing in one module: a comparison
(``<`` to ``<=`` or ``>=``, ``==`` to ``!=``, ``in`` to ``not in``, ``is`` to ``is not``), an
arithmetic operator, ``and``/``or``, a dropped ``not``, a number (+1), ``True``/``False``, a
condition-language operator name (``"le"`` to ``"lt"``), ``any``/``all`` or ``min``/``max``, or a
call made for its effect removed (``check_csrf(...)`` becomes ``pass``). Lines marked
``# pragma: no mutate`` are left alone.

How it runs (and why it is written here rather than with mutmut or cosmic-ray): this process
imports pytest and the third-party libraries once, then forks one child per mutant; the child loads
the mutated module from memory (nothing on disk changes) and runs the tests. A first run of the
subset under coverage, one context per test phase, says which tests execute each line: a mutant
runs only those tests (with -x), and a mutant that survives them is run again against the whole
subset, so the verdict is the subset's. mutmut 3 mutates only code inside functions (its
trampolines), so a module-level table such as the compiler's negation table, the bug that started
issue 20, is never mutated; cosmic-ray edits the files in place and starts pytest per mutant (about
3 s each here before a test runs). A mutant still running after ``--timeout-factor`` times the
subset's clean run (plus 10 s) is stopped and counts as killed (an infinite loop is caught).

Output: per module, mutants, killed, survived, not covered (no test in the subset runs the line),
equivalent (listed in benchmarks/mutation_equivalents.md) and the kill rate, killed / (mutants -
equivalent); then every survivor as ``file:line  before -> after``. The exit status is 1 when
any module's kill rate is below ``--target`` percent, 2 when the unmutated subset fails.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.util
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.md")

# module (file or package folder) -> its fast test subset (files or folders under tests/)
TESTS: dict[str, list[str]] = {
    "triage/engine/": [
        "tests/engine/test_compiler.py",
        "tests/engine/test_decision_log.py",
        "tests/engine/test_decide.py",
        "tests/engine/test_routing.py",
        "tests/engine/test_problems.py",
        "tests/engine/test_need_score.py",
        "tests/engine/test_also_refer.py",
        "tests/engine/test_localities.py",
        "tests/engine/test_timescales.py",
        "tests/engine/test_determinism.py",
        "tests/engine/test_durable_backend.py",
        "tests/engine/test_differential.py",
        "tests/engine/test_library.py",
        "tests/rulebook/test_policy_edits.py",
        "tests/policy_tests",
    ],
    "triage/calendar.py": ["tests/test_calendar.py", "tests/engine/test_timescales.py"],
    "triage/holiday_cache.py": ["tests/test_holiday_cache.py", "tests/test_calendar.py"],
    "triage/postcodes.py": ["tests/test_postcodes.py", "tests/engine/test_localities.py"],
    "triage/models.py": ["tests/test_models.py", "tests/test_intake.py"],
    "triage/characters.py": ["tests/test_characters.py", "tests/test_models.py"],
    "triage/rulebook/": ["tests/rulebook", "tests/engine/test_compiler.py"],
    # the audit chain: canonical JSON and the link hash, the chain, the log that writes it, verify,
    # personal data kept beside it, checkpoints, retention and the ruleset archive
    "triage/canonical.py": ["tests/test_canonical.py", "tests/audit/test_canonical.py", "tests/rulebook/test_hash.py"],
    "triage/audit/canonical.py": ["tests/audit/test_canonical.py", "tests/audit/test_verify_tamper.py"],
    "triage/audit/chain.py": [
        "tests/audit/test_store.py",
        "tests/audit/test_verify_tamper.py",
        "tests/audit/test_decision_index.py",
        "tests/audit/test_purge_personal_data.py",
    ],
    "triage/audit/log.py": [
        "tests/audit/test_store.py",
        "tests/audit/test_group_commit.py",
        "tests/audit/test_decision_index.py",
        "tests/audit/test_retention_and_replay.py",
    ],
    "triage/audit/verify.py": [
        "tests/audit/test_verify_tamper.py",
        "tests/audit/test_tamper_evidence.py",
        "tests/audit/test_store.py",
        "tests/audit/test_decision_index.py",
        "tests/audit/test_purge_personal_data.py",
    ],
    "triage/audit/personal.py": ["tests/audit/test_purge_personal_data.py", "tests/audit/test_store.py"],
    "triage/audit/checkpoints.py": ["tests/audit/test_checkpoints.py", "tests/audit/test_tamper_evidence.py"],
    "triage/audit/retention.py": [
        "tests/audit/test_retention.py",
        "tests/audit/test_retention_and_replay.py",
        "tests/audit/test_purge_personal_data.py",
    ],
    "triage/audit/archive.py": [
        "tests/audit/test_archive.py",
        "tests/audit/test_tamper_evidence.py",
        "tests/audit/test_store.py",
        "tests/audit/test_versions.py",
        "tests/audit/test_ruleset_loaded.py",
        "tests/audit/test_retention_and_replay.py",
    ],
    "triage/access/": [
        "tests/access",
        "tests/audit/test_sign_in_failures.py",
        "tests/web/test_pages.py",
        "tests/api/test_security.py",
    ],
    # web sessions, signing in and its limits, and the CSRF check where each form makes it
    "triage/web/sessions.py": ["tests/web/test_sessions.py", "tests/web/test_pages.py", "tests/web/test_csrf.py"],
    "triage/web/signing_in.py": ["tests/web/test_csrf.py", "tests/web/test_signing_in.py", "tests/web/test_pages.py"],
    "triage/web/throttle.py": ["tests/web/test_throttle.py", "tests/web/test_signing_in.py"],
    "triage/web/decisions.py": ["tests/web/test_csrf.py"],
    "triage/web/referrals.py": ["tests/web/test_csrf.py"],
    "triage/web/links.py": ["tests/web/test_csrf.py"],
}
# modules of which only part is listed: only the mutants whose key contains this text (the rest of
# the module is not part of issue 20's list)
ONLY: dict[str, str] = {
    "triage/web/decisions.py": "check_csrf",
    "triage/web/referrals.py": "check_csrf",
    "triage/web/links.py": "check_csrf",
}
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "--hypothesis-seed=0"]

# --- mutants ------------------------------------------------------------------------------

_COMPARE: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.GtE],
    ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.LtE],
    ast.GtE: [ast.Gt, ast.Lt],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
}
_BINARY: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
_NAMES = {"any": "all", "all": "any", "min": "max", "max": "min"}
# the condition language's operators (triage/rulebook/conditions.py): each to its boundary neighbour
_VOCABULARY = {"eq": "ne", "ne": "eq", "lt": "le", "le": "lt", "gt": "ge", "ge": "gt"}


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to ROOT
    index: int  # the node's position in the walk below
    variant: int  # which replacement, for nodes with several
    line: int
    lines: tuple[int, ...]  # the lines whose tests can see it
    before: str
    after: str

    @property
    def key(self) -> str:
        """How mutation_equivalents.md names it (no line number: lines move as code is edited)."""
        return f"{self.file}: {self.before} -> {self.after}"


def _replacements(node: ast.AST) -> list[Callable[[ast.AST], ast.AST]]:
    """Every one-step change to ``node`` (each returns the replacement node)."""

    def with_field(name: str, value: Any, index: int | None = None) -> Callable[[ast.AST], ast.AST]:
        def apply(target: ast.AST) -> ast.AST:
            if index is None:
                setattr(target, name, value)
            else:
                getattr(target, name)[index] = value
            return target

        return apply

    if isinstance(node, ast.Compare):
        return [with_field("ops", new(), i) for i, op in enumerate(node.ops) for new in _COMPARE.get(type(op), [])]
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BINARY:
        return [with_field("op", _BINARY[type(node.op)]())]
    if isinstance(node, ast.BoolOp):
        return [with_field("op", ast.Or() if isinstance(node.op, ast.And) else ast.And())]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [lambda target: target.operand]  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return [with_field("value", not value)]
        if isinstance(value, (int, float)):
            return [with_field("value", value + 1)]
        if isinstance(value, str) and value in _VOCABULARY:
            return [with_field("value", _VOCABULARY[value])]
    if isinstance(node, ast.Name) and node.id in _NAMES and isinstance(node.ctx, ast.Load):
        return [with_field("id", _NAMES[node.id])]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return [lambda target: ast.Pass()]
    return []


class _Walk(ast.NodeTransformer):
    """Numbers the nodes in one fixed order; lists the mutants, or applies one of them."""

    def __init__(self, source_lines: list[str], target: tuple[int, int] | None = None) -> None:
        self.source_lines = source_lines
        self.target = target
        self.count = -1
        self.found: list[tuple[int, int, ast.AST, ast.stmt | None, ast.AST | None]] = []
        self.statement: ast.stmt | None = None
        self.parents: list[ast.AST] = []
        self.decorators: set[int] = set()
        self.skip_depth = 0

    def visit(self, node: ast.AST) -> Any:
        self.count += 1
        index, outer, skipping = self.count, self.statement, self._skipped(node)
        if isinstance(node, ast.stmt):
            self.statement = node
        self.skip_depth += skipping
        parent = self.parents[-1] if self.parents else None
        self.parents.append(node)
        result = self.generic_visit(node)
        self.parents.pop()
        self.skip_depth -= skipping
        self.statement = outer
        if self.skip_depth or skipping:
            return result
        changes = _replacements(node)
        if self.target is None:
            self.found += [(index, variant, node, outer, parent) for variant in range(len(changes))]
        elif self.target[0] == index:
            return ast.fix_missing_locations(ast.copy_location(changes[self.target[1]](node), node))
        return result

    def _skipped(self, node: ast.AST) -> bool:
        """Docstrings, ``__all__``, decorators (``frozen=True`` and the like configure Python, not the
        project), type unions (``str | None``) and lines marked ``# pragma: no mutate``."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.decorators.update(id(n) for d in node.decorator_list for n in ast.walk(d))
        if id(node) in self.decorators or _type_union(node):
            return True
        line = getattr(node, "lineno", None)
        if line and "pragma: no mutate" in self.source_lines[line - 1]:
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return True
        return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)


_TYPES = {"bool", "int", "float", "str", "bytes", "dict", "list", "tuple", "set", "frozenset", "type", "object"}


def _type_union(node: ast.AST) -> bool:
    """``X | Y`` between types (annotations and aliases), not a union of values."""

    def is_type(side: ast.expr) -> bool:
        return (
            (isinstance(side, ast.Constant) and side.value is None)
            or isinstance(side, ast.Subscript)
            or (isinstance(side, ast.Name) and (side.id in _TYPES or side.id[:1].isupper()))
            or (isinstance(side, ast.Attribute) and side.attr[:1].isupper())
            or _type_union(side)
        )

    return (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and (is_type(node.left) or is_type(node.right))
    )


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 90 else text[:87] + "..."


def _described(node: ast.AST, parent: ast.AST | None, variant: int) -> tuple[str, str]:
    """(before, after) as code; a constant or a name is shown with its parent expression (or its
    ``key: value`` pair in a dict), so that ``'gt' -> 'ge'`` reads ``'le': 'gt' -> 'le': 'ge'``."""

    def change(target: ast.AST) -> ast.AST:
        return _replacements(target)[variant](target)

    if isinstance(node, (ast.Constant, ast.Name)) and isinstance(parent, ast.keyword):
        return f"{parent.arg}={_short(node)}", f"{parent.arg}={_short(change(copy.deepcopy(node)))}"
    if not isinstance(node, (ast.Constant, ast.Name)) or not isinstance(parent, ast.expr):
        return _short(node), _short(change(copy.deepcopy(node)))
    if isinstance(parent, ast.Dict):
        pairs = [(k, v) for k, v in zip(parent.keys, parent.values, strict=True) if node in (k, v)]
        if pairs:
            key, value = pairs[0]

            def show(k: ast.expr | None, v: ast.expr) -> str:
                return f"{ast.unparse(k) if k else '**'}: {ast.unparse(v)}"

            changed = change(copy.deepcopy(node))
            return show(key, value), show(changed if node is key else key, changed if node is value else value)
    position = _preorder(parent).index(node)
    twin = copy.deepcopy(parent)
    target = _preorder(twin)[position]
    holder = next(p for p in _preorder(twin) if any(c is target for c in ast.iter_child_nodes(p)))
    _swap(holder, target, change(target))
    return _short(parent), _short(twin)


def _preorder(tree: ast.AST) -> list[ast.AST]:
    """The nodes under ``tree`` in _Walk's numbering order (pre-order, fields in order)."""
    out = [tree]
    for child in ast.iter_child_nodes(tree):
        out += _preorder(child)
    return out


def _swap(holder: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(holder):
        if value is old:
            setattr(holder, name, new)
        elif isinstance(value, list):
            holder.__dict__[name] = [new if item is old else item for item in value]


def mutants_of(file: str) -> list[Mutant]:
    """Every mutant of one module, in source order."""
    source = (ROOT / file).read_text(encoding="utf-8")
    walk = _Walk(source.splitlines())
    walk.visit(ast.parse(source))
    found = []
    for index, variant, node, statement, parent in walk.found:
        first = getattr(node, "lineno", statement.lineno if statement else 1)
        last = getattr(node, "end_lineno", None) or first
        lines = tuple(sorted({*range(first, last + 1), *([statement.lineno] if statement else [])}))
        found.append(Mutant(file, index, variant, first, lines, *_described(node, parent, variant)))
    return found


def mutated_code(mutant: Mutant) -> Any:
    """The module compiled with ``mutant`` applied (its file name kept, for tracebacks)."""
    path = ROOT / mutant.file
    source = path.read_text(encoding="utf-8")
    tree = _Walk(source.splitlines(), target=(mutant.index, mutant.variant)).visit(ast.parse(source))
    return compile(tree, str(path), "exec")


def _numbered(mutants: list[Mutant]) -> dict[str, Mutant]:
    """Mutants by key; a key seen again in the same file gets ``#2``, ``#3``... in source order."""
    out: dict[str, Mutant] = {}
    for mutant in mutants:
        key, n = mutant.key, 1
        while key in out:
            n += 1
            key = f"{mutant.key} #{n}"
        out[key] = mutant
    return out


# --- running tests in a forked child ----------------------------------------------------------


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves one module from compiled code instead of its file (the file stays as it is)."""

    def __init__(self, name: str, path: Path, code: Any) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        package = [str(self.path.parent)] if self.path.name == "__init__.py" else None
        return importlib.util.spec_from_file_location(
            fullname, self.path, loader=self, submodule_search_locations=package
        )

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        exec(self.code, module.__dict__)  # noqa: S102 - the project's own module, mutated


def module_name(file: str) -> str:
    parts = Path(file).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _pytest(args: list[str], plugins: list[Any]) -> int:
    import pytest

    return int(pytest.main([*PYTEST_ARGS, *args], plugins=plugins))


def in_child(work: Callable[[], Any], timeout: float | None) -> tuple[str, Any]:
    """Run ``work`` in a forked child (its output discarded); ("ok", result), ("timeout", None) or
    ("crashed", exit status). The child is its own process group, stopped as a whole on timeout."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = Path(handle.name)
    pid = os.fork()
    if pid == 0:  # the child
        status = 70
        try:
            os.setpgrp()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            result_file.write_text(json.dumps(work()))
            status = 0
        finally:
            os._exit(status)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                if os.waitstatus_to_exitcode(status) != 0:
                    return "crashed", os.waitstatus_to_exitcode(status)
                return "ok", json.loads(result_file.read_text())
            if deadline is not None and time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout", None
            time.sleep(0.05)
    finally:
        result_file.unlink(missing_ok=True)


def covered_by(files: list[str], tests: list[str]) -> tuple[int, float, dict[str, dict[str, list[str]]]]:
    """Run the subset once, unmutated, under coverage: (pytest exit code, seconds, for each file
    each line's contexts). A context is ``call|NODEID`` for a test's own call, ``setup|...`` or
    ``teardown|...`` for fixture code (possibly shared), and ``""`` for import time."""

    def work() -> Any:
        import coverage
        import pytest

        cov = coverage.Coverage(data_file=None, include=[str(ROOT / f) for f in files], config_file=False)

        class Contexts:
            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_setup(self, item: Any) -> Any:
                cov.switch_context(f"setup|{item.nodeid}")
                yield

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_call(self, item: Any) -> Any:
                cov.switch_context(f"call|{item.nodeid}")
                yield

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_teardown(self, item: Any) -> Any:
                cov.switch_context(f"teardown|{item.nodeid}")
                yield

        started = time.monotonic()
        cov.start()
        code = _pytest(tests, [Contexts()])
        cov.stop()
        data = cov.get_data()
        lines = {f: {str(n): sorted(c) for n, c in data.contexts_by_lineno(str(ROOT / f)).items()} for f in files}
        return code, time.monotonic() - started, lines

    outcome, result = in_child(work, None)
    if outcome != "ok":
        raise SystemExit(f"the coverage run of {tests} did not finish ({outcome})")
    return result[0], result[1], result[2]


def run_mutant(mutant: Mutant, tests: list[str], timeout: float) -> str:
    """ "killed", "timeout", "survived" or "error" (pytest ran no test: exit 5)."""
    code = mutated_code(mutant)
    finder = _Finder(module_name(mutant.file), ROOT / mutant.file, code)

    def work() -> int:
        sys.meta_path.insert(0, finder)
        return _pytest(["-x", *tests], [])

    outcome, result = in_child(work, timeout)
    if outcome == "timeout":
        return "timeout"
    # 1: a test failed; 2, 3, 4: the tests could not start (the mutant breaks an import, even a
    # conftest's). The same arguments ran cleanly on the unmutated code, so the mutant is the cause.
    if outcome == "crashed" or result in (1, 2, 3, 4):
        return "killed"
    return "survived" if result == 0 else "error"


# --- one module's run -------------------------------------------------------------------------


@dataclass
class Outcome:
    key: str
    mutant: Mutant
    verdict: str  # killed, timeout, survived, uncovered, equivalent, error


def select(mutant: Mutant, lines: dict[str, list[str]], everything: list[str]) -> list[str] | None:
    """The tests that can see ``mutant``: the calls that ran its lines; the whole subset if fixture
    or import-time code ran them (shared, so any test may depend on it); None if nothing did."""
    contexts = {c for line in mutant.lines for c in lines.get(str(line), [])}
    if not contexts:
        return None
    if any(not c.startswith("call|") for c in contexts):
        return everything
    return sorted({c.split("|", 1)[1] for c in contexts})


def subset_for(module: str) -> list[str] | None:
    """The fast tests of a module in the table, or of a file inside a package folder in it."""
    owners = [entry for entry in TESTS if module == entry or (entry.endswith("/") and module.startswith(entry))]
    return TESTS[max(owners, key=len)] if owners else None


def files_of(module: str) -> list[str]:
    path = ROOT / module
    return sorted(str(p.relative_to(ROOT)) for p in (path.rglob("*.py") if path.is_dir() else [path]))


def run_module(
    target: str, equivalent: set[str], factor: float, log: Callable[[str], None], match: list[str] | None = None
) -> list[Outcome]:
    tests = subset_for(target) or []
    files = files_of(target)
    code, seconds, coverage = covered_by(files, tests)
    if code != 0:
        log(f"{target}: the unmutated tests fail (pytest exit {code}): fix them first")
        raise SystemExit(2)
    timeout = seconds * factor + 10
    log(f"{target}: clean run of {' '.join(tests)} took {seconds:.1f} s (timeout per mutant {timeout:.0f} s)")
    outcomes: list[Outcome] = []
    for file in files:
        for key, mutant in _numbered(mutants_of(file)).items():
            if (match and not any(m in key for m in match)) or ONLY.get(file, key) not in key:
                continue
            if key in equivalent:
                verdict = "equivalent"
            else:
                chosen = select(mutant, coverage[file], tests)
                if chosen is None:
                    verdict = "uncovered"
                else:
                    verdict = run_mutant(mutant, chosen, timeout)
                    if verdict == "survived" and chosen != tests:
                        verdict = run_mutant(mutant, tests, timeout)
            outcomes.append(Outcome(key, mutant, verdict))
            if verdict in ("survived", "uncovered", "error"):
                log(f"  {verdict}: {file}:{mutant.line}  {mutant.before} -> {mutant.after}")
    return outcomes


def kill_rate(outcomes: list[Outcome]) -> float:
    counted = [o for o in outcomes if o.verdict != "equivalent"]
    killed = [o for o in counted if o.verdict in ("killed", "timeout")]
    return 100.0 * len(killed) / len(counted) if counted else 100.0


def report(results: dict[str, list[Outcome]], target: float) -> bool:
    """Print the table and the survivors; True when every module reaches the target."""
    print(
        f"\n{'module':32} {'mutants':>8} {'killed':>7} {'survived':>9} {'uncovered':>10} {'equivalent':>11} "
        f"{'kill rate':>10}"
    )
    met = True
    for module, outcomes in results.items():
        count = {
            v: sum(o.verdict == v for o in outcomes)
            for v in ("killed", "timeout", "survived", "uncovered", "equivalent", "error")
        }
        rate = kill_rate(outcomes)
        met &= rate >= target and not count["error"]
        print(
            f"{module:32} {len(outcomes):>8} {count['killed'] + count['timeout']:>7} {count['survived']:>9} "
            f"{count['uncovered']:>10} {count['equivalent']:>11} {rate:>9.1f}%"
            + (f"  ({count['error']} could not run)" if count["error"] else "")
        )
    survivors = [
        o for outcomes in results.values() for o in outcomes if o.verdict in ("survived", "uncovered", "error")
    ]
    if survivors:
        print("\nsurviving mutants (kill each with a test, or list it in benchmarks/mutation_equivalents.md):")
        for o in survivors:
            print(f"  {o.mutant.file}:{o.mutant.line}  [{o.verdict}]  `{o.key}`")
    print(f"\ntarget: {target:.0f}% of mutants killed in each module: {'met' if met else 'NOT met'}")
    return met


def listed_equivalents() -> set[str]:
    """Keys from the equivalents list: lines ``- `KEY` - why``."""
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"^- `(.+?)`", EQUIVALENTS.read_text(encoding="utf-8"), flags=re.MULTILINE))


def _prewarm() -> None:
    """Import the test machinery and the libraries once, here, so each forked child starts warm.
    The project itself is not imported: each child imports it afresh, with its mutant."""
    import coverage  # noqa: F401
    import pytest  # noqa: F401

    for name in (
        "hypothesis",
        "pydantic",
        "sqlalchemy",
        "fastapi",
        "starlette",
        "yaml",
        "orjson",
        "structlog",
        "holidays",
        "jinja2",
        "httpx",
        "durable_rules_engine",
        "argon2",
        "alembic",
        "typer",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", default=list(TESTS), help="files or package folders from the table")
    parser.add_argument("--target", type=float, default=95.0, help="kill rate required of each module (percent)")
    parser.add_argument("--timeout-factor", type=float, default=3.0, help="times the clean run before a mutant stops")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--match",
        action="append",
        help="only the mutants whose key contains this text (to re-check survivors; may be repeated)",
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if subset_for(m) is None or not (ROOT / m).exists()]
    if unknown:
        parser.error(f"not in the table (or not found): {', '.join(unknown)} (known: {', '.join(TESTS)})")
    os.chdir(ROOT)
    if args.list:
        for module in args.modules:
            for file in files_of(module):
                for key, mutant in _numbered(mutants_of(file)).items():
                    if ONLY.get(file, key) in key:
                        print(f"{file}:{mutant.line}  `{key}`")
        return 0
    _prewarm()
    equivalent = listed_equivalents()
    results = {}
    for module in args.modules:
        started = time.monotonic()
        results[module] = run_module(
            module, equivalent, args.timeout_factor, lambda line: print(line, flush=True), args.match
        )
        print(
            f"{module}: {len(results[module])} mutants in {time.monotonic() - started:.0f} s, "
            f"kill rate {kill_rate(results[module]):.1f}%",
            flush=True,
        )
    return 0 if report(results, args.target) else 1


if __name__ == "__main__":
    sys.exit(main())
