"""The condition language: ConditionParser (what it accepts, what it refuses and why) and describe()."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ConditionParser,
    DefinitionRef,
    Exists,
    Not,
    definitions_used,
    describe,
    first_field,
)
from triage.rulebook.source import SourceFile, read_yaml

MEMBER_DEFINITIONS = {"adult", "dependent_child", "school_age_child"}
AT = ("routing", 0, "when")  # where the condition sits; problem keys start here


@pytest.fixture
def parser() -> ConditionParser:
    """A routing rule's parser: routing runs after scoring, so it may test the derived scores."""
    return ConditionParser(SourceFile("rules/routing.yaml", None), set(MEMBER_DEFINITIONS), scores_known=True)


def _refused(parser: ConditionParser, raw: object, scope: str) -> list[tuple[str, str]]:
    """Parse a condition that must be refused; return its problems as (key, message)."""
    assert parser.parse(raw, scope, AT) is None
    assert parser.problems, "refused without saying why"
    return [(p.key, p.message) for p in parser.problems]


# -- accepted forms -----------------------------------------------------------------------


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_compare_with_each_operator(parser, op):
    assert parser.parse({"field": "age", op: 5}, "member", AT) == Compare("age", op, 5)
    assert parser.problems == []


def test_compare_decimal_field_with_a_whole_number(parser):
    assert parser.parse({"field": "school.attendance_pct", "le": 90}, "member", AT) == Compare(
        "school.attendance_pct", "le", 90
    )


def test_compare_whole_number_field_with_a_whole_float(parser):
    assert parser.parse({"field": "age", "ge": 18.0}, "member", AT) == Compare("age", "ge", 18.0)


def test_compare_bool_field(parser):
    assert parser.parse({"field": "health.substance_misuse", "eq": True}, "member", AT) == Compare(
        "health.substance_misuse", "eq", True
    )


def test_compare_text_field(parser):
    assert parser.parse({"field": "role", "ne": "child"}, "member", AT) == Compare("role", "ne", "child")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("consent.given", True),
        ("safeguarding.immediate_risk_of_harm", True),
        ("household.housing.homeless", False),
        ("referrer.agency", "police"),
        ("derived.problems_met", 3),
        ("derived.need_score", 40),
        ("derived.in_area", False),
    ],
)
def test_household_fields(parser, path, value):
    assert parser.parse({"field": path, "eq": value}, "household", AT) == Compare(path, "eq", value)


def test_all(parser):
    raw = {"all": [{"field": "age", "ge": 5}, {"field": "age", "le": 15}]}
    assert parser.parse(raw, "member", AT) == AllOf((Compare("age", "ge", 5), Compare("age", "le", 15)))


def test_any(parser):
    raw = {"any": [{"field": "employment.neet", "eq": True}, {"field": "employment.out_of_work_benefits", "eq": True}]}
    assert parser.parse(raw, "member", AT) == AnyOf(
        (Compare("employment.neet", "eq", True), Compare("employment.out_of_work_benefits", "eq", True))
    )


def test_not(parser):
    assert parser.parse({"not": {"field": "consent.given", "eq": True}}, "household", AT) == Not(
        Compare("consent.given", "eq", True)
    )


def test_definition_in_member_scope(parser):
    assert parser.parse({"definition": "school_age_child"}, "member", AT) == DefinitionRef("school_age_child")


def test_exists_without_when(parser):
    assert parser.parse({"exists": {"who": "dependent_child"}}, "household", AT) == Exists("dependent_child", None)


def test_exists_with_a_member_condition(parser):
    raw = {"exists": {"who": "adult", "when": {"field": "health.substance_misuse", "eq": True}}}
    assert parser.parse(raw, "household", AT) == Exists("adult", Compare("health.substance_misuse", "eq", True))


def test_exists_when_may_use_a_definition(parser):
    raw = {"exists": {"who": "dependent_child", "when": {"definition": "school_age_child"}}}
    assert parser.parse(raw, "household", AT) == Exists("dependent_child", DefinitionRef("school_age_child"))


def test_nested_household_condition(parser):
    raw = {
        "any": [
            {"exists": {"who": "dependent_child", "when": {"field": "social_care.child_protection_plan", "eq": True}}},
            {
                "all": [
                    {"field": "safeguarding.immediate_risk_of_harm", "eq": True},
                    {"not": {"exists": {"who": "dependent_child"}}},
                ]
            },
        ]
    }
    assert parser.parse(raw, "household", AT) == AnyOf(
        (
            Exists("dependent_child", Compare("social_care.child_protection_plan", "eq", True)),
            AllOf((Compare("safeguarding.immediate_risk_of_harm", "eq", True), Not(Exists("dependent_child", None)))),
        )
    )
    assert parser.problems == []


# -- refused forms ------------------------------------------------------------------------


def test_a_list_is_not_a_condition(parser):
    assert _refused(parser, [{"field": "age", "ge": 5}], "member") == [
        ("routing[0].when", "a condition must be a mapping such as {field: age, ge: 5}")
    ]


@pytest.mark.parametrize("raw", [{}, "age >= 5", None, 5])
def test_other_non_mappings_are_not_conditions(parser, raw):
    assert _refused(parser, raw, "member") == [
        ("routing[0].when", "a condition must be a mapping such as {field: age, ge: 5}")
    ]


@pytest.mark.parametrize("combinator", ["all", "any"])
def test_empty_all_or_any(parser, combinator):
    assert _refused(parser, {combinator: []}, "member") == [
        (f"routing[0].when.{combinator}", "must be a non-empty list of conditions")
    ]


def test_all_of_a_single_mapping_instead_of_a_list(parser):
    assert _refused(parser, {"all": {"field": "age", "ge": 5}}, "member") == [
        ("routing[0].when.all", "must be a non-empty list of conditions")
    ]


def test_two_operators(parser):
    assert _refused(parser, {"field": "age", "ge": 5, "le": 15}, "member") == [
        ("routing[0].when", "a comparison needs field and exactly one of eq, ne, lt, le, gt, ge")
    ]


def test_no_operator(parser):
    assert _refused(parser, {"field": "age"}, "member") == [
        ("routing[0].when", "a comparison needs field and exactly one of eq, ne, lt, le, gt, ge")
    ]


def test_unknown_operator(parser):
    assert _refused(parser, {"field": "age", "gte": 5}, "member") == [
        ("routing[0].when", "a comparison needs field and exactly one of eq, ne, lt, le, gt, ge")
    ]


def test_exists_in_member_scope(parser):
    assert _refused(parser, {"exists": {"who": "adult"}}, "member") == [
        ("routing[0].when.exists", "exists is a household test; a member condition cannot contain it")
    ]


def test_exists_inside_exists_when(parser):
    raw = {"exists": {"who": "adult", "when": {"exists": {"who": "dependent_child"}}}}
    assert _refused(parser, raw, "household") == [
        ("routing[0].when.exists.when.exists", "exists is a household test; a member condition cannot contain it")
    ]


def test_definition_in_household_scope(parser):
    assert _refused(parser, {"definition": "adult"}, "household") == [
        ("routing[0].when.definition", "a definition tests one member: use it inside exists/who, not on the household")
    ]


def test_unknown_definition(parser):
    assert _refused(parser, {"definition": "teenager"}, "member") == [
        ("routing[0].when.definition", "unknown member definition id 'teenager'")
    ]


def test_combinator_must_stand_alone(parser):
    raw = {"all": [{"field": "age", "ge": 5}], "field": "age"}
    assert _refused(parser, raw, "member") == [("routing[0].when", "'all' must stand alone; unexpected: field")]


def test_unknown_condition_keys(parser):
    assert _refused(parser, {"feild": "age", "ge": 5}, "member") == [
        ("routing[0].when", "unknown condition keys: feild, ge (expected all, any, not, field, definition or exists)")
    ]


def test_exists_without_who(parser):
    assert _refused(parser, {"exists": {"when": {"field": "age", "ge": 18}}}, "household") == [
        ("routing[0].when.exists", "exists needs {who: DEFINITION_ID} and optionally when: CONDITION")
    ]


def test_exists_with_an_extra_key(parser):
    assert _refused(parser, {"exists": {"who": "adult", "where": {"field": "age", "ge": 18}}}, "household") == [
        ("routing[0].when.exists", "exists needs {who: DEFINITION_ID} and optionally when: CONDITION")
    ]


def test_exists_with_unknown_who(parser):
    [(key, message)] = _refused(parser, {"exists": {"who": "teenager"}}, "household")
    assert key == "routing[0].when.exists.who"
    assert message == "unknown who 'teenager'; expected one of: adult, dependent_child, school_age_child"


def test_problem_inside_not_is_keyed_under_not(parser):
    assert _refused(parser, {"not": {"field": "consent.givn", "eq": True}}, "household") == [
        (
            "routing[0].when.not.field",
            "unknown household field path 'consent.givn' "
            "(household fields are written in full, e.g. household.housing.homeless)",
        )
    ]


def test_every_bad_item_of_a_list_is_reported(parser):
    raw = {"all": [{"field": "agee", "ge": 5}, {"field": "age", "ge": 5}, {"field": "role", "eq": 1}]}
    assert _refused(parser, raw, "member") == [
        ("routing[0].when.all[0].field", "unknown member field path 'agee'"),
        ("routing[0].when.all[2].eq", "role: is text; 1 is not"),
    ]


def test_problem_carries_the_line_of_the_key(tmp_path: Path):
    path = tmp_path / "routing.yaml"
    path.write_text(
        "when:\n  all:\n    - {field: derived.problems_met, ge: 2}\n    - {field: derived.need_score, ge: forty}\n",
        encoding="utf-8",
    )
    source, problems = read_yaml(path, "rules/routing.yaml")
    assert problems == []
    parser = ConditionParser(source, set(MEMBER_DEFINITIONS), scores_known=True)
    assert parser.parse(source.data["when"], "household", ("when",)) is None
    [problem] = parser.problems
    assert (problem.file, problem.line, problem.key) == ("rules/routing.yaml", 4, "when.all[1].ge")
    assert problem.message == "derived.need_score: is a number; 'forty' is not"


# -- describe() ---------------------------------------------------------------------------


def test_describe_no_condition():
    assert describe(None) == "always"


@pytest.mark.parametrize(
    ("op", "symbol"), [("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥")]
)
def test_describe_compare(op, symbol):
    assert describe(Compare("age", op, 5)) == f"age {symbol} 5"


def test_describe_bool_is_lower_case():
    assert describe(Compare("consent.given", "eq", False)) == "consent.given = false"


def test_describe_definition():
    assert describe(DefinitionRef("school_age_child")) == "school_age_child"


def test_describe_exists():
    assert describe(Exists("dependent_child", None)) == "any dependent_child"
    assert (
        describe(Exists("adult", Compare("health.substance_misuse", "eq", True)))
        == "any adult with health.substance_misuse = true"
    )


def test_describe_not():
    assert describe(Not(Exists("dependent_child", None))) == "not (any dependent_child)"


def test_describe_all_and_any():
    assert describe(AllOf((Compare("age", "ge", 5), Compare("age", "le", 15)))) == "(age ≥ 5 and age ≤ 15)"
    assert describe(AnyOf((DefinitionRef("adult"), Compare("role", "eq", "child")))) == "(adult or role = child)"


def test_describe_a_loaded_routing_rule(policy):
    [bsf] = [rule for rule in policy.rules.routing if rule.id == "bsf_intensive"]
    assert (
        describe(bsf.condition)
        == "(derived.problems_met ≥ 3 or (derived.problems_met ≥ 2 and derived.need_score ≥ 40))"
    )


def test_loaded_conditions_are_parsed(policy):
    [persistent] = [d for d in policy.definitions.definitions if d.id == "persistent_absence"]
    assert persistent.condition == AllOf(
        (DefinitionRef("school_age_child"), Compare("school.attendance_pct", "le", 90))
    )
    assert persistent.test == {
        "all": [{"definition": "school_age_child"}, {"field": "school.attendance_pct", "le": 90}]
    }


# -- helpers over parsed conditions -------------------------------------------------------


def test_definitions_used_in_order():
    condition = AllOf(
        (
            DefinitionRef("school_age_child"),
            Not(Exists("adult", DefinitionRef("dependent_child"))),
            Compare("age", "ge", 5),
        )
    )
    assert definitions_used(condition) == ["school_age_child", "adult", "dependent_child"]


def test_first_field_skips_definitions():
    condition = AllOf((DefinitionRef("school_age_child"), Not(Compare("school.attendance_pct", "le", 90))))
    assert first_field(condition) == "school.attendance_pct"
    assert first_field(DefinitionRef("adult")) is None


@pytest.mark.parametrize("path", ["derived.problems_met", "derived.need_score"])
def test_scores_are_refused_outside_routing(path):
    early = ConditionParser(SourceFile("rules/problems.yaml", None), set(MEMBER_DEFINITIONS))
    assert early.parse({"field": path, "ge": 1}, "household", AT) is None
    assert "only routing rules can test it" in early.problems[0].message


def test_choice_field_value_must_be_one_of_the_choices(parser):
    problems = _refused(parser, {"field": "role", "eq": "parnet_carer"}, "member")
    assert "'parnet_carer' is not one of: parent_carer, child, other_adult" in problems[0][1]


@pytest.mark.parametrize("value", [0.00001, 0.0001, -0.00005, 1e15 + 1, 1e16])
def test_numbers_durable_cannot_read_are_refused(parser, value):
    problems = _refused(parser, {"field": "school.attendance_pct", "le": value}, "member")
    assert "is out of range" in problems[0][1]


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("given_name", "member"),
        ("date_of_birth", "member"),
        ("nhs_number", "member"),
        ("referrer.email", "household"),
        ("household.town", "household"),
    ],
)
def test_a_rule_may_not_test_who_people_are(parser, path, scope):
    """Names, dates of birth, numbers and contact details are never evidence: decisions stay the same without them."""
    assert _refused(parser, {"field": path, "eq": "x"}, scope)[0][1].startswith(f"unknown {scope} field path")


def test_the_largest_number_durable_can_read_is_accepted(parser):
    assert parser.parse({"field": "school.attendance_pct", "le": 1e15}, "member", AT) is not None
    assert parser.problems == []


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge"])
def test_a_true_false_field_is_refused_an_ordering(parser, op):
    problems = _refused(parser, {"field": "health.substance_misuse", op: True}, "member")
    assert problems == [(f"routing[0].when.{op}", f"health.substance_misuse: is true/false; use eq or ne, not {op}")]
