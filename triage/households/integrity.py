"""Whether the households tables say what the audit chain says.

``households`` and ``household_members`` are where pages find a family quickly; the ``linked`` and
``unlinked`` events in the chain are the record. Someone with write access to the database could
move a referral into another family's household without touching the chain, and every page would
believe it: so ``triage audit verify`` (and the auditors' API) replays the events and compares.
Only the chained part of each event is read (ids: no personal data is needed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from triage.audit.chain import content_of
from triage.db import tables


def households_problem(conn: Connection) -> str | None:
    """What in the households tables the chain does not account for (None: they agree)."""
    members, merged = _replayed(conn)
    h, m = tables.households.c, tables.household_members.c
    held_members = {row.decision_id: row.household_id for row in conn.execute(select(m.decision_id, m.household_id))}
    held_merged = {row.household_id: row.merged_into for row in conn.execute(select(h.household_id, h.merged_into))}
    for decision_id in sorted(set(members) | set(held_members)):
        if members.get(decision_id) != held_members.get(decision_id):
            return (
                f"households: decision {decision_id} is in {held_members.get(decision_id) or 'no household'}, "
                f"but the audit log puts it in {members.get(decision_id) or 'none'}"
            )
    for household_id in sorted(set(merged) | set(held_merged)):
        if household_id not in held_merged or household_id not in merged:
            return f"households: household {household_id} is not where the audit log says it was made"
        if merged[household_id] != held_merged[household_id]:
            return f"households: household {household_id} leads to the wrong household"
    return None


def _replayed(conn: Connection) -> tuple[dict[str, str], dict[str, str | None]]:
    """Members (decision -> household) and joins (household -> the one it leads to) as the chain's
    ``linked`` and ``unlinked`` events, applied in order, leave them."""
    members: dict[str, str] = {}
    merged: dict[str, str | None] = {}
    links: dict[int, dict[str, Any]] = {}
    query = (
        select(tables.events.c.seq, tables.events.c.kind, tables.events.c.content)
        .where(tables.events.c.kind.in_(("linked", "unlinked")))
        .order_by(tables.events.c.seq)
    )
    for row in conn.execute(query):
        body = content_of(row.content)["body"]
        if row.kind == "linked":
            links[row.seq] = body
            _link(body, members, merged)
        else:
            _undo(body, links.get(body.get("undoes", -1), {}), members, merged)
    return members, merged


def _link(body: dict[str, Any], members: dict[str, str], merged: dict[str, str | None]) -> None:
    keep = body["household_id"]
    merged.setdefault(keep, None)
    for old in body.get("joined", ()):
        for decision_id, household_id in members.items():
            if household_id == old:
                members[decision_id] = keep
        for household_id, into in merged.items():
            if into == old:
                merged[household_id] = keep
        merged[old] = keep
    for decision_id in body.get("added", ()):
        members[decision_id] = keep


def _undo(body: dict[str, Any], link: dict[str, Any], members: dict[str, str], merged: dict[str, str | None]) -> None:
    current = body["household_id"]
    for decision_id in body.get("removed", ()):
        members.pop(decision_id, None)
    for old, was in link.get("moved", {}).items():
        merged[old] = None
        for alias in was["aliases"]:
            merged[alias] = old
        for decision_id in was["members"]:
            if members.get(decision_id) == current:
                members[decision_id] = old
