"""The store's readers of recorded decisions survive rows today's contract would refuse (a count of
10^309, recorded before counts were bounded) and rows they cannot use (a body missing what they read):
the first is read in full, the second left out and counted, never an exception. On both databases.
"""

from __future__ import annotations

import pytest

from triage.audit.events import Unreadable
from triage.cases.service import Cases
from triage.engine import Engine

from legacy_rows import HUGE, record_huge_count, record_unreadable


@pytest.fixture
def logged(store, policy):
    """A log holding a decision with a HUGE count (bsf, three problems) and one unreadable decision."""
    huge = record_huge_count(store, Engine(policy, "python"))
    record_unreadable(store)
    return huge


def test_the_chain_with_such_rows_still_verifies(store, logged):
    assert store.log.verify().ok


def test_routes_and_problems_reads_the_huge_count_and_counts_the_unreadable(store, logged):
    unreadable = Unreadable()
    read = list(store.queries.routes_and_problems(None, None, unreadable=unreadable))
    assert (read, unreadable.count) == ([("bsf", logged.problems)], 1)


def test_decided_referrals_reads_the_huge_count_and_counts_the_unreadable(store, logged):
    unreadable = Unreadable()
    [(decision, payload)] = store.queries.decided_referrals(unreadable=unreadable)
    assert (decision["decision_id"], unreadable.count) == (logged.decision_id, 1)
    assert payload["household"]["members"][1]["school"]["fixed_term_exclusions_3_terms"] == HUGE


def test_the_queue_shows_the_huge_count_and_counts_the_unreadable(store, logged):
    unreadable = Unreadable()
    queued = Cases(store).queue(unreadable=unreadable)
    assert ([case.decision.decision_id for case in queued], unreadable.count) == ([logged.decision_id], 1)


def test_the_history_of_the_huge_count_is_read_whole(store, logged):
    [event] = store.queries.history(logged.decision_id)
    assert HUGE in [e["value"] for e in event.body["decision"]["evidence"]]


@pytest.mark.parametrize(
    ("count", "note"),
    [
        (0, None),
        (1, "1 recorded decision could not be read and was left out"),
        (2, "2 recorded decisions could not be read and were left out"),
    ],
)
def test_the_note_says_how_many_were_left_out(count, note):
    assert Unreadable(count).note() == note
