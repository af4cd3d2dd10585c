"""A referral waiting to be decided and recorded, and how one failure is kept to itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from triage.models import Decision
from triage.rulebook.loader import Policy


@dataclass(frozen=True)
class Request:
    """One referral to decide and record: its payload as received, its id, how to decide it, and
    the ruleset that will decide it (archived with the decision, for replay)."""

    payload: dict[str, Any]
    referral_id: str
    decide: Callable[[], Decision]
    policy: Policy


def attempt(decide: Callable[[], Decision]) -> Decision | Exception:
    """``decide()``, or the exception it raised: one referral's failure is handed back in its place."""
    try:
        return decide()
    except Exception as failure:  # noqa: BLE001
        return failure
