"""What every command shares: exit codes, common options, loading the policy, the audit store."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Optional, TextIO

import typer

from triage.characters import UNSAFE_REASON, is_safe
from triage.engine import BACKENDS, Engine
from triage.engine.library import RulesetLibrary
from triage.files import CannotWrite, replacing
from triage.front_door import FrontDoor
from triage.publishing import installed
from triage.logs import configure_logging
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.loader import Policy
from triage.settings import Settings

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

RulesDir = Annotated[Optional[Path], typer.Option("--rules", help="Policy folder (holding rules/, definitions/, service_catalogue/); default: the project's own.")]
EngineName = Annotated[str, typer.Option("--engine", help=f"Evaluation backend: {' or '.join(BACKENDS)}.")]

RulesDirs = Annotated[Optional[list[Path]], typer.Option(
    "--rules", help="Policy folder; give it again for each ruleset version to install: each referral is decided "
                    "by the version in force on the day it was received. Default: the project's own.")]
PinOption = Annotated[Optional[str], typer.Option(
    "--ruleset", help="Decide with this installed ruleset version, whatever the date received.")]
AuditOption = Annotated[Optional[bool], typer.Option(
    "--audit/--no-audit", help="Record each decision in the audit log (default: on when TRIAGE_DATABASE_URL is set).")]
EXIT_INVALID_INPUT = 2
EXIT_INVALID_RULES = 3


def _checked(multiline: bool, limit: int) -> Callable[[typer.CallbackParam, str | None], str | None]:
    """A typer callback for an option whose text is recorded in the audit log: exit 2 naming the
    option if it holds a control character or an unpaired surrogate (invalid UTF-8 in a command
    line arrives as one), which would fail the audit hash or make the record unreadable, or is
    longer than ``limit`` (a caller is a 128-character column)."""
    def check(param: typer.CallbackParam, value: str | None) -> str | None:
        if value is not None and not is_safe(value, multiline):
            raise fail(f"{param.opts[0]}: {UNSAFE_REASON}", EXIT_INVALID_INPUT)
        if value is not None and len(value) > limit:
            raise fail(f"{param.opts[0]}: at most {limit:,} characters", EXIT_INVALID_INPUT)
        return value
    return check


recorded_name = _checked(multiline=False, limit=128)  # who did it: --caller, --by
recorded_text = _checked(multiline=True, limit=4000)  # why: --reason (line breaks kept), as the API's reasons
CallerOption = Annotated[str, typer.Option("--caller", help="Who is deciding, as recorded in the audit log.",
                                           callback=recorded_name)]


def fail(message: str, code: int) -> typer.Exit:
    """Print the message for the user and return the exit to raise (raise it: the caller stops there)."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def check_engine(engine: str) -> None:
    """Refuse an unknown --engine before anything is loaded."""
    if engine not in BACKENDS:
        raise fail(f"--engine: unknown engine {engine!r}; expected one of: {', '.join(BACKENDS)}", EXIT_INVALID_INPUT)


def day(option: str, text: str) -> date:
    """A date option's value, or exit 2 saying what a date looks like."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: {text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-31", EXIT_INVALID_INPUT) from None


def write_output(path: Path, writer: Callable[[TextIO], object]) -> None:
    """Write a report file whole or not at all; exit 2 naming the file if it cannot be written."""
    try:
        with replacing(path) as out:
            writer(out)
    except CannotWrite as error:
        raise fail(f"{path}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None


def policy_from(rules: Path | None) -> Policy:
    try:
        return load_policy(rules)
    except PolicyInvalid as error:
        raise fail(str(error), EXIT_INVALID_RULES) from None


def library(folders: list[Path] | None, engine: str) -> RulesetLibrary:
    """The ruleset versions in these folders (default: the project's own), installed together."""
    check_engine(engine)
    try:
        return RulesetLibrary([Engine(policy_from(folder), engine) for folder in folders or [None]])
    except ValueError as error:  # the same version given twice
        raise fail(f"--rules: {error}", EXIT_INVALID_INPUT) from None


def front_door(rules: list[Path] | None, engine: str, audit: bool | None, caller: str, batch: bool = False) -> FrontDoor:
    """The engine on the chosen rules (and, when recording to the audit log, every version published
    there), recording to the audit log when asked (or configured)."""
    configure_logging(batch=batch)
    versions = library(rules, engine)
    settings = Settings()
    store = audit_store() if (settings.audit_by_default if audit is None else audit) else None
    if store is not None:  # the versions published to the audit database are installed too, as on the server
        versions = installed(rules, store, engine)
    door = FrontDoor(versions, store, caller)
    # Everything loaded so far (libraries, the policy, the compiled rules) lives for the whole
    # run: take it out of the garbage collector's scans, which otherwise revisit it thousands of
    # times in a batch.
    gc.freeze()
    return door


def audit_store() -> AuditStore:
    """The configured audit log; imported here because SQLAlchemy costs startup time when unused."""
    from triage.audit.store import AuditStore

    return AuditStore(Settings().audit_url)
