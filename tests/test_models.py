"""The contract models: what a valid referral looks like, its defaults and its boundaries."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from triage.field_paths import dotted_path
from triage.intake import InvalidReferral, parse_referral
from triage.models import Decision, Member, Referral

from support import AGENCIES, SPEC_EXAMPLE  # SPEC_EXAMPLE: the contract's own example, verbatim

MINIMAL: dict[str, Any] = {
    "referral_id": "R-2026-000123",
    "received_at": "2026-11-20T10:15:00Z",
    "referrer": {"agency": "school"},
    "household": {"postcode": "S5 7AU", "members": [{"id": "p1", "role": "parent_carer", "age": 34}]},
}


def minimal(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def with_member(member: dict[str, Any]) -> dict[str, Any]:
    data = minimal()
    data["household"]["members"].append(member)
    return data


def parse(data: dict[str, Any]) -> Referral:
    return parse_referral(data, AGENCIES)


# --- valid referrals --------------------------------------------------------------------------


def test_minimal_referral_parses() -> None:
    assert parse(minimal()).referral_id == "R-2026-000123"


def test_spec_example_parses() -> None:
    assert parse(SPEC_EXAMPLE).household.members[1].school.attendance_pct == 82.5


def test_received_at_is_time_zone_aware() -> None:
    assert parse(minimal()).received_at == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


def test_received_at_keeps_its_offset() -> None:
    received = parse(minimal(received_at="2026-07-01T00:30:00+01:00")).received_at
    assert received.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "received_at",
    ["2000-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z"],
    ids=["first-instant-of-2000", "last-instant-of-2099"],
)
def test_received_at_from_2000_to_the_end_of_2099_is_accepted(received_at: str) -> None:
    assert parse(minimal(received_at=received_at)).received_at.year in (2000, 2099)


@pytest.mark.parametrize(
    "received_at",
    ["1999-12-31T23:59:59.999999Z", "2100-01-01T00:00:00Z", "2000-01-01T00:30:00+01:00"],
    ids=["last-instant-of-1999", "first-instant-of-2100", "1999-in-utc"],
)
def test_received_at_outside_2000_to_2099_is_refused(received_at: str) -> None:
    assert _reasons(minimal(received_at=received_at)) == {
        "received_at": "must be a date-time between the years 2000 and 2099"
    }


def test_members_keep_their_order() -> None:
    assert [m.id for m in parse(SPEC_EXAMPLE).household.members] == ["p1", "c1"]


# --- defaults ---------------------------------------------------------------------------------


def test_consent_absent_is_none() -> None:
    assert parse(minimal()).consent is None


def test_consent_null_is_none() -> None:
    assert parse(minimal(consent=None) | {"consent": None}).consent is None


def test_consent_given_absent_is_none() -> None:
    consent = parse(minimal(consent={"by": "parent_carer"})).consent
    assert consent is not None and consent.given is None


def test_consent_given_false_stays_false() -> None:
    consent = parse(minimal(consent={"given": False})).consent
    assert consent is not None and consent.given is False


def test_immediate_risk_of_harm_defaults_to_false() -> None:
    assert parse(minimal()).safeguarding.immediate_risk_of_harm is False


def test_empty_safeguarding_defaults_to_false() -> None:
    assert parse(minimal(safeguarding={})).safeguarding.immediate_risk_of_harm is False


@pytest.mark.parametrize("flag", ["rent_arrears", "problem_debt", "eviction_risk", "homeless"])
def test_housing_flag_defaults_to_false_when_housing_absent(flag: str) -> None:
    assert getattr(parse(minimal()).household.housing, flag) is False


@pytest.mark.parametrize("flag", ["rent_arrears", "problem_debt", "eviction_risk", "homeless"])
def test_housing_flag_defaults_to_false_when_others_given(flag: str) -> None:
    others = {f: True for f in ["rent_arrears", "problem_debt", "eviction_risk", "homeless"] if f != flag}
    data = minimal()
    data["household"]["housing"] = others
    assert getattr(parse(data).household.housing, flag) is False


@pytest.mark.parametrize(
    ("section", "flag"),
    [
        ("school", "permanently_excluded"),
        ("school", "alternative_provision"),
        ("school", "not_on_roll"),
        ("offending", "proven_offence_12m"),
        ("offending", "asb_intervention_12m"),
        ("offending", "on_probation_or_licence"),
        ("offending", "exploitation_risk"),
        ("employment", "out_of_work_benefits"),
        ("employment", "neet"),
        ("domestic_abuse", "victim_12m"),
        ("domestic_abuse", "perpetrator_12m"),
        ("domestic_abuse", "marac_high_risk"),
        ("health", "mental_health_concern"),
        ("health", "substance_misuse"),
        ("health", "physical_health_concern"),
        ("health", "development_concern_under5"),
        ("social_care", "child_in_need"),
        ("social_care", "child_protection_plan"),
        ("social_care", "young_carer"),
    ],
)
def test_member_flag_defaults_to_false(section: str, flag: str) -> None:
    member = parse(minimal()).household.members[0]
    assert getattr(getattr(member, section), flag) is False


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("school", "attendance_pct"),
        ("school", "fixed_term_exclusions_3_terms"),
        ("offending", "asb_incidents_12m"),
        ("social_care", "missing_episodes_12m"),
    ],
)
def test_member_measure_defaults_to_none(section: str, field: str) -> None:
    """An absent measure is unknown (None), not zero: an absent field never holds (policy §2)."""
    member = parse(minimal()).household.members[0]
    assert getattr(getattr(member, section), field) is None


def test_narrative_is_optional() -> None:
    assert parse(minimal()).narrative is None


# --- boundaries that are valid ----------------------------------------------------------------


@pytest.mark.parametrize("age", [0, 17])
def test_child_age_boundaries_are_valid(age: int) -> None:
    assert parse(with_member({"id": "c1", "role": "child", "age": age})).household.members[1].age == age


@pytest.mark.parametrize(("role", "age"), [("parent_carer", 120), ("other_adult", 18), ("parent_carer", 16)])
def test_adult_roles_accept_any_age_in_range(role: str, age: int) -> None:
    assert parse(with_member({"id": "m2", "role": role, "age": age})).household.members[1].age == age


@pytest.mark.parametrize("pct", [0, 0.0, 50, 90.0, 100, 100.0])
def test_attendance_boundaries_are_valid(pct: float) -> None:
    member = {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": pct}}
    assert parse(with_member(member)).household.members[1].school.attendance_pct == pct


def test_integer_attendance_is_accepted_as_a_number() -> None:
    member = {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 82}}
    assert parse(with_member(member)).household.members[1].school.attendance_pct == 82.0


@pytest.mark.parametrize("count", [0, 3, 50])
@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("school", "fixed_term_exclusions_3_terms"),
        ("offending", "asb_incidents_12m"),
        ("social_care", "missing_episodes_12m"),
    ],
)
def test_counts_accept_zero_and_more(section: str, field: str, count: int) -> None:
    member = {"id": "c1", "role": "child", "age": 12, section: {field: count}}
    assert getattr(getattr(parse(with_member(member)).household.members[1], section), field) == count


def test_twenty_members_are_valid() -> None:
    data = minimal()
    data["household"]["members"] = [{"id": f"m{i}", "role": "other_adult", "age": 30} for i in range(20)]
    assert len(parse(data).household.members) == 20


@pytest.mark.parametrize("referral_id", ["R", "R" * 64, "a.b_c-D.9", "2026-000123"])
def test_referral_id_boundaries_are_valid(referral_id: str) -> None:
    assert parse(minimal(referral_id=referral_id)).referral_id == referral_id


def test_narrative_of_20000_chars_is_valid() -> None:
    assert len(parse(minimal(narrative="x" * 20_000)).narrative or "") == 20_000


@pytest.mark.parametrize("postcode", ["S5 7AU", "s57au", "S35", " s12bx ", "LS1 4AP"])
def test_postcode_forms_are_valid(postcode: str) -> None:
    data = minimal()
    data["household"]["postcode"] = postcode
    assert parse(data).household.postcode == postcode


@pytest.mark.parametrize("agency", sorted(AGENCIES))
def test_every_partner_agency_is_accepted(agency: str) -> None:
    assert parse(minimal(referrer={"agency": agency})).referrer.agency == agency


# --- model-level behaviour --------------------------------------------------------------------


def test_referral_is_frozen() -> None:
    referral = parse(minimal())
    with pytest.raises(ValidationError):
        referral.referral_id = "R-2"  # type: ignore[misc]


def _locs(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Referral.model_validate(data)
    return [dotted_path(tuple(e["loc"])) for e in caught.value.errors()]


def test_model_forbids_unknown_fields_directly() -> None:
    assert _locs(minimal(referal_id="typo")) == ["referal_id"]


def test_model_is_strict_directly() -> None:
    data = minimal()
    data["household"]["members"][0]["age"] = "34"
    assert _locs(data) == ["household.members[0].age"]


def test_member_child_check_uses_role() -> None:
    with pytest.raises(ValidationError) as caught:
        Member.model_validate({"id": "c1", "role": "child", "age": 18})
    assert [e["loc"] for e in caught.value.errors()] == [("age",)]


def test_decision_forbids_unknown_fields() -> None:
    decision = {
        "decision_id": "d",
        "referral_id": "R-1",
        "route": "mast",
        "locality": "north",
        "priority": "standard",
        "respond_by": "2026-12-04",
        "problems": [],
        "need_score": 0,
        "also_refer": [],
        "matched_rule": "mast_early_help",
        "reasons": [],
        "evidence": [],
        "modifiers": [],
        "ruleset": {"version": "2026.1", "sha256": "x"},
        "decided_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    decision["respond_by"] = date(2026, 12, 4)
    assert Decision.model_validate(decision).route == "mast"
    with pytest.raises(ValidationError) as caught:
        Decision.model_validate({**decision, "extra": 1})
    assert [e["loc"] for e in caught.value.errors()] == [("extra",)]


# --- every string and number is bounded, and no string holds control characters -------------------
# A value beyond any real case (a count of 10^309), a lone surrogate or a NUL would be recorded in the
# append-only audit log (or fail its hash) and trip every reader after it. The contract's fields are
# read off its JSON schema, so a field added later is covered without touching these tests.


def _leaves(
    schema: dict[str, Any], defs: dict[str, Any], path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """(path into a referral, schema) for every scalar field of the contract (a list: its first item)."""
    if "$ref" in schema:
        return _leaves(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    if "anyOf" in schema:
        return [
            leaf for option in schema["anyOf"] if option.get("type") != "null" for leaf in _leaves(option, defs, path)
        ]
    if schema.get("type") == "object":
        return [leaf for name, field in schema["properties"].items() for leaf in _leaves(field, defs, path + (name,))]
    if schema.get("type") == "array":
        return _leaves(schema["items"], defs, path + (0,))
    return [(path, schema)]


SCHEMA = Referral.model_json_schema()
LEAVES = _leaves(SCHEMA, SCHEMA["$defs"])
STRINGS = [
    path for path, field in LEAVES if field.get("type") == "string" and "enum" not in field and "const" not in field
]
NUMBERS = [(path, field) for path, field in LEAVES if field.get("type") in ("integer", "number")]
UNSAFE = "must not contain control characters or unpaired surrogates"


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """The contract's example with ``value`` at ``path`` (sections it lacks are added)."""
    data = copy.deepcopy(SPEC_EXAMPLE)
    target: Any = data
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
    target[path[-1]] = value
    return data


def _reasons(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidReferral) as caught:
        parse(data)
    return {e.path: e.reason for e in caught.value.errors}


def test_the_contract_has_the_strings_these_tests_walk() -> None:
    assert {dotted_path(p) for p in STRINGS} == {
        "referral_id",
        "received_at",
        "referrer.agency",
        "referrer.name",
        "referrer.role",
        "consent.recorded_at",
        "consent.by",
        "household.postcode",
        "household.address_line_1",
        "household.address_line_2",
        "household.town",
        "referrer.email",
        "referrer.phone",
        "household.members[0].id",
        "household.members[0].given_name",
        "household.members[0].family_name",
        "household.members[0].date_of_birth",
        "household.members[0].nhs_number",
        "household.members[0].upn",
        "narrative",
    }


@pytest.mark.parametrize(
    "value",
    ["\ud83d", "A\x00B", "\x1b[31m", "\x7f", "\x85"],
    ids=["lone-surrogate", "nul", "escape", "delete", "c1-control"],
)
@pytest.mark.parametrize("path", STRINGS, ids=[dotted_path(p) for p in STRINGS])
def test_every_string_refuses_control_characters_and_unpaired_surrogates(
    path: tuple[str | int, ...], value: str
) -> None:
    assert _reasons(_with(path, value)) == {dotted_path(path): UNSAFE}


@pytest.mark.parametrize("path", [p for p in STRINGS if p != ("narrative",)], ids=lambda p: dotted_path(p))
def test_a_string_on_one_line_refuses_a_line_break(path: tuple[str | int, ...]) -> None:
    assert _reasons(_with(path, "A.\nTeacher")) == {dotted_path(path): UNSAFE}


def test_the_narrative_keeps_tabs_and_a_textareas_line_breaks() -> None:
    assert (
        parse(minimal(narrative="First line.\r\nSecond\tline.\nThird.")).narrative
        == "First line.\r\nSecond\tline.\nThird."
    )


def test_an_emoji_sent_as_a_surrogate_pair_is_one_character_and_kept() -> None:
    data = json.loads('{"narrative": "Likes football \\ud83d\\ude00"}')
    assert parse(minimal(**data)).narrative == "Likes football \U0001f600"


@pytest.mark.parametrize("path", STRINGS, ids=[dotted_path(p) for p in STRINGS])
def test_every_string_has_a_length_bound(path: tuple[str | int, ...]) -> None:
    field = dict(LEAVES)[path]
    assert "maxLength" in field or "{1,64}" in field.get("pattern", "") or field.get("format") in ("date-time", "date")


@pytest.mark.parametrize(("path", "field"), NUMBERS, ids=[dotted_path(p) for p, _ in NUMBERS])
def test_every_number_has_an_upper_bound(path: tuple[str | int, ...], field: dict[str, Any]) -> None:
    assert "maximum" in field


COUNTS = [
    ("school", "fixed_term_exclusions_3_terms"),
    ("offending", "asb_incidents_12m"),
    ("social_care", "missing_episodes_12m"),
]


@pytest.mark.parametrize(("section", "field"), COUNTS)
def test_a_count_of_a_thousand_is_accepted(section: str, field: str) -> None:
    member = {"id": "c1", "role": "child", "age": 12, section: {field: 1000}}
    assert getattr(getattr(parse(with_member(member)).household.members[1], section), field) == 1000


@pytest.mark.parametrize("count", [1001, 10**309], ids=["1001", "10^309"])
@pytest.mark.parametrize(("section", "field"), COUNTS)
def test_a_count_over_a_thousand_is_refused(section: str, field: str, count: int) -> None:
    member = {"id": "c1", "role": "child", "age": 12, section: {field: count}}
    assert _reasons(with_member(member)) == {
        f"household.members[1].{section}.{field}": "Input should be less than or equal to 1000"
    }


@pytest.mark.parametrize(
    "path", [("referrer", "name"), ("referrer", "role"), ("consent", "by")], ids=lambda p: dotted_path(p)
)
def test_names_and_roles_are_up_to_200_characters(path: tuple[str, ...]) -> None:
    parse(_with(path, "x" * 200))
    assert _reasons(_with(path, "x" * 201)) == {dotted_path(path): "String should have at most 200 characters"}


def test_a_postcode_is_up_to_16_characters() -> None:
    assert _reasons(_with(("household", "postcode"), "S5 7AU" + " " * 11)) == {
        "household.postcode": "String should have at most 16 characters"
    }


def test_the_readmes_table_of_the_contract_names_every_string_and_number() -> None:
    """The partner's integrator reads the README: a field added to the contract goes in its table."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The referral: every field and its bounds", 1)[1]
    table = next(block for block in section.split("\n\n") if block.startswith("| field |"))
    named = {dotted_path(p).replace("household.members[0]", "members[]") for p in [*STRINGS, *(p for p, _ in NUMBERS)]}
    assert {name for name in named if f"`{name}`" not in table} == set()


def test_a_section_may_be_sent_as_null_but_is_never_null_in_a_decision_or_an_answer() -> None:
    """The JSON schema partners read: null accepted on input only."""
    taken = Member.model_json_schema(mode="validation")["properties"]["school"]
    given = Member.model_json_schema(mode="serialization")["properties"]["school"]
    assert ({"type": "null"} in taken["anyOf"], "anyOf" in given) == (True, False)


def test_a_decision_read_back_from_its_json_record_has_its_dates_as_dates() -> None:
    record = {
        "decision_id": "d1",
        "referral_id": "R-1",
        "route": "mast",
        "locality": "north",
        "priority": "standard",
        "respond_by": "2026-12-04",
        "problems": [],
        "need_score": 0,
        "also_refer": [],
        "matched_rule": "mast",
        "reasons": [],
        "evidence": [],
        "modifiers": [],
        "ruleset": {"version": "2026.1", "sha256": "0" * 64},
        "decided_at": "2026-11-20T10:15:00+00:00",
    }
    assert Decision.from_record(record).respond_by == date(2026, 12, 4)
