"""Reading rule tests: ``rules/tests/*.yaml``, each file a list of cases sharing a base referral.

A file reads::

    base:                      # optional: merged under every case's referral
      received_at: "2026-11-20T10:15:00Z"
      referrer: {agency: school}
      consent: {given: true}
    cases:
      - name: three headline problems go to BSF
        referral:
          referral_id: T-BSF-1
          household: {postcode: S5 7AU, members: [...]}
        expect:
          route: bsf
          problems: [school_attendance, worklessness_finance, domestic_abuse]
          need_score: 30

Mappings merge key by key (the case wins); lists and values are replaced. Only the expectations a
case names are checked, so a case can pin the route alone, or everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.rulebook.errors import PolicyInvalid, PolicyProblem
from triage.rulebook.source import read_yaml

TESTS_FOLDER = Path("rules") / "tests"


class Expectation(BaseModel):
    """What a case expects; fields left out are not checked."""

    model_config = ConfigDict(extra="forbid")

    route: str | None = None
    locality: str | None = None
    priority: str | None = None
    matched_rule: str | None = None
    problems: list[str] | None = None
    need_score: int | None = None
    also_refer: list[str] | None = None

    def checked(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    referral: dict[str, Any]
    expect: Expectation


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: dict[str, Any] = {}
    cases: Annotated[list[_Case], Field(min_length=1)]


class RuleTest(BaseModel):
    """One case, its referral complete (base merged in), and where it was written."""

    name: str
    source: str  # file:line, for messages
    referral: dict[str, Any]
    expect: Expectation


def merged(base: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    """``case`` over ``base``: mappings merged key by key, everything else replaced."""
    result = dict(base)
    for key, value in case.items():
        result[key] = (
            merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) else value
        )
    return result


def _cases(path: Path, root: Path) -> tuple[list[RuleTest], list[PolicyProblem]]:
    """A file's cases, or the problems (file, line, key) that stop it being read."""
    document, problems = read_yaml(path, str(path.relative_to(root)))
    if document is None or problems:
        return [], problems
    try:
        parsed = _File.model_validate(document.data)
    except ValidationError as error:
        return [], [document.problem(tuple(e["loc"]), e["msg"]) for e in error.errors(include_input=False)]
    return [
        RuleTest(
            name=case.name,
            source=f"{document.name}:{document.line_of(('cases', index))}",
            referral=merged(parsed.base, case.referral),
            expect=case.expect,
        )
        for index, case in enumerate(parsed.cases)
    ], []


def load_rule_tests(root: Path) -> list[RuleTest]:
    """Every case in ``ROOT/rules/tests/*.yaml``, file by file in name order; PolicyInvalid naming
    every problem when any file cannot be read."""
    folder = root / TESTS_FOLDER
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    cases: list[RuleTest] = []
    problems: list[PolicyProblem] = []
    for path in files:
        found, wrong = _cases(path, root)
        cases.extend(found)
        problems.extend(wrong)
    if problems:
        raise PolicyInvalid(problems)
    return cases
