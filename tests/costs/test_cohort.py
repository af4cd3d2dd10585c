"""Cohorts: the arithmetic, scenario files (good and bad), and the families read from the audit
log (overrides applied, bounded by UTC day)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.costs.cohort import Cohort, InvalidScenario, Scenario, audit_cohort, scenario_cohort
from triage.engine import Engine
from triage.models import Decision

from databases import record_decision
from legacy_rows import record_huge_count, record_unreadable
from support import SPEC_EXAMPLE, build_referral, child, parent

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "costs"

# Two headline problems (out-of-work benefits, attendance 80%): MAST.
MAST_FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


# --- arithmetic ---------------------------------------------------------------------------------


def test_a_cohort_of_families_counts_each_route_and_each_problem_on_it():
    cohort = Cohort.of("t", [("bsf", ["crime_asb", "health"]), ("bsf", ["health"]), ("mast", ["health"])])
    assert cohort.families == {"bsf": 2, "mast": 1}
    assert cohort.with_problem == {("bsf", "crime_asb"): 1, ("bsf", "health"): 2, ("mast", "health"): 1}


def test_a_problem_listed_twice_for_one_family_counts_once():
    cohort = Cohort.of("t", [("bsf", ["health", "health"])])
    assert cohort.with_problem == {("bsf", "health"): 1}


def test_a_family_with_no_problems_counts_on_its_route_only():
    cohort = Cohort.of("t", [("universal_signpost", [])])
    assert (cohort.families, cohort.with_problem) == ({"universal_signpost": 1}, {})


def test_counted_groups_on_one_route_add_up():
    cohort = Cohort.counted("t", [("bsf", ["crime_asb"], 3), ("bsf", ["crime_asb", "health"], 4), ("mast", [], 5)])
    assert cohort.families == {"bsf": 7, "mast": 5}
    assert cohort.with_problem == {("bsf", "crime_asb"): 7, ("bsf", "health"): 4}


def test_a_scenario_is_the_cohort_of_its_groups():
    scenario = Scenario.model_validate(
        {
            "name": "S",
            "groups": [
                {"route": "bsf", "families": 3, "problems": ["crime_asb"]},
                {"route": "mast", "families": 2, "problems": ["crime_asb", "health"]},
            ],
        }
    )
    assert scenario.cohort() == Cohort(
        "S", {"bsf": 3, "mast": 2}, {("bsf", "crime_asb"): 3, ("mast", "crime_asb"): 2, ("mast", "health"): 2}
    )


# --- scenario files ----------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, policy) -> InvalidScenario:
    with pytest.raises(InvalidScenario) as caught:
        scenario_cohort(path, policy)
    return caught.value


GOOD = """\
scenario:
  name: Small test
  description: Three groups
  groups:
    - {route: bsf, families: 4, problems: [crime_asb, domestic_abuse]}
    - {route: bsf, families: 6, problems: [crime_asb]}
    - {route: mast, families: 10, problems: [health]}
"""


def test_a_scenario_file_gives_families_per_route_and_per_problem(tmp_path, policy):
    cohort = scenario_cohort(write(tmp_path, GOOD), policy)
    assert cohort.label == "Small test"
    assert cohort.families == {"bsf": 10, "mast": 10}
    assert cohort.with_problem == {("bsf", "crime_asb"): 10, ("bsf", "domestic_abuse"): 4, ("mast", "health"): 10}


def test_the_one_year_example_has_the_intake_its_description_gives(policy):
    cohort = scenario_cohort(EXAMPLES / "one_year_intake.yaml", policy)
    assert (cohort.families["bsf"], cohort.families["mast"]) == (160, 540)  # "160 intensive and 540 early help"
    assert cohort.with_problem["bsf", "children_need_help"] == 60 + 50 + 30


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ("route: mast", "route: masts", "scenario.groups[2].route", "'masts' is not a route"),
        ("[health]", "[health, wealth]", "scenario.groups[2].problems[1]", "unknown headline problem 'wealth'"),
        ("families: 6", "families: -6", "scenario.groups[1].families", "greater than or equal to 0"),
    ],
    ids=["unknown route", "unknown problem", "negative families"],
)
def test_a_bad_group_is_refused_naming_the_file_line_and_key(tmp_path, policy, old, new, key, says):
    path = write(tmp_path, GOOD.replace(old, new))
    line = next(number for number, text in enumerate(path.read_text().splitlines(), 1) if new in text)
    [problem] = refused(path, policy).problems
    assert (problem.file, problem.line, problem.key) == ("scenario.yaml", line, key)
    assert says in problem.message


def test_a_scenario_file_that_is_not_a_mapping_is_refused(tmp_path, policy):
    error = refused(write(tmp_path, "- {route: bsf, families: 1, problems: []}\n"), policy)
    assert [(p.file, p.line) for p in error.problems] == [("scenario.yaml", 1)]
    assert "scenario.yaml:1: (top level): a scenario file is a mapping" in str(error)


def test_a_scenario_file_without_its_scenario_section_is_refused_naming_the_file(tmp_path, policy):
    error = refused(write(tmp_path, "name: Small test\ngroups: []\n"), policy)
    [missing] = [p for p in error.problems if p.key == "scenario"]
    assert missing.file == "scenario.yaml", str(error)  # the file given, not a folder "scenario.yaml/"


def test_the_stray_keys_of_a_scenario_without_its_section_are_named_with_their_lines(tmp_path, policy):
    error = refused(write(tmp_path, "name: Small test\ngroups: []\n"), policy)
    assert {(p.file, p.line, p.key) for p in error.problems if p.key != "scenario"} == {
        ("scenario.yaml", 1, "name"),
        ("scenario.yaml", 2, "groups"),
    }


def test_a_scenario_yaml_syntax_error_is_refused_with_its_line(tmp_path, policy):
    [problem] = refused(write(tmp_path, GOOD.replace("[health]", "[health")), policy).problems
    assert problem.file == "scenario.yaml" and problem.line is not None
    assert "YAML syntax error" in problem.message


# --- the audit log -------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    yield audit
    audit.db.dispose()


@pytest.fixture
def record(store: AuditStore, policy) -> Callable[..., Decision]:
    """``record(referral, at=None)``: decide and record a referral, decided at ``at`` (default: now)."""

    def run(data: dict[str, Any], at: datetime | None = None) -> Decision:
        return record_decision(store, policy, data, decide=lambda engine, referral: engine.decide(referral, at))

    return run


def test_the_audit_cohort_counts_each_decision_on_its_route_with_its_problems(store, record):
    record(SPEC_EXAMPLE)  # bsf: school_attendance, worklessness_finance, health
    record(build_referral(*MAST_FAMILY, referral_id="T-2"))  # mast: school_attendance, worklessness_finance
    cohort = audit_cohort(store, None, None)
    assert cohort.families == {"bsf": 1, "mast": 1}
    assert cohort.with_problem[("mast", "worklessness_finance")] == 1
    assert cohort.with_problem[("bsf", "health")] == 1


def test_an_overridden_decision_counts_on_the_route_it_was_overridden_to(policy, store, record):
    record(SPEC_EXAMPLE)
    moved = record(build_referral(*MAST_FAMILY, referral_id="T-2"))
    record(build_referral(*MAST_FAMILY, referral_id="T-3"))
    assert moved.route == "mast"
    Cases(store).override(moved.decision_id, "bsf", "Known to BSF already", "a.patel", policy)
    cohort = audit_cohort(store, None, None)
    assert cohort.families == {"bsf": 2, "mast": 1}
    assert cohort.with_problem[("bsf", "worklessness_finance")] == 2  # its problems go with it


def test_the_latest_of_two_overrides_counts(policy, store, record):
    moved = record(build_referral(*MAST_FAMILY, referral_id="T-2"))
    Cases(store).override(moved.decision_id, "bsf", "Known to BSF already", "a.patel", policy)
    Cases(store).override(moved.decision_id, "childrens_social_care", "Escalated", "b.jones", policy)
    assert audit_cohort(store, None, None).families == {"childrens_social_care": 1}


@pytest.fixture
def april(record) -> None:
    """Four decisions either side of April 2026's edges (UTC)."""
    for number, at in enumerate(
        [
            datetime(2026, 3, 31, 23, 59, tzinfo=UTC),
            datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
            datetime(2026, 4, 30, 23, 59, tzinfo=UTC),
            datetime(2026, 5, 1, 0, 0, tzinfo=UTC),
        ]
    ):
        record(build_referral(*MAST_FAMILY, referral_id=f"T-{number}"), at)


@pytest.mark.parametrize(
    ("since", "until", "families"),
    [
        (date(2026, 4, 1), date(2026, 4, 30), 2),
        (date(2026, 4, 1), None, 3),
        (None, date(2026, 4, 30), 3),
        (date(2026, 4, 30), date(2026, 4, 30), 1),
        (date(2026, 6, 1), None, 0),
        (None, None, 4),
    ],
)
def test_the_audit_cohort_takes_decisions_between_two_utc_days_inclusive(store, april, since, until, families):
    assert sum(audit_cohort(store, since, until).families.values()) == families


def test_the_audit_cohorts_label_gives_the_period(store, april):
    assert audit_cohort(store, date(2026, 4, 1), date(2026, 4, 30)).label == (
        "Decisions recorded from 1 April 2026 to 30 April 2026"
    )


def test_an_empty_audit_log_gives_an_empty_cohort(store):
    assert audit_cohort(store, None, None).families == {}


def test_the_audit_cohort_counts_a_decision_it_cannot_read_and_takes_one_with_a_huge_count(store, policy):
    record_huge_count(store, Engine(policy, "python"))
    record_unreadable(store)
    cohort = audit_cohort(store, None, None)
    assert (cohort.families, cohort.unreadable) == ({"bsf": 1}, 1)
    assert cohort.unreadable_note == "1 recorded decision could not be read and was left out"
