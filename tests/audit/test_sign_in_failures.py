"""The ``sign_in_failures`` table (migration 0006) on both databases: failed sign-ins counted at the
same moment by many servers' threads are each counted once, and the name is locked after the fifth."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from triage.access.lockout import SignInLockout, lock_seconds
from triage.db import tables


def test_failures_counted_at_once_are_each_counted(store):
    lockout = SignInLockout(store.db, b"k" * 64)
    with ThreadPoolExecutor(max_workers=8) as pool:
        locks = list(pool.map(lambda _: lockout.failed("a.patel"), range(16)))
    with store.db.connect() as conn:
        counted = conn.execute(select(tables.sign_in_failures.c.failures)).scalar_one()
    assert counted == 16
    assert sorted(locks) == [lock_seconds(n) for n in range(1, 17)]  # each saw its own count
