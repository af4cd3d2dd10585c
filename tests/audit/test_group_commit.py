"""Group commit: one caller's referral that cannot be recorded fails alone, never the group it shares.

Many API requests share one transaction (one fsync). A referral that breaks that transaction must
cost only itself: the other callers' referrals are recorded and answered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

import triage.audit.log as audit_log
from triage.audit import Recording
from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy

from support import build_referral, child, parent

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))
POISON = "\ud83d"  # a lone surrogate: no database can store it


def _request(policy: Policy, data: dict[str, Any]) -> Recording:
    """A request to record ``data`` as sent. It is decided from a copy without its narrative: the
    store is handed what the front door validated, so a poison that gets past validation (as
    lone surrogates once did in referrer.name) can only be put in the payload behind its back."""
    engine = Engine(policy, "python")
    referral = parse_referral({**data, "narrative": None}, engine.compiled.agencies)
    return Recording(data, data["referral_id"], engine.decide(referral), policy)


def _in_one_group(store: AuditStore, jobs: list[tuple[str, list[Recording]]]) -> list[list[Decision | Exception]]:
    """Submit every job from its own thread while the write lock is held, so that all of them
    queue and are recorded by one group commit."""
    results: list[Any] = [None] * len(jobs)

    def submit(n: int, caller: str, requests: list[Recording]) -> None:
        results[n] = store.log.record(caller, requests)

    threads = [threading.Thread(target=submit, args=(n, caller, requests)) for n, (caller, requests) in enumerate(jobs)]
    with store.log._write_lock:
        for thread in threads:
            thread.start()
        while True:
            with store.log._queue_mutex:
                if len(store.log._queue) == len(jobs):
                    break
    for thread in threads:
        thread.join()
    return results


def _poisoned_group(policy: Policy) -> list[tuple[str, list[Recording]]]:
    """50 jobs from 5 callers; the 23rd carries a payload that cannot be stored."""
    jobs = []
    for n in range(50):
        data = build_referral(*FAMILY, referral_id=f"G-{n}")
        if n == 22:
            data["narrative"] = f"poisoned {POISON}"
        jobs.append((f"caller-{n % 5}", [_request(policy, data)]))
    return jobs


def test_a_poisoned_job_in_a_group_of_fifty_fails_alone(store, policy):
    results = _in_one_group(store, _poisoned_group(policy))
    failed = [n for n, [outcome] in enumerate(results) if isinstance(outcome, Exception)]
    assert failed == [22]
    assert len([e for e in store.queries.events() if e.kind == "decision"]) == 49


def test_the_chain_verifies_after_a_poisoned_group(store, policy):
    _in_one_group(store, _poisoned_group(policy))
    assert store.log.verify().ok


def _failing_inside_the_transaction(monkeypatch: pytest.MonkeyPatch, referral_id: str) -> None:
    """Recording ``referral_id`` raises inside the shared transaction, as a row the database
    refuses would (the payload was written out before, so the group is already under way)."""
    real = audit_log._record_item

    def failing(chain: Any, recorded: Any, caller: str, item: Any) -> Any:
        if item.recording.referral_id == referral_id:
            raise RuntimeError("the database refused this row")
        return real(chain, recorded, caller, item)

    monkeypatch.setattr(audit_log, "_record_item", failing)


def test_a_failure_inside_the_group_transaction_costs_only_its_own_referral(store, policy, monkeypatch):
    """Whatever breaks the shared transaction (here: recording one referral raises), the group is
    recorded again one referral at a time and only that referral fails."""
    _failing_inside_the_transaction(monkeypatch, "G-7")
    jobs = [(f"caller-{n % 5}", [_request(policy, build_referral(*FAMILY, referral_id=f"G-{n}"))]) for n in range(50)]
    results = _in_one_group(store, jobs)
    assert [n for n, [outcome] in enumerate(results) if isinstance(outcome, Exception)] == [7]
    assert len([e for e in store.queries.events() if e.kind == "decision"]) == 49
    assert store.log.verify().ok


def test_a_call_of_two_referrals_whose_transaction_fails_is_recorded_one_by_one(store, policy, monkeypatch):
    """Two referrals are a group too: each gets its own outcome, the good one recorded."""
    _failing_inside_the_transaction(monkeypatch, "P-1")
    requests = [_request(policy, build_referral(*FAMILY, referral_id=f"P-{n}")) for n in range(2)]
    outcomes = store.log.record("school-mis", requests)
    assert [type(outcome).__name__ for outcome in outcomes] == ["Decision", "RuntimeError"]


def test_an_empty_call_sharing_a_group_with_a_lone_failing_referral_is_answered_too(store, policy, monkeypatch):
    """A group of one referral in all is not tried again when it fails; every call in it still
    gets one outcome per referral it sent (none, for a call that sent none)."""
    _failing_inside_the_transaction(monkeypatch, "L-1")
    lone = _request(policy, build_referral(*FAMILY, referral_id="L-1"))
    results = _in_one_group(store, [("school-mis", []), ("police", [lone])])
    assert [[type(outcome).__name__ for outcome in outcomes] for outcomes in results] == [[], ["RuntimeError"]]


def test_a_group_recorded_again_one_by_one_is_logged_with_its_error_and_size(store, policy, monkeypatch, log_lines):
    """Every group member waits for a second round of transactions: the operator is told why, by
    the error's name only (never the referral's data), and how many requests it held up."""
    _failing_inside_the_transaction(monkeypatch, "G-1")
    _in_one_group(store, _jobs(policy, 3, "G"))
    events, _ = log_lines()
    assert [(e["level"], e["error"], e["jobs"]) for e in events if e["event"] == "group_commit_failed"] == [
        ("warning", "RuntimeError", 3)
    ]


def test_a_batch_with_a_bad_referral_between_good_ones_records_the_good_ones(store, policy):
    good, bad, also_good = (build_referral(*FAMILY, referral_id=f"B-{n}") for n in range(3))
    bad["narrative"] = POISON
    outcomes = store.log.record("school-mis", [_request(policy, data) for data in (good, bad, also_good)])
    assert [type(outcome).__name__ for outcome in outcomes] == ["Decision", "UnicodeEncodeError", "Decision"]
    assert [e.referral_id for e in store.queries.events() if e.kind == "decision"] == ["B-0", "B-2"]


def test_nothing_half_written_is_left_by_a_refused_referral(store, policy):
    data = build_referral(*FAMILY, referral_id="H-1", narrative=POISON)
    store.log.record("school-mis", [_request(policy, data)])
    assert list(store.queries.events()) == []


@contextmanager
def _statements(store: AuditStore) -> Iterator[list[str]]:
    """The SQL statements sent to the store's database meanwhile (an executemany counts once)."""
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(statement)

    event.listen(store.db, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(store.db, "before_cursor_execute", note)


def _jobs(policy: Policy, count: int, prefix: str) -> list[tuple[str, list[Recording]]]:
    return [
        (f"caller-{n % 5}", [_request(policy, build_referral(*FAMILY, referral_id=f"{prefix}-{n}"))])
        for n in range(count)
    ]


def test_a_group_looks_up_the_decisions_index_once_whatever_its_size(store, policy):
    """50 requests from 5 callers are checked for earlier decisions in one query, not one each."""
    with _statements(store) as sent:
        _in_one_group(store, _jobs(policy, 50, "L"))
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT") and "FROM audit_decisions" in s]) == 1


def test_a_group_of_fifty_sends_as_many_statements_as_a_group_of_five(store, policy):
    _in_one_group(store, _jobs(policy, 1, "W"))  # the ruleset archived first, as in a running server
    with _statements(store) as five:
        _in_one_group(store, _jobs(policy, 5, "S"))
    with _statements(store) as fifty:
        _in_one_group(store, _jobs(policy, 50, "F"))
    assert len(fifty) == len(five)
    assert len([e for e in store.queries.events() if e.kind == "decision"]) == 56


def test_one_referral_sent_by_two_requests_of_one_group_is_decided_once(store, policy):
    """The second copy finds the first's decision within the group's own transaction."""
    data = build_referral(*FAMILY, referral_id="TWICE-1")
    with _statements(store) as sent:
        [[first], [second]] = _in_one_group(store, [("school-mis", [_request(policy, data)])] * 2)
    assert isinstance(first, Decision) and isinstance(second, Decision)
    assert second.decision_id == first.decision_id
    assert len([s for s in sent if s.lstrip().startswith("INSERT INTO audit_events ")]) == 1
    assert store.log.verify().ok


def _archive_reads(sent: list[str]) -> list[str]:
    return [statement for statement in sent if "audit_rulesets" in statement]


def test_a_ruleset_a_group_archived_is_not_looked_up_again(store, policy):
    """Every later group records under the same ruleset: checking the archive for it each time
    would cost a statement per transaction for nothing."""
    _in_one_group(store, _jobs(policy, 1, "W"))
    with _statements(store) as sent:
        _in_one_group(store, _jobs(policy, 5, "S"))
    assert _archive_reads(sent) == []


def test_a_ruleset_archived_by_a_referral_recorded_alone_is_not_looked_up_again(store, policy, monkeypatch):
    """The same after a group that failed and was recorded one by one."""
    _failing_inside_the_transaction(monkeypatch, "P-1")
    store.log.record("school-mis", [_request(policy, build_referral(*FAMILY, referral_id=f"P-{n}")) for n in range(2)])
    with _statements(store) as sent:
        _in_one_group(store, _jobs(policy, 5, "S"))
    assert _archive_reads(sent) == []
