"""``triage decide`` and ``triage batch``: referrals in, decisions out (and into the audit log)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer

from triage.audit import ReferralConflict
from triage.chunks import chunked
from triage.cli.common import (
    EXIT_INVALID_INPUT,
    AuditOption,
    CallerOption,
    EngineName,
    PinOption,
    RulesDirs,
    fail,
    front_door,
)
from triage.engine import EngineFailure
from triage.engine.library import NoRulesetInForce
from triage.files import CannotWrite, read_text, replacing
from triage.front_door import FrontDoor
from triage.intake import FieldError, InvalidReferral, load_text
from triage.logs import flush_logs
from triage.models import Decision
from triage.naming import member_labels, named
from triage.report import explain_decision


def decide(
    file: Annotated[Path, typer.Argument(help="A referral as JSON or YAML.", exists=True, dir_okay=False)],
    explain: Annotated[bool, typer.Option("--explain", help="Print a readable report instead of JSON.")] = False,
    rules: RulesDirs = None,
    ruleset: PinOption = None,
    engine: EngineName = "durable",
    audit: AuditOption = None,
    caller: CallerOption = "cli",
) -> None:
    """Decide one referral and print the decision."""
    door = front_door(rules, engine, audit, caller)
    try:
        data = load_text(read_text(file), yaml_allowed=file.suffix.lower() in (".yaml", ".yml"))
        decision = door.decide(data, ruleset)
    except InvalidReferral as error:
        raise fail("invalid referral:\n" + "\n".join(f"  {e}" for e in error.errors), EXIT_INVALID_INPUT) from None
    except (ReferralConflict, NoRulesetInForce) as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    except EngineFailure as error:
        raise fail(f"no decision: {error}", 1) from None
    if explain:  # read by a person: people named as the referral names them
        policy = door.latest.policy
        members = member_labels(data, policy, with_names=True)
        typer.echo(explain_decision(decision, door.latest.compiled, named(decision.reasons, data, policy), members))
    else:
        typer.echo(decision.model_dump_json(indent=2))


def _error_record(number: int, referral_id: str | None, error: str, errors: list[FieldError]) -> str:
    return json.dumps(
        {
            "line": number,
            "referral_id": referral_id,
            "error": error,
            "errors": [{"path": e.path, "reason": e.reason} for e in errors],
        }
    )


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
    if isinstance(outcome, (EngineFailure, ReferralConflict, NoRulesetInForce)):
        return _error_record(number, referral_id, str(outcome), [])
    # anything else is a bug or an unavailable database; its message may quote the referral
    return _error_record(number, referral_id, f"could not be decided: {type(outcome).__name__}", [])


def _decide_block(
    door: FrontDoor, block: list[tuple[int, bytes]], pinned: str | None = None
) -> list[tuple[str, Decision | None]]:
    """Results for a block of lines, in order. Never raises (short of an interrupt): one bad line,
    or a block the audit log could not take, must not cost the rest of the batch."""
    read = [_read_line(number, raw) for number, raw in block]
    readable = [data for data in read if not isinstance(data, InvalidReferral)]
    try:
        decided = iter(door.decide_many(readable, pinned))
    except Exception as failure:  # noqa: BLE001 - e.g. the audit database is unavailable: nothing was recorded
        decided = iter([failure] * len(readable))
    results = []
    for (number, _), data in zip(block, read, strict=True):
        outcome = data if isinstance(data, InvalidReferral) else next(decided)
        results.append((_result_line(number, data, outcome), outcome if isinstance(outcome, Decision) else None))
    return results


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
        raise fail(f"-o {output}: that is the input file; give a different output file", EXIT_INVALID_INPUT)


def batch(
    source: Annotated[Path, typer.Argument(help="Referrals, one JSON object per line.", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write one result per input line.")],
    rules: RulesDirs = None,
    ruleset: PinOption = None,
    engine: EngineName = "durable",
    audit: AuditOption = None,
    caller: CallerOption = "cli",
) -> None:
    """Decide every line of a JSONL file; a bad line gets an error record, never stops the run."""
    _refuse_same_file(source, output)
    door = front_door(rules, engine, audit, caller, batch=True)
    routes: Counter[str] = Counter()
    try:
        with source.open("rb") as incoming, replacing(output) as out:
            try:
                for block in chunked(_lines(incoming, _line_count(source)), BATCH_BLOCK):
                    for text, decision in _decide_block(door, block, ruleset):
                        out.write(text + "\n")
                        routes[decision.route if decision else "(invalid)"] += 1
            finally:
                flush_logs()
    except CannotWrite as error:
        raise fail(f"-o {output}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None
    summary = ", ".join(f"{route}: {count}" for route, count in sorted(routes.items()))
    typer.echo(f"{sum(routes.values())} lines decided -> {output} ({summary})", err=True)
