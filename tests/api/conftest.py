"""Fixtures for the HTTP API: a fresh app on its own database, a client, and API keys by role.

Every test gets a new app on its own SQLite file (``Settings(audit_db=tmp_path/...)``), so no test
sees another's decisions. The file starts as a copy of one migrated once per session (with the
default ruleset's load recorded, as any new app records it): migrating a new file for each of the
suite's few hundred apps would cost more than the tests themselves. The concurrency tests also run on PostgreSQL (``app_on_each_database``):
from TRIAGE_TEST_POSTGRES_URL, a failure in CI when it is missing, a skip on a developer's machine
(the same rule as tests/audit/conftest.py).

- ``issue(role, name=None, agency=None)`` -> ``Caller``: a new API key and its Authorization header.
- ``submit(caller, referral)``: POST /v1/referrals as that caller.
- Each app's clock reads ``support.TEST_NOW`` (``app.state.services.front_door.clock``; a test may
  move it on).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from triage.access import ApiKey, Role
from triage.app import create_app
from triage.settings import Settings

from databases import fresh_postgres
from support import TEST_NOW


@dataclass(frozen=True)
class Caller:
    """An API key as a test holds it: the key, its token, and the header that sends it."""

    key: ApiKey
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _started(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    app.state.services.front_door.clock = lambda: TEST_NOW
    yield app
    app.state.services.store.db.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite audit database at the current schema, as a first app on it left it (closed)."""
    path = tmp_path_factory.mktemp("template") / "api.sqlite3"
    for _ in _started(Settings(audit_db=path, engine="python")):
        pass
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    shutil.copyfile(migrated_database, tmp_path / "api.sqlite3")
    return Settings(audit_db=tmp_path / "api.sqlite3", engine="python")


@pytest.fixture
def app(request: pytest.FixtureRequest, settings: Settings) -> Iterator[FastAPI]:
    """The app on SQLite; ``@pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)``
    runs a test on each database (PostgreSQL emptied first, as for ``app_on_each_database``)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        settings = Settings(database_url=fresh_postgres(), engine="python")
    yield from _started(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def app_on_each_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FastAPI]:
    """The app on SQLite, then on PostgreSQL (for the tests where the database's locking matters)."""
    if request.param == "sqlite":
        settings = Settings(audit_db=tmp_path / "api.sqlite3", engine="python")
    else:
        settings = Settings(database_url=fresh_postgres(), engine="python")
    yield from _started(settings)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def issue(app: FastAPI) -> Callable[..., Caller]:
    """``issue(role, name=None, agency=None)``: a new key on this app (named after its role by default)."""

    def create(role: Role, name: str | None = None, agency: str | None = None) -> Caller:
        key, token = app.state.services.keys.create(name or f"test-{role.value}", role, agency)
        return Caller(key, token)

    return create


@pytest.fixture
def partner(issue: Callable[..., Caller]) -> Caller:
    """A partner's system with no agency of its own (it may refer as any agency)."""
    return issue(Role.PARTNER, "hillside-school-mis")


@pytest.fixture
def front_door(issue: Callable[..., Caller]) -> Caller:
    return issue(Role.FRONT_DOOR, "front-door-team")


@pytest.fixture
def auditor(issue: Callable[..., Caller]) -> Caller:
    return issue(Role.AUDITOR, "internal-audit")


@pytest.fixture
def submit(client: TestClient) -> Callable[[Caller, Any], Response]:
    """``submit(caller, referral)``: POST /v1/referrals with the referral as JSON."""

    def post(caller: Caller, referral: Any) -> Response:
        return client.post("/v1/referrals", json=referral, headers=caller.headers)

    return post
