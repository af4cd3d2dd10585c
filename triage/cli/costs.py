"""``triage costs``: the cost-benefit of key working for a scenario or for the families decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from triage.cli.common import (
    EXIT_INVALID_INPUT,
    EXIT_INVALID_RULES,
    audit_store,
    day,
    existing_store,
    fail,
    in_force_today,
    library,
    write_output,
)
from triage.costs.appraisal import NothingToAppraise, TooFewDraws, appraise_cohort
from triage.costs.cohort import InvalidScenario, audit_cohort, scenario_cohort
from triage.costs.loader import CostDataInvalid, load_cost_data
from triage.costs.report import as_html, as_text, write_csv, write_json
from triage.files import CannotWrite

OutputFile = Path | None


def costs(
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="A scenario file (see examples/costs/).", exists=True, dir_okay=False),
    ] = None,
    cohort: Annotated[
        str | None,
        typer.Option("--cohort", help="audit: the families decided, read from the audit log (overrides applied)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="With --cohort audit: decided on or after this UTC day (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="With --cohort audit: decided on or before this UTC day.")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data", help="The cost data folder; default: the project's cost_benefit/.")
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="The policy folder the cost data refers to; "
            "default: the project's own (or a version published to the "
            "audit log, if that is in force today).",
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws", min=0, help="Monte Carlo draws (0: none, else at least 10); default from the cost data."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Monte Carlo seed; default from the cost data.")] = None,
    html_out: Annotated[OutputFile, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    csv_dir: Annotated[OutputFile, typer.Option("--csv", help="Write one CSV per table into this folder.")] = None,
    json_out: Annotated[OutputFile, typer.Option("--json", help="Write every figure as JSON here.")] = None,
) -> None:
    """What key working costs, what it saves each agency, and who might fund what (GMCA method)."""
    if (scenario is None) == (cohort is None):
        raise fail("give either --scenario FILE or --cohort audit", EXIT_INVALID_INPUT)
    if cohort is not None and cohort != "audit":
        raise fail(f"--cohort: {cohort!r} is not a cohort; the only one is 'audit'", EXIT_INVALID_INPUT)
    if scenario is not None and (since or until):
        raise fail(
            "--since and --until choose decisions from the audit log; a scenario gives its own families",
            EXIT_INVALID_INPUT,
        )
    first, last = (
        None if text is None else day(option, text) for option, text in (("--since", since), ("--until", until))
    )
    log = None if scenario else audit_store()  # the families decided are read from it
    # the ruleset in force today, as GET /v1/costs: a version published to the log counts
    policy = in_force_today(library([rules] if rules else None, "python", log or existing_store())).policy
    try:
        data = load_cost_data(policy, data_dir)
        families = scenario_cohort(scenario, policy) if scenario else audit_cohort(log or audit_store(), first, last)
    except InvalidScenario as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    except CostDataInvalid as error:
        raise fail(str(error), EXIT_INVALID_RULES) from None
    if not families.families:
        left_out = f" ({families.unreadable_note})" if families.unreadable_note else ""
        raise fail(f"no families to appraise: the audit log has no decisions in that period{left_out}", 1)
    try:
        report = appraise_cohort(data, families, policy, draws, seed)
    except TooFewDraws as error:
        raise fail(f"--{error}", EXIT_INVALID_INPUT) from None
    except NothingToAppraise as error:
        raise fail(str(error), 1) from None
    if csv_dir is not None:  # first: a folder is likeliest to be refused, and then nothing is written
        try:
            write_csv(report, csv_dir)
        except (CannotWrite, OSError) as error:
            raise fail(f"{csv_dir}: cannot write there ({error.strerror})", EXIT_INVALID_INPUT) from None
    if html_out is not None:
        write_output(html_out, lambda out: out.write(as_html(report)))
    if json_out is not None:
        write_output(json_out, lambda out: write_json(report, out))
    typer.echo(as_text(report))
