"""The ``triage`` command line. Every command is listed here; each lives in the module named after
its job, and that module is imported only when its command runs: a one-referral ``triage decide``
should not pay for SQLAlchemy, the cost model and argon2 that other commands need."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from triage.cli.common import read_settings

# command name: (module, attribute): a function becomes a command, a Typer app a group of them
COMMANDS: dict[str, tuple[str, str]] = {
    "decide": ("triage.cli.decisions", "decide"),
    "batch": ("triage.cli.decisions", "batch"),
    "validate": ("triage.cli.policy", "validate"),
    "test": ("triage.cli.policy", "test"),
    "diff": ("triage.cli.policy", "diff"),
    "simulate": ("triage.cli.simulate", "simulate"),
    "publish": ("triage.cli.policy", "publish"),
    "override": ("triage.cli.audit_log", "override"),
    "search": ("triage.cli.households", "search"),
    "household": ("triage.cli.households", "household"),
    "serve": ("triage.cli.server", "serve"),
    "costs": ("triage.cli.costs", "costs"),
    "rules": ("triage.cli.policy", "rules_app"),
    "audit": ("triage.cli.audit_log", "audit_app"),
    "keys": ("triage.cli.keys", "keys_app"),
    "staff": ("triage.cli.staff", "staff_app"),
}


@cache
def _command(name: str) -> TyperCommand | TyperGroup:
    """The click command for ``name``, its module imported now (once per process)."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command: TyperCommand | TyperGroup = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name=name)(target)
        made = typer.main.get_command(single)
        assert isinstance(made, TyperCommand)  # one function, no callback: a command, not a group
        command = made
    command.name = name
    return command


class _CommandsOnDemand(TyperGroup):
    """A group whose commands are looked up by name when run (``--help`` lists them all, so it
    imports them all)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> TyperCommand | TyperGroup | None:
        return _command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(
    cls=_CommandsOnDemand,
    help="Referral triage for the city's whole household front door.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.callback()(read_settings)  # each run reads its settings once, before its command
