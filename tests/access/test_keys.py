"""API keys: the token works, only its hash is stored, revoking stops it, and the short cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from triage.access import KeyStore, Role, UnknownKey
from triage.audit.store import AuditStore
from triage.db import tables


@pytest.fixture
def database(tmp_path: Path) -> AuditStore:
    store = AuditStore(f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    yield store
    store.db.dispose()


@pytest.fixture
def keys(database: AuditStore) -> KeyStore:
    return KeyStore(database.db)


def test_a_created_token_authenticates_as_its_key(keys):
    key, token = keys.create("hillside-school-mis", Role.PARTNER, "school")
    assert keys.authenticate(token) == key


def test_the_secret_is_never_stored(keys, database):
    _, token = keys.create("hillside-school-mis", Role.PARTNER)
    with database.db.connect() as conn:
        stored = [str(value) for row in conn.execute(select(tables.api_keys)) for value in row]
    assert not any(token.rsplit("_", 1)[1] in value for value in stored)


def test_a_wrong_secret_is_refused(keys):
    _, token = keys.create("hillside-school-mis", Role.PARTNER)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert keys.authenticate(forged) is None


def test_a_revoked_key_is_refused_at_once_where_it_was_revoked(keys):
    key, token = keys.create("hillside-school-mis", Role.PARTNER)
    keys.authenticate(token)
    keys.revoke(key.key_id)
    assert (keys.recently_authenticated(token), keys.authenticate(token)) == (None, None)


def test_another_process_notices_a_revocation_at_its_next_database_read(keys, database):
    key, token = keys.create("hillside-school-mis", Role.PARTNER)
    other_worker = KeyStore(database.db)
    other_worker.authenticate(token)
    keys.revoke(key.key_id)
    assert other_worker.recently_authenticated(token) == key  # within CACHE_SECONDS
    assert other_worker.authenticate(token) is None


def test_revoking_an_unknown_key_says_so(keys):
    with pytest.raises(UnknownKey, match="nope"):
        keys.revoke("nope")


def test_a_key_needs_a_name(keys):
    with pytest.raises(ValueError, match="name"):
        keys.create("  ", Role.AUDITOR)


@pytest.mark.parametrize("name", ["staff:a.patel", "cli", "api", "school:mis"])
def test_a_key_cannot_take_a_name_another_caller_uses(keys, name):
    with pytest.raises(ValueError, match="could be mistaken for another caller"):
        keys.create(name, Role.PARTNER)


@pytest.mark.parametrize(
    "name", ["school\x00mis", "school-mis\ud83d", "school\nmis"], ids=["nul", "surrogate", "newline"]
)
def test_a_key_name_with_a_control_character_is_refused(keys, name):
    """The name is recorded as the caller of every decision the key makes."""
    with pytest.raises(ValueError, match="name: must not contain control characters or unpaired surrogates"):
        keys.create(name, Role.PARTNER)


def test_a_key_name_is_up_to_128_characters(keys):
    keys.create("k" * 128, Role.PARTNER)
    with pytest.raises(ValueError, match="name: at most 128 characters"):
        keys.create("k" * 129, Role.PARTNER)


@pytest.mark.parametrize(
    ("after", "remembered"), [(4.999, True), (5.0, False)], ids=["just-under-five-seconds", "five-seconds"]
)
def test_a_key_is_remembered_for_five_seconds_after_it_authenticated(keys, monkeypatch, after, remembered):
    """How long a server goes on accepting a key revoked elsewhere (the README says within 5 seconds)."""
    key, token = keys.create("hillside-school-mis", Role.PARTNER)
    authenticated_at = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: authenticated_at)
    keys.authenticate(token)
    monkeypatch.setattr(time, "monotonic", lambda: authenticated_at + after)
    assert keys.recently_authenticated(token) == (key if remembered else None)


def test_revoking_a_key_leaves_other_remembered_keys_remembered(keys):
    revoked, revoked_token = keys.create("old-mis", Role.PARTNER)
    kept, kept_token = keys.create("hillside-school-mis", Role.PARTNER)
    keys.authenticate(revoked_token)
    keys.authenticate(kept_token)
    keys.revoke(revoked.key_id)
    assert keys.recently_authenticated(kept_token) == kept
