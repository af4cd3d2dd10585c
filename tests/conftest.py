"""Shared fixtures: the default policy, both engines, a small referral builder, a policy copy.

Shared plain data and helpers (member builders, the contract's example, ``build_referral``) live in
``support.py``; the fixtures here hand some of them to tests.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.audit.store import AuditStore
from triage.engine import BACKENDS, Engine
from triage.intake import parse_referral
from triage.logs import configure_logging
from triage.models import Decision
from triage.rulebook import Policy, default_policy_dir, load_policy

from databases import fresh_postgres, record_decision
from support import build_referral

POLICY_FOLDERS = ("definitions", "rules", "service_catalogue")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own per-user data folder (audit log, key files) and cache folder: never the real ones."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An audit database on SQLite, then on PostgreSQL (see ``databases``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    return fresh_postgres()


@pytest.fixture
def store(store_url: str) -> Iterator[AuditStore]:
    audit = AuditStore(store_url)
    yield audit
    audit.db.dispose()


@pytest.fixture
def cli_store(store: AuditStore, store_url: str, monkeypatch: pytest.MonkeyPatch) -> AuditStore:
    """The ``triage`` command writes to this store's database (and no other)."""
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIAGE_AUDIT_DB", raising=False)
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")
    if store_url.startswith("sqlite:///"):
        monkeypatch.setenv("TRIAGE_AUDIT_DB", store_url.removeprefix("sqlite:///"))
    else:
        monkeypatch.setenv("TRIAGE_DATABASE_URL", store_url)
    return store


@pytest.fixture
def audited(store: AuditStore, policy: Policy) -> Callable[..., Decision]:
    """``audited(data, caller="tests")``: decide a referral dict with the python engine and record it."""

    def run(data: dict[str, Any], caller: str = "tests") -> Decision:
        return record_decision(store, policy, data, caller)

    return run


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def engine(request: pytest.FixtureRequest, policy: Policy) -> Engine:
    """Each test using this runs once per backend: both must follow the policy."""
    return Engine(policy, request.param)


@pytest.fixture
def referral() -> Callable[..., dict[str, Any]]:
    """``referral(*members, **changes)``: ``support.build_referral``."""
    return build_referral


@pytest.fixture
def decide(engine: Engine) -> Callable[..., Decision]:
    """Decide a referral dict with the parametrised engine."""

    def run(data: dict[str, Any]) -> Decision:
        return engine.decide(parse_referral(data, engine.compiled.agencies))

    return run


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A private copy of the default policy folders, safe to edit."""
    for folder in POLICY_FOLDERS:
        shutil.copytree(default_policy_dir() / folder, tmp_path / folder)
    return tmp_path


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load a YAML file, let ``change`` mutate the data, write it back (comments are dropped)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def edit() -> Callable[[Path, Callable[[Any], None]], None]:
    return edit_yaml


@pytest.fixture
def log_lines(capsys) -> Iterator:
    """The JSON log events written to stderr, read after the test's requests (``log_lines()``).

    Logging is configured as ``triage serve`` configures it (info, one line per event), whatever
    another test configured before.
    """
    configure_logging("info")
    capsys.readouterr()

    def read() -> tuple[list[dict], str]:
        err = capsys.readouterr().err
        return [json.loads(line) for line in err.splitlines() if line.startswith("{")], err

    yield read
