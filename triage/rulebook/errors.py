"""Errors in a policy bundle, each pinned to a file, a line and a key a policy lead can find."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PolicyProblem:
    """One thing wrong with the rule files, written for the person who will fix it."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key or '(top level)'}: {self.message}"


class PolicyInvalid(Exception):
    """The bundle is refused as a whole: a half-valid ruleset must never decide anything."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.key, p.message))
        super().__init__(f"{len(self.problems)} problem(s) in the rule files:\n" + "\n".join(map(str, self.problems)))
