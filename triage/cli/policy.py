"""``triage validate`` and ``triage rules show``: check a policy folder and read the active ruleset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from triage.cli.common import EXIT_INVALID_INPUT, RulesDir, fail, policy_from
from triage.report import ruleset_table
from triage.rulebook import PolicyInvalid, load_policy

rules_app = typer.Typer(help="Inspect the active ruleset.", no_args_is_help=True)


def validate(directory: Annotated[Optional[Path], typer.Argument(help="Policy folder to check; default: the project's own.")] = None,
             rules: RulesDir = None) -> None:
    """Check a policy folder; print every problem with its file, line and key."""
    if directory is not None and rules is not None:  # which one was meant is a guess; the other may be broken
        raise fail("give one policy folder: as the argument or with --rules, not both", EXIT_INVALID_INPUT)
    try:
        policy = load_policy(directory or rules)
    except PolicyInvalid as error:
        raise fail(str(error), 1) from None
    typer.echo(f"ok: ruleset {policy.version} (sha256 {policy.sha256}) from {policy.root}")


@rules_app.command("show")
def rules_show(rules: RulesDir = None) -> None:
    """Print the active ruleset as readable tables."""
    typer.echo(ruleset_table(policy_from(rules)))
