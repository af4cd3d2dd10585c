"""``triage audit …`` and ``triage override``: read, check, export, replay and purge the audit log."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from triage.audit import CaseClosed, UnknownDecision
from triage.audit.checkpoints import CheckpointProblem, load_checkpoints, write_checkpoint
from triage.audit.retention import retention_cutoff
from triage.cases.service import Cases, InvalidChange
from triage.cli.common import (
    EXIT_INVALID_INPUT,
    EngineName,
    RulesDir,
    audit_store,
    check_engine,
    day,
    fail,
    in_force_today,
    library,
    recorded_name,
    recorded_text,
    run_settings,
)
from triage.csv_safe import SafeDictWriter
from triage.engine import EngineFailure
from triage.files import CannotWrite, replacing
from triage.keyfile import KeyFileProblem, read_or_create_key
from triage.logs import configure_logging
from triage.replay import replay as replay_decision
from triage.report import EXPORT_FIELDS, audit_history, export_record, replay_report

audit_app = typer.Typer(
    help="The audit log: verify, checkpoint, show a referral's history, export, replay, purge.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            help="Folder of checkpoints to check the log against (default: TRIAGE_CHECKPOINT_DIR, "
            "the data folder's checkpoints/, when it has any).",
        ),
    ] = None,
) -> None:
    """Check the whole log: recompute the hash chain, check every payload, personal part and archived
    ruleset against its hash, prove the log still holds every checkpointed head, and check the
    households tables against the links recorded. Exit 1 naming the first bad event if anything was
    tampered with."""
    settings = run_settings()
    if checkpoints is not None and not checkpoints.is_dir():
        raise fail(f"--checkpoints: no folder at {checkpoints}", EXIT_INVALID_INPUT)
    folder = checkpoints or settings.checkpoint_path
    try:
        heads = load_checkpoints(folder, settings.checkpoint_key_path)
    except CheckpointProblem as problem:
        raise fail(f"audit log NOT VERIFIED: {problem}", 1) from None
    store = audit_store()
    result = store.log.verify(heads)
    if not result.ok:
        raise fail(
            f"audit log BROKEN at event {result.first_bad_seq}: {result.problem} ({result.events} events read)", 1
        )
    from triage.households.integrity import households_problem  # imported here: only verify needs it

    with store.db.connect() as conn:
        if mismatch := households_problem(conn):
            raise fail(f"audit log NOT VERIFIED: {mismatch}", 1)
    held = (
        f"; {result.checkpoints} checkpoint(s) in {folder} hold"
        if result.checkpoints
        else f" (no checkpoints in {folder} to check against: see `triage audit checkpoint`)"
    )
    typer.echo(f"ok: {result.events} events, chain intact{held}")


@audit_app.command("checkpoint")
def audit_checkpoint(
    folder: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Folder to write to (default: TRIAGE_CHECKPOINT_DIR, the data folder's checkpoints/)."
        ),
    ] = None,
) -> None:
    """Write a signed checkpoint of the log's head (its last event and hash) outside the database.

    `triage audit verify` then proves the log still holds it, so cutting events off the end or
    rewriting the log is caught. Signed with the key in TRIAGE_CHECKPOINT_KEY_FILE (made on first use).
    """
    settings = run_settings()
    head = audit_store().log.head()
    if head is None:
        raise fail("the audit log is empty: nothing to checkpoint yet", 1)
    try:
        key = read_or_create_key(settings.checkpoint_key_path, "checkpoint key")
    except KeyFileProblem as problem:
        raise fail(str(problem), EXIT_INVALID_INPUT) from None
    path = write_checkpoint(folder or settings.checkpoint_path, key, *head, datetime.now(UTC))
    typer.echo(f"checkpoint of event {head[0]} written to {path}")


@audit_app.command("show")
def audit_show(referral_id: Annotated[str, typer.Argument(help="The referral whose history to show.")]) -> None:
    """The decision, overrides, closing, links to other referrals and reasons recorded for a referral, oldest first."""
    events = list(audit_store().queries.events(referral_id))
    if not events:
        raise fail(f"nothing recorded for referral {referral_id!r}", 1)
    typer.echo(audit_history(referral_id, events))


EXPORT_FORMATS = ("jsonl", "csv")


def _write_export(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    """Write export rows as JSON lines or CSV (with a header row, no cell a spreadsheet would run as a
    formula: see triage.csv_safe); how many were written."""
    count = 0
    if fmt == "csv":
        writer = SafeDictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


@audit_app.command("export")
def audit_export(
    since: Annotated[
        str,
        typer.Option(
            "--since",
            help="First day to include (YYYY-MM-DD), compared with each event's "
            "UTC recorded_at: not adjusted to Europe/London time.",
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (one JSON object a line) or csv (with a header row).")
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write; default: standard output.")
    ] = None,
) -> None:
    """Export the events recorded on or after a date, as JSON lines or CSV.

    One event a line: seq, kind, recorded_at, referral_id, decision_id, route/priority/matched_rule
    (decisions), route/reason/by (overrides), reason/by (closed cases, links confirmed or rejected),
    by (ruleset loads), hash. Referral payloads (personal data) are never exported.
    """
    if fmt not in EXPORT_FORMATS:
        raise fail(
            f"--format: unknown format {fmt!r}; expected one of: {', '.join(EXPORT_FORMATS)}", EXIT_INVALID_INPUT
        )
    first_day = day("--since", since)  # refused before the database is opened
    rows = (export_record(event) for event in audit_store().queries.events(since=first_day))
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
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than", help="Erase payloads stored longer ago than this: a number and y, m or d (6y, 18m, 30d)."
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be erased.")] = False,
) -> None:
    """Erase the personal data of events recorded longer ago than the retention period.

    Referral payloads, and each event's personal part (referral id, reasons and evidence naming
    people, free-text reasons) go; the event chain is untouched and still verifies, and records the
    purge. Those decisions can no longer be replayed or shown in full.
    """
    try:
        cutoff = retention_cutoff(older_than, datetime.now(UTC))
    except ValueError as error:
        raise fail(f"--older-than: {error}", EXIT_INVALID_INPUT) from None
    result = audit_store().log.purge(cutoff, by="cli", dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb} {result.erased} record(s) of personal data (referral payloads, reasons, evidence) "
        f"from before {cutoff.isoformat(timespec='seconds')}; the event chain is untouched"
    )
    if result.whole:
        typer.echo(
            f"{result.whole} event(s) from before that date were recorded by an earlier version with their "
            "reasons inside the chain, which cannot be erased without breaking it",
            err=True,
        )


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
    configure_logging(run_settings().log_level)
    try:
        replay = replay_decision(audit_store(), decision_id, engine)
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
    """Record a practitioner's new route for a decision; the decision itself is never changed.

    The route is checked against the service catalogue of the ruleset in force today, as on the web pages."""
    store = audit_store()  # no log, no decision to override: never made empty for this
    policy = in_force_today(library([rules] if rules else None, "python", store)).policy
    try:
        override = Cases(store).override(decision_id, route, reason, by, policy)
    except InvalidChange as error:
        raise fail(f"--{error.field}: {error.reason}", EXIT_INVALID_INPUT) from None
    except (CaseClosed, UnknownDecision) as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(f"override recorded as event {override.seq}: decision {decision_id} -> {route}")
