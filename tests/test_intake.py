"""Intake: an invalid referral never reaches the engine, and every error names the field and why.

Each case changes one thing in an otherwise valid referral and expects ``parse_referral`` to refuse
it with an error at exactly that field path (as a partner's developer writes it:
``household.members[1].school.attendance_pct``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from triage.intake import FieldError, InvalidReferral, load_text, parse_referral

from support import AGENCIES, build_referral

PARENT = {"id": "p1", "role": "parent_carer", "age": 34}


def child(**fields: Any) -> dict[str, Any]:
    """Child ``c1`` aged 12 with ``fields``; unlike ``support.child``, any key may be replaced (``role`` too)."""
    return {"id": "c1", "role": "child", "age": 12, **fields}


def with_child(**fields: Any) -> dict[str, Any]:
    """A referral whose household.members[1] is a child with ``fields``."""
    return build_referral(PARENT, child(**fields))


def set_path(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def errors_of(data: Any, agencies: frozenset[str] | None = AGENCIES) -> list[FieldError]:
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(data, agencies)
    return caught.value.errors


def paths_of(data: Any, agencies: frozenset[str] | None = AGENCIES) -> list[str]:
    return [e.path for e in errors_of(data, agencies)]


UNKNOWN = "unknown field"

# (case id, referral, the one field path expected, a word the reason must contain)
INVALID: list[tuple[str, Callable[[], dict[str, Any]], str, str]] = [
    # unknown fields, at every level
    ("unknown-top", lambda: build_referral(priority="high"), "priority", UNKNOWN),
    (
        "unknown-referrer",
        lambda: build_referral(referrer={"agency": "school", "fax": "x"}),
        "referrer.fax",
        UNKNOWN,
    ),
    ("unknown-consent", lambda: build_referral(consent={"given": True, "verbal": True}), "consent.verbal", UNKNOWN),
    ("unknown-safeguarding", lambda: build_referral(safeguarding={"risk": True}), "safeguarding.risk", UNKNOWN),
    (
        "unknown-household",
        lambda: set_path(build_referral(), ("household", "address"), "1 Any St"),
        "household.address",
        UNKNOWN,
    ),
    ("unknown-housing", lambda: build_referral(housing={"arrears": True}), "household.housing.arrears", UNKNOWN),
    ("unknown-member", lambda: with_child(gender="x"), "household.members[1].gender", UNKNOWN),
    (
        "unknown-school",
        lambda: with_child(school={"attendence_pct": 82.5}),
        "household.members[1].school.attendence_pct",
        UNKNOWN,
    ),
    (
        "unknown-offending",
        lambda: with_child(offending={"arrested": True}),
        "household.members[1].offending.arrested",
        UNKNOWN,
    ),
    ("unknown-health", lambda: with_child(health={"adhd": True}), "household.members[1].health.adhd", UNKNOWN),
    (
        "unknown-social-care",
        lambda: with_child(social_care={"cin": True}),
        "household.members[1].social_care.cin",
        UNKNOWN,
    ),
    # wrong types
    ("age-string", lambda: with_child(age="12"), "household.members[1].age", "integer"),
    ("age-float", lambda: with_child(age=12.5), "household.members[1].age", "integer"),
    ("age-bool", lambda: with_child(age=True), "household.members[1].age", "integer"),
    ("age-null", lambda: with_child(age=None), "household.members[1].age", "integer"),
    (
        "attendance-string",
        lambda: with_child(school={"attendance_pct": "82"}),
        "household.members[1].school.attendance_pct",
        "number",
    ),
    (
        "attendance-bool",
        lambda: with_child(school={"attendance_pct": True}),
        "household.members[1].school.attendance_pct",
        "number",
    ),
    (
        "flag-string",
        lambda: with_child(social_care={"child_in_need": "yes"}),
        "household.members[1].social_care.child_in_need",
        "boolean",
    ),
    (
        "flag-int",
        lambda: with_child(social_care={"child_in_need": 1}),
        "household.members[1].social_care.child_in_need",
        "boolean",
    ),
    ("consent-string", lambda: build_referral(consent={"given": "true"}), "consent.given", "boolean"),
    ("housing-string", lambda: build_referral(housing={"homeless": "no"}), "household.housing.homeless", "boolean"),
    (
        "exclusions-float",
        lambda: with_child(school={"fixed_term_exclusions_3_terms": 1.5}),
        "household.members[1].school.fixed_term_exclusions_3_terms",
        "integer",
    ),
    ("role-unknown", lambda: with_child(role="grandchild"), "household.members[1].role", "child"),
    (
        "members-not-list",
        lambda: set_path(build_referral(), ("household", "members"), {"p1": PARENT}),
        "household.members",
        "list",
    ),
    ("postcode-number", lambda: build_referral(postcode=57), "household.postcode", "string"),
    # out of range
    (
        "attendance-over-100",
        lambda: with_child(school={"attendance_pct": 100.1}),
        "household.members[1].school.attendance_pct",
        "100",
    ),
    (
        "attendance-negative",
        lambda: with_child(school={"attendance_pct": -1}),
        "household.members[1].school.attendance_pct",
        "0",
    ),
    ("age-121", lambda: build_referral(dict(PARENT, age=121)), "household.members[0].age", "120"),
    ("age-negative", lambda: with_child(age=-1), "household.members[1].age", "0"),
    (
        "exclusions-negative",
        lambda: with_child(school={"fixed_term_exclusions_3_terms": -1}),
        "household.members[1].school.fixed_term_exclusions_3_terms",
        "0",
    ),
    (
        "asb-incidents-negative",
        lambda: with_child(offending={"asb_incidents_12m": -1}),
        "household.members[1].offending.asb_incidents_12m",
        "0",
    ),
    (
        "missing-episodes-negative",
        lambda: with_child(social_care={"missing_episodes_12m": -2}),
        "household.members[1].social_care.missing_episodes_12m",
        "0",
    ),
    ("members-0", lambda: set_path(build_referral(), ("household", "members"), []), "household.members", "at least 1"),
    (
        "members-21",
        lambda: set_path(
            build_referral(),
            ("household", "members"),
            [{"id": f"m{i}", "role": "other_adult", "age": 30} for i in range(21)],
        ),
        "household.members",
        "at most 20",
    ),
    # a child must be under 18
    ("child-aged-18", lambda: build_referral(child(age=18)), "household.members[0].age", "under 18"),
    ("child-aged-19", lambda: with_child(age=19), "household.members[1].age", "under 18"),
    # member ids unique
    ("duplicate-member-ids", lambda: build_referral(PARENT, child(id="p1")), "household.members", "more than once"),
    ("member-id-empty", lambda: with_child(id=""), "household.members[1].id", "at least 1"),
    ("member-id-too-long", lambda: with_child(id="c" * 65), "household.members[1].id", "at most 64"),
    # received_at
    ("received-at-naive", lambda: build_referral(received_at="2026-11-20T10:15:00"), "received_at", "time zone"),
    ("received-at-int", lambda: build_referral(received_at=1763633700), "received_at", "ISO 8601"),
    ("received-at-float", lambda: build_referral(received_at=1763633700.5), "received_at", "ISO 8601"),
    ("received-at-numeric-text", lambda: build_referral(received_at="1767225600"), "received_at", "ISO 8601"),
    ("received-at-garbage", lambda: build_referral(received_at="last Tuesday"), "received_at", "ISO 8601"),
    ("received-at-year-9999", lambda: build_referral(received_at="9999-01-01T00:00:00Z"), "received_at", "2099"),
    # referral_id
    ("referral-id-space", lambda: build_referral(referral_id="R 2026 1"), "referral_id", "pattern"),
    ("referral-id-slash", lambda: build_referral(referral_id="R/2026/1"), "referral_id", "pattern"),
    ("referral-id-non-ascii", lambda: build_referral(referral_id="R-2026-ü"), "referral_id", "pattern"),
    ("referral-id-65", lambda: build_referral(referral_id="R" * 65), "referral_id", "pattern"),
    ("referral-id-empty", lambda: build_referral(referral_id=""), "referral_id", "pattern"),
    ("referral-id-number", lambda: build_referral(referral_id=123), "referral_id", "string"),
    # agency (the catalogue's partner agencies are given)
    ("agency-unknown", lambda: build_referral(referrer={"agency": "the_pub"}), "referrer.agency", "unknown agency"),
    ("agency-wrong-case", lambda: build_referral(referrer={"agency": "School"}), "referrer.agency", "unknown agency"),
    # narrative
    ("narrative-too-long", lambda: build_referral(narrative="x" * 20_001), "narrative", "20000"),
    ("narrative-not-string", lambda: build_referral(narrative=["a", "b"]), "narrative", "string"),
    # postcode
    ("postcode-garbage", lambda: build_referral(postcode="XYZ"), "household.postcode", "postcode"),
    ("postcode-empty", lambda: build_referral(postcode=""), "household.postcode", "empty"),
    ("postcode-bad-inward", lambda: build_referral(postcode="S5 7A"), "household.postcode", "inward"),
    ("postcode-digits", lambda: build_referral(postcode="12345"), "household.postcode", "postcode"),
    # required fields
    ("missing-referral-id", lambda: build_referral(referral_id=None), "referral_id", "missing"),
    ("missing-received-at", lambda: build_referral(received_at=None), "received_at", "missing"),
    ("missing-referrer", lambda: build_referral(referrer=None), "referrer", "missing"),
    ("missing-agency", lambda: build_referral(referrer={"name": "A. Teacher"}), "referrer.agency", "missing"),
    (
        "missing-household",
        lambda: {k: v for k, v in build_referral().items() if k != "household"},
        "household",
        "missing",
    ),
    ("missing-postcode", lambda: build_referral(postcode=None), "household.postcode", "missing"),
    (
        "missing-members",
        lambda: {**build_referral(), "household": {"postcode": "S5 7AU"}},
        "household.members",
        "missing",
    ),
    (
        "missing-age",
        lambda: build_referral({"id": "p1", "role": "parent_carer"}),
        "household.members[0].age",
        "missing",
    ),
    ("missing-role", lambda: build_referral({"id": "p1", "age": 34}), "household.members[0].role", "missing"),
    (
        "missing-member-id",
        lambda: build_referral({"role": "parent_carer", "age": 34}),
        "household.members[0].id",
        "missing",
    ),
]


@pytest.mark.parametrize(("make", "path"), [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_referral_is_refused_naming_the_field(make: Callable[[], dict[str, Any]], path: str) -> None:
    assert paths_of(make()) == [path]


@pytest.mark.parametrize(("make", "path", "word"), [(c[1], c[2], c[3]) for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_referral_error_says_why(make: Callable[[], dict[str, Any]], path: str, word: str) -> None:
    (error,) = errors_of(make())
    assert word.lower() in error.reason.lower()


@pytest.mark.parametrize(("make", "path"), [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_referral_message_starts_with_the_field_path(make: Callable[[], dict[str, Any]], path: str) -> None:
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(make(), AGENCIES)
    assert str(caught.value).startswith(f"{path}: ")


def test_child_aged_18_error_mentions_under_18() -> None:
    (error,) = errors_of(build_referral(child(age=18)))
    assert (error.path, "under 18" in error.reason) == ("household.members[0].age", True)


def test_every_bad_field_is_named_not_only_the_first() -> None:
    data = build_referral(dict(PARENT, age="34"), child(school={"attendance_pct": 101}), priority="high")
    assert sorted(paths_of(data)) == [
        "household.members[0].age",
        "household.members[1].school.attendance_pct",
        "priority",
    ]


def test_unknown_agency_is_accepted_when_no_agencies_are_given() -> None:
    assert parse_referral(build_referral(referrer={"agency": "the_pub"}), None).referrer.agency == "the_pub"


def test_unknown_agency_error_lists_the_known_ones() -> None:
    (error,) = errors_of(build_referral(referrer={"agency": "the_pub"}))
    assert all(agency in error.reason for agency in AGENCIES)


def test_invalid_referral_keeps_its_referral_id() -> None:
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(build_referral(referral_id="R-77", priority="high"), AGENCIES)
    assert caught.value.referral_id == "R-77"


def test_invalid_referral_with_a_bad_id_has_no_referral_id() -> None:
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(build_referral(referral_id=123), AGENCIES)
    assert caught.value.referral_id is None


def test_error_does_not_echo_the_narrative() -> None:
    secret = "Fictional disclosure text that must never be echoed " * 400
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(build_referral(narrative=secret), AGENCIES)
    assert "disclosure" not in str(caught.value)


def test_error_does_not_mention_pydantic() -> None:
    with pytest.raises(InvalidReferral) as caught:
        parse_referral(with_child(age="12", school={"attendance_pct": "82"}), AGENCIES)
    assert "pydantic" not in str(caught.value).lower() and "errors.pydantic.dev" not in str(caught.value)


@pytest.mark.parametrize(
    "data", [[], "referral", 42, None, [build_referral()]], ids=["list", "str", "int", "null", "list-of-one"]
)
def test_non_object_is_refused(data: Any) -> None:
    (error,) = errors_of(data)
    assert (error.path, "object" in error.reason) == ("", True)


# --- load_text -----------------------------------------------------------------------------------


def test_load_text_reads_json() -> None:
    assert load_text('{"a": 1}') == {"a": 1}


def test_load_text_reads_yaml_when_allowed() -> None:
    assert load_text("a: 1\nb: [x, y]\n", yaml_allowed=True) == {"a": 1, "b": ["x", "y"]}


def test_load_text_refuses_yaml_as_json() -> None:
    with pytest.raises(InvalidReferral):
        load_text("a: 1\n")


@pytest.mark.parametrize(
    "text",
    ['{"referral_id": "R-1",', "{'a': 1}", "", '{"a": 1}}'],
    ids=["truncated", "single-quotes", "empty", "trailing"],
)
def test_malformed_json_says_not_valid_json(text: str) -> None:
    with pytest.raises(InvalidReferral) as caught:
        load_text(text)
    assert "not valid JSON" in str(caught.value)


def test_malformed_json_names_the_line() -> None:
    with pytest.raises(InvalidReferral) as caught:
        load_text('{\n"a": 1,\n"b": \n}')
    assert "line 4" in str(caught.value)


def test_malformed_yaml_says_not_valid_yaml() -> None:
    with pytest.raises(InvalidReferral) as caught:
        load_text("a: [1, 2\nb: 3\n", yaml_allowed=True)
    assert "not valid YAML" in str(caught.value)


# --- load_text: duplicate keys, deep nesting, values Python cannot read ----------------------------


def load_error(text: str, yaml_allowed: bool = False) -> FieldError:
    """The one error ``load_text`` refuses ``text`` with."""
    with pytest.raises(InvalidReferral) as caught:
        load_text(text, yaml_allowed=yaml_allowed)
    (error,) = caught.value.errors
    return error


def test_duplicate_json_key_is_refused_naming_its_path() -> None:
    """The last copy would silently win: consent given, though the first said not."""
    error = load_error('{"consent": {"given": false, "given": true}}')
    assert (error.path, error.reason) == ("consent.given", "duplicate key")


def test_duplicate_json_key_inside_a_list_is_named_with_its_index() -> None:
    error = load_error('{"household": {"members": [{"id": "p1"}, {"id": "c1", "age": 1, "age": 12}]}}')
    assert error.path == "household.members[1].age"


def test_duplicate_top_level_json_key_is_refused() -> None:
    assert load_error('{"referral_id": "R-1", "referral_id": "R-2"}').path == "referral_id"


def test_duplicate_yaml_key_is_refused_naming_its_path() -> None:
    error = load_error("consent:\n  given: false\n  given: true\n", yaml_allowed=True)
    assert (error.path, error.reason) == ("consent.given", "duplicate key")


def test_yaml_merge_key_may_be_overridden() -> None:
    """``<<: *base`` then a key of its own is YAML's way to override, not a duplicate."""
    text = "base: &b {given: false}\nconsent:\n  <<: *b\n  given: true\n"
    assert load_text(text, yaml_allowed=True)["consent"] == {"given": True}


@pytest.mark.parametrize(
    ("text", "yaml_allowed"),
    [("[" * 100_000 + "]" * 100_000, False), ("a:\n" + "".join(" " * i + "- \n" for i in range(5_000)), True)],
    ids=["json", "yaml"],
)
def test_deep_nesting_is_refused_as_invalid(text: str, yaml_allowed: bool) -> None:
    """Python's recursion limit (or libyaml's own depth limit) is a refusal, not a RecursionError."""
    assert "nest" in load_error(text, yaml_allowed).reason


@pytest.mark.parametrize(
    ("text", "yaml_allowed"),
    [('{"age": ' + "1" * 5_000 + "}", False), ("age: " + "1" * 5_000, True)],
    ids=["json", "yaml"],
)
def test_number_over_python_digit_limit_is_refused_as_invalid(text: str, yaml_allowed: bool) -> None:
    assert "cannot be read" in load_error(text, yaml_allowed).reason


def test_impossible_yaml_date_is_refused_as_invalid() -> None:
    """YAML reads 2026-02-30 as a date itself; Python's date refuses it with a ValueError."""
    assert "not valid YAML" in load_error("received_at: 2026-02-30\n", yaml_allowed=True).reason


def test_member_id_may_be_any_short_text() -> None:
    """The contract only asks member ids to be unique within the referral."""
    referral = parse_referral(build_referral({"id": "parent one", "role": "parent_carer", "age": 34}), AGENCIES)
    assert referral.household.members[0].id == "parent one"


@pytest.mark.parametrize("section", ["school", "offending", "employment", "domestic_abuse", "health", "social_care"])
def test_member_section_sent_as_null_means_its_defaults(section: str) -> None:
    referral = parse_referral(build_referral({"id": "p1", "role": "parent_carer", "age": 34, section: None}), AGENCIES)
    assert (
        getattr(referral.household.members[0], section) == getattr(referral.household.members[0], section).__class__()
    )


def test_housing_sent_as_null_means_no_housing_problem() -> None:
    data = build_referral()
    data["household"]["housing"] = None
    referral = parse_referral(data, AGENCIES)
    assert referral.household.housing.model_dump() == {
        "rent_arrears": False,
        "problem_debt": False,
        "eviction_risk": False,
        "homeless": False,
    }
