"""The page tests' app: a fresh database with one member of staff in each staff role (sign in
with ``support.signed_in_browser(app, username)``), its clock reading ``support.TEST_NOW``
(``app_on_both``: the same on each database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from triage.access import Role
from triage.access.staff import StaffStore
from triage.app import create_app
from triage.settings import Settings

from support import STAFF_PASSWORD, TEST_NOW


def _app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    application.state.services.front_door.clock = lambda: TEST_NOW
    staff = StaffStore(application.state.services.store.db)
    staff.create("a.patel", "A. Patel", Role.FRONT_DOOR, STAFF_PASSWORD)
    staff.create("p.lead", "P. Lead", Role.POLICY_LEAD, STAFF_PASSWORD)
    staff.create("i.audit", "I. Audit", Role.AUDITOR, STAFF_PASSWORD)
    yield application
    application.state.services.store.db.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    yield from _app(Settings(audit_db=tmp_path / "web.sqlite3", engine="python"))


@pytest.fixture
def app_on_both(store_url: str) -> Iterator[FastAPI]:
    """The same app on SQLite, then on PostgreSQL: for the family pages, whose queries differ by database."""
    yield from _app(Settings(database_url=store_url, engine="python"))
