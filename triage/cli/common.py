"""What every command shares: exit codes, common options, loading the policy, the audit store."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from triage.audit.errors import ArchiveTampered
from triage.characters import UNSAFE_REASON, is_safe
from triage.engine import BACKENDS, Engine
from triage.engine.library import RulesetLibrary
from triage.files import CannotWrite, replacing
from triage.front_door import FrontDoor
from triage.installed import installed
from triage.logs import configure_logging
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.loader import Policy
from triage.settings import Settings

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

RulesDir = Annotated[
    Path | None,
    typer.Option(
        "--rules", help="Policy folder (holding rules/, definitions/, service_catalogue/); default: the project's own."
    ),
]
EngineName = Annotated[str, typer.Option("--engine", help=f"Evaluation backend: {' or '.join(BACKENDS)}.")]

RulesDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="Policy folder; give it again for each ruleset version to install: each referral is decided "
        "by the version in force on the day it was received. Default: the project's own.",
    ),
]
PinOption = Annotated[
    str | None,
    typer.Option(
        "--ruleset",
        help="Decide with this installed ruleset version, whatever the date received (any installed "
        "version: an operator's tool; the API allows only one in force by the day received).",
    ),
]
AuditOption = Annotated[
    bool | None,
    typer.Option(
        "--audit/--no-audit",
        help="Record each decision in the audit log (default: on when TRIAGE_DATABASE_URL is set).",
    ),
]
EXIT_INVALID_INPUT = 2
EXIT_INVALID_RULES = 3
EXIT_DATABASE = 3  # the audit database cannot be opened: unreachable, refused, missing, misspelt URL


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
CallerOption = Annotated[
    str, typer.Option("--caller", help="Who is deciding, as recorded in the audit log.", callback=recorded_name)
]


_settings: Settings | None = None


def read_settings() -> None:
    """Read this run's settings (TRIAGE_*) afresh: the ``triage`` command does, once, before any command."""
    global _settings
    _settings = Settings()


def run_settings() -> Settings:
    """This run's settings: read once, so every part of a command sees the same."""
    if _settings is None:
        read_settings()
    assert _settings is not None
    return _settings


def fail(message: str, code: int) -> typer.Exit:
    """Print the message for the user and return the exit to raise (raise it: the caller stops there)."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def check_engine(backend: str) -> None:
    """Refuse an unknown --engine before anything is loaded."""
    if backend not in BACKENDS:
        raise fail(f"--engine: unknown engine {backend!r}; expected one of: {', '.join(BACKENDS)}", EXIT_INVALID_INPUT)


def day(option: str, text: str) -> date:
    """A date option's value, or exit 2 saying what a date looks like."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{option}: {text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-31", EXIT_INVALID_INPUT
        ) from None


def write_output(path: Path, writer: Callable[[TextIO], object]) -> None:
    """Write a report file whole or not at all; exit 2 naming the file if it cannot be written."""
    try:
        with replacing(path) as out:
            writer(out)
    except CannotWrite as error:
        raise fail(f"{path}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None


def policy_from(rules: Path | None) -> Policy:
    if rules is not None and not rules.is_dir():  # the loader names no folders (its errors reach API users)
        raise fail(f"{rules}: policy folder not found", EXIT_INVALID_RULES)
    try:
        return load_policy(rules)
    except PolicyInvalid as error:
        raise fail(str(error), EXIT_INVALID_RULES) from None


def library(folders: list[Path] | None, backend: str, store: AuditStore | None) -> RulesetLibrary:
    """The ruleset versions installed, found the same way by every command and by the server: those
    in the rule folders (default: the project's own) and every version published to the audit log."""
    check_engine(backend)
    try:
        return installed(folders or [], store, backend)
    except ArchiveTampered as error:  # tampered rules must never decide: stop, and say why
        raise fail(str(error), EXIT_DATABASE) from None
    except PolicyInvalid as error:
        raise fail(str(error), EXIT_INVALID_RULES) from None
    except ValueError as error:  # the same version given twice
        raise fail(f"--rules: {error}", EXIT_INVALID_INPUT) from None


def in_force_today(versions: RulesetLibrary) -> Engine:
    """The version in force today (Europe/London): "the rules" as staff and partners read them now."""
    return versions.in_force_on(versions.today(datetime.now(UTC)))


def versions_today(versions: RulesetLibrary) -> str:
    """One line: the version in force today, and those scheduled to take effect later."""
    today = versions.today(datetime.now(UTC))
    scheduled = [
        f"{e.policy.version} from {e.policy.rules.effective_from.isoformat()}" for e in versions.scheduled_after(today)
    ]
    return (
        f"ruleset {in_force_today(versions).policy.version} in force today ({today.isoformat()}, {versions.zone.key}); "
        f"scheduled: {', '.join(scheduled) or 'none'}"
    )


def front_door(
    rules: list[Path] | None, backend: str, audit: bool | None, caller: str, batch: bool = False
) -> FrontDoor:
    """The engine on the installed versions (the same with or without --audit: those published to an
    existing audit log count too), recording to the audit log when asked (or configured)."""
    configure_logging(run_settings().log_level, batch=batch)
    check_engine(backend)
    recording = run_settings().audit_by_default if audit is None else audit
    store = audit_store(create=True) if recording else existing_store()
    door = FrontDoor(library(rules, backend, store), store if recording else None, caller)
    # Everything loaded so far (libraries, the policy, the compiled rules) lives for the whole
    # run: take it out of the garbage collector's scans, which otherwise revisit it thousands of
    # times in a batch.
    gc.freeze()
    return door


def _open_store(create: bool) -> AuditStore | None:
    """The configured audit log; None when there is none and ``create`` is False (never made just to
    look); exit 3 with one line naming the database when it cannot be opened."""
    settings = run_settings()
    if not create and settings.database_url is None and not settings.audit_path.is_file():
        return None  # no SQLite log: known without importing SQLAlchemy, which costs a decide its start-up
    from triage.audit.store import AuditStore
    from triage.db.urls import DatabaseUnavailable, has_log, make_room, opening

    url = settings.audit_url
    try:
        if not create and not has_log(url):
            return None
        with opening(url):
            make_room(url)
            return AuditStore(url)
    except DatabaseUnavailable as error:
        raise fail(str(error), EXIT_DATABASE) from None


def audit_store(create: bool = False) -> AuditStore:
    """The configured audit log. Only commands that record pass ``create``; any other exits 2 with
    "no audit log at …" where there is none, rather than make an empty one and report on it."""
    store = _open_store(create)
    if store is None:
        from triage.db.urls import where

        raise fail(
            f"no audit log at {where(run_settings().audit_url)}: nothing has been recorded there "
            "(TRIAGE_DATA_DIR, TRIAGE_AUDIT_DB or TRIAGE_DATABASE_URL say where the log is)",
            EXIT_INVALID_INPUT,
        )
    return store


def existing_store() -> AuditStore | None:
    """The audit log if there is one (to read the versions published to it), else None."""
    return _open_store(create=False)
