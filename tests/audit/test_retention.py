"""Retention (triage/audit/retention.py): how far back an age reaches, and what a purge erases and counts.

The purge's effect on verify and replay is in ``test_retention_and_replay.py`` and
``test_purge_personal_data.py``; the ``audit purge`` command in ``test_audit_commands.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from triage.audit.retention import Purge, retention_cutoff
from triage.engine import Engine
from triage.intake import parse_referral

from support import append_whole_decision, build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


@pytest.mark.parametrize(
    ("age", "now", "cutoff"),
    [
        ("6y", datetime(2026, 5, 31, 12, tzinfo=UTC), datetime(2020, 5, 31, 12, tzinfo=UTC)),
        ("3m", datetime(2026, 5, 31, 12, tzinfo=UTC), datetime(2026, 2, 28, 12, tzinfo=UTC)),
        ("1y", datetime(2028, 2, 29, tzinfo=UTC), datetime(2027, 2, 28, tzinfo=UTC)),
        ("30d", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 1, 30, tzinfo=UTC)),
    ],
)
def test_retention_ages_count_calendar_years_months_and_days(age, now, cutoff) -> None:
    """Six years means the same date six years ago, the month's last day when that is shorter."""
    assert retention_cutoff(age, now) == cutoff


def test_an_event_recorded_at_exactly_the_cut_off_is_kept(store, audited, monkeypatch) -> None:
    """A purge erases what is older than its cut-off: an event recorded at that very moment is
    not older, so its referral payload stays."""
    at = "2019-03-01T09:00:00.250000+00:00"
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: at)
        audited(build_referral(*FAMILY))
    assert store.log.purge(datetime.fromisoformat(at), by="tests") == Purge(erased=0, whole=0)


def test_a_purge_counts_the_events_recorded_whole_before_its_cut_off(store, policy) -> None:
    """Decisions recorded before personal parts were kept apart hold their reasons in the chain,
    which a purge cannot erase: the operator is told how many."""
    engine = Engine(policy, "python")
    data = build_referral(*FAMILY)
    decision = engine.decide(parse_referral(data, engine.compiled.agencies))
    append_whole_decision(store.db, policy, data, decision, "tests", recorded_at="2019-03-01T09:00:00+00:00")
    assert store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests").whole == 1
