"""The households service on both databases: matches proposed, links confirmed and rejected (each an
audit event), households kept and joined, a household's record, search, and the re-referral flag."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import structlog
from sqlalchemy import text

from triage.audit.store import AuditStore
from triage.cases.service import Cases, InvalidChange
from triage.households.links import UnknownHousehold, is_household_id
from triage.households.service import Households
from triage.matching import Strength
from triage.models import Decision

from support import build_referral, child, parent, smiths

Record = Callable[..., Decision]
TODAY = date(2026, 12, 3)


def test_a_second_referral_of_a_family_is_matched_with_the_first(households: Households, record: Record) -> None:
    first = record(smiths("R-1"))
    second = record(smiths("R-2", mother={"family_name": "Smyth"}))
    [match] = households.matches(second.decision_id)
    assert match.target == first.decision_id and match.household_id is None
    assert match.family_name == "Smith"
    assert [c.decision.decision_id for c in match.cases] == [first.decision_id]
    jayden = next(p for p in match.people if p.incoming == "Jayden Smith")
    assert jayden.strength is Strength.EXACT_IDENTIFIER and "same NHS number" in jayden.reasons


def test_a_family_with_nothing_in_common_is_not_proposed(households: Households, record: Record) -> None:
    record(smiths("R-1"))
    other = record(
        build_referral(
            parent(30, given_name="Amira", family_name="Begum", date_of_birth="1996-01-30"), referral_id="R-2"
        )
    )
    assert households.matches(other.decision_id) == []


def test_twins_on_one_referral_are_never_proposed_as_each_other(households: Households, record: Record) -> None:
    twins = build_referral(
        child(9, "c1", given_name="Amy", family_name="Hall", date_of_birth="2017-05-05"),
        child(9, "c2", given_name="Ava", family_name="Hall", date_of_birth="2017-05-05"),
        parent(),
        referral_id="R-1",
    )
    decided = record(twins)
    assert households.matches(decided.decision_id) == []


def test_confirming_a_match_makes_a_household_of_both_referrals(
    households: Households, record: Record, store: AuditStore
) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    link = households.confirm(second.decision_id, first.decision_id, by="a.patel", reason="")
    assert is_household_id(link.household_id) and link.by == "a.patel"
    assert (
        households.household_of(first.decision_id) == households.household_of(second.decision_id) == link.household_id
    )
    assert any("same NHS number" in e for e in link.evidence)
    [event] = [e for e in store.queries.events() if e.kind == "linked"]
    assert event.decision_id == second.decision_id and event.body["household_id"] == link.household_id
    assert store.log.verify().ok


def test_a_linked_family_is_proposed_as_its_household(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    third = record(smiths("R-3"))
    [match] = households.matches(third.decision_id)
    assert match.target == household == match.household_id
    assert len(match.cases) == 2
    assert households.confirm(third.decision_id, household, "a.patel", "").household_id == household


def test_a_household_is_not_proposed_to_its_own_members(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    households.confirm(second.decision_id, first.decision_id, "a.patel", "")
    assert households.matches(second.decision_id) == []


def test_joining_two_households_keeps_the_older_id_and_the_younger_still_leads_there(
    households: Households, record: Record
) -> None:
    a1, a2, b1, b2 = (record(smiths(f"R-{n}")) for n in range(1, 5))
    older = households.confirm(a2.decision_id, a1.decision_id, "a.patel", "").household_id
    younger = households.confirm(b2.decision_id, b1.decision_id, "a.patel", "").household_id
    link = households.confirm(b2.decision_id, older, "a.patel", "")
    assert link.household_id == older and link.joined == (younger,)
    assert households.household(younger, TODAY).household_id == older
    assert len(households.household(older, TODAY).cases) == 4


def test_a_rejected_match_is_not_proposed_again(households: Households, record: Record, store: AuditStore) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    rejection = households.reject(second.decision_id, first.decision_id, "a.patel", "a different Smith family")
    assert rejection.reason == "a different Smith family"
    assert households.matches(second.decision_id) == []
    assert households.household_of(second.decision_id) is None
    assert [e.kind for e in store.queries.history(second.decision_id)] == ["decision", "link_rejected"]


def test_a_rejection_needs_a_reason(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    with pytest.raises(InvalidChange) as refused:
        households.reject(second.decision_id, first.decision_id, "a.patel", "  ")
    assert refused.value.field == "reason"


def test_a_link_matching_did_not_propose_needs_a_reason(households: Households, record: Record) -> None:
    smith = record(smiths("R-1"))
    other = record(build_referral(parent(30, given_name="Amira", family_name="Begum"), referral_id="R-2"))
    with pytest.raises(InvalidChange) as refused:
        households.confirm(other.decision_id, smith.decision_id, "a.patel", "")
    assert refused.value.field == "reason"
    link = households.confirm(other.decision_id, smith.decision_id, "a.patel", "mother remarried; same children")
    assert link.evidence == () and link.reason == "mother remarried; same children"


@pytest.mark.parametrize("target", ["", "no-such-decision", "SELF"])
def test_a_link_to_nothing_or_to_itself_is_refused_naming_the_target(
    households: Households, record: Record, target: str
) -> None:
    decided = record(smiths("R-1"))
    with pytest.raises(InvalidChange) as refused:
        households.confirm(decided.decision_id, decided.decision_id if target == "SELF" else target, "a.patel", "why")
    assert refused.value.field == "target"


def test_a_link_to_an_unknown_household_is_refused(households: Households, record: Record) -> None:
    decided = record(smiths("R-1"))
    with pytest.raises(UnknownHousehold):
        households.confirm(decided.decision_id, "H-00000000", "a.patel", "why")


def test_linking_twice_is_refused(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    households.confirm(second.decision_id, first.decision_id, "a.patel", "")
    with pytest.raises(InvalidChange) as refused:
        households.confirm(second.decision_id, first.decision_id, "a.patel", "again")
    assert refused.value.field == "target" and "already" in refused.value.reason


def test_a_household_record_shows_each_person_once_with_their_age_today(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2", son={"given_name": "Jaden"}))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    shown = households.household(household, TODAY)
    assert [(p.name, p.age_today) for p in shown.people] == [("Sarah Smith", 36), ("Jaden Smith", 12)]
    assert shown.address == ("12 Hill Street", "Sheffield", "S5 7AU")


def test_a_household_record_keeps_the_other_names_a_person_was_recorded_by(
    households: Households, record: Record
) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2", son={"given_name": "Jaden"}))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    shown = households.household(household, TODAY)
    assert [(p.name, p.other_names) for p in shown.people] == [("Sarah Smith", ()), ("Jaden Smith", ("Jayden Smith",))]


def test_a_household_record_has_every_referral_link_and_closing_in_order(
    households: Households, record: Record, store: AuditStore
) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    Cases(store).close(first.decision_id, "needs met", "a.patel")
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    shown = households.household(household, TODAY)
    assert [e.kind for e in shown.timeline] == ["referral", "referral", "closed", "linked"]
    assert [c.decision.decision_id for c in shown.cases] == [first.decision_id, second.decision_id]


def test_a_household_is_named_by_the_family_name_its_referrals_give_most(
    households: Households, record: Record
) -> None:
    first = record(smiths("R-1"))
    second = record(smiths("R-2", mother={"family_name": "Smyth"}))  # the latest referral misspells it
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    assert households.household(household, TODAY).family_name == "Smith"


def test_an_unknown_household_is_reported(households: Households) -> None:
    with pytest.raises(UnknownHousehold):
        households.household("H-00000000", TODAY)


def test_search_finds_a_family_by_a_misspelt_surname(households: Households, record: Record) -> None:
    decided = record(smiths("R-1"))
    found = households.search("Jayden Smiht")
    assert found and found[0].decision_id == decided.decision_id and found[0].name == "Jayden Smith"


def test_search_finds_every_person_of_a_household_by_its_id(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    found = households.search(household.lower())
    assert [f.name for f in found] == ["Sarah Smith", "Jayden Smith"] and {f.household_id for f in found} == {household}


def test_search_shows_a_linked_household_member_once_however_many_referrals_name_them(
    households: Households, record: Record
) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    households.confirm(second.decision_id, first.decision_id, "a.patel", "")
    assert len(households.search("Smith 12/04/1990")) == 1


@pytest.mark.parametrize("names", [("Amy", "Ava"), ("Harry", "Harvey")])
def test_search_keeps_twins_apart_in_one_household(
    households: Households, record: Record, names: tuple[str, str]
) -> None:
    twins = build_referral(
        child(9, "c1", given_name=names[0], family_name="Hall", date_of_birth="2017-05-05"),
        child(9, "c2", given_name=names[1], family_name="Hall", date_of_birth="2017-05-05"),
        referral_id="R-1",
    )
    first, second = record(twins), record({**twins, "referral_id": "R-2"})
    households.confirm(second.decision_id, first.decision_id, "a.patel", "same twins")
    assert sorted(f.name or "" for f in households.search("Hall 05/05/2017")) == sorted(f"{n} Hall" for n in names)


def test_search_finds_a_referral_without_names_by_its_id(households: Households, record: Record) -> None:
    decided = record(build_referral(parent(), referral_id="UNNAMED-7"))
    [found] = households.search("UNNAMED-7")
    assert found.decision_id == decided.decision_id and found.name is None


def test_search_sees_a_referral_recorded_by_another_process(
    households: Households, record: Record, store_url: str
) -> None:
    assert households.search("Jayden Smith") == []  # the index is built now, before the referral
    record(smiths("R-1"))  # through the fixture's store: as another process would, not through households
    assert [f.name for f in households.search("Jayden Smith")] == ["Jayden Smith"]


def test_a_household_referred_again_within_the_window_is_flagged(
    households: Households, record: Record, store: AuditStore
) -> None:
    now = datetime.now(UTC)
    old = record(smiths("R-0"), decided_at=now - timedelta(days=400))
    first = record(smiths("R-1"), decided_at=now - timedelta(days=100))
    Cases(store).close(first.decision_id, "needs met", "a.patel")
    second = record(smiths("R-2"))
    household = households.confirm(first.decision_id, old.decision_id, "a.patel", "").household_id
    households.confirm(second.decision_id, household, "a.patel", "")
    flag = households.referred_before([second.decision_id], months=12)[second.decision_id]
    assert flag.referrals == 2 and flag.flagged
    assert flag.last_closed is not None and flag.last_closed.reason == "needs met"
    assert [c.decision.decision_id for c in flag.open_cases] == [old.decision_id]


def test_an_old_referral_entered_today_counts_by_when_it_was_received(households: Households, record: Record) -> None:
    old_referral = smiths("R-0", received_at="2023-11-10T09:00:00Z")  # entered on the command line today
    old_referral["household"]["members"][0]["age"], old_referral["household"]["members"][1]["age"] = 33, 9
    old, new = record(old_referral), record(smiths("R-1"))
    households.confirm(new.decision_id, old.decision_id, "a.patel", "")
    flag = households.referred_before([new.decision_id], months=12)[new.decision_id]
    assert flag.referrals == 1


def test_a_referral_in_no_household_has_no_flag(households: Households, record: Record) -> None:
    decided = record(smiths("R-1"))
    assert households.referred_before([decided.decision_id], months=12) == {}


def test_purge_erases_names_from_search_and_the_household(
    households: Households, record: Record, store: AuditStore
) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "same family").household_id
    assert households.search("Sarah Smith")
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    assert households.search("Sarah Smith") == []
    shown = households.household(household, TODAY)
    assert shown.people == () and shown.erased == 2
    [link] = [e.link for e in shown.timeline if e.link is not None]
    assert link.reason == "(erased)"
    assert store.log.verify().ok


def test_warming_builds_the_people_index_before_the_first_search(
    households: Households, record: Record, store: AuditStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(smiths("R-1"))
    households.warm()
    reads = []
    real = store.queries.decided_events
    monkeypatch.setattr(store.queries, "decided_events", lambda **kw: reads.append(kw) or real(**kw))
    households.search("Jayden Smith")
    assert reads == [{"after": reads[0]["after"]}] and reads[0]["after"] > 0  # only what came after


def test_warming_on_a_broken_database_is_logged_without_names_and_never_raised(
    households: Households, store: AuditStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(store.queries, "decided_events", broken)
    with structlog.testing.capture_logs() as logs:
        households.warm()
    assert logs == [{"event": "people_index_not_built", "error": "OSError", "log_level": "warning"}]


@pytest.mark.parametrize(("days_before", "counted"), [(360, True), (370, False)])
def test_the_window_is_the_rulesets_months_up_to_the_referral(
    households: Households, record: Record, store: AuditStore, days_before: int, counted: bool
) -> None:
    now = datetime.now(UTC)
    earlier = record(smiths("R-1"), decided_at=now - timedelta(days=days_before))
    Cases(store).close(earlier.decision_id, "needs met", "a.patel")
    later = record(smiths("R-2"), decided_at=now)
    households.confirm(later.decision_id, earlier.decision_id, "a.patel", "")
    flag = households.referred_before([later.decision_id], months=12)[later.decision_id]
    assert (flag.referrals, flag.flagged) == ((2, True) if counted else (1, False))


def test_a_link_made_by_mistake_is_undone_with_a_reason_and_kept_in_the_log(
    households: Households, record: Record, store: AuditStore
) -> None:
    first, second, third = record(smiths("R-1")), record(smiths("R-2")), record(smiths("R-3"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    households.confirm(third.decision_id, household, "a.patel", "")
    undone = households.unlink(third.decision_id, "a.patel", "a cousin's family, not this one")
    assert undone.household_id == household and households.household_of(third.decision_id) is None
    assert [c.decision.decision_id for c in households.household(household, TODAY).cases] == [
        first.decision_id,
        second.decision_id,
    ]
    assert [e.kind for e in store.queries.history(third.decision_id)] == ["decision", "linked", "unlinked"]


def test_undoing_a_link_needs_a_reason_and_a_link(households: Households, record: Record) -> None:
    decided = record(smiths("R-1"))
    with pytest.raises(InvalidChange) as no_reason:
        households.unlink(decided.decision_id, "a.patel", "")
    with pytest.raises(InvalidChange) as no_link:
        households.unlink(decided.decision_id, "a.patel", "mistake")
    assert (no_reason.value.field, no_link.value.field) == ("reason", "link")


def test_search_for_a_control_character_finds_nothing_on_either_database(
    households: Households, record: Record
) -> None:
    """PostgreSQL refuses NUL in a query's text: a search holding one must not reach the database."""
    record(smiths("R-1"))
    assert households.search("R-\x00") == []


def _jones(referral_id: str) -> dict[str, Any]:
    return build_referral(
        parent(40, "p1", given_name="Mary", family_name="Jones", date_of_birth="1986-02-01"),
        child(10, "c1", given_name="Tom", family_name="Jones", date_of_birth="2016-07-09"),
        referral_id=referral_id,
        postcode="S6 2LN",
    )


def test_undoing_a_link_that_joined_two_families_separates_them_again(households: Households, record: Record) -> None:
    r1, r2, j1, j2 = record(smiths("R-1")), record(smiths("R-2")), record(_jones("J-1")), record(_jones("J-2"))
    smiths_id = households.confirm(r2.decision_id, r1.decision_id, "a.patel", "").household_id
    jones_id = households.confirm(j2.decision_id, j1.decision_id, "a.patel", "").household_id
    mistake = households.confirm(r2.decision_id, jones_id, "a.patel", "wrong family, clicked in error")
    assert mistake.joined == (jones_id,)
    undone = households.unlink(r2.decision_id, "a.patel", "the Joneses are another family")
    assert undone.restored == (jones_id,) and undone.removed == ()
    assert {c.decision.decision_id for c in households.household(smiths_id, TODAY).cases} == {
        r1.decision_id,
        r2.decision_id,
    }
    restored = households.household(jones_id, TODAY)
    assert restored.household_id == jones_id
    assert {c.decision.decision_id for c in restored.cases} == {j1.decision_id, j2.decision_id}


def test_a_link_undone_from_the_other_referral_cannot_be_undone_twice(
    households: Households, record: Record, store: AuditStore
) -> None:
    r1, r2, r3 = record(smiths("R-1")), record(smiths("R-2")), record(smiths("R-3"))
    households.confirm(r2.decision_id, r1.decision_id, "a.patel", "")
    households.confirm(r2.decision_id, r3.decision_id, "a.patel", "")  # R-3 added to the household
    households.unlink(r3.decision_id, "a.patel", "not them")
    assert households.household_of(r3.decision_id) is None
    assert [e.kind for e in store.queries.history(r2.decision_id)] == ["decision", "linked", "linked", "unlinked"]
    undone = households.unlink(r2.decision_id, "a.patel", "and this one")  # the first link, not the undone one
    assert set(undone.removed) == {r1.decision_id, r2.decision_id}


def test_a_link_records_no_name_in_the_chain_and_purge_erases_its_evidence(
    households: Households, record: Record, store: AuditStore
) -> None:
    first = record(smiths("R-1"))
    second = record(smiths("R-2", mother={"given_name": "Sally"}, son={"given_name": "Jay"}))
    link = households.confirm(second.decision_id, first.decision_id, "a.patel", "")
    assert any("Sarah" in reason for reason in link.evidence)  # "nickname of Sarah": names, so kept apart
    with store.db.connect() as conn:
        chained = conn.execute(text("SELECT content FROM audit_events WHERE kind = 'linked'")).scalar_one()
    assert not any(name in chained for name in ("Sarah", "Sally", "Jayden", "Jay", "Smith"))
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    [erased] = [e.link for e in households.household(link.household_id, TODAY).timeline if e.link is not None]
    assert (erased.evidence, erased.reason) == ((), "(erased)")


def test_a_rejected_household_stays_rejected_once_joined_into_another(households: Households, record: Record) -> None:
    a1, a2, b1, b2 = (record(smiths(f"R-{n}")) for n in range(1, 5))
    older = households.confirm(a2.decision_id, a1.decision_id, "a.patel", "").household_id
    younger = households.confirm(b2.decision_id, b1.decision_id, "a.patel", "").household_id
    newcomer = record(smiths("R-5"))
    households.reject(newcomer.decision_id, younger, "a.patel", "another family")
    households.confirm(b2.decision_id, older, "a.patel", "")
    assert households.matches(newcomer.decision_id) == []


def test_rejecting_a_referrals_own_household_is_refused(households: Households, record: Record) -> None:
    first, second = record(smiths("R-1")), record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "a.patel", "").household_id
    with pytest.raises(InvalidChange) as refused:
        households.reject(second.decision_id, household, "a.patel", "no")
    assert refused.value.field == "target"
