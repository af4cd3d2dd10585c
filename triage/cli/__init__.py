"""The ``triage`` command line. Every command is listed here; each lives in the module named after its job."""

from __future__ import annotations

import typer

from triage.cli.audit_log import audit_app, override
from triage.cli.common import read_settings
from triage.cli.costs import costs
from triage.cli.decisions import batch, decide
from triage.cli.keys import keys_app
from triage.cli.policy import diff, publish, rules_app, test, validate
from triage.cli.server import serve
from triage.cli.simulate import simulate
from triage.cli.staff import staff_app

app = typer.Typer(
    help="Referral triage for the city's whole household front door.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.callback()(read_settings)  # each run reads its settings once, before its command
app.command()(decide)
app.command()(batch)
app.command()(validate)
app.command()(test)
app.command()(diff)
app.command()(simulate)
app.command()(publish)
app.command()(override)
app.command()(serve)
app.command()(costs)
app.add_typer(rules_app, name="rules")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(staff_app, name="staff")
