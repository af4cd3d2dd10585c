"""``triage keys create|list|revoke``: API keys for partner systems and staff tools."""

from __future__ import annotations

from typing import Annotated

import typer

from triage.access import KeyStore, Role, UnknownKey
from triage.cli.common import EXIT_INVALID_INPUT, RulesDir, audit_store, existing_store, fail, library

keys_app = typer.Typer(help="API keys: create (the key is shown once), list, revoke.", no_args_is_help=True)


def _keys(create: bool = False) -> KeyStore:
    """The keys, in the audit database; only ``keys create`` makes that database where there is none."""
    return KeyStore(audit_store(create).db)


@keys_app.command("create")
def create(
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="Who uses the key: a partner system or a tool. Keys with "
            "the same name are the same caller (create a new one to rotate).",
        ),
    ],
    role: Annotated[Role, typer.Option("--role", help="What it may do.")],
    agency: Annotated[
        str | None,
        typer.Option("--agency", help="Partner keys: the agency it refers for; its referrals must name this agency."),
    ] = None,
    rules: RulesDir = None,
) -> None:
    """Create an API key and print it. It is stored only as a hash: copy it now."""
    if agency is not None:
        # the agencies the front door reads referrals with: the latest installed version's catalogue
        versions = library([rules] if rules else None, "python", existing_store())
        known = {a.id for a in versions.latest.policy.catalogue.partner_agencies}
        if agency not in known:
            raise fail(
                f"--agency: unknown agency {agency!r}; expected one of: {', '.join(sorted(known))}", EXIT_INVALID_INPUT
            )
    try:
        key, token = _keys(create=True).create(name, role, agency)
    except ValueError as error:
        raise fail(f"--{error}", EXIT_INVALID_INPUT) from None
    typer.echo(token)
    typer.echo(
        f"created key {key.key_id} for {key.name!r} (role {key.role.value}"
        f"{', agency ' + key.agency if key.agency else ''}); it is shown only this once",
        err=True,
    )


@keys_app.command("list")
def list_keys() -> None:
    """Every key ever issued (never the secrets), with when it was created and revoked."""
    keys = _keys().list()
    if not keys:
        typer.echo("no API keys yet: create one with `triage keys create --name NAME --role ROLE`")
        return
    typer.echo(f"{'key id':<14}{'name':<28}{'role':<13}{'agency':<18}{'created':<22}revoked")
    for key in keys:
        typer.echo(
            f"{key.key_id:<14}{key.name:<28}{key.role.value:<13}{key.agency or '-':<18}"
            f"{key.created_at[:19]:<22}{(key.revoked_at or '-')[:19]}"
        )


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from `triage keys list`).")]) -> None:
    """Stop a key working at once; it stays listed so the audit log's callers stay identifiable."""
    try:
        key = _keys().revoke(key_id)
    except UnknownKey as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(f"revoked key {key.key_id} ({key.name!r})")
