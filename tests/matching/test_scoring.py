"""Each candidate's strength and reasons, on small hand-made pairs, hard cases included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from triage.matching import Candidate, PeopleIndex, PersonRecord, Strength
from triage.matching.reasons import MOVED, TWIN

MakePerson = Callable[..., PersonRecord]


def only(index: PeopleIndex, person: PersonRecord) -> Candidate:
    """The one candidate the index proposes (fails if there is not exactly one)."""
    found = index.candidates(person)
    assert len(found) == 1, found
    return found[0]


def test_the_same_details_again_are_likely_with_their_reasons(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person()])
    candidate = only(index, make_person(household_id=None))
    assert candidate.strength is Strength.LIKELY
    assert candidate.reasons == ("same name", "same date of birth", "same postcode", "same first line of address")
    assert candidate.score > 0.99


def test_the_same_valid_nhs_number_is_an_exact_identifier(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(nhs_number="9434765919")])
    candidate = only(index, make_person(nhs_number="943 476 5919", given_name="Billy", postcode=None))
    assert candidate.strength is Strength.EXACT_IDENTIFIER
    assert "same NHS number" in candidate.reasons


def test_the_same_valid_upn_is_an_exact_identifier(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(upn="B801200005001")])
    candidate = only(index, make_person(upn="b801200005001", postcode="S8 1AA"))
    assert candidate.strength is Strength.EXACT_IDENTIFIER
    assert "same UPN" in candidate.reasons


def test_two_different_valid_nhs_numbers_rule_a_pair_out(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(nhs_number="9434765919")])
    assert index.candidates(make_person(nhs_number="4010232137")) == []


def test_two_different_permanent_upns_rule_a_pair_out(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(upn="B801200005001")])
    assert index.candidates(make_person(upn="P207000016049")) == []


def test_a_temporary_upn_does_not_rule_a_pair_out(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(upn="M80120000500A")])
    assert only(index, make_person(upn="B801200005001")).strength is Strength.LIKELY


def test_an_invalid_nhs_number_neither_links_nor_rules_out(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(nhs_number="9434765919")])
    candidate = only(index, make_person(nhs_number="9434765918"))
    assert candidate.strength is Strength.LIKELY
    assert "same NHS number" not in candidate.reasons


def test_a_shared_number_with_nothing_else_agreeing_is_only_possible(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(nhs_number="9434765919")])
    stranger = make_person(
        nhs_number="9434765919", given_name="Grace", family_name="Okafor", date_of_birth=date(1980, 8, 19)
    )
    assert only(index, stranger).strength is Strength.POSSIBLE


def test_a_one_letter_typo_in_a_first_name_is_likely(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Jonathan")])
    candidate = only(index, make_person(given_name="Jonathon"))
    assert candidate.strength is Strength.LIKELY
    assert any(reason.startswith("name ") and reason.endswith("% similar") for reason in candidate.reasons)


def test_a_nickname_is_likely_and_says_whose(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person()])
    candidate = only(index, make_person(given_name="Bill"))
    assert candidate.strength is Strength.LIKELY
    assert "nickname of William" in candidate.reasons


def test_first_and_last_names_swapped_are_likely_and_say_so(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Oluwaseun", family_name="Adeyemi")])
    candidate = only(index, make_person(given_name="Adeyemi", family_name="Oluwaseun"))
    assert candidate.strength is Strength.LIKELY
    assert "first and last names swapped" in candidate.reasons


def test_day_and_month_of_birth_swapped_are_likely_and_say_so(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person()])
    candidate = only(index, make_person(date_of_birth=date(2014, 2, 3)))
    assert candidate.strength is Strength.LIKELY
    assert "day and month of birth swapped" in candidate.reasons


def test_a_person_who_moved_is_still_likely_and_the_move_is_said(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Zofia", family_name="Kowalska", sex="female")])
    moved = make_person(
        given_name="Zofia", family_name="Kowalska", sex="female", postcode="S8 9ZZ", address_line_1="1 New Road"
    )
    candidate = only(index, moved)
    assert candidate.strength is Strength.LIKELY
    assert MOVED in candidate.reasons


def test_a_twin_is_never_likely_for_the_other_twin(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Hassan", family_name="Khan")])
    candidate = only(index, make_person(given_name="Hussain", family_name="Khan"))
    assert candidate.strength is Strength.POSSIBLE
    assert TWIN in candidate.reasons


def test_twins_with_names_one_letter_apart_in_three_letters_are_never_likely(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Eva", sex="female")])
    assert only(index, make_person(given_name="Ava", sex="female")).strength is Strength.POSSIBLE


def test_a_doubtful_pair_is_never_scored_as_high_as_likely(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Hassan", family_name="Khan")])
    candidate = only(index, make_person(given_name="Hussain", family_name="Khan"))
    assert candidate.score <= index.settings.doubtful_score_cap < index.settings.likely_threshold


def test_the_same_name_with_another_date_of_birth_elsewhere_is_not_shown(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Mohammed", family_name="Khan", date_of_birth=date(1990, 1, 1))])
    other = make_person(
        given_name="Mohammed",
        family_name="Khan",
        date_of_birth=date(2011, 7, 19),
        postcode="S1 2BX",
        address_line_1="3 Hill Street",
    )
    assert index.candidates(other) == []


def test_the_same_name_with_another_date_of_birth_at_the_address_is_at_most_possible(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(date_of_birth=date(1980, 1, 1))])  # William Smith senior
    junior = make_person(date_of_birth=date(2014, 3, 2))
    assert all(c.strength is Strength.POSSIBLE for c in index.candidates(junior))


def test_a_different_sex_recorded_counts_against_and_is_said(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Sam", sex="male")])
    candidate = only(index, make_person(given_name="Sam", sex="female"))
    assert "different sex recorded" in candidate.reasons
    assert candidate.score < only(index, make_person(given_name="Sam", sex="male")).score


def test_a_common_name_weighs_less_than_a_rare_one(make_person: MakePerson) -> None:
    common = [make_person(given_name="Mohammed", family_name=f"Family{i}") for i in range(300)]
    index = PeopleIndex(
        [
            *common,
            make_person(given_name="Mohammed", family_name="Khan"),
            make_person(given_name="Tendai", family_name="Moyo"),
        ]
    )
    place = {"date_of_birth": None, "address_line_1": None}
    mohammed = index.candidates(make_person(given_name="Mohammed", family_name="Khan", **place))[0]
    tendai = index.candidates(make_person(given_name="Tendai", family_name="Moyo", **place))[0]
    assert mohammed.score < tendai.score


def test_a_boy_and_girl_twin_whose_names_are_a_nickname_apart_are_never_likely(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Charlotte", family_name="Oliver", sex="female")])
    candidate = only(index, make_person(given_name="Charlie", family_name="Oliver", sex="male"))
    assert candidate.strength is Strength.POSSIBLE
    assert "different sex recorded" in candidate.reasons
