"""Back-off after repeated failed sign-ins to one account, shared by every server on the database.

After the fifth failed sign-in in a row to an account name, that name may not sign in for a minute,
then two, four, … at most an hour after each further failure; the right password is refused too
while it lasts, and a success or a day without failures starts the count again.

Why the database and not each process's memory: ``triage serve --workers N`` and several servers on
one PostgreSQL database would each keep their own count, and a guesser could spread the guesses over
them; a row here is seen by all of them at once, and survives a restart.

The count is kept for any name typed, account or not, so the back-off does not tell anyone which
accounts exist. A name is stored only as an HMAC under the session key (kept in a file, outside the
database): what people type into the username box is sometimes their password.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy import Engine, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from triage.db import tables

FAILURES_BEFORE_LOCK = 5
FIRST_LOCK_SECONDS = 60
LONGEST_LOCK_SECONDS = 60 * 60
FORGET_AFTER_SECONDS = 24 * 60 * 60  # a day without a failure: the count starts again


def lock_seconds(failures: int) -> float:
    """How long a name is locked after its ``failures``-th failure in a row: not at all before the
    fifth, then a minute, doubling with each further failure, at most an hour."""
    if failures < FAILURES_BEFORE_LOCK:
        return 0
    return min(FIRST_LOCK_SECONDS * 2 ** min(failures - FAILURES_BEFORE_LOCK, 16), LONGEST_LOCK_SECONDS)


class SignInLockout:
    """Failed sign-ins per account name, in the ``sign_in_failures`` table."""

    def __init__(self, db: Engine, key: bytes) -> None:
        self.db, self._key = db, key

    def _account(self, username: str) -> str:
        return hmac.new(self._key, username.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()

    def wait(self, username: str) -> float:
        """Seconds before ``username`` may try to sign in again (0: now)."""
        failures = tables.sign_in_failures
        with self.db.connect() as conn:
            until = conn.execute(
                select(failures.c.locked_until).where(failures.c.account == self._account(username))
            ).scalar_one_or_none()
        return max(0.0, (until or 0.0) - time.time())

    def failed(self, username: str) -> float:
        """Count a failed sign-in; the seconds ``username`` is now locked for (0: not locked)."""
        try:
            return self._count(username)
        except IntegrityError:  # another server counted this name's first failure at the same moment
            return self._count(username)

    def _count(self, username: str) -> float:
        failures, account, now = tables.sign_in_failures, self._account(username), time.time()
        with self.db.begin() as conn:
            # the update first, so SQLite takes its write lock before reading anything
            counted = conn.execute(
                update(failures)
                .where(failures.c.account == account)
                .values(
                    failures=case(
                        (failures.c.last_failed_at < now - FORGET_AFTER_SECONDS, 1), else_=failures.c.failures + 1
                    ),
                    last_failed_at=now,
                )
            )
            if counted.rowcount == 0:
                conn.execute(insert(failures).values(account=account, failures=1, last_failed_at=now, locked_until=0))
            in_a_row = conn.execute(select(failures.c.failures).where(failures.c.account == account)).scalar_one()
            locked = lock_seconds(in_a_row)
            if locked:
                conn.execute(update(failures).where(failures.c.account == account).values(locked_until=now + locked))
            # names nobody has got wrong for a day are forgotten, so guessed names do not pile up
            conn.execute(delete(failures).where(failures.c.last_failed_at < now - FORGET_AFTER_SECONDS))
        return locked

    def succeeded(self, username: str) -> None:
        """The right password, outside a lockout: the count starts again."""
        failures = tables.sign_in_failures
        with self.db.begin() as conn:
            conn.execute(delete(failures).where(failures.c.account == self._account(username)))
