"""Helpers for the rulebook tests: break a policy copy, then read what the loader says about it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from triage.rulebook import PolicyInvalid, PolicyProblem, load_policy


def _problems(root: Path) -> list[PolicyProblem]:
    with pytest.raises(PolicyInvalid) as refused:
        load_policy(root)
    return refused.value.problems


@pytest.fixture
def problems() -> Callable[[Path], list[PolicyProblem]]:
    """``problems(root)``: load ``root``, insist it is refused, return every problem."""
    return _problems


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def write() -> Callable[[Path, str, str], Path]:
    """``write(root, "rules/x.yaml", text)``: write a whole file (dedented; line 1 is the first line)."""
    return _write


def _replace(root: Path, relative: str, old: str, new: str) -> int:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {relative}"
    start = text.index(old)
    path.write_text(text[:start] + new + text[start + len(old) :], encoding="utf-8")
    return text[:start].count("\n") + 1


@pytest.fixture
def replace() -> Callable[[Path, str, str, str], int]:
    """``replace(root, file, old, new)``: swap the first ``old`` for ``new`` keeping every other line
    where it was; returns the (1-based) line the change starts on."""
    return _replace


def _line_of(root: Path, relative: str, needle: str, nth: int = 1) -> int:
    """The line of the ``nth`` occurrence of ``needle`` in a policy file."""
    text = (root / relative).read_text(encoding="utf-8")
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text[:at].count("\n") + 1


@pytest.fixture
def line_of() -> Callable[..., int]:
    return _line_of


def _only(found: list[PolicyProblem], key: str) -> PolicyProblem:
    matching = [p for p in found if p.key == key]
    assert len(matching) == 1, f"expected one problem at {key!r}, got:\n" + "\n".join(map(str, found))
    return matching[0]


@pytest.fixture
def at_key() -> Callable[[list[PolicyProblem], str], PolicyProblem]:
    """``at_key(problems, "routing[0].route")``: the one problem reported at that key."""
    return _only
