"""The ``triage`` command line: decide one referral, a batch, validate and show the rules."""

from __future__ import annotations

import csv
import gc
import json
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Iterable, Iterator, Optional, TextIO

import typer

from triage.audit import ReferralConflict, UnknownDecision
from triage.engine import BACKENDS, Engine, EngineFailure
from triage.files import CannotWrite, read_text, replacing
from triage.front_door import FrontDoor
from triage.intake import FieldError, InvalidReferral, load_text
from triage.logs import configure_logging, flush_logs
from triage.models import Decision
from triage.report import EXPORT_FIELDS, audit_history, explain_decision, export_record, replay_report, ruleset_table
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.loader import Policy
from triage.audit.retention import retention_cutoff
from triage.settings import Settings

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

app = typer.Typer(help="Referral triage for the city's whole household front door.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
rules_app = typer.Typer(help="Inspect the active ruleset.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
audit_app = typer.Typer(help="The audit log: verify the chain, show a referral's history, export, replay, purge.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")

RulesDir = Annotated[Optional[Path], typer.Option("--rules", help="Policy folder (holding rules/, definitions/, service_catalogue/); default: the project's own.")]
EngineName = Annotated[str, typer.Option("--engine", help=f"Evaluation backend: {' or '.join(BACKENDS)}.")]

AuditOption = Annotated[Optional[bool], typer.Option(
    "--audit/--no-audit", help="Record each decision in the audit log (default: on when TRIAGE_DATABASE_URL is set).")]
CallerOption = Annotated[str, typer.Option("--caller", help="Who is deciding, as recorded in the audit log.")]

EXIT_INVALID_INPUT = 2
EXIT_INVALID_RULES = 3


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _policy(rules: Path | None) -> Policy:
    try:
        return load_policy(rules)
    except PolicyInvalid as error:
        raise _fail(str(error), EXIT_INVALID_RULES) from None


def _front_door(rules: Path | None, engine: str, audit: bool | None, caller: str, batch: bool = False) -> FrontDoor:
    """The engine on the chosen rules, recording to the audit log when asked (or configured)."""
    configure_logging(batch=batch)
    if engine not in BACKENDS:
        raise _fail(f"--engine: unknown engine {engine!r}; expected one of: {', '.join(BACKENDS)}", EXIT_INVALID_INPUT)
    settings = Settings()
    store = _store() if (settings.audit_by_default if audit is None else audit) else None
    door = FrontDoor(Engine(_policy(rules), engine), store, caller)
    # Everything loaded so far (libraries, the policy, the compiled rules) lives for the whole
    # run: take it out of the garbage collector's scans, which otherwise revisit it thousands of
    # times in a batch.
    gc.freeze()
    return door


@app.command()
def decide(
    file: Annotated[Path, typer.Argument(help="A referral as JSON or YAML.", exists=True, dir_okay=False)],
    explain: Annotated[bool, typer.Option("--explain", help="Print a readable report instead of JSON.")] = False,
    rules: RulesDir = None,
    engine: EngineName = "durable",
    audit: AuditOption = None,
    caller: CallerOption = "cli",
) -> None:
    """Decide one referral and print the decision."""
    door = _front_door(rules, engine, audit, caller)
    try:
        data = load_text(read_text(file), yaml_allowed=file.suffix.lower() in (".yaml", ".yml"))
        decision = door.decide(data)
    except InvalidReferral as error:
        raise _fail("invalid referral:\n" + "\n".join(f"  {e}" for e in error.errors), EXIT_INVALID_INPUT) from None
    except ReferralConflict as error:
        raise _fail(str(error), EXIT_INVALID_INPUT) from None
    except EngineFailure as error:
        raise _fail(f"no decision: {error}", 1) from None
    typer.echo(explain_decision(decision, door.engine.policy) if explain else decision.model_dump_json(indent=2))


def _error_record(number: int, referral_id: str | None, error: str, errors: list[FieldError]) -> str:
    return json.dumps({"line": number, "referral_id": referral_id, "error": error,
                       "errors": [{"path": e.path, "reason": e.reason} for e in errors]})


BATCH_BLOCK = 256  # lines decided (and, when auditing, committed) together before being written


def _read_line(number: int, raw: bytes) -> Any:
    """A line's parsed JSON, or the InvalidReferral saying why it cannot be read."""
    try:  # decoded line by line, so one mis-encoded line costs only itself; a BOM may start the file
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        return InvalidReferral([FieldError("", "line is not valid UTF-8")])
    try:
        return load_text(line)
    except InvalidReferral as invalid:
        return invalid


def _result_line(number: int, data: Any, outcome: Decision | Exception) -> str:
    """The output line for one input line: the decision, or an error record naming the fields."""
    if isinstance(outcome, Decision):
        return outcome.model_dump_json()
    referral_id = data.get("referral_id") if isinstance(data, dict) else None
    referral_id = referral_id if isinstance(referral_id, str) else None
    if isinstance(outcome, InvalidReferral):
        return _error_record(number, referral_id, str(outcome), outcome.errors)
    if isinstance(outcome, (EngineFailure, ReferralConflict)):
        return _error_record(number, referral_id, str(outcome), [])
    # anything else is a bug or an unavailable database; its message may quote the referral
    return _error_record(number, referral_id, f"could not be decided: {type(outcome).__name__}", [])


def _decide_block(door: FrontDoor, block: list[tuple[int, bytes]]) -> list[tuple[str, Decision | None]]:
    """Results for a block of lines, in order. Never raises (short of an interrupt): one bad line,
    or a block the audit log could not take, must not cost the rest of the batch."""
    read = [_read_line(number, raw) for number, raw in block]
    readable = [data for data in read if not isinstance(data, InvalidReferral)]
    try:
        decided = iter(door.decide_many(readable))
    except Exception as failure:  # noqa: BLE001 - e.g. the audit database is unavailable: nothing was recorded
        decided = iter([failure] * len(readable))
    results = []
    for (number, _), data in zip(block, read):
        outcome = data if isinstance(data, InvalidReferral) else next(decided)
        results.append((_result_line(number, data, outcome), outcome if isinstance(outcome, Decision) else None))
    return results


def _blocks(lines: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    block: list[tuple[int, bytes]] = []
    for line in lines:
        block.append(line)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _line_count(source: Path) -> int | None:
    """Lines to decide, for the progress bar; None when there is no bar.

    Counting reads the input once more, so only when someone watches (stderr is a terminal) and the
    source can be read twice (a regular file: a pipe or /dev/stdin would be used up by the count).
    """
    if not (sys.stderr.isatty() and source.is_file()):
        return None
    with source.open("rb") as counting:
        return sum(1 for _ in counting)


def _lines(source: BinaryIO, total: int | None) -> Iterator[tuple[int, bytes]]:
    """Numbered lines, without their line ending (``\\n`` or ``\\r\\n``), as bytes: see ``_decide_line``."""
    numbered = enumerate((line.rstrip(b"\r\n") for line in source), start=1)
    if total is None:
        yield from numbered
        return
    with typer.progressbar(numbered, length=total, label="Deciding", file=sys.stderr) as bar:
        yield from bar


def _refuse_same_file(source: Path, output: Path) -> None:
    """Writing the output over the input (``-o IN``, or a link to it) would destroy the referrals."""
    try:
        same = output.exists() and source.samefile(output)
    except OSError:  # cannot stat one of them: not provably the same; opening will report any problem
        same = False
    if same:
        raise _fail(f"-o {output}: that is the input file; give a different output file", EXIT_INVALID_INPUT)


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="Referrals, one JSON object per line.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write one result per input line.")],
    rules: RulesDir = None,
    engine: EngineName = "durable",
    audit: AuditOption = None,
    caller: CallerOption = "cli",
) -> None:
    """Decide every line of a JSONL file; a bad line gets an error record, never stops the run."""
    _refuse_same_file(source, output)
    door = _front_door(rules, engine, audit, caller, batch=True)
    routes: Counter[str] = Counter()
    try:
        with source.open("rb") as incoming, replacing(output) as out:
            try:
                for block in _blocks(_lines(incoming, _line_count(source)), BATCH_BLOCK):
                    for text, decision in _decide_block(door, block):
                        out.write(text + "\n")
                        routes[decision.route if decision else "(invalid)"] += 1
            finally:
                flush_logs()
    except CannotWrite as error:
        raise _fail(f"-o {output}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None
    summary = ", ".join(f"{route}: {count}" for route, count in sorted(routes.items()))
    typer.echo(f"{sum(routes.values())} lines decided -> {output} ({summary})", err=True)


@app.command()
def validate(directory: Annotated[Optional[Path], typer.Argument(help="Policy folder to check; default: the project's own.")] = None,
             rules: RulesDir = None) -> None:
    """Check a policy folder; print every problem with its file, line and key."""
    if directory is not None and rules is not None:  # which one was meant is a guess; the other may be broken
        raise _fail("give one policy folder: as the argument or with --rules, not both", EXIT_INVALID_INPUT)
    try:
        policy = load_policy(directory or rules)
    except PolicyInvalid as error:
        raise _fail(str(error), 1) from None
    typer.echo(f"ok: ruleset {policy.version} (sha256 {policy.sha256}) from {policy.root}")


@rules_app.command("show")
def rules_show(rules: RulesDir = None) -> None:
    """Print the active ruleset as readable tables."""
    typer.echo(ruleset_table(_policy(rules)))


def _store() -> AuditStore:
    """The configured audit log; imported here because SQLAlchemy costs startup time when unused."""
    from triage.audit.store import AuditStore

    return AuditStore(Settings().audit_url)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad event if anything was tampered with."""
    result = _store().verify()
    if not result.ok:
        raise _fail(f"audit log BROKEN at event {result.first_bad_seq}: {result.problem} "
                    f"({result.events} events read)", 1)
    typer.echo(f"ok: {result.events} events, chain intact")


@audit_app.command("show")
def audit_show(referral_id: Annotated[str, typer.Argument(help="The referral whose history to show.")]) -> None:
    """The decision, overrides and reasons recorded for a referral, oldest first."""
    events = list(_store().events(referral_id))
    if not events:
        raise _fail(f"nothing recorded for referral {referral_id!r}", 1)
    typer.echo(audit_history(referral_id, events))


EXPORT_FORMATS = ("jsonl", "csv")


def _since(text: str) -> date:
    """The --since date, or exit 2 saying what a date looks like."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--since: {text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-31", EXIT_INVALID_INPUT) from None


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
        raise _fail(f"--format: unknown format {fmt!r}; expected one of: {', '.join(EXPORT_FORMATS)}", EXIT_INVALID_INPUT)
    first_day = _since(since)  # refused before the database is opened
    rows = (export_record(event) for event in _store().events(since=first_day))
    if output is None:
        count = _write_export(rows, sys.stdout, fmt)
    else:
        try:
            with replacing(output) as out:
                count = _write_export(rows, out, fmt)
        except CannotWrite as error:
            raise _fail(f"-o {output}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None
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
        raise _fail(f"--older-than: {error}", EXIT_INVALID_INPUT) from None
    count = _store().purge_payloads(cutoff, dry_run=dry_run)
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
    if engine not in BACKENDS:
        raise _fail(f"--engine: unknown engine {engine!r}; expected one of: {', '.join(BACKENDS)}", EXIT_INVALID_INPUT)
    configure_logging()
    try:
        replay = _store().replay(decision_id, engine)
    except UnknownDecision as error:
        raise _fail(str(error), EXIT_INVALID_INPUT) from None
    except EngineFailure as error:
        raise _fail(f"no decision on replay: {error}", 1) from None
    if replay.purged:
        raise _fail(f"payload purged (retention): decision {decision_id} cannot be replayed", 1)
    typer.echo(replay_report(replay, engine))
    if not replay.identical:
        raise typer.Exit(1)


@app.command()
def override(
    decision_id: Annotated[str, typer.Argument(help="The decision to override.")],
    route: Annotated[str, typer.Option("--route", help="The new route (a service id from the catalogue).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required, free text).")],
    by: Annotated[str, typer.Option("--by", help="Who is overriding.")],
    rules: RulesDir = None,
) -> None:
    """Record a practitioner's new route for a decision; the decision itself is never changed."""
    services = {s.id for s in _policy(rules).catalogue.services}
    if route not in services:
        raise _fail(f"--route: unknown service {route!r}; expected one of: {', '.join(sorted(services))}", EXIT_INVALID_INPUT)
    try:
        event = _store().override(decision_id, route, reason, by)
    except (ValueError, UnknownDecision) as error:
        raise _fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(f"override recorded as event {event.seq}: decision {decision_id} -> {route}")


if __name__ == "__main__":  # pragma: no cover
    app()
