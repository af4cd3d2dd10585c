"""The back-off after failed sign-ins to one account name, in the database."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from triage.access.lockout import FORGET_AFTER_SECONDS, SignInLockout, lock_seconds
from triage.audit.store import AuditStore
from triage.db import tables


@pytest.fixture
def lockout(tmp_path: Path) -> SignInLockout:
    store = AuditStore(f"sqlite:///{tmp_path / 'lockout.sqlite3'}")
    yield SignInLockout(store.db, b"k" * 64)
    store.db.dispose()


@pytest.mark.parametrize(
    ("failures", "seconds"), [(1, 0), (4, 0), (5, 60), (6, 120), (7, 240), (10, 1920), (11, 3600), (500, 3600)]
)
def test_a_minute_after_five_failures_doubling_to_an_hour(failures, seconds):
    assert lock_seconds(failures) == seconds


def test_the_fifth_failure_locks_the_name(lockout):
    assert [lockout.failed("a.patel") for _ in range(5)] == [0, 0, 0, 0, 60]
    assert 59 < lockout.wait("a.patel") <= 60


def test_a_name_is_the_same_whatever_its_case_or_spaces(lockout):
    for name in ("a.patel", "A.Patel", " a.patel ", "A.PATEL", "a.Patel"):
        lockout.failed(name)
    assert lockout.wait("a.patel") > 0


def test_the_right_password_starts_the_count_again(lockout):
    for _ in range(4):
        lockout.failed("a.patel")
    lockout.succeeded("a.patel")
    assert lockout.failed("a.patel") == 0


def test_failures_a_day_old_are_forgotten(lockout, monkeypatch):
    for _ in range(4):
        lockout.failed("a.patel")
    later = time.time() + FORGET_AFTER_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert lockout.failed("a.patel") == 0


def test_the_name_typed_is_not_stored(lockout):
    lockout.failed("correct horse battery")  # a password typed into the username box
    with lockout.db.connect() as conn:
        [stored] = conn.execute(select(tables.sign_in_failures.c.account)).scalars()
    assert "horse" not in stored and len(stored) == 64


def test_after_a_day_without_failures_it_takes_five_more_to_lock(lockout, monkeypatch):
    for _ in range(4):
        lockout.failed("a.patel")
    later = time.time() + FORGET_AFTER_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert [lockout.failed("a.patel") for _ in range(5)] == [0, 0, 0, 0, 60]


def test_a_failure_exactly_a_day_after_the_last_is_counted_on(lockout, monkeypatch):
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started)
    for _ in range(4):
        lockout.failed("a.patel")
    monkeypatch.setattr(time, "time", lambda: started + FORGET_AFTER_SECONDS)
    assert lockout.failed("a.patel") == 60


def test_a_name_failed_exactly_a_day_ago_is_not_forgotten_when_another_fails(lockout, monkeypatch):
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started)
    for _ in range(4):
        lockout.failed("a.patel")
    monkeypatch.setattr(time, "time", lambda: started + FORGET_AFTER_SECONDS)
    lockout.failed("someone.else")
    assert lockout.failed("a.patel") == 60


def test_names_nobody_got_wrong_for_a_day_are_forgotten(lockout, monkeypatch):
    """So that the guessed names do not pile up in the table."""
    lockout.failed("guessed.name")
    later = time.time() + FORGET_AFTER_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    lockout.failed("a.patel")
    with lockout.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.sign_in_failures)).scalar_one() == 1


def test_a_lock_lasts_its_time_from_the_failure_that_started_it(lockout, monkeypatch):
    started = float(int(time.time()))  # whole seconds: the wait below is exact
    monkeypatch.setattr(time, "time", lambda: started)
    for _ in range(5):
        lockout.failed("a.patel")
    monkeypatch.setattr(time, "time", lambda: started + 45)
    assert lockout.wait("a.patel") == 15


def test_a_name_never_got_wrong_may_sign_in_now(lockout):
    assert lockout.wait("a.patel") == 0
