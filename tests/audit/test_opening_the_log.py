"""Where the command line finds the audit log, on SQLite and PostgreSQL (``store_url``).

A command that only reads (verify, show, export, replay, purge, list keys or staff, simulate or
appraise from the log, override a decision) never makes a log: with none there it exits 2 with
"no audit log at …" and leaves nothing behind. A database that cannot be opened is one line
naming it, password masked, and exit 3: never a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner, Result

from triage.cli import app
from triage.db.urls import driver_url, masked

from support import SPEC_EXAMPLE

runner = CliRunner()
READ_ONLY = [
    ["audit", "verify"],
    ["audit", "show", "R-1"],
    ["audit", "export", "--since", "2000-01-01"],
    ["audit", "replay", "D-1"],
    ["audit", "purge", "--older-than", "6y"],
    ["keys", "list"],
    ["keys", "revoke", "K-1"],
    ["staff", "list"],
    ["staff", "disable", "a.patel"],
    ["simulate", "--candidate", "."],
    ["costs", "--cohort", "audit"],
    ["override", "D-1", "--route", "mast", "--reason", "x", "--by", "A"],
]


def invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def log_at(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's audit log is at ``store_url``, where nothing has been made yet."""
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")
    if store_url.startswith("sqlite:///"):
        monkeypatch.setenv("TRIAGE_AUDIT_DB", store_url.removeprefix("sqlite:///"))
    else:
        monkeypatch.setenv("TRIAGE_DATABASE_URL", store_url)
    return store_url


def _made(url: str) -> bool:
    """Whether anything of an audit log exists at the URL (the file, or any table)."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    engine = create_engine(driver_url(url))
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda command: " ".join(command[:2]))
def test_a_read_only_command_with_no_log_exits_2_and_makes_none(log_at: str, command: list[str]) -> None:
    result = invoke(*command)
    where = log_at.removeprefix("sqlite:///") if log_at.startswith("sqlite") else masked(log_at)
    assert (result.exit_code, result.stderr.startswith(f"no audit log at {where}")) == (2, True), result.stderr
    assert not _made(log_at)


def test_a_command_that_records_makes_the_log(log_at: str, tmp_path: Path) -> None:
    referral = tmp_path / "referral.json"
    referral.write_text(json.dumps(SPEC_EXAMPLE), encoding="utf-8")
    assert invoke("decide", referral, "--audit", "--engine", "python").exit_code == 0
    assert invoke("audit", "verify").stdout.startswith("ok: 2 events")


def test_rules_show_and_decide_without_audit_read_no_log_and_make_none(log_at: str, tmp_path: Path) -> None:
    referral = tmp_path / "referral.json"
    referral.write_text(json.dumps(SPEC_EXAMPLE), encoding="utf-8")
    results = [invoke("rules", "show"), invoke("decide", referral, "--no-audit", "--engine", "python")]
    assert [r.exit_code for r in results] == [0, 0]
    assert not _made(log_at)


def test_a_read_only_command_run_from_another_folder_finds_the_same_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default log is in the per-user data folder (tests/conftest.py gives each test its own),
    not the current folder: a key made in one folder is listed in another."""
    for name in ("TRIAGE_DATABASE_URL", "TRIAGE_AUDIT_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    assert invoke("keys", "create", "--name", "hillside-school-mis", "--role", "partner").exit_code == 0
    monkeypatch.chdir(tmp_path / "two")
    listed = invoke("keys", "list")
    assert (listed.exit_code, "hillside-school-mis" in listed.stdout) == (0, True)
    assert list((tmp_path / "one").iterdir()) == list((tmp_path / "two").iterdir()) == []


# --- a database that cannot be opened: one line, exit 3 ------------------------------------------


def _one_line_exit_3(result: Result) -> str:
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    "command",
    [["audit", "verify"], ["keys", "create", "--name", "x", "--role", "partner"]],
    ids=["read-only", "recording"],
)
def test_an_unreachable_database_is_one_line_naming_it_with_the_password_masked(
    command: list[str], monkeypatch
) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "postgresql://triage:s3cret@127.0.0.1:1/triage")
    line = _one_line_exit_3(invoke(*command))
    assert "postgresql://triage:***@127.0.0.1:1/triage" in line and "check the host and port" in line
    assert "s3cret" not in line


def test_a_misspelt_scheme_is_one_line_saying_what_is_expected(monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "postgress://triage:s3cret@db.example:5432/triage")
    line = _one_line_exit_3(invoke("audit", "verify"))
    assert "unknown scheme 'postgress://'" in line and "postgres://" in line and "s3cret" not in line


def test_an_sqlite_log_in_a_folder_that_cannot_be_made_is_one_line(tmp_path, monkeypatch) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "a-file" / "audit.sqlite3"))
    line = _one_line_exit_3(invoke("keys", "create", "--name", "x", "--role", "partner"))
    assert str(tmp_path / "a-file" / "audit.sqlite3") in line


# --- against the test PostgreSQL ------------------------------------------------------------------


def _postgres_url() -> str:
    url = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TRIAGE_TEST_POSTGRES_URL is not set: CI must test the PostgreSQL backend")
        pytest.skip("no PostgreSQL here (set TRIAGE_TEST_POSTGRES_URL to run these)")
    return url


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # a fresh PostgreSQL database
def test_a_postgres_url_is_accepted_as_postgresql(store_url: str, monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "postgres://" + store_url.removeprefix("postgresql://"))
    created = invoke("keys", "create", "--name", "hillside-school-mis", "--role", "partner")
    assert created.exit_code == 0, created.stderr
    assert "hillside-school-mis" in invoke("keys", "list").stdout


def test_a_wrong_password_is_one_line_saying_to_check_it(monkeypatch) -> None:
    url = driver_url(_postgres_url()).set(password="not-the-password")
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url.set(drivername="postgresql").render_as_string(hide_password=False))
    line = _one_line_exit_3(invoke("audit", "verify"))
    assert "user name or password" in line and "not-the-password" not in line and ":***@" in line


def test_a_database_that_does_not_exist_is_one_line_saying_to_check_its_name(monkeypatch) -> None:
    url = driver_url(_postgres_url()).set(database="triage_no_such_database", drivername="postgresql")
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url.render_as_string(hide_password=False))
    line = _one_line_exit_3(invoke("keys", "list"))
    assert "triage_no_such_database" in line and "the database name" in line
