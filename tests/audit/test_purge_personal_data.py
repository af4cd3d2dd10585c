"""After a purge, nothing personal about a family remains anywhere in the database.

A tester plants a name wherever a partner or a practitioner can write one (a member id and the
member's names and date of birth, the referral id, the referrer and their email, the address, the
narrative, override and closing reasons), purges, and searches every column of every table for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.replay import replay

from support import build_referral, child, parent

NAME = "Jayden Smith DOB 2012-03-04"


def _planted(policy, audited: Any, store: AuditStore) -> str:
    """A decision with the name in every free-text field a partner fills, overridden and closed with it."""
    data = build_referral(
        parent(employment={"out_of_work_benefits": True}),
        child(
            id=NAME,
            age=14,
            given_name="Jayden",
            family_name="Smith",
            date_of_birth="2012-03-04",
            school={"attendance_pct": 70.0},
        ),
        referral_id="Jayden-Smith-2012-03-04",
        narrative=f"Referral about {NAME}",
    )
    data["referrer"].update(name=f"Teacher of {NAME}", role="form tutor", email="jayden.smith@example.org")
    data["household"].update(address_line_1="4 Smith Street", town="Jaydenville")
    data["consent"]["by"] = f"mother of {NAME}"
    decision = audited(data)
    Cases(store).override(decision.decision_id, "bsf", f"{NAME} needs the intensive team", "A. Practitioner", policy)
    Cases(store).close(decision.decision_id, f"{NAME} is with the team", "A. Practitioner")
    return decision.decision_id


def _every_value(store: AuditStore) -> str:
    """Every value in every table of the database, as one text to search."""
    tables = MetaData()
    tables.reflect(store.db)
    with store.db.connect() as conn:
        return "\n".join(str(tuple(row)) for table in tables.sorted_tables for row in conn.execute(select(table)))


@pytest.fixture
def purged(store, audited, policy) -> AuditStore:
    _planted(policy, audited, store)
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    return store


def test_the_name_is_in_the_database_before_the_purge(store, audited, policy):
    """The search below would find it: the planted name really is stored until the purge."""
    _planted(policy, audited, store)
    assert "Jayden" in _every_value(store)


@pytest.mark.parametrize("fragment", ["Jayden", "Smith", "2012-03-04"])
def test_no_part_of_the_name_remains_anywhere_after_the_purge(purged, fragment):
    assert fragment.lower() not in _every_value(purged).lower()


def test_the_chain_still_verifies_after_the_purge(purged):
    assert purged.log.verify().ok


def test_the_decision_still_says_what_was_decided_and_that_its_details_were_erased(store, audited, policy):
    decision_id = _planted(policy, audited, store)
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    [decided, overridden, closed, _] = store.queries.events()
    assert (decided.erased, decided.body["decision"]["route"], decided.body["decision"]["reasons"]) == (
        True,
        "mast",
        [],
    )
    assert (overridden.body["route"], overridden.body["reason"], closed.body["reason"]) == (
        "bsf",
        "(erased)",
        "(erased)",
    )
    assert store.queries.history(decision_id)[0].body["decision"]["referral_id"] == "(erased)"


def test_the_purge_is_recorded_in_the_chain(purged):
    [*_, event] = purged.queries.events()
    assert (event.kind, event.body["by"], event.body["erased"]) == ("purged", "tests", 4)


def test_a_text_still_needed_by_a_later_event_is_kept(store, audited, monkeypatch):
    """The same payload sent by two callers is stored once: purging the older decision must not
    take the payload the newer one still needs."""
    data = build_referral(parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 70.0}))
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: "2019-03-01T09:00:00+00:00")
        audited(data, caller="school-mis")
    recent = audited(data, caller="police")
    store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests")
    assert replay(store, recent.decision_id, "python").identical
    assert store.log.verify().ok


# --- verify after a purge: it excuses only the texts that purge could have erased -------------------


def _decision_event(store: AuditStore, decision_id: str) -> Any:
    return next(e for e in store.queries.events() if e.kind == "decision" and e.decision_id == decision_id)


def _referral(referral_id: str) -> dict[str, Any]:
    return build_referral(
        parent(employment={"out_of_work_benefits": True}),
        child(school={"attendance_pct": 70.0}),
        referral_id=referral_id,
    )


def _deleted_behind_the_logs_back(store: AuditStore, tamperer: Any, decision_id: str) -> int:
    """Delete a decision's referral payload as a tamperer would; the decision event's seq."""
    event = _decision_event(store, decision_id)
    tamperer("DELETE FROM audit_payloads WHERE sha256 = :s", s=event.body["payload_sha256"])
    return event.seq


def test_a_text_of_an_event_recorded_after_a_purge_then_deleted_is_found(store, audited, tamperer):
    """Even when that purge's cut-off lies later than the event: a purge erases only what was there."""
    audited(_referral("R-OLD"))
    store.log.purge(datetime.now(UTC) + timedelta(hours=1), by="tests")
    seq = _deleted_behind_the_logs_back(store, tamperer, audited(_referral("R-NEW")).decision_id)
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, seq)


def test_a_text_stored_after_a_purges_cut_off_then_deleted_is_found(store, audited, tamperer):
    audited(_referral("R-OLD"))
    cutoff = datetime.now(UTC)
    kept = audited(_referral("R-NEW"))
    store.log.purge(cutoff, by="tests")
    seq = _deleted_behind_the_logs_back(store, tamperer, kept.decision_id)
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, seq)


def test_a_text_stored_at_exactly_a_purges_cut_off_then_deleted_is_found(store, audited, tamperer):
    """The purge erases what was stored before its cut-off, not at it: so verify does not excuse it."""
    audited(_referral("R-OLD"))
    kept = audited(_referral("R-NEW"))
    store.log.purge(datetime.fromisoformat(_decision_event(store, kept.decision_id).recorded_at), by="tests")
    seq = _deleted_behind_the_logs_back(store, tamperer, kept.decision_id)
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, seq)
