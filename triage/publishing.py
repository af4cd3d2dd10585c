"""Publishing a ruleset: validated, its rule tests passed with the coverage it requires, its
safeguarding invariants holding, archived, and live on every instance.

The CLI (``triage publish``) and the API (``POST /v1/rulesets``) both come through here. The
running servers pick a publication up from the audit database within REFRESH_SECONDS (see
``triage.services``) and swap their installed versions in one step: requests already being
decided finish on the version they started with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from triage.audit.errors import RulesetConflict
from triage.engine import Engine
from triage.policy_tests import Coverage, Outcome, load_rule_tests, measure_coverage, run_rule_tests
from triage.policy_tests.invariants import DEFAULT_REFERRALS, InvariantCheck, check_invariants
from triage.rulebook.loader import Policy

if TYPE_CHECKING:
    from triage.audit.events import AuditEvent
    from triage.audit.store import AuditStore

log = structlog.get_logger("triage.publishing")
TESTS = "rules/tests"
INVARIANTS = "rules/invariants.yaml"


class PublishRefused(Exception):
    """The candidate may not be published: why, one line (or block) per problem.

    ``reasons`` pairs each problem with where it lies (``rules/tests``, an invariant's file:line),
    for the API's problem details; every message names files as the policy folder has them."""

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        self.reasons = list(reasons)
        self.problems = [problem for _, problem in self.reasons]
        super().__init__("not published:\n" + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class Published:
    policy: Policy
    event: AuditEvent | None  # None: this exact ruleset was already published
    tests_passed: int
    coverage: Coverage
    invariants: InvariantCheck


@dataclass(frozen=True)
class Checked:
    """A candidate's rule tests, their coverage and its invariants, and every reason to refuse it."""

    outcomes: list[Outcome]
    coverage: Coverage
    invariants: InvariantCheck
    refusals: list[tuple[str, str]]


def check_candidate(policy: Policy, backend: str, referrals: int = DEFAULT_REFERRALS) -> Checked:
    """What ``triage test`` reports and publishing requires: every rule test passes, they exercise at
    least the ruleset's ``min_test_coverage``, and every safeguarding invariant holds over the rule
    tests and ``referrals`` generated referrals. PolicyInvalid when a rule-test file cannot be read."""
    cases = load_rule_tests(policy.root)
    outcomes = run_rule_tests(Engine(policy, backend), cases)
    refusals = [(TESTS, outcome.explain()) for outcome in outcomes if not outcome.passed]
    if not cases:
        refusals.append((TESTS, "no rule tests: write some in rules/tests/*.yaml before publishing"))
    coverage = measure_coverage(policy, [o.decision for o in outcomes if o.decision is not None])
    required = policy.rules.min_test_coverage
    if coverage.percent < required:
        below = (
            f"coverage {coverage.percent:.1f}% is below the {required:g}% this ruleset requires "
            f"(min_test_coverage in rules/ruleset.yaml); {_missed(coverage)}"
        )
        refusals.append((TESTS, below))
    if not policy.rules.invariants:
        none = f"no safeguarding invariants: declare what the routing must always do ({INVARIANTS}) before publishing"
        refusals.append((INVARIANTS, none))
    invariants = check_invariants(
        policy, backend, ((f"rule test {c.source} ({c.name})", c.referral) for c in cases), referrals
    )
    refusals += [(f"{v.invariant.where} {v.invariant.id}", v.explain()) for v in invariants.violations]
    return Checked(outcomes, coverage, invariants, refusals)


def _missed(coverage: Coverage, shown: int = 10) -> str:
    names = ", ".join(coverage.missed[:shown]) + (
        f" and {len(coverage.missed) - shown} more" if len(coverage.missed) > shown else ""
    )
    return f"no test exercises {names}"


def publish(
    store: AuditStore,
    policy: Policy,
    by: str,
    backend: str = "durable",
    installed_versions: dict[str, str] | None = None,
    referrals: int = DEFAULT_REFERRALS,
) -> Published:
    """Publish the candidate when ``check_candidate`` finds nothing wrong (PublishRefused listing every
    reason if it does: an untested, under-tested or unsafe ruleset must not decide about families).

    ``installed_versions`` (version -> sha256, from the rule folders the instances decide with)
    are checked too: a folder's version wins over a published one of the same number, so
    publishing other content under that number would be recorded but never decide anything.
    """
    clash = (installed_versions or {}).get(policy.version)
    if clash is not None and clash != policy.sha256:
        raise RulesetConflict(
            f"version {policy.version} is installed from a rule folder with other content "
            f"(sha256 {clash[:12]}…); give the change a new version"
        )
    checked = check_candidate(policy, backend, referrals)
    if checked.refusals:
        raise PublishRefused(checked.refusals)
    event = store.archive.publish(policy, by)
    log.info("ruleset_published", version=policy.version, sha256=policy.sha256, by_event=event.seq if event else None)
    return Published(policy, event, len(checked.outcomes), checked.coverage, checked.invariants)
