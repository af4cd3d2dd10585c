"""The sign-in limits themselves: waits said in whole minutes, rounded up, and a lock that has
less than a second to run still refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from triage.access.lockout import SignInLockout
from triage.audit.store import AuditStore
from triage.web.throttle import SignInLimits, account_locked, in_minutes


@pytest.fixture
def limits(tmp_path: Path) -> SignInLimits:
    store = AuditStore(f"sqlite:///{tmp_path / 'throttle.sqlite3'}")
    yield SignInLimits(SignInLockout(store.db, b"k" * 64))
    store.db.dispose()


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.5, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes"), (3600, "60 minutes")],
)
def test_a_wait_is_said_in_minutes_rounded_up(seconds, said):
    assert in_minutes(seconds) == said


def test_a_locked_account_is_told_to_retry_after_whole_seconds_rounded_up():
    assert account_locked(90.2).retry_after == 91


def test_a_lock_with_less_than_a_second_left_still_refuses(limits, monkeypatch):
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started)
    for _ in range(5):
        limits.failed("a.patel", "192.0.2.1")
    monkeypatch.setattr(time, "time", lambda: started + 59.5)
    refusal = limits.refusal("a.patel", "192.0.2.1")
    assert refusal is not None and refusal.retry_after == 1
