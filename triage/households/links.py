"""Links between referrals, as a front door worker confirms or rejects them.

A confirmed link is a ``linked`` event in the audit chain (who, and what it changed; the evidence
shown to them and their own words kept apart from the chain, as an override's reason is) and, in the same
transaction, rows in ``households`` and ``household_members``, where pages find it. Linking two
referrals neither of which has a household gives them a new one; linking two households joins
them under the older id, and the younger id stays, pointing at it, so an id written on a case file
always leads to the family. A rejected link is a ``link_rejected`` event: that match is not
proposed for the referral again. A link made by mistake is undone by ``unlinked``, a later event
that restores what the link changed (the link stays in the chain, as a decision stays when it is
overridden).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, delete, insert, select, update

from triage.audit.chain import append_event
from triage.audit.events import AuditEvent
from triage.audit.personal import split_note
from triage.db import tables

# Crockford's base32: no I, L, O or U, so an id read out over the phone cannot be misheard
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PERSONAL: Final = ("reason", "evidence")  # a link's evidence may name people ("nickname of Sarah")
HOUSEHOLD_ID: Final = re.compile(r"H-[0-9A-HJKMNP-TV-Z]{8}")


class UnknownHousehold(LookupError):
    """No household has this id."""


def new_household_id() -> str:
    """A household id: short enough to read out and write on a case file, random (not a count of
    families, and not guessable from another)."""
    return "H-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def is_household_id(text: str) -> bool:
    return HOUSEHOLD_ID.fullmatch(text.strip().upper()) is not None


@dataclass(frozen=True)
class Link:
    """A confirmed link: the referral (by its decision) joined to a household."""

    seq: int
    recorded_at: str
    decision_id: str
    household_id: str
    with_: str  # what it was linked with: an earlier decision or a household, as the worker chose
    joined: tuple[str, ...]  # households merged into ``household_id`` by this link
    evidence: tuple[str, ...]  # the match's reasons as shown (empty for a link matching did not propose)
    reason: str  # the worker's own words (may be empty when they confirmed a proposed match)
    by: str

    @classmethod
    def of(cls, event: AuditEvent) -> Link:
        body = event.body
        return cls(
            event.seq,
            event.recorded_at,
            body["links_decision"],
            body["household_id"],
            body["with"],
            tuple(body.get("joined", ())),
            tuple(body.get("evidence", ())),
            body["reason"],
            body["by"],
        )


@dataclass(frozen=True)
class Rejection:
    """A rejected match: the referral is not the family matching proposed, and why."""

    seq: int
    recorded_at: str
    decision_id: str
    with_: str
    reason: str
    by: str

    @classmethod
    def of(cls, event: AuditEvent) -> Rejection:
        body = event.body
        return cls(event.seq, event.recorded_at, body["rejects_link"], body["with"], body["reason"], body["by"])


def households_of(conn: Connection, decision_ids: Iterable[str]) -> dict[str, str]:
    """decision id -> the household it is linked into, for those that are."""
    members = tables.household_members.c
    wanted = list(set(decision_ids))
    if not wanted:
        return {}
    rows = conn.execute(select(members.decision_id, members.household_id).where(members.decision_id.in_(wanted)))
    return {row.decision_id: row.household_id for row in rows}


def resolve(conn: Connection, household_id: str) -> str:
    """The household an id leads to now (following joins); UnknownHousehold if none has it."""
    households = tables.households.c
    current = household_id.strip().upper()
    for _ in range(1000):  # a join always points at an older household, so this ends; the bound is belt and braces
        row = conn.execute(select(households.merged_into).where(households.household_id == current)).first()
        if row is None:
            raise UnknownHousehold(f"no household with id {household_id!r}")
        if row.merged_into is None:
            return current
        current = row.merged_into
    raise UnknownHousehold(f"household {household_id!r} could not be followed")


def members(conn: Connection, household_id: str) -> list[str]:
    """The decisions linked into a household (by its current id), in the order linked."""
    m = tables.household_members.c
    rows = conn.execute(select(m.decision_id).where(m.household_id == household_id).order_by(m.linked_seq))
    return [row.decision_id for row in rows]


def confirm(
    conn: Connection, decided: AuditEvent, target: str, by: str, reason: str, evidence: tuple[str, ...]
) -> Link:
    """Link the referral decided in ``decided`` with ``target`` (an earlier decision's id or a
    household id), inside a write transaction the caller holds. ValueError (naming the problem)
    when they are linked already.

    The event records what the link changed (the referrals it ``added`` to the household, and for
    each household it joined, the referrals ``moved`` and the ids that led to it), so that undoing
    it restores exactly what was there before: a mistaken link must never leave two families as one.
    """
    decision_id = decided.decision_id
    assert decision_id is not None and decided.referral_id is not None
    ours = households_of(conn, [decision_id]).get(decision_id)
    if is_household_id(target):
        theirs: str | None = resolve(conn, target)
        other_decision = None
    else:
        theirs, other_decision = households_of(conn, [target]).get(target), target
    if ours is not None and ours == theirs:
        raise ValueError(f"this referral is in household {ours} already")
    existing = [h for h in (ours, theirs) if h is not None]
    keep = _oldest(conn, existing) if existing else new_household_id()
    joined = [h for h in existing if h != keep]
    outside = [d for d in (decision_id, other_decision) if d is not None and d not in households_of(conn, [d])]
    body: dict[str, Any] = {
        "links_decision": decision_id,
        "household_id": keep,
        "with": target.strip().upper() if is_household_id(target) else target,
        "joined": joined,
        "added": outside,
        "moved": {old: {"members": members(conn, old), "aliases": _aliases(conn, old)} for old in joined},
        "evidence": list(evidence),
        "reason": reason,
        "by": by,
    }
    split = split_note(body, decided.referral_id, uuid.uuid4().hex, _PERSONAL)
    event = append_event(conn, "linked", decided.referral_id, decision_id, split)
    if not existing:
        conn.execute(insert(tables.households).values(household_id=keep, created_seq=event.seq))
    for old in joined:
        _join(conn, old, keep)
    for member in outside:
        conn.execute(
            insert(tables.household_members).values(decision_id=member, household_id=keep, linked_seq=event.seq)
        )
    return Link.of(event)


def reject(conn: Connection, decided: AuditEvent, target: str, by: str, reason: str) -> Rejection:
    """Record that the referral is not the family ``target`` holds (a decision or household id)."""
    decision_id = decided.decision_id
    assert decision_id is not None and decided.referral_id is not None
    body = {"rejects_link": decision_id, "with": target, "reason": reason, "by": by}
    event = append_event(
        conn, "link_rejected", decided.referral_id, decision_id, split_note(body, decided.referral_id, uuid.uuid4().hex)
    )
    return Rejection.of(event)


@dataclass(frozen=True)
class Unlinking:
    """A link undone: the referrals it had added taken out again, the households it had joined
    restored, and why."""

    seq: int
    recorded_at: str
    decision_id: str
    household_id: str
    removed: tuple[str, ...]  # referrals taken out of the household
    restored: tuple[str, ...]  # households the link had joined, standing on their own again
    reason: str
    by: str

    @classmethod
    def of(cls, event: AuditEvent) -> Unlinking:
        body = event.body
        return cls(
            event.seq,
            event.recorded_at,
            body["unlinks_decision"],
            body["household_id"],
            tuple(body.get("removed", ())),
            tuple(body.get("restored", ())),
            body["reason"],
            body["by"],
        )


def unlink(conn: Connection, link: AuditEvent, by: str, reason: str) -> Unlinking:
    """Undo ``link`` (a ``linked`` event), inside a write
    transaction the caller holds: the referrals it added leave the household, and each household it
    joined stands on its own again, with the referrals it had then (those still in the household)
    and the ids that led to it. The link stays in the chain: this is a later event, recorded on the
    referral the link was made on (so that its history shows the link undone), as an override is."""
    decision_id, referral_id = link.decision_id, link.referral_id
    assert decision_id is not None and referral_id is not None
    h, m = tables.households.c, tables.household_members.c
    current = resolve(conn, link.body["household_id"])
    still_in = set(members(conn, current))
    removed = [d for d in link.body.get("added", ()) if d in still_in]
    moved: dict[str, dict[str, list[str]]] = link.body.get("moved", {})
    body = {
        "unlinks_decision": decision_id,
        "undoes": link.seq,
        "household_id": current,
        "removed": removed,
        "restored": sorted(moved),
        "reason": reason,
        "by": by,
    }
    event = append_event(conn, "unlinked", referral_id, decision_id, split_note(body, referral_id, uuid.uuid4().hex))
    conn.execute(delete(tables.household_members).where(m.decision_id.in_(removed)))
    for old, was in moved.items():
        conn.execute(update(tables.households).where(h.household_id == old).values(merged_into=None))
        conn.execute(update(tables.households).where(h.household_id.in_(was["aliases"])).values(merged_into=old))
        back = [d for d in was["members"] if d in still_in]
        conn.execute(update(tables.household_members).where(m.decision_id.in_(back)).values(household_id=old))
    return Unlinking.of(event)


def _aliases(conn: Connection, household_id: str) -> list[str]:
    """The ids that lead to a household (households joined into it before)."""
    h = tables.households.c
    return [row.household_id for row in conn.execute(select(h.household_id).where(h.merged_into == household_id))]


def _oldest(conn: Connection, household_ids: list[str]) -> str:
    """Of households to be joined, the one made first: its id is the one that stays."""
    h = tables.households.c
    rows = conn.execute(select(h.household_id, h.created_seq).where(h.household_id.in_(household_ids))).all()
    return min(rows, key=lambda row: row.created_seq).household_id


def _join(conn: Connection, old: str, keep: str) -> None:
    """Move a household's members into another; its id (and any id that led to it) leads there."""
    h, m = tables.households.c, tables.household_members.c
    conn.execute(update(tables.household_members).where(m.household_id == old).values(household_id=keep))
    conn.execute(update(tables.households).where(h.merged_into == old).values(merged_into=keep))
    conn.execute(update(tables.households).where(h.household_id == old).values(merged_into=keep))
