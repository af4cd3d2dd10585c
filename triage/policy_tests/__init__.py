"""Rule tests beside the rules: ``rules/tests/*.yaml`` cases, run against a policy, with coverage.

A policy lead writes a case as a referral and what the policy must decide for it; ``triage test``
runs every case and says which rules no case exercises.
"""

from triage.policy_tests.cases import RuleTest, load_rule_tests
from triage.policy_tests.coverage import Coverage, measure_coverage
from triage.policy_tests.runner import Outcome, run_rule_tests

__all__ = ["Coverage", "Outcome", "RuleTest", "load_rule_tests", "measure_coverage", "run_rule_tests"]
