"""The audit store on SQLite and PostgreSQL: chain, append-only, idempotency, overrides, archive."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from triage.audit import ReferralConflict
from triage.audit.store import AuditStore
from triage.cases.service import Cases

from databases import record_decision
from support import build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


def test_a_decision_is_recorded_and_the_chain_verifies(store, audited):
    decision = audited(build_referral(*FAMILY))
    [event] = list(store.queries.events())
    assert (event.kind, event.decision_id, event.body["decision"]) == (
        "decision",
        decision.decision_id,
        decision.model_dump(mode="json"),
    )
    assert store.log.verify().ok


def test_resubmitting_the_same_referral_returns_the_recorded_decision(store, audited):
    first = audited(build_referral(*FAMILY))
    again = audited(build_referral(*FAMILY))
    assert again == first
    assert len(list(store.queries.events())) == 1


def test_the_same_referral_id_with_a_different_payload_is_refused(store, audited):
    audited(build_referral(*FAMILY))
    with pytest.raises(ReferralConflict, match="different payload"):
        audited(build_referral(*FAMILY, postcode="S2 1AA"))


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET kind = 'x'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_events(store, audited, statement):
    audited(build_referral(*FAMILY))
    with pytest.raises(Exception, match="append-only"):
        with store.db.begin() as conn:
            conn.execute(text(statement))
    assert store.log.verify().ok


def test_an_edit_made_with_the_trigger_dropped_is_found(store, audited):
    for n in range(3):
        audited(build_referral(*FAMILY, referral_id=f"T-{n}"))
    trigger = (
        "DROP TRIGGER audit_events_append_only ON audit_events"
        if store.db.dialect.name == "postgresql"
        else "DROP TRIGGER audit_events_no_update"
    )
    with store.db.begin() as conn:
        conn.execute(text(trigger))
        conn.execute(text("UPDATE audit_events SET content = replace(content, 'tests', 'someone else') WHERE seq = 2"))
    result = store.log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "edited" in result.problem


def test_an_override_is_linked_and_leaves_the_decision_unchanged(policy, store, audited):
    decision = audited(build_referral(*FAMILY))
    override = Cases(store).override(
        decision.decision_id, "mast", "Family prefers their local team", "A. Practitioner", policy
    )
    assert (override.decision_id, override.route, override.previous_route) == (
        decision.decision_id,
        "mast",
        decision.route,
    )
    assert store.queries.decision_event(decision.decision_id).body["decision"]["route"] == decision.route
    assert store.log.verify().ok


def test_an_override_needs_a_reason(policy, store, audited):
    decision = audited(build_referral(*FAMILY))
    with pytest.raises(ValueError, match="reason"):
        Cases(store).override(decision.decision_id, "mast", "  ", "A. Practitioner", policy)


def test_a_decided_ruleset_is_archived_and_loads_back_with_the_same_hash(store, audited, policy):
    audited(build_referral(*FAMILY))
    assert store.archive.policy(policy.sha256).sha256 == policy.sha256


def test_the_payload_is_stored_apart_from_the_chain(store, audited):
    data = build_referral(*FAMILY, narrative="free text")
    audited(data)
    [event] = list(store.queries.events())
    assert "narrative" not in str(event.body)
    assert store.queries.payload(event.body["payload_sha256"])["narrative"] == "free text"


def test_concurrent_writers_keep_one_linear_chain(store, audited):
    """8 threads x 500 decisions: no gap, no duplicate, no fork."""

    def work(thread: int) -> None:
        for n in range(500):
            audited(build_referral(*FAMILY, referral_id=f"W{thread}-{n}"))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = list(store.queries.events())
    assert [e.seq for e in events] == list(range(1, 4001))
    assert len({e.referral_id for e in events}) == 4000
    assert store.log.verify().ok


def test_writers_racing_on_the_same_referrals_record_each_once(store, audited):
    """4 threads send the same 100 referrals at once: each decided once, every thread told the same."""
    seen: dict[int, list[str]] = {}

    def work(thread: int) -> None:
        seen[thread] = [audited(build_referral(*FAMILY, referral_id=f"R-{n}")).decision_id for n in range(100)]

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = list(store.queries.events())
    assert len(events) == 100
    assert seen[0] == seen[1] == seen[2] == seen[3] == [e.decision_id for e in events]
    assert store.log.verify().ok


def test_two_processes_writing_to_one_database_keep_one_linear_chain(store, policy):
    """``triage serve --workers 2``, or two servers on one PostgreSQL database: each process has
    its own log and its own lock in memory, so only the database's lock (SQLite's write lock taken
    up front, PostgreSQL's advisory lock) keeps them from forking the chain."""
    other = AuditStore(store.url)

    def work(writer: AuditStore, name: str) -> None:
        for n in range(100):
            record_decision(writer, policy, build_referral(*FAMILY, referral_id=f"{name}-{n}"))

    threads = [
        threading.Thread(target=work, args=(writer, f"{name}{t}"))
        for t in range(2)
        for writer, name in ((store, "A"), (other, "B"))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.db.dispose()
    assert [e.seq for e in store.queries.events()] == list(range(1, 401))
    assert store.log.verify().ok


def test_the_head_is_the_last_events_seq_and_hash(store, audited):
    audited(build_referral(*FAMILY, referral_id="H-1"))
    audited(build_referral(*FAMILY, referral_id="H-2"))
    last = list(store.queries.events())[-1]
    assert store.log.head() == (2, last.hash)


def test_an_empty_log_has_no_head(store):
    assert store.log.head() is None
