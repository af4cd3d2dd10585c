"""Publishing a ruleset: validated, its rule tests passed, archived, and live on every instance.

The CLI (``triage publish``) and the API (``POST /v1/rulesets``) both come through here. The
running servers pick a publication up from the audit database within REFRESH_SECONDS (see
``triage.api.services``) and swap their installed versions in one step: requests already being
decided finish on the version they started with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import structlog

from triage.audit.errors import RulesetConflict
from triage.engine import Engine
from triage.engine.library import RulesetLibrary
from triage.policy_tests import Coverage, Outcome, load_rule_tests, measure_coverage, run_rule_tests
from triage.rulebook import load_policy
from triage.rulebook.loader import Policy

if TYPE_CHECKING:
    from triage.audit.events import AuditEvent
    from triage.audit.store import AuditStore

log = structlog.get_logger("triage.publishing")


class PublishRefused(Exception):
    """The candidate may not be published: why, one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("not published:\n" + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class Published:
    policy: Policy
    event: AuditEvent | None  # None: this exact ruleset was already published
    tests_passed: int
    coverage: Coverage


def publish(store: AuditStore, policy: Policy, by: str, backend: str = "durable",
            installed_versions: dict[str, str] | None = None) -> Published:
    """Run the candidate's rule tests and publish it when every one passes (PublishRefused if not,
    or if it has none: an untested ruleset must not decide about families).

    ``installed_versions`` (version -> sha256, from the rule folders the instances decide with)
    are checked too: a folder's version wins over a published one of the same number, so
    publishing other content under that number would be recorded but never decide anything.
    """
    clash = (installed_versions or {}).get(policy.version)
    if clash is not None and clash != policy.sha256:
        raise RulesetConflict(f"version {policy.version} is installed from a rule folder with other content "
                              f"(sha256 {clash[:12]}…); give the change a new version")
    cases = load_rule_tests(policy.root)
    if not cases:
        raise PublishRefused([f"{policy.root / 'rules' / 'tests'}: no rule tests; write some before publishing"])
    outcomes: list[Outcome] = run_rule_tests(Engine(policy, backend), cases)
    failed = [outcome.explain() for outcome in outcomes if not outcome.passed]
    if failed:
        raise PublishRefused(failed)
    event = store.publish(policy, by)
    log.info("ruleset_published", version=policy.version, sha256=policy.sha256, by_event=event.seq if event else None)
    return Published(policy, event, len(outcomes), measure_coverage(policy, [o.decision for o in outcomes if o.decision]))


def installed(folders: Sequence[Path | None], store: AuditStore | None, backend: str) -> RulesetLibrary:
    """The versions an instance decides with: those in its rule folders, and every version
    published to its database (a folder's version wins over a published one of the same number)."""
    engines = [Engine(load_policy(folder), backend) for folder in folders or [None]]
    versions = {engine.rulebook.version for engine in engines}
    for policy in store.published_rulesets() if store is not None else []:
        if policy.version not in versions:
            engines.append(Engine(policy, backend))
            versions.add(policy.version)
    return RulesetLibrary(engines)
