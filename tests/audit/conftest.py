"""Audit stores on both databases: SQLite always; PostgreSQL from TRIAGE_TEST_POSTGRES_URL.

In CI (.ci/run starts a real PostgreSQL and sets the URL) a missing URL is a failure, never a
silent skip; on a developer's machine without PostgreSQL those tests are skipped with a reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import create_engine, text

from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy

POSTGRES_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL")


def _fresh_postgres() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("TRIAGE_TEST_POSTGRES_URL is not set: CI must test the PostgreSQL backend")
        pytest.skip("no PostgreSQL here (set TRIAGE_TEST_POSTGRES_URL to run these)")
    engine = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    return _fresh_postgres()


@pytest.fixture
def store(store_url: str) -> AuditStore:
    audit = AuditStore(store_url)
    yield audit
    audit.engine.dispose()


@pytest.fixture
def audited(store: AuditStore, policy: Policy) -> Callable[[dict[str, Any]], Decision]:
    """Decide a referral dict through the audit store with the python engine."""
    engine = Engine(policy, "python")

    def run(data: dict[str, Any], caller: str = "tests") -> Decision:
        referral = parse_referral(data, engine.policy.agencies)
        return store.decide(data, referral.referral_id, policy, caller, lambda: engine.decide(referral))
    return run


def drop_triggers(store: AuditStore) -> None:
    """Do what a tamperer with write access to the database does first: drop every append-only trigger."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
                                     "WHERE NOT tgisinternal")).all()
            for name, table in rows:
                conn.execute(text(f'DROP TRIGGER "{name}" ON "{table}"'))
        else:
            for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                conn.execute(text(f'DROP TRIGGER "{name}"'))


@pytest.fixture
def tamperer(store: AuditStore) -> Callable[[str], None]:
    """``tamperer(sql)``: run SQL against the store's database with its triggers dropped."""
    dropped = False

    def run(statement: str, **params: Any) -> None:
        nonlocal dropped
        if not dropped:
            drop_triggers(store)
            dropped = True
        with store.engine.begin() as conn:
            conn.execute(text(statement), params)
    return run
