"""Households' fixtures: the ``Households`` service on the store (both databases), and recording a
referral at a chosen moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from triage.audit.store import AuditStore
from triage.households.service import Households
from triage.models import Decision
from triage.rulebook import Policy

from databases import record_decision


@pytest.fixture
def households(store: AuditStore) -> Households:
    return Households(store)


@pytest.fixture
def record(store: AuditStore, policy: Policy) -> Callable[..., Decision]:
    """``record(data, decided_at=None)``: decide and record a referral (received and decided at a
    given moment, if set)."""

    def run(data: dict[str, Any], decided_at: datetime | None = None) -> Decision:
        if decided_at is None:
            return record_decision(store, policy, data)
        data = {**data, "received_at": decided_at.isoformat()}
        return record_decision(
            store, policy, data, decide=lambda engine, r: engine.decide(r).model_copy(update={"decided_at": decided_at})
        )

    return run
