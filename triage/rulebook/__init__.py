"""The policy bundle: definitions, rules and service catalogue read from YAML and validated."""

from triage.rulebook.errors import PolicyProblem, PolicyInvalid
from triage.rulebook.loader import Policy, load_policy, default_policy_dir

__all__ = ["Policy", "PolicyInvalid", "PolicyProblem", "default_policy_dir", "load_policy"]
