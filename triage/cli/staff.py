"""``triage staff create|list|disable``: accounts for the front door team, policy leads and auditors."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from triage.access import Role
from triage.access.staff import STAFF_ROLES, StaffError, StaffStore
from triage.cli.common import EXIT_INVALID_INPUT, audit_store, fail

staff_app = typer.Typer(help="Staff accounts for the web pages: create, list, disable.", no_args_is_help=True)


def _staff(create: bool = False) -> StaffStore:
    """The accounts, in the audit database; only ``staff create`` makes that database where there is none."""
    return StaffStore(audit_store(create).db)


def _password(from_stdin: bool) -> str:
    if from_stdin:  # for scripts: the password is the first line of standard input
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@staff_app.command("create")
def create(
    username: Annotated[str, typer.Option("--username", help="What they sign in with: lower-case, e.g. a.patel")],
    name: Annotated[str, typer.Option("--name", help="Their name, as recorded with their overrides.")],
    role: Annotated[Role, typer.Option("--role", help=f"One of: {', '.join(r.value for r in STAFF_ROLES)}.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input instead of asking for it.")
    ] = False,
) -> None:
    """Create a staff account; the password is asked for (twice, not shown) and kept only as a hash."""
    try:
        user = _staff(create=True).create(username, name, role, _password(password_stdin))
    except StaffError as error:
        raise fail(f"--{error}", EXIT_INVALID_INPUT) from None
    typer.echo(f"created {user.username} ({user.name}, {user.role.value}); they can sign in at /sign-in")


@staff_app.command("list")
def list_staff() -> None:
    """Every account (never passwords), with when it was created and disabled."""
    for user in _staff().list():
        typer.echo(
            f"{user.username:<24}{user.name:<28}{user.role.value:<13}{user.created_at[:19]:<22}"
            f"{(user.disabled_at or '-')[:19]}"
        )


@staff_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="The account to disable.")]) -> None:
    """Stop an account signing in; it stays listed so the audit log's names stay identifiable."""
    try:
        user = _staff().disable(username)
    except StaffError as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(f"disabled {user.username}")
