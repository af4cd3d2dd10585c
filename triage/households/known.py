"""Every recorded referral's people in one ``PeopleIndex``, kept up to date with the audit log.

The index lives in memory (matching 100,000 people takes milliseconds there, and seconds through
SQL). It follows the log rather than the process: before each question it reads the decisions
recorded since it last looked, by this process or any other (another server, the CLI), so a
referral decided a moment ago is found at once. A purge since it last looked means some names must
be forgotten: it starts again from the referrals still held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from triage.audit.queries import AuditQueries
from triage.households.people import people_of
from triage.matching import MatchSettings, PeopleIndex, PersonRecord

T = TypeVar("T")


class KnownPeople:
    """The people index of one audit log; safe to share between threads (one question at a time:
    an index being added to must not be read)."""

    def __init__(self, queries: AuditQueries, settings: MatchSettings | None = None) -> None:
        self._queries = queries
        self._settings = settings
        self._lock = threading.Lock()
        self._index = PeopleIndex(settings=settings)
        self._people: dict[str, list[PersonRecord]] = {}  # decision id -> its referral's people
        self._after = 0  # the last decision event read
        self._purge_seen = 0  # the last purge event accounted for

    def ask(self, question: Callable[[PeopleIndex, dict[str, list[PersonRecord]]], T]) -> T:
        """``question(index, people by decision)``, answered on the log as it stands now."""
        with self._lock:
            self._catch_up()
            return question(self._index, self._people)

    def _catch_up(self) -> None:
        """Read the decisions recorded since the last look; start again after a purge."""
        purged = self._queries.last_seq("purged")
        if purged > self._purge_seen:
            self._index = PeopleIndex(settings=self._settings)
            self._people = {}
            self._after = 0
            self._purge_seen = purged
        for decided, referral in self._queries.decided_events(after=self._after):
            self._after = decided.seq
            decision_id = decided.decision_id
            people = people_of(decision_id, referral) if decision_id else []
            if decision_id and people:
                self._people[decision_id] = people
                self._index.extend(people)
