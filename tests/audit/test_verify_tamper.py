"""``verify`` finds an edit to any one column of ``audit_events``, not only to ``content``.

Each test records a ruleset and three decisions through the front door, drops the table's
append-only triggers (as someone with the database's owner rights could), changes one column of
one event with raw SQL, and expects ``verify`` to fail naming that event. Only the public
behaviour is relied on: decisions appended through the FrontDoor, the ``audit_events`` columns,
and ``verify().first_bad_seq``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.front_door import FrontDoor
from triage.rulebook import Policy

from support import build_referral, child, parent

EDITED = 3  # the second of the three decisions: an event with neighbours on both sides


def _drop_triggers(store: AuditStore) -> None:
    """Drop every trigger on audit_events, whatever the migrations named them."""
    with store.db.begin() as conn:
        if store.db.dialect.name == "postgresql":
            names = (
                conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal")
                )
                .scalars()
                .all()
            )
            statements = [f'DROP TRIGGER "{name}" ON audit_events' for name in names]
        else:
            names = (
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")
                )
                .scalars()
                .all()
            )
            statements = [f'DROP TRIGGER "{name}"' for name in names]
        assert statements, "no trigger guards audit_events"
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture
def recorded(store: AuditStore, policy: Policy) -> dict[int, Any]:
    """A ruleset event and three decisions, the chain verified intact; the events by seq."""
    door = FrontDoor(Engine(policy, "python"), store, caller="tests")
    for n in range(3):
        door.decide(
            build_referral(
                parent(employment={"out_of_work_benefits": True}),
                child(school={"attendance_pct": 80.0}),
                referral_id=f"T-{n}",
            )
        )
    with store.db.connect() as conn:
        rows = {row.seq: row for row in conn.execute(text("SELECT * FROM audit_events ORDER BY seq"))}
    assert [row.kind for row in rows.values()] == ["ruleset_loaded", "decision", "decision", "decision"]
    assert store.log.verify().ok
    _drop_triggers(store)
    return rows


def _tamper(store: AuditStore, statement: str, **values: Any) -> None:
    with store.db.begin() as conn:
        assert conn.execute(text(statement), values).rowcount == 1


def _other(rows: dict[int, Any], column: str) -> Any:
    """Another event's value of ``column``: an edit that points the event somewhere plausible."""
    return getattr(rows[EDITED - 1], column)


# column -> the value written into event EDITED (from the recorded rows)
EDITS = {
    "event_id": lambda rows: "0" * 32,
    "kind": lambda rows: "override",
    "recorded_at": lambda rows: "2020-01-01T00:00:00.000000Z",
    "referral_id": lambda rows: _other(rows, "referral_id"),
    "decision_id": lambda rows: _other(rows, "decision_id"),
    "prev_hash": lambda rows: "e" * 64,
    "hash": lambda rows: "d" * 64,
}


@pytest.mark.parametrize("column", sorted(EDITS))
def test_an_edit_to_one_column_is_found(store, recorded, column):
    value = EDITS[column](recorded)
    assert value != getattr(recorded[EDITED], column)
    _tamper(store, f"UPDATE audit_events SET {column} = :value WHERE seq = :seq", value=value, seq=EDITED)
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, EDITED), result


def test_an_edit_to_seq_is_found(store, recorded):
    """The ruleset event (no decision refers to its seq) renumbered 0: verify names it as stored."""
    _tamper(store, "UPDATE audit_events SET seq = 0 WHERE seq = 1")
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 0), result


def test_an_edit_to_referral_and_decision_together_is_found(store, recorded):
    """Re-pointing an event at another decision in both columns at once is found too."""
    _tamper(
        store,
        "UPDATE audit_events SET referral_id = :referral, decision_id = :decision WHERE seq = :seq",
        referral=_other(recorded, "referral_id"),
        decision=_other(recorded, "decision_id"),
        seq=EDITED,
    )
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, EDITED), result
