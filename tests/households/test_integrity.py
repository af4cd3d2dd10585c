"""The households tables checked against the links the audit chain records (both databases)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from triage.audit.store import AuditStore
from triage.households.integrity import households_problem
from triage.households.service import Households
from triage.models import Decision

from support import smiths

Record = Callable[..., Decision]


def _problem(store: AuditStore) -> str | None:
    with store.db.connect() as conn:
        return households_problem(conn)


def _linked_pair(households: Households, record: Record) -> tuple[str, str, str]:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    return first.decision_id, second.decision_id, household


def test_tables_written_by_links_joins_and_undos_agree_with_the_chain(
    households: Households, record: Record, store: AuditStore
) -> None:
    a1, a2, household = _linked_pair(households, record)
    b1, b2 = record(smiths("R-3")), record(smiths("R-4"))
    other = households.confirm(b2.decision_id, b1.decision_id, "a.patel", "").household_id
    households.confirm(a2, other, "a.patel", "")  # a join
    assert _problem(store) is None
    households.unlink(a2, "a.patel", "mistake")  # the join undone
    assert _problem(store) is None


def test_a_referral_moved_into_another_household_behind_the_logs_back_is_found(
    households: Households, record: Record, store: AuditStore
) -> None:
    first, second, household = _linked_pair(households, record)
    stranger = record(smiths("R-9"))
    with store.db.begin() as conn:
        conn.execute(
            text("INSERT INTO household_members (decision_id, household_id, linked_seq) VALUES (:d, :h, 1)"),
            {"d": stranger.decision_id, "h": household},
        )
    assert _problem(store) == (
        f"households: decision {stranger.decision_id} is in {household}, but the audit log puts it in none"
    )


def test_a_household_pointed_at_another_behind_the_logs_back_is_found(
    households: Households, record: Record, store: AuditStore
) -> None:
    _, _, household = _linked_pair(households, record)
    b1, b2 = record(smiths("R-3")), record(smiths("R-4"))
    other = households.confirm(b2.decision_id, b1.decision_id, "a.patel", "").household_id
    with store.db.begin() as conn:
        conn.execute(
            text("UPDATE households SET merged_into = :o WHERE household_id = :h"), {"o": other, "h": household}
        )
    assert _problem(store) is not None
