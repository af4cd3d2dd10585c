"""API keys: created once (the secret is shown then and never again), kept only as a hash.

A key reads ``triage_<key_id>_<secret>``: the id finds the row, the secret is checked against its
sha256 in constant time. The secret is 256 random bits, so a plain sha256 is enough (slow hashes
protect guessable passwords; nobody guesses 256 bits). Keys with the same name are one caller: a
partner rotating its key (create a new one, revoke the old) keeps its referrals and decisions.

A key that authenticated is remembered for CACHE_SECONDS, so a busy partner does not cost a
database read per request: revoking it takes effect at once in the process that revokes it, and
within CACHE_SECONDS in the others (another API worker, when ``triage keys revoke`` is run).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from triage.access.callers import RESERVED_CALLERS
from triage.access.roles import Role
from triage.characters import UNSAFE_REASON, is_safe
from triage.db import tables

CACHE_SECONDS = 5.0
NAME_LIMIT = 128  # the callers' column
_TOKEN = re.compile(r"triage_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


class UnknownKey(LookupError):
    """No key with that id."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    role: Role
    agency: str | None
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(row: Any) -> ApiKey:
    return ApiKey(row.key_id, row.name, Role(row.role), row.agency, row.created_at, row.revoked_at)


class KeyStore:
    """The API keys in the triage database (the audit log's database)."""

    def __init__(self, db: Engine) -> None:
        self.db = db
        self._recent: dict[str, tuple[ApiKey, float]] = {}  # sha256 of a token -> (key, valid until)

    def create(self, name: str, role: Role, agency: str | None = None) -> tuple[ApiKey, str]:
        """A new key and its token; the token is returned here only, never stored."""
        if not name.strip():
            raise ValueError("name: a key needs the name of the system or person using it")
        if not is_safe(name):  # recorded as the caller of every decision the key makes
            raise ValueError(f"name: {UNSAFE_REASON}")
        if len(name.strip()) > NAME_LIMIT:
            raise ValueError(f"name: at most {NAME_LIMIT} characters")
        if ":" in name or name.strip() in RESERVED_CALLERS:
            raise ValueError(
                f"name: {name.strip()!r} could be mistaken for another caller in the audit log "
                f"(no ':', and not {' or '.join(RESERVED_CALLERS)})"
            )
        key = ApiKey(secrets.token_hex(6), name.strip(), role, agency, datetime.now(UTC).isoformat())
        secret = secrets.token_urlsafe(32)
        with self.db.begin() as conn:
            conn.execute(
                tables.api_keys.insert().values(
                    key_id=key.key_id,
                    name=key.name,
                    role=key.role.value,
                    agency=agency,
                    secret_sha256=_digest(secret),
                    created_at=key.created_at,
                )
            )
        return key, f"triage_{key.key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        with self.db.connect() as conn:
            rows = conn.execute(select(tables.api_keys).order_by(tables.api_keys.c.created_at))
            return [_key(row) for row in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Stop a key working from now on; the row stays, so the caller stays identifiable."""
        with self.db.begin() as conn:
            conn.execute(
                update(tables.api_keys)
                .where(tables.api_keys.c.key_id == key_id)
                .where(tables.api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC).isoformat())
            )
            row = conn.execute(select(tables.api_keys).where(tables.api_keys.c.key_id == key_id)).first()
        if row is None:
            raise UnknownKey(f"no API key with id {key_id!r}")
        self._recent = {token: entry for token, entry in self._recent.items() if entry[0].key_id != key_id}
        return _key(row)

    def recently_authenticated(self, token: str) -> ApiKey | None:
        """The key, if this token authenticated less than CACHE_SECONDS ago; no database read."""
        entry = self._recent.get(_digest(token))
        return entry[0] if entry is not None and entry[1] > time.monotonic() else None

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key this token belongs to, or None (unknown, wrong secret or revoked)."""
        key = self._lookup(token)
        if key is not None:
            self._recent[_digest(token)] = (key, time.monotonic() + CACHE_SECONDS)
        return key

    def _lookup(self, token: str) -> ApiKey | None:
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        key_id, secret = match.groups()
        with self.db.connect() as conn:
            row = conn.execute(select(tables.api_keys).where(tables.api_keys.c.key_id == key_id)).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_sha256, _digest(secret)):
            return None
        return _key(row)
