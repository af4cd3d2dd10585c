"""At most one known person is likely for one incoming person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from triage.matching import PeopleIndex, PersonRecord, Strength
from triage.matching.ambiguity import ANOTHER_MATCHES, ANOTHER_SHARES_NUMBER

MakePerson = Callable[..., PersonRecord]


def test_two_equally_likely_people_are_both_only_possible(make_person: MakePerson) -> None:
    # a father and son of the same name at one address; the referral gives no date of birth
    index = PeopleIndex([make_person(date_of_birth=date(1980, 1, 1)), make_person(date_of_birth=date(2014, 3, 2))])
    found = index.candidates(make_person(date_of_birth=None))
    assert [c.strength for c in found] == [Strength.POSSIBLE, Strength.POSSIBLE]
    assert all(ANOTHER_MATCHES in c.reasons for c in found)


def test_a_clear_best_stays_likely_and_the_other_becomes_possible(make_person: MakePerson) -> None:
    here = make_person()
    elsewhere = make_person(postcode="S20 1AB", address_line_1="9 Elm Close")
    index = PeopleIndex([here, elsewhere])
    found = index.candidates(make_person())
    assert [(c.person.person_id, c.strength) for c in found] == [
        (here.person_id, Strength.LIKELY),
        (elsewhere.person_id, Strength.POSSIBLE),
    ]


def test_an_exact_identifier_outranks_every_likely_name_match(make_person: MakePerson) -> None:
    numbered = make_person(nhs_number="9434765919", postcode="S20 1AB", address_line_1=None)
    index = PeopleIndex([numbered, make_person()])
    found = index.candidates(make_person(nhs_number="9434765919"))
    assert found[0].person == numbered
    assert found[0].strength is Strength.EXACT_IDENTIFIER
    assert found[1].strength is Strength.POSSIBLE
    assert ANOTHER_SHARES_NUMBER in found[1].reasons
