"""``triage validate``, ``test``, ``diff`` and ``rules show``: check a policy folder, run its rule tests,
compare it with another, read it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from triage.audit.errors import RulesetConflict
from triage.cli.common import (EXIT_INVALID_INPUT, EngineName, RulesDir, audit_store, check_engine, fail, policy_from,
                               recorded_name)
from triage.engine import Engine
from triage.logs import configure_logging
from triage.policy_tests import load_rule_tests, measure_coverage, run_rule_tests
from triage.policy_tests.cases import TESTS_FOLDER
from triage.publishing import PublishRefused
from triage.publishing import publish as publish_ruleset
from triage.report import ruleset_table
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.diff import diff_policies

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


def test(
    directory: Annotated[Optional[Path], typer.Argument(help="Policy folder whose rules/tests/ to run; default: the project's own.")] = None,
    min_coverage: Annotated[float, typer.Option("--min-coverage", min=0, max=100,
                                                help="Fail when less than this % of the rules, indicators and "
                                                     "modifiers is exercised.")] = 0.0,
    engine: EngineName = "durable",
) -> None:
    """Run the rule tests beside the rules (rules/tests/*.yaml) and report their coverage.

    Exit 1 when a case fails (each failure says what was expected, what was decided and why) or
    coverage is under --min-coverage.
    """
    check_engine(engine)
    configure_logging("warning")  # one log line per decided case would bury the report
    policy = policy_from(directory)
    try:
        cases = load_rule_tests(policy.root)
    except PolicyInvalid as error:
        raise fail(str(error), 1) from None
    if not cases:
        raise fail(f"no rule tests in {policy.root / TESTS_FOLDER}: add *.yaml files there", 1)
    outcomes = run_rule_tests(Engine(policy, engine), cases)
    failed = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failed:
        typer.echo(outcome.explain())
    coverage = measure_coverage(policy, [o.decision for o in outcomes if o.decision is not None])
    typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed (ruleset {policy.version})")
    typer.echo(coverage.report())
    if failed:
        raise typer.Exit(1)
    if coverage.percent < min_coverage:
        raise fail(f"coverage {coverage.percent:.1f}% is below --min-coverage {min_coverage:g}%", 1)


def diff(
    old: Annotated[Path, typer.Argument(help="The policy folder as it is (e.g. the project's own: .).")],
    new: Annotated[Path, typer.Argument(help="The policy folder as proposed (e.g. a working copy).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per change: area, subject, what.")] = False,
) -> None:
    """What changed between two rulesets in policy terms (thresholds, weights, indicators, routes,
    localities, definitions), not a text diff. Exit 0 whether or not anything changed."""
    changes = diff_policies(policy_from(old), policy_from(new))
    if as_json:
        for change in changes:
            typer.echo(json.dumps(dataclasses.asdict(change), ensure_ascii=False))
        return
    if not changes:
        typer.echo("no policy changes")
        return
    for area in dict.fromkeys(change.area for change in changes):
        typer.echo(f"{area}:")
        typer.echo("\n".join(f"  {c.subject}: {c.what}" for c in changes if c.area == area))


def publish(
    directory: Annotated[Path, typer.Argument(help="The policy folder to publish.")],
    by: Annotated[str, typer.Option("--by", help="Who is publishing (recorded in the audit log).",
                                    callback=recorded_name)],
    engine: EngineName = "durable",
) -> None:
    """Validate a ruleset, run its rule tests, and publish it: archived in the audit log and live
    on every triage server using this database within seconds. Refused (exit 1) if anything fails."""
    check_engine(engine)
    configure_logging("warning")
    policy = policy_from(directory)
    try:
        project = policy_from(None)  # the project's own rules, which every instance installs by default
        published = publish_ruleset(audit_store(), policy, by, engine, {project.version: project.sha256})
    except (PublishRefused, RulesetConflict, PolicyInvalid) as error:
        raise fail(str(error), 1) from None
    if published.event is None:
        typer.echo(f"ruleset {policy.version} (sha256 {policy.sha256[:12]}…) was already published: nothing to do")
        return
    typer.echo(f"published ruleset {policy.version} (sha256 {policy.sha256[:12]}…), in force from "
               f"{policy.rules.effective_from}: {published.tests_passed} rule tests passed, "
               f"{published.coverage.percent:.0f}% coverage; audit event {published.event.seq}")
