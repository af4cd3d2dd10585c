"""The audit store of one database: its log (writing and verifying), its ruleset archive and its
queries, opened together because they share one database and one append lock.

Imported only where a database is used (SQLAlchemy and Alembic take a noticeable part of a
second to import).
"""

from __future__ import annotations

from triage.audit.archive import RulesetArchive
from triage.audit.log import AuditLog
from triage.audit.queries import AuditQueries


class AuditStore:
    """``log`` (append, record decisions, purge, verify), ``archive`` (rulesets: loads,
    publications, content) and ``queries`` (what pages, the API and reports read)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.log = AuditLog(url)
        self.archive = RulesetArchive(self.log)
        self.queries = AuditQueries(self.log)
        self.db = self.log.db
