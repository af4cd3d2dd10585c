"""Databases for tests, in one place: a fresh PostgreSQL schema, recording a decision straight into
an audit store, and dropping the append-only triggers as a tamperer would.

PostgreSQL comes from TRIAGE_TEST_POSTGRES_URL. In CI (.ci/run starts a real PostgreSQL and sets
the URL) a missing URL is a failure, never a silent skip; on a developer's machine without
PostgreSQL those tests are skipped with a reason. Importable as ``databases`` (``tests`` is on the
path, as for ``support``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from triage.audit import Recording
from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision, Referral
from triage.rulebook import Policy

POSTGRES_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL")


def fresh_postgres() -> str:
    """The test PostgreSQL's URL, its schema emptied (skip, or in CI fail, when there is none)."""
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


def record_decision(
    store: AuditStore,
    policy: Policy,
    data: dict[str, Any],
    caller: str = "tests",
    decide: Callable[[Engine, Referral], Decision] | None = None,
) -> Decision:
    """Decide ``data`` with the python engine (or ``decide``) and record it, as a front door would
    (without the ruleset-load event a front door records when it opens)."""
    engine = Engine(policy, "python")
    referral = parse_referral(data, engine.compiled.agencies)
    decision = decide(engine, referral) if decide is not None else engine.decide(referral)
    [outcome] = store.log.record(caller, [Recording(data, referral.referral_id, decision, policy)])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def drop_triggers(store: AuditStore) -> None:
    """Do what a tamperer with write access to the database does first: drop every append-only trigger."""
    with store.db.begin() as conn:
        if store.db.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
                    "WHERE NOT tgisinternal"
                )
            ).all()
            for name, table in rows:
                conn.execute(text(f'DROP TRIGGER "{name}" ON "{table}"'))
        else:
            for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                conn.execute(text(f'DROP TRIGGER "{name}"'))
