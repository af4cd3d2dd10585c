"""Verifying the audit log: everything a hash references must still match it.

Recomputing the chain proves the events were not edited, reordered or removed from the middle.
Someone with write access to the database (triggers dropped) could still edit what the chain only
references, or cut the end off the chain, or rewrite it from some event on with fresh hashes; so
``verify_log`` also checks

- every personal part and referral payload still held against the hash that references it, and
  that one no longer held was erased by a recorded purge (not deleted behind the log's back);
- every archived ruleset against its hash, and that every ruleset that decided anything is archived;
- the decisions index against the decision events;
- each checkpoint written outside the database (``triage.audit.checkpoints``): the log must still
  hold the event it names, with the same hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import Connection, func, select

from triage.audit.canonical import GENESIS, canonical, link_hash, sha256_text
from triage.audit.chain import content_of, kept_texts
from triage.audit.checkpoints import Checkpoint
from triage.audit.events import Verification
from triage.audit.personal import PERSONAL_KEY
from triage.db import tables

CHUNK = 1000  # events whose references are checked together (one query for their kept texts)


@dataclass(frozen=True)
class Problem(Exception):
    seq: int | None
    why: str


@dataclass
class _References:
    """How many events were read, and what they reference outside the chain (kept texts are
    checked a stretch at a time, archived rulesets at the end)."""

    events: int = 0

    kept: list[tuple[int, str, str, str]] = field(default_factory=list)  # (seq, recorded_at, sha, what)
    rulesets: dict[str, int] = field(default_factory=dict)  # ruleset sha -> first seq citing it


def verify_log(conn: Connection, checkpoints: Sequence[Checkpoint] = ()) -> Verification:
    """Check the whole log (see the module's docstring); the first problem found, with its event."""
    references = _References()
    try:
        _check_chain(conn, {c.seq: c for c in checkpoints}, _purges(conn), references)
        _check_checkpoints_held(references.events, checkpoints)
        problem = _index_problem(conn)
        if problem is not None:
            raise Problem(*problem)
    except Problem as found:
        return Verification(references.events, False, found.seq, found.why, len(checkpoints))
    return Verification(references.events, True, checkpoints=len(checkpoints))


def _check_chain(
    conn: Connection, heads: dict[int, Checkpoint], purges: list[tuple[int, str]], references: _References
) -> None:
    """Walk the chain in order, counting its events in ``references``. Raises Problem at the first misfit."""
    prev_hash = GENESIS
    rows = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
        select(tables.events).order_by(tables.events.c.seq)
    )
    for row in rows:
        references.events += 1
        content = _check_event(row, references.events, prev_hash)
        if row.seq in heads and heads[row.seq].hash != row.hash:
            raise Problem(
                row.seq,
                f"differs from the checkpoint taken at {heads[row.seq].taken_at} "
                f"({heads[row.seq].source}): the log was rewritten from here on",
            )
        _collect(row, content["body"], references)
        if len(references.kept) >= CHUNK:
            _check_kept(conn, references.kept, purges)
            references.kept = []
        prev_hash = row.hash
    _check_kept(conn, references.kept, purges)
    _check_archive(conn, references.rulesets)


def _check_event(row: Any, expected_seq: int, prev_hash: str) -> dict[str, Any]:
    """The event's content, once it is shown to fit the chain (Problem if it does not)."""
    if row.seq != expected_seq:
        raise Problem(row.seq, f"expected event {expected_seq} here, found {row.seq} (an event is missing)")
    if row.prev_hash != prev_hash:
        raise Problem(row.seq, "does not follow the previous event (prev_hash differs)")
    content = content_of(row.content)
    columns = {
        "seq": row.seq,
        "kind": row.kind,
        "recorded_at": row.recorded_at,
        "referral_id": row.referral_id,
        "decision_id": row.decision_id,
        "event_id": row.event_id,
    }
    if any(content.get(key) != value for key, value in columns.items()):
        raise Problem(row.seq, "a column differs from the hashed content")
    if link_hash(prev_hash, canonical(content)) != row.hash:
        raise Problem(row.seq, "content does not match its hash (edited)")
    return content


def _collect(row: Any, body: dict[str, Any], references: _References) -> None:
    """Note what this event references outside the chain: kept texts and archived rulesets."""
    if PERSONAL_KEY in body:
        references.kept.append((row.seq, row.recorded_at, body[PERSONAL_KEY], "personal part"))
    if "payload_sha256" in body:
        references.kept.append((row.seq, row.recorded_at, body["payload_sha256"], "referral payload"))
    cited = _ruleset_cited(row.kind, body)
    if cited is not None:
        references.rulesets.setdefault(cited, row.seq)


def _ruleset_cited(kind: str, body: dict[str, Any]) -> str | None:
    """The hash of the ruleset an event cites (a decision's, a load's), if it says; an event in a
    shape this version cannot read (see events.Unreadable) is still verified, without it."""
    cited = body.get("sha256") if kind == "ruleset_loaded" else None
    if (
        kind == "decision"
        and isinstance(body.get("decision"), dict)
        and isinstance(body["decision"].get("ruleset"), dict)
    ):
        cited = body["decision"]["ruleset"].get("sha256")
    return cited if isinstance(cited, str) else None


def _check_kept(conn: Connection, references: list[tuple[int, str, str, str]], purges: list[tuple[int, str]]) -> None:
    """Each referenced text still held must match its hash; one not held must have been purged."""
    held = kept_texts(conn, (sha for _, _, sha, _ in references))
    for seq, recorded_at, sha, what in references:
        text = held.get(sha)
        if text is None:
            if not any(purged_seq > seq and before > recorded_at for purged_seq, before in purges):
                raise Problem(seq, f"its {what} is missing and no recorded purge erased it (deleted)")
        elif sha256_text(text) != sha:
            raise Problem(seq, f"its {what} does not match its hash (edited)")


def _purges(conn: Connection) -> list[tuple[int, str]]:
    """(seq, cut-off) of every recorded purge: texts stored before a cut-off may be gone after it."""
    rows = conn.execute(select(tables.events.c.seq, tables.events.c.content).where(tables.events.c.kind == "purged"))
    return [(row.seq, content_of(row.content)["body"]["before"]) for row in rows]


def _check_archive(conn: Connection, cited: dict[str, int]) -> None:
    """Every archived ruleset matches its hash, and every ruleset cited by an event is archived."""
    archived = {row.sha256: row for row in conn.execute(select(tables.rulesets))}
    for sha, row in archived.items():
        if archived_hash(row.content) != sha:
            raise Problem(
                cited.get(sha), f"archived ruleset {row.version} (sha256 {sha[:12]}…) does not match its hash (edited)"
            )
    for sha, seq in sorted(cited.items(), key=lambda item: item[1]):
        if sha not in archived:
            raise Problem(seq, f"cites ruleset sha256 {sha[:12]}…, which is missing from the archive (deleted)")


def archived_hash(text: str) -> str:
    """The hash of an archived ruleset's content, computed as the loader hashes a bundle."""
    return sha256_text(canonical(yaml.safe_load(text)))


def _check_checkpoints_held(count: int, checkpoints: Iterable[Checkpoint]) -> None:
    """A checkpoint beyond the last event: the end of the log was cut off."""
    beyond = [c for c in checkpoints if c.seq > count]
    if beyond:
        latest = max(beyond, key=lambda c: c.seq)
        raise Problem(
            latest.seq,
            f"the log ends at event {count}, but event {latest.seq} was checkpointed at "
            f"{latest.taken_at} ({latest.source}): events were deleted from the end",
        )


def index_row(seq: int, referral_column: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """The decisions-index row a decision event calls for. Its referral id is the event's column:
    a pseudonym since personal parts are kept apart (the referral id itself before that)."""
    decision = body["decision"]
    referral = referral_column if PERSONAL_KEY in body else decision["referral_id"]
    return {
        "seq": seq,
        "caller": body["caller"],
        "referral_id": referral,
        **{
            name: decision[name]
            for name in ("decision_id", "route", "locality", "priority", "respond_by", "decided_at")
        },
    }


def _index_problem(conn: Connection) -> tuple[int, str] | None:
    """(seq, why) for the first decisions-index row that its decision event does not call for.

    The index is what the API and the queue search, so a row added, dropped or edited behind the
    chain's back must fail ``verify`` as surely as an edited event.
    """
    index, events = tables.decisions, tables.events
    rows = conn.execute(
        select(index, events.c.kind, events.c.content, events.c.referral_id.label("event_referral"))
        .join(events, events.c.seq == index.c.seq, isouter=True)
        .order_by(index.c.seq)
    )
    for row in rows:
        if row.kind != "decision":
            return row.seq, "the decisions index lists a decision that is not in the chain"
        stored = {key: row._mapping[key] for key in index.c.keys()}
        if index_row(row.seq, row.event_referral, content_of(row.content)["body"]) != stored:
            return row.seq, "the decisions index differs from the decision event (edited)"
    indexed = conn.execute(select(func.count()).select_from(index)).scalar_one()
    recorded = conn.execute(select(func.count()).select_from(events).where(events.c.kind == "decision")).scalar_one()
    if indexed != recorded:
        missing = conn.execute(
            select(func.min(events.c.seq))
            .where(events.c.kind == "decision")
            .where(events.c.seq.not_in(select(index.c.seq)))
        ).scalar_one()
        return missing, "a decision is missing from the decisions index"
    return None
