"""PolicyInvalid: every problem with the rule files, each once, in the order a policy lead reads them."""

from __future__ import annotations

from triage.rulebook.errors import PolicyInvalid, PolicyProblem


def test_a_files_problem_without_a_line_comes_before_its_first_line():
    on_line_one = PolicyProblem("rules/routing.yaml", 1, "a", "unknown key (check the spelling)")
    whole_file = PolicyProblem("rules/routing.yaml", None, "z", "a rule file must be a mapping of sections")
    assert PolicyInvalid([on_line_one, whole_file]).problems == [whole_file, on_line_one]
