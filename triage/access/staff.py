"""Staff accounts for the web pages: the front door team, policy leads and auditors sign in.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, which follow RFC 9106's
recommendation). Accounts are created with ``triage staff create`` and disabled, never deleted, so
every name in the audit log stays identifiable.

Checking a password costs 64 MiB and a core for a while, by design; so a process checks at most as
many at once as it has CPUs, queues a few more, and refuses the rest at once (``PasswordChecksBusy``):
a burst of sign-ins can neither exhaust memory nor take every thread the API needs.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from triage.access.roles import Role
from triage.characters import UNSAFE_REASON, is_safe
from triage.db import tables

STAFF_ROLES = (Role.FRONT_DOOR, Role.POLICY_LEAD, Role.AUDITOR)  # partners use API keys, not the pages
MIN_PASSWORD = 12
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so a wrong username takes as long as a wrong
    password. Made on first use, not at import: hashing takes a tenth of a second, and most
    commands never check a password."""
    return _hasher.hash(secrets.token_hex(16))


class StaffError(ValueError):
    """An account cannot be created or changed as asked; the message names the field."""


class PasswordChecksBusy(Exception):
    """Too many passwords are being checked already: try again shortly (nothing was checked)."""


class PasswordCheckLimit:
    """At most ``running`` password checks at once, and at most ``waiting`` more queued for up to
    ``patience`` seconds; any further one is refused at once with ``PasswordChecksBusy``.

    Threads, not asyncio: the sign-in route runs in the thread pool, and a refused request must
    give its thread back at once, so queued checks hold at most ``waiting`` of the pool's threads."""

    def __init__(self, running: int, waiting: int, patience: float = 5.0) -> None:
        self._admitted = threading.BoundedSemaphore(running + waiting)
        self._running = threading.BoundedSemaphore(running)
        self.patience = patience

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the running places for the block, or raise ``PasswordChecksBusy``."""
        if not self._admitted.acquire(blocking=False):
            raise PasswordChecksBusy()
        try:
            if not self._running.acquire(timeout=self.patience):
                raise PasswordChecksBusy()
            try:
                yield
            finally:
                self._running.release()
        finally:
            self._admitted.release()


def _cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's in a container limited to some)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# one per process: what it protects (memory and CPU) is the process's. As many checks at once as CPUs,
# at most 8 (512 MiB); twice that queued, but never more than 16 of the thread pool's 40 threads in all
_RUNNING = min(_cpus(), 8)
password_checks = PasswordCheckLimit(running=_RUNNING, waiting=min(2 * _RUNNING, 16 - _RUNNING))


@dataclass(frozen=True)
class StaffUser:
    username: str
    name: str
    role: Role
    created_at: str
    disabled_at: str | None = None
    session_generation: int = 0  # a session signed in under an earlier generation has ended


def _user(row: Any) -> StaffUser:
    return StaffUser(row.username, row.name, Role(row.role), row.created_at, row.disabled_at, row.session_generation)


class StaffStore:
    def __init__(self, db: Engine) -> None:
        self.db = db

    def create(self, username: str, name: str, role: Role, password: str) -> StaffUser:
        if not _USERNAME.fullmatch(username):
            raise StaffError("username: 2-64 characters: lower-case letters, digits, '.', '_' or '-'")
        if not name.strip():
            raise StaffError("name: the person's name is required (it is recorded with their overrides)")
        if not is_safe(name):
            raise StaffError(f"name: {UNSAFE_REASON}")
        if len(name.strip()) > 128:  # its column's width
            raise StaffError("name: at most 128 characters")
        if role not in STAFF_ROLES:
            raise StaffError(f"role: staff are {', '.join(r.value for r in STAFF_ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise StaffError(f"password: at least {MIN_PASSWORD} characters")
        user = StaffUser(username, name.strip(), role, datetime.now(UTC).isoformat())
        try:
            with self.db.begin() as conn:
                conn.execute(
                    insert(tables.staff_users).values(
                        username=username,
                        name=user.name,
                        role=role.value,
                        password_hash=_hasher.hash(password),
                        created_at=user.created_at,
                    )
                )
        except IntegrityError:
            raise StaffError(f"username: {username!r} is taken") from None
        return user

    def list(self) -> list[StaffUser]:
        with self.db.connect() as conn:
            return [
                _user(row) for row in conn.execute(select(tables.staff_users).order_by(tables.staff_users.c.username))
            ]

    def get(self, username: str) -> StaffUser | None:
        with self.db.connect() as conn:
            row = conn.execute(select(tables.staff_users).where(tables.staff_users.c.username == username)).first()
        return None if row is None else _user(row)

    def disable(self, username: str) -> StaffUser:
        """Disable an account: it cannot sign in, and every session it has ends."""
        users = tables.staff_users
        with self.db.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .where(users.c.disabled_at.is_(None))
                .values(disabled_at=datetime.now(UTC).isoformat(), session_generation=users.c.session_generation + 1)
            )
        user = self.get(username)
        if user is None:
            raise StaffError(f"username: no account {username!r}")
        return user

    def end_sessions(self, username: str) -> None:
        """Sign the account out everywhere: cookies issued before this (copies included) stop working."""
        users = tables.staff_users
        with self.db.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(session_generation=users.c.session_generation + 1)
            )

    def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The active account these credentials belong to, or None (unknown, wrong password, disabled).
        Raises ``PasswordChecksBusy`` when too many checks are running already."""
        with self.db.connect() as conn:
            row = conn.execute(select(tables.staff_users).where(tables.staff_users.c.username == username)).first()
        try:
            with password_checks.slot():
                _hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return _user(row)
