"""``triage audit …`` and ``triage override``: read, check, export, replay and purge the audit log."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional, TextIO

import typer

from triage.audit import UnknownDecision
from triage.audit.retention import retention_cutoff
from triage.cli.common import (EXIT_INVALID_INPUT, EngineName, RulesDir, audit_store, check_engine, day, fail, policy_from,
                               recorded_name, recorded_text)
from triage.engine import EngineFailure
from triage.files import CannotWrite, replacing
from triage.logs import configure_logging
from triage.report import EXPORT_FIELDS, audit_history, export_record, replay_report

audit_app = typer.Typer(help="The audit log: verify the chain, show a referral's history, export, replay, purge.",
                        no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad event if anything was tampered with."""
    result = audit_store().verify()
    if not result.ok:
        raise fail(f"audit log BROKEN at event {result.first_bad_seq}: {result.problem} "
                    f"({result.events} events read)", 1)
    typer.echo(f"ok: {result.events} events, chain intact")


@audit_app.command("show")
def audit_show(referral_id: Annotated[str, typer.Argument(help="The referral whose history to show.")]) -> None:
    """The decision, overrides and reasons recorded for a referral, oldest first."""
    events = list(audit_store().events(referral_id))
    if not events:
        raise fail(f"nothing recorded for referral {referral_id!r}", 1)
    typer.echo(audit_history(referral_id, events))


EXPORT_FORMATS = ("jsonl", "csv")


def _write_export(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    """Write export rows as JSON lines or CSV (with a header row); how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for count, row in enumerate(rows, start=1):
            writer.writerow(row)
        return count
    for count, row in enumerate(rows, start=1):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return count


@audit_app.command("export")
def audit_export(
    since: Annotated[str, typer.Option("--since", help="First day to include (YYYY-MM-DD), compared with each event's "
                                       "UTC recorded_at: not adjusted to Europe/London time.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl (one JSON object a line) or csv (with a header row).")] = "jsonl",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write; default: standard output.")] = None,
) -> None:
    """Export the events recorded on or after a date, as JSON lines or CSV.

    One event a line: seq, kind, recorded_at, referral_id, decision_id, route/priority/matched_rule
    (decisions), route/reason/by (overrides), by (ruleset loads), hash. Referral payloads (personal
    data) are never exported.
    """
    if fmt not in EXPORT_FORMATS:
        raise fail(f"--format: unknown format {fmt!r}; expected one of: {', '.join(EXPORT_FORMATS)}", EXIT_INVALID_INPUT)
    first_day = day("--since", since)  # refused before the database is opened
    rows = (export_record(event) for event in audit_store().events(since=first_day))
    if output is None:
        count = _write_export(rows, sys.stdout, fmt)
    else:
        try:
            with replacing(output) as out:
                count = _write_export(rows, out, fmt)
        except CannotWrite as error:
            raise fail(f"-o {output}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None
    typer.echo(f"{count} events exported", err=True)


@audit_app.command("purge")
def audit_purge(
    older_than: Annotated[str, typer.Option("--older-than", help="Erase payloads stored longer ago than this: "
                                            "a number and y, m or d (6y, 18m, 30d).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be erased.")] = False,
) -> None:
    """Erase referral payloads (personal data) stored longer ago than the retention period.

    The event chain is untouched and still verifies; those decisions can no longer be replayed.
    """
    try:
        cutoff = retention_cutoff(older_than, datetime.now(UTC))
    except ValueError as error:
        raise fail(f"--older-than: {error}", EXIT_INVALID_INPUT) from None
    count = audit_store().purge_payloads(cutoff, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    typer.echo(f"{verb} {count} referral payload(s) stored before {cutoff.isoformat(timespec='seconds')}; "
               "the event chain is untouched")


@audit_app.command("replay")
def audit_replay(
    decision_id: Annotated[str, typer.Argument(help="The recorded decision to re-decide.")],
    engine: EngineName = "durable",
) -> None:
    """Re-decide a recorded decision with its archived ruleset; exit 1 if anything differs.

    Uses the stored payload and the ruleset archived for the decision (not today's rule files), and
    compares every field but decision_id and decided_at: exit 0 when identical, 1 listing what differs.
    """
    check_engine(engine)
    configure_logging()
    try:
        replay = audit_store().replay(decision_id, engine)
    except UnknownDecision as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    except EngineFailure as error:
        raise fail(f"no decision on replay: {error}", 1) from None
    if replay.purged:
        raise fail(f"payload purged (retention): decision {decision_id} cannot be replayed", 1)
    typer.echo(replay_report(replay, engine))
    if not replay.identical:
        raise typer.Exit(1)


def override(
    decision_id: Annotated[str, typer.Argument(help="The decision to override.")],
    route: Annotated[str, typer.Option("--route", help="The new route (a service id from the catalogue).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required, free text).", callback=recorded_text)],
    by: Annotated[str, typer.Option("--by", help="Who is overriding.", callback=recorded_name)],
    rules: RulesDir = None,
) -> None:
    """Record a practitioner's new route for a decision; the decision itself is never changed."""
    policy = policy_from(rules)
    services = {s.id for s in policy.catalogue.services}
    if route not in services:
        raise fail(f"--route: unknown service {route!r}; expected one of: {', '.join(sorted(services))}", EXIT_INVALID_INPUT)
    try:
        event = audit_store().override(decision_id, route, reason, by, policy)
    except (ValueError, UnknownDecision) as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(f"override recorded as event {event.seq}: decision {decision_id} -> {route}")
