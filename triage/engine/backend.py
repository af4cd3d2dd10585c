"""What an evaluation backend does, so the durable-rules and pure-Python engines are swappable.

A backend answers two questions over the compiled tests: which member (or the household) passes
each test, and which routing rules hold once the summary is known. It does not choose the route,
score or explain: that is shared (``triage.engine.assess`` and ``triage.engine.decide``), so both
backends are judged on exactly the same work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from triage.engine.facts import Fact, FactSet


class EngineFailure(RuntimeError):
    """The backend could not evaluate a referral; it gets no decision rather than a wrong one."""


# test id -> ids of the members that pass it (None stands for the household)
Hits = dict[str, set[str | None]]
Summarise = Callable[[Hits], Fact]


class Backend(Protocol):
    name: str

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        """Return the test hits and the ids of every routing rule that holds."""
        ...
