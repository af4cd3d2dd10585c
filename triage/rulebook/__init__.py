"""The policy bundle: definitions, rules and service catalogue read from YAML and validated."""

from triage.rulebook.errors import PolicyInvalid, PolicyProblem
from triage.rulebook.loader import Policy, default_policy_dir, load_policy

__all__ = ["Policy", "PolicyInvalid", "PolicyProblem", "default_policy_dir", "load_policy"]
