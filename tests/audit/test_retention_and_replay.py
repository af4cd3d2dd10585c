"""Retention purge and replay in the store, on SQLite and PostgreSQL.

A purge erases referral payloads (personal data) but never the chain, so verify stays green; a
replay re-decides from the stored payload with the ruleset archived for the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from triage.audit import UnknownDecision
from triage.audit.retention import Purge
from triage.audit.store import AuditStore
from triage.models import Decision
from triage.replay import replay

from support import build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))
PAST = "2019-03-01T09:00:00+00:00"


@pytest.fixture
def old_decision(audited: Callable[[dict[str, Any]], Decision], monkeypatch: pytest.MonkeyPatch) -> Decision:
    """A decision (and its payload) recorded in 2019, the store's clock turned back for it."""
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: PAST)
        return audited(build_referral(*FAMILY, referral_id="OLD-1"))


def _payload_sha(store: AuditStore, decision: Decision) -> str:
    return store.queries.decision_event(decision.decision_id).body["payload_sha256"]


def test_purge_erases_payloads_stored_before_the_cutoff(store, old_decision) -> None:
    """Past retention, the personal data must go: the payload and the decision's personal part."""
    assert store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests") == Purge(erased=2, whole=0)
    assert store.queries.payload(_payload_sha(store, old_decision)) is None


def test_purge_keeps_payloads_stored_after_the_cutoff(store, audited, old_decision) -> None:
    """Recent referrals are still within retention and must stay replayable."""
    recent = audited(build_referral(*FAMILY, referral_id="NEW-1"))
    store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests")
    assert store.queries.payload(_payload_sha(store, recent)) is not None


def test_purge_leaves_the_chain_verifying(store, audited, old_decision) -> None:
    """Payloads live outside the chain: erasing them must not look like tampering."""
    audited(build_referral(*FAMILY, referral_id="NEW-1"))
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    assert store.log.verify().ok
    assert [e.kind for e in store.queries.events()] == ["decision", "decision", "purged"]


def test_a_dry_run_counts_without_erasing(store, old_decision) -> None:
    """An operator checks what a purge would do before doing it."""
    assert store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests", dry_run=True) == Purge(erased=2, whole=0)
    assert store.queries.payload(_payload_sha(store, old_decision)) is not None


def test_payloads_still_refuse_updates(store, old_decision) -> None:
    """Deleting is allowed for retention; editing personal evidence never is."""
    with pytest.raises(Exception, match="append-only"):
        with store.db.begin() as conn:
            conn.execute(text("UPDATE audit_payloads SET body = '{}'"))


@pytest.mark.parametrize("backend", ["python", "durable"])
def test_replay_of_an_untouched_decision_is_identical(store, audited, backend) -> None:
    """Either engine re-decides the stored payload as recorded (but for id and time)."""
    decision = audited(build_referral(*FAMILY))
    replayed = replay(store, decision.decision_id, backend)
    assert (replayed.identical, replayed.differences) == (True, {})


def test_replay_of_a_purged_payload_says_so(store, old_decision) -> None:
    """No payload is not "identical": the decision simply cannot be checked any more."""
    store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests")
    replayed = replay(store, old_decision.decision_id)
    assert (replayed.purged, replayed.identical) == (True, False)


def test_replay_of_an_unknown_decision_is_refused(store) -> None:
    """A mistyped id must not look like a successful check."""
    with pytest.raises(UnknownDecision):
        replay(store, "no-such-decision")
