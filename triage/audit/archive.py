"""The ruleset archive: every ruleset that decided anything, kept by its hash, and publications.

A decision cites its ruleset's version and sha256; the archive keeps that ruleset's content so the
decision can be replayed years later, and publishing a ruleset here makes it live on every server
of this database. An archived ruleset whose content no longer matches its hash is refused
(ArchiveTampered): tampered rules must never decide.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import Connection, func, select

from triage.audit.chain import append_event, content_of, now
from triage.audit.errors import ArchiveTampered, RulesetConflict
from triage.audit.events import AuditEvent
from triage.audit.verify import archived_hash
from triage.db import tables
from triage.rulebook import Policy, load_policy

if TYPE_CHECKING:
    from triage.audit.log import AuditLog


@dataclass(frozen=True)
class ArchivedRuleset:
    version: str
    sha256: str
    stored_at: str


def keep_ruleset(conn: Connection, policy: Policy) -> None:
    """Keep the ruleset's content, by its hash, unless it is kept already (inside a write transaction)."""
    found = select(tables.rulesets.c.sha256).where(tables.rulesets.c.sha256 == policy.sha256)
    if conn.execute(found).first() is None:
        conn.execute(
            tables.rulesets.insert().values(
                sha256=policy.sha256,
                version=policy.version,
                stored_at=now(),
                content=yaml.safe_dump(policy.content, sort_keys=True, allow_unicode=True),
            )
        )


class RulesetArchive:
    """The rulesets of one audit log: what each instance loaded, what was published, their content."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def rulesets_in_use(self, policies: Sequence[Policy], by: str) -> list[AuditEvent]:
        """Record loading these rulesets unless the latest loads recorded are exactly these.

        Every CLI run starts a front door: recording each start would bury the decisions under
        identical loads, while a change of rules (or a return to older ones) must always show.
        Checked under the append lock, so two instances starting together record it once.
        """
        wanted = {p.sha256 for p in policies}
        with self.log.writing() as conn:
            latest = conn.execute(
                select(tables.events.c.content)
                .where(tables.events.c.kind == "ruleset_loaded")
                .order_by(tables.events.c.seq.desc())
                .limit(len(wanted))
            ).all()
            if {content_of(row.content)["body"]["sha256"] for row in latest} == wanted:
                return []
            return [_record_load(conn, policy, {"by": by}) for policy in policies]

    def publish(self, policy: Policy, by: str) -> AuditEvent | None:
        """Make a ruleset version live for every instance on this database: archive it and record
        a ``ruleset_loaded`` event marked ``published`` (who, when, from when it is in force).

        Publishing the same content again changes nothing (None); the same version number with
        other content is refused (RulesetConflict): decisions cite the version, so it must mean one thing.
        """
        with self.log.writing() as conn:
            for published in _publications(conn):
                if published["version"] == policy.version:
                    if published["sha256"] == policy.sha256:
                        return None
                    raise RulesetConflict(
                        f"version {policy.version} was published before with other content "
                        f"(sha256 {published['sha256'][:12]}…); give the change a new version"
                    )
            rules = policy.rules
            return _record_load(
                conn,
                policy,
                {
                    "by": by,
                    "published": True,
                    "effective_from": rules.effective_from.isoformat(),
                    "effective_to": rules.effective_to.isoformat() if rules.effective_to else None,
                },
            )

    def published(self) -> list[Policy]:
        """Every published version, loaded from the archive, in the order published (ArchiveTampered
        if one no longer matches its hash)."""
        with self.log.db.connect() as conn:
            shas = [published["sha256"] for published in _publications(conn)]
        return [self.policy(sha) for sha in shas]

    def latest_load(self) -> int:
        """The seq of the latest ruleset load or publication (0: none): a cheap "anything new?"."""
        with self.log.db.connect() as conn:
            return (
                conn.execute(
                    select(func.max(tables.events.c.seq)).where(tables.events.c.kind == "ruleset_loaded")
                ).scalar_one()
                or 0
            )

    def archived(self) -> list[ArchivedRuleset]:
        """Every ruleset that has decided anything here, oldest first."""
        with self.log.db.connect() as conn:
            rows = conn.execute(
                select(tables.rulesets.c.version, tables.rulesets.c.sha256, tables.rulesets.c.stored_at).order_by(
                    tables.rulesets.c.stored_at
                )
            )
            return [ArchivedRuleset(row.version, row.sha256, row.stored_at) for row in rows]

    def content(self, sha: str) -> dict[str, Any]:
        """An archived ruleset's files as data (what its hash covers); LookupError if not archived,
        ArchiveTampered if its content no longer matches the hash it is filed under."""
        with self.log.db.connect() as conn:
            row = conn.execute(
                select(tables.rulesets.c.version, tables.rulesets.c.content).where(tables.rulesets.c.sha256 == sha)
            ).first()
        if row is None:
            raise LookupError(f"ruleset {sha} is not in the archive")
        if archived_hash(row.content) != sha:
            raise ArchiveTampered(
                f"archived ruleset {row.version} does not match its hash (sha256 {sha[:12]}…): "
                "the archive was edited; run `triage audit verify`"
            )
        return yaml.safe_load(row.content)

    def policy(self, sha: str) -> Policy:
        """Load an archived ruleset (written to a temporary folder and read by the normal loader)."""
        content = self.content(sha)
        with tempfile.TemporaryDirectory(prefix="triage-ruleset-") as folder:
            for name, sections in content.items():
                (Path(folder) / name).mkdir()
                (Path(folder) / name / "archived.yaml").write_text(
                    yaml.safe_dump(sections, sort_keys=True, allow_unicode=True), encoding="utf-8"
                )
            return load_policy(Path(folder))


def _record_load(conn: Connection, policy: Policy, details: dict[str, Any]) -> AuditEvent:
    keep_ruleset(conn, policy)
    return append_event(
        conn, "ruleset_loaded", None, None, {"version": policy.version, "sha256": policy.sha256, **details}
    )


def _publications(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(tables.events.c.content).where(tables.events.c.kind == "ruleset_loaded").order_by(tables.events.c.seq)
    )
    return [body for body in (content_of(row.content)["body"] for row in rows) if body.get("published")]
