"""``triage validate``, ``test``, ``diff`` and ``rules show``: check a policy folder, run its rule tests,
compare it with another, read it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from triage.audit.errors import RulesetConflict
from triage.cli.common import (
    EXIT_INVALID_INPUT,
    EngineName,
    RulesDir,
    RulesDirs,
    audit_store,
    check_engine,
    existing_store,
    fail,
    in_force_today,
    library,
    policy_from,
    recorded_name,
    run_settings,
    versions_today,
)
from triage.logs import configure_logging
from triage.policy_tests.cases import TESTS_FOLDER
from triage.publishing import PublishRefused, check_candidate
from triage.publishing import publish as publish_ruleset
from triage.report import ruleset_table
from triage.rulebook import PolicyInvalid, load_policy
from triage.rulebook.diff import diff_policies

Referrals = Annotated[
    int | None,
    typer.Option(
        "--referrals",
        min=100,
        help="How many generated referrals the safeguarding invariants are checked against "
        "(default: TRIAGE_INVARIANT_REFERRALS, 2000).",
    ),
]
rules_app = typer.Typer(help="Inspect the ruleset in force today and those scheduled.", no_args_is_help=True)


def validate(
    directory: Annotated[
        Path | None, typer.Argument(help="Policy folder to check; default: the project's own.")
    ] = None,
    rules: RulesDir = None,
) -> None:
    """Check a policy folder; print every problem with its file, line and key."""
    if directory is not None and rules is not None:  # which one was meant is a guess; the other may be broken
        raise fail("give one policy folder: as the argument or with --rules, not both", EXIT_INVALID_INPUT)
    try:
        policy = load_policy(directory or rules)
    except PolicyInvalid as error:
        raise fail(str(error), 1) from None
    typer.echo(f"ok: ruleset {policy.version} (sha256 {policy.sha256}) from {policy.root}")


@rules_app.command("show")
def rules_show(rules: RulesDirs = None) -> None:
    """Print the ruleset in force today (Europe/London) as readable tables, and the versions
    scheduled to take effect later: the same versions `decide` and the server install."""
    versions = library(rules, "python", existing_store())
    typer.echo(ruleset_table(in_force_today(versions).policy))
    typer.echo(f"\n{versions_today(versions)}")


def test(
    directory: Annotated[
        Path | None, typer.Argument(help="Policy folder whose rules/tests/ to run; default: the project's own.")
    ] = None,
    min_coverage: Annotated[
        float | None,
        typer.Option(
            "--min-coverage",
            min=0,
            max=100,
            help="Fail when less than this % of the rules, indicators and modifiers "
            "is exercised. Default: the ruleset's min_test_coverage.",
        ),
    ] = None,
    engine: EngineName = "durable",
    referrals: Referrals = None,
) -> None:
    """Run the rule tests beside the rules (rules/tests/*.yaml), report their coverage, and check the
    safeguarding invariants (rules/invariants.yaml) against them and thousands of generated referrals.

    Exit 1 when a case fails (each failure says what was expected, what was decided and why),
    coverage is under the minimum, or an invariant is broken (with the smallest referral that
    breaks it): what publishing would refuse.
    """
    check_engine(engine)
    configure_logging("warning")  # one log line per decided case would bury the report
    policy = policy_from(directory)
    try:
        checked = check_candidate(policy, engine, _referrals(referrals))
    except PolicyInvalid as error:
        raise fail(str(error), 1) from None
    if not checked.outcomes:
        raise fail(f"no rule tests in {policy.root / TESTS_FOLDER}: add *.yaml files there", 1)
    failed = [outcome for outcome in checked.outcomes if not outcome.passed]
    for outcome in failed:
        typer.echo(outcome.explain())
    typer.echo(f"{len(checked.outcomes) - len(failed)} passed, {len(failed)} failed (ruleset {policy.version})")
    typer.echo(checked.coverage.report())
    for violation in checked.invariants.violations:
        typer.echo(violation.explain())
    typer.echo(checked.invariants.report())
    if failed or checked.invariants.violations or not checked.invariants.invariants:
        raise typer.Exit(1)
    if min_coverage is not None and checked.coverage.percent < min_coverage:
        raise fail(f"coverage {checked.coverage.percent:.1f}% is below --min-coverage {min_coverage:g}%", 1)
    if min_coverage is None and checked.coverage.percent < policy.rules.min_test_coverage:
        raise fail(
            f"coverage {checked.coverage.percent:.1f}% is below the {policy.rules.min_test_coverage:g}% "
            "this ruleset requires (min_test_coverage in rules/ruleset.yaml)",
            1,
        )


def _referrals(requested: int | None) -> int:
    """How many generated referrals the invariants are checked against: --referrals, else the setting."""
    return run_settings().invariant_referrals if requested is None else requested


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
    by: Annotated[
        str, typer.Option("--by", help="Who is publishing (recorded in the audit log).", callback=recorded_name)
    ],
    engine: EngineName = "durable",
    referrals: Referrals = None,
) -> None:
    """Validate a ruleset, run its rule tests, check its coverage and safeguarding invariants, and
    publish it: archived in the audit log and live on every triage server using this database within
    seconds. Refused (exit 1) if anything fails."""
    check_engine(engine)
    configure_logging("warning")
    policy = policy_from(directory)
    try:
        project = policy_from(None)  # the project's own rules, which every instance installs by default
        published = publish_ruleset(
            audit_store(create=True), policy, by, engine, {project.version: project.sha256}, _referrals(referrals)
        )
    except (PublishRefused, RulesetConflict, PolicyInvalid) as error:
        raise fail(str(error), 1) from None
    if published.event is None:
        typer.echo(f"ruleset {policy.version} (sha256 {policy.sha256[:12]}…) was already published: nothing to do")
        return
    typer.echo(
        f"published ruleset {policy.version} (sha256 {policy.sha256[:12]}…), in force from "
        f"{policy.rules.effective_from}: {published.tests_passed} rule tests passed, "
        f"{published.coverage.percent:.0f}% coverage, {published.invariants.invariants} safeguarding invariants "
        f"held; audit event {published.event.seq}"
    )
