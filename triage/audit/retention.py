"""Retention: how far back "older than 6y" reaches, and erasing the personal data of events that old.

Personal data is kept apart from the chain (``triage.audit.personal``), so erasing it leaves
every event and hash in place: ``verify`` still proves the log intact, and knows from the
``purged`` event recorded here that what is missing was erased, not deleted behind its back.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, select

from triage.audit.chain import append_event, content_of, kept_texts
from triage.audit.personal import PERSONAL_KEY, is_split
from triage.chunks import chunked
from triage.db import tables

_AGE = re.compile(r"([1-9][0-9]*)([ymd])")


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day ``months`` earlier (the month's last day when it is shorter: 31 May - 3m = 28/29 Feb)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def retention_cutoff(age: str, now: datetime) -> datetime:
    """The moment ``age`` (``6y``, ``18m``, ``30d``) before ``now``; ValueError for anything else."""
    match = _AGE.fullmatch(age.strip().lower())
    if match is None:
        raise ValueError(f"{age!r} is not an age; expected a number and y, m or d, e.g. 6y, 18m, 30d")
    number, unit = int(match[1]), match[2]
    try:
        return now - timedelta(days=number) if unit == "d" else _months_before(now, number * (12 if unit == "y" else 1))
    except (ValueError, OverflowError):
        raise ValueError(f"{age!r} reaches back before the calendar begins") from None


@dataclass(frozen=True)
class Purge:
    """What a purge erased (or would): kept texts, and events whose reasons stay in the chain."""

    erased: int
    whole: int


def erase_before(conn: Connection, before: datetime, by: str, dry_run: bool) -> Purge:
    """Erase the personal data of events recorded before ``before``: their referral payloads and
    personal parts, unless a later event still needs the same text; record a ``purged`` event
    (cut-off, how many, who). Inside a write transaction the caller holds.

    Events recorded before personal parts were kept apart hold their reasons in the chain, which
    cannot be erased without breaking it; they are counted in ``Purge.whole``.
    """
    cutoff = before.astimezone(UTC).isoformat(timespec="microseconds")
    doomed, whole = _purgeable(conn, cutoff)
    if dry_run:
        return Purge(len(doomed), whole)
    erased = 0
    for chunk in chunked(sorted(doomed), 500):
        erased += conn.execute(delete(tables.payloads).where(tables.payloads.c.sha256.in_(chunk))).rowcount
    if erased:
        append_event(conn, "purged", None, None, {"before": cutoff, "erased": erased, "by": by})
    return Purge(erased, whole)


def _purgeable(conn: Connection, cutoff: str) -> tuple[set[str], int]:
    """The kept texts that only events recorded before ``cutoff`` reference (and still held), and
    how many of those events were recorded whole (their reasons in the chain)."""
    old: set[str] = set()
    needed: set[str] = set()
    whole = 0
    rows = conn.execute(
        select(tables.events.c.recorded_at, tables.events.c.content).where(
            tables.events.c.kind.in_(("decision", "override", "closed", "linked", "link_rejected", "unlinked"))
        )
    )
    for row in rows:
        body = content_of(row.content)["body"]
        shas = {body[key] for key in (PERSONAL_KEY, "payload_sha256") if key in body}
        if row.recorded_at < cutoff:
            old |= shas
            whole += not is_split(body)
        else:
            needed |= shas
    return set(kept_texts(conn, old - needed)), whole
