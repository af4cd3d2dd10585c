"""The audit tests' own fixture: a tamperer. The stores on both databases (``store_url``, ``store``,
``audited``) are shared by every package: see ``tests/conftest.py`` and ``tests/databases.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from triage.audit.store import AuditStore

from databases import drop_triggers


@pytest.fixture
def tamperer(store: AuditStore) -> Callable[[str], None]:
    """``tamperer(sql)``: run SQL against the store's database with its triggers dropped."""
    dropped = False

    def run(statement: str, **params: Any) -> None:
        nonlocal dropped
        if not dropped:
            drop_triggers(store)
            dropped = True
        with store.db.begin() as conn:
            conn.execute(text(statement), params)

    return run
