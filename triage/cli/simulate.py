"""``triage simulate``: re-decide past referrals under a candidate ruleset and report what changes."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from triage.cases.teams import capacity
from triage.cli.common import EXIT_INVALID_INPUT, audit_store, check_engine, day, fail, policy_from, write_output
from triage.simulation.render import as_data, as_html, as_text, write_csv, write_json
from triage.simulation.run import from_audit_log, from_jsonl
from triage.simulation.run import simulate as run_simulation
from triage.simulation.summary import Summary

OutputFile = Path | None


def simulate(
    candidate: Annotated[Path, typer.Option("--candidate", help="The proposed policy folder.")],
    source: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Referrals as JSONL; default: the referrals in the audit log, compared with their recorded decisions.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Audit log only: referrals decided on or after this UTC day (YYYY-MM-DD)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="With --input: the policy to compare against; default: the project's own."),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="python (default: fastest) or durable.")] = "python",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Processes deciding (with --engine python, "
            "this one counts); default: one per CPU, just this one for "
            "up to 10,000 referrals (python).",
        ),
    ] = None,
    sample: Annotated[
        int, typer.Option("--sample", min=0, help="Changed referrals to show with both explanations.")
    ] = 10,
    json_out: Annotated[OutputFile, typer.Option("--json", help="Write the whole report as JSON here.")] = None,
    csv_out: Annotated[OutputFile, typer.Option("--csv", help="Write team workload before/after as CSV here.")] = None,
    html_out: Annotated[OutputFile, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
) -> None:
    """What would change under a candidate ruleset: decisions that change, old route -> new route,
    each team's workload, and a sample of changed referrals with both explanations."""
    check_engine(engine)
    if source is not None and since is not None:
        raise fail(
            "--since reads the audit log; with --input, give a file holding the referrals wanted", EXIT_INVALID_INPUT
        )
    if source is None and baseline is not None:
        raise fail(
            "--baseline applies with --input; the audit log is compared with the decisions it recorded",
            EXIT_INVALID_INPUT,
        )
    first_day = None if since is None else day("--since", since)
    new_policy = policy_from(candidate)
    old_policy = policy_from(baseline)
    unreadable: Counter[str] = Counter()
    items = from_jsonl(source) if source else from_audit_log(audit_store(), first_day, unreadable)
    labels = {
        "baseline": f"ruleset {old_policy.version}" if source else "the decisions recorded in the audit log",
        "candidate": f"{new_policy.version} ({candidate})",
    }
    summary = Summary(sample_size=sample)
    chunks = run_simulation(items, old_policy.root if source else None, new_policy.root, engine, workers)
    bar = typer.progressbar(length=0, label="Simulating", file=sys.stderr) if sys.stderr.isatty() else nullcontext()
    with bar as progress:
        for outcomes in chunks:
            summary.add(outcomes)
            if progress is not None:
                progress.update(len(outcomes))
    summary.not_simulated(unreadable)
    data = as_data(summary, capacity(new_policy), labels)
    typer.echo(as_text(data))
    for path, writer in (
        (json_out, lambda out: write_json(data, out)),
        (csv_out, lambda out: write_csv(data, out)),
        (html_out, lambda out: out.write(as_html(data))),
    ):
        if path is not None:
            write_output(path, writer)
