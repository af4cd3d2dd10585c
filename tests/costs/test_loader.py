"""Loading cost_benefit/: the shipped data, each kind of mistake refused with its file, line and
key, and the sha256 that ties a report to the exact data behind it.

Each broken copy is made by a text edit of one line, so the line a problem is pinned to is known.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from triage.costs.loader import CostDataInvalid, default_cost_dir, load_cost_data
from triage.rulebook.errors import PolicyProblem


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped cost_benefit/ folder, safe to break."""
    return Path(shutil.copytree(default_cost_dir(), tmp_path / "cost_benefit"))


def change(folder: Path, name: str, old: str, new: str, after: str = "") -> int:
    """Replace the first ``old`` after the unique text ``after`` in ``folder/name``; return the
    line (1-based) the change starts on."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(after) == 1 or not after, f"{after!r} is not unique in {name}"
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def index_of(folder: Path, section: str, field: str, value: str) -> int:
    items = yaml.safe_load((folder / f"{section}.yaml").read_text(encoding="utf-8"))[section]
    return [item[field] for item in items].index(value)


def refused(policy, folder: Path) -> CostDataInvalid:
    with pytest.raises(CostDataInvalid) as caught:
        load_cost_data(policy, folder)
    return caught.value


def only(error: CostDataInvalid, key: str) -> PolicyProblem:
    """The one problem about ``key``, also checked to be in the error's message as file:line: key."""
    found = [p for p in error.problems if p.key == key]
    assert len(found) == 1, (key, error.problems)
    assert str(found[0]) in str(error)
    return found[0]


# --- the shipped data --------------------------------------------------------------------------


def test_the_shipped_data_loads_with_enough_unit_costs(policy):
    data = load_cost_data(policy)
    assert len(data.data.unit_costs) >= 25
    assert len(data.sha256) == 64


def test_every_shipped_unit_cost_has_a_price_year_in_the_deflator_table(policy):
    data = load_cost_data(policy)
    index = data.data.deflators.index
    assert [c.code for c in data.data.unit_costs if c.price_year not in index] == []
    assert data.data.appraisal.price_year in index


def test_the_shipped_outcomes_cover_every_headline_problem(policy):
    data = load_cost_data(policy)
    assert {o.problem for o in data.data.outcomes} == {p.id for p in policy.rules.problems}


# --- each kind of mistake, refused with file, line and key -------------------------------------


def test_an_unknown_agency_in_a_unit_cost_split_is_refused(policy, data_copy):
    line = change(data_copy, "unit_costs.yaml", "{agency: moj, amount: 15000", "{agency: mojj, amount: 15000")
    index = index_of(data_copy, "unit_costs", "code", "SS4.1")
    problem = only(refused(policy, data_copy), f"unit_costs[{index}].split[1].agency")
    assert (problem.file, problem.line) == ("cost_benefit/unit_costs.yaml", line)
    assert "unknown agency 'mojj'" in problem.message


def test_a_split_that_does_not_add_up_to_the_value_is_refused(policy, data_copy):
    line = change(data_copy, "unit_costs.yaml", "code: SS4.1", "code: SS4.1")  # the entry's first line
    change(data_copy, "unit_costs.yaml", "amount: 15000", "amount: 14000")
    index = index_of(data_copy, "unit_costs", "code", "SS4.1")
    problem = only(refused(policy, data_copy), f"unit_costs[{index}]")
    assert (problem.file, problem.line) == ("cost_benefit/unit_costs.yaml", line)
    assert "24,000.00" in problem.message and "25,000.00" in problem.message


def test_a_price_year_missing_from_the_deflator_table_is_refused(policy, data_copy):
    change(data_copy, "deflators.yaml", '    "2002-03": 56.6000\n', "")
    error = refused(policy, data_copy)
    text = (data_copy / "unit_costs.yaml").read_text(encoding="utf-8").splitlines()
    for code in ("CR1.0", "CR1.1"):  # the two costs priced in 2002-03
        index = index_of(data_copy, "unit_costs", "code", code)
        problem = only(error, f"unit_costs[{index}].price_year")
        assert problem.file == "cost_benefit/unit_costs.yaml"
        assert '"2002-03"' in text[problem.line - 1]
        assert "the deflator table has no 2002-03" in problem.message


def test_an_outcome_naming_an_unknown_problem_is_refused(policy, data_copy):
    line = change(data_copy, "outcomes.yaml", "problem: domestic_abuse\n", "problem: domestic_abuses\n")
    index = index_of(data_copy, "outcomes", "id", "domestic_abuse_incident")
    problem = only(refused(policy, data_copy), f"outcomes[{index}].problem")
    assert (problem.file, problem.line) == ("cost_benefit/outcomes.yaml", line)
    assert "unknown headline problem 'domestic_abuses'" in problem.message


def test_an_outcome_naming_an_unknown_unit_cost_is_refused(policy, data_copy):
    line = change(data_copy, "outcomes.yaml", "unit_cost: HE12.2", "unit_cost: HE99.9")
    index = index_of(data_copy, "outcomes", "id", "camhs_case")
    problem = only(refused(policy, data_copy), f"outcomes[{index}].unit_cost")
    assert (problem.file, problem.line) == ("cost_benefit/outcomes.yaml", line)
    assert "'HE99.9'" in problem.message


def test_an_outcome_effect_on_a_route_that_is_not_key_working_is_refused(policy, data_copy):
    line = change(data_copy, "outcomes.yaml", "mast: 0.05}", "mast: 0.05, camhs: 0.1}", after="- id: camhs_case")
    index = index_of(data_copy, "outcomes", "id", "camhs_case")
    problem = only(refused(policy, data_copy), f"outcomes[{index}].effect.camhs")
    assert (problem.file, problem.line) == ("cost_benefit/outcomes.yaml", line)
    assert "appraisal.engagement" in problem.message


def test_a_deadweight_outside_its_range_is_refused(policy, data_copy):
    change(data_copy, "outcomes.yaml", "deadweight: 0.20", "deadweight: 0.50", after="- id: arrest\n")
    line = change(data_copy, "outcomes.yaml", "id: arrest\n", "id: arrest\n")
    index = index_of(data_copy, "outcomes", "id", "arrest")
    problem = only(refused(policy, data_copy), f"outcomes[{index}]")
    assert (problem.file, problem.line) == ("cost_benefit/outcomes.yaml", line)
    assert "deadweight 0.5 is outside its range [0.1, 0.35]" in problem.message


def test_funder_shares_that_do_not_add_up_to_one_are_refused(policy, data_copy):
    line = change(data_copy, "appraisal.yaml", "mast: {la_children: 1.0}", "mast: {la_children: 0.6, nhs: 0.3}")
    problem = only(refused(policy, data_copy), "appraisal.funders.mast")
    assert (problem.file, problem.line) == ("cost_benefit/appraisal.yaml", line)
    assert "add up to 0.9, not 1" in problem.message


def test_a_unit_cost_code_given_twice_is_refused(policy, data_copy):
    first = index_of(data_copy, "unit_costs", "code", "HO1.0")
    line = change(data_copy, "unit_costs.yaml", "{code: HO3.0,", "{code: HO1.0,")
    error = refused(policy, data_copy)
    duplicates = [p for p in error.problems if "'HO1.0' is given more than once" in p.message]
    assert {p.key for p in duplicates} == {f"unit_costs[{first}]", f"unit_costs[{first + 1}]"}
    assert line in {p.line for p in duplicates}
    assert {p.file for p in duplicates} == {"cost_benefit/unit_costs.yaml"}


def test_a_yaml_syntax_error_is_refused_with_its_file_and_line(policy, data_copy):
    line = change(data_copy, "agencies.yaml", '{id: police, name: "Police"}', '{id: police, name: "Police"')
    [problem] = refused(policy, data_copy).problems
    assert problem.file == "cost_benefit/agencies.yaml"
    assert problem.line is not None and problem.line >= line
    assert "YAML syntax error" in problem.message


def test_an_unknown_key_is_refused_with_its_file_line_and_key(policy, data_copy):
    line = change(data_copy, "appraisal.yaml", "  horizon_years: 5\n", "  horizon_years: 5\n  horizon_yeras: 6\n") + 1
    problem = only(refused(policy, data_copy), "appraisal.horizon_yeras")
    assert (problem.file, problem.line) == ("cost_benefit/appraisal.yaml", line)
    assert "unknown key" in problem.message


def test_every_problem_is_listed_not_just_the_first(policy, data_copy):
    change(data_copy, "outcomes.yaml", "unit_cost: HE12.2", "unit_cost: HE99.9")
    change(data_copy, "appraisal.yaml", "mast: {la_children: 1.0}", "mast: {la_children: 0.5}")
    error = refused(policy, data_copy)
    assert len(error.problems) == 2 and str(error).startswith("2 problem(s)")


# --- the sha256 ---------------------------------------------------------------------------------


def test_the_sha256_ignores_comments_layout_and_key_order(policy, data_copy):
    before = load_cost_data(policy, data_copy).sha256
    for path in data_copy.glob("*.yaml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(
            "# rewritten in block style, keys sorted\n"
            + yaml.safe_dump(content, sort_keys=True, default_flow_style=False, indent=4),
            encoding="utf-8",
        )
    assert load_cost_data(policy, data_copy).sha256 == before


def test_the_sha256_ignores_which_file_holds_a_section(policy, data_copy):
    before = load_cost_data(policy, data_copy).sha256
    agencies = (data_copy / "agencies.yaml").read_text(encoding="utf-8")
    (data_copy / "agencies.yaml").unlink()
    with (data_copy / "appraisal.yaml").open("a", encoding="utf-8") as out:
        out.write("\n" + agencies)
    assert load_cost_data(policy, data_copy).sha256 == before


def test_the_sha256_changes_when_a_value_does(policy, data_copy):
    before = load_cost_data(policy, data_copy).sha256
    change(data_copy, "appraisal.yaml", "discount_rate: 0.035", "discount_rate: 0.036")
    assert load_cost_data(policy, data_copy).sha256 != before


# --- mistakes that would otherwise change the figures silently ---------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "says"),
    [
        ("appraisal.yaml", "profile: [0.5, 1.0, 0.75, 0.5, 0.25]", "profile: [0.5]", "profile has 1 years"),
        ("outcomes.yaml", "effect: {bsf: 0.32, mast: 0.16}", "effect: {}", "at least 1 item"),
        ("unit_costs.yaml", "value: 109,", "value: 0,", "greater than 0"),
        ("appraisal.yaml", "effect: [0.75, 1.25]", "effect: [1.25, 0.75]", "low first"),
        ("appraisal.yaml", "low: 0.05, high: 0.015", "low: -1, high: 0.015", "out of range"),
        ("appraisal.yaml", "low: 0.40, high: 0.0", "low: 1.5, high: 0.0", "out of range"),
        (
            "unit_costs.yaml",
            "{amount: 2038, kind: economic",
            "{agency: nhs, amount: 2038, kind: economic",
            "belongs to no agency",
        ),
    ],
    ids=[
        "profile shorter than the horizon",
        "no effect",
        "a unit cost of 0",
        "a range high first",
        "a negative discount rate",
        "an optimism bias over 100%",
        "an economic value given an agency",
    ],
)
def test_a_mistake_that_would_change_figures_silently_is_refused(policy, data_copy, file, old, new, says):
    change(data_copy, file, old, new)
    error = refused(policy, data_copy)
    assert any(says in problem.message for problem in error.problems), error.problems


def test_an_outcome_profile_must_cover_the_horizon(policy, data_copy):
    change(
        data_copy,
        "outcomes.yaml",
        "    evidence_grade: 3\n",
        "    evidence_grade: 3\n    profile: [1.0, 1.0]\n",
        after="id: child_enters_care",
    )
    index = index_of(data_copy, "outcomes", "id", "child_enters_care")
    assert "profile has 2 years" in only(refused(policy, data_copy), f"outcomes[{index}].profile").message


def test_a_route_that_is_an_outcome_not_a_service_cannot_be_key_working(policy, data_copy):
    change(data_copy, "appraisal.yaml", "    mast: 0.75\n", "    mast: 0.75\n    out_of_area: 0.5\n")
    change(
        data_copy,
        "appraisal.yaml",
        "    mast: {la_children: 1.0}\n",
        "    mast: {la_children: 1.0}\n    out_of_area: {la_children: 1.0}\n",
    )
    assert (
        "is an outcome, not a service" in only(refused(policy, data_copy), "appraisal.engagement.out_of_area").message
    )
