"""Front door staff see people by name where the referral gives one; decisions never carry names."""

from __future__ import annotations

import dataclasses

from triage.naming import member_labels, named

from support import build_referral, child, parent

REASON = "Child c1 (age 12) attended 78.0% of sessions"


def test_a_member_with_a_given_name_is_named(policy):
    referral = build_referral(parent(), child(given_name="Jayden", family_name="Smith"))
    assert named([REASON], referral, policy) == ["Jayden (age 12) attended 78.0% of sessions"]


def test_a_member_without_a_given_name_keeps_their_role_and_age(policy):
    referral = build_referral(parent(given_name="Amira"), child(family_name="Smith"))
    assert named([REASON], referral, policy) == [REASON]


def test_without_the_referral_the_reasons_are_as_recorded(policy):
    """A purged referral: its names are gone with it."""
    assert named([REASON], None, policy) == [REASON]


def test_a_ruleset_without_named_wording_keeps_the_labels(policy):
    rules = policy.rules.model_copy(update={"wording": policy.rules.wording.model_copy(update={"named_member": None})})
    unnamed = dataclasses.replace(policy, rules=rules)
    referral = build_referral(parent(), child(given_name="Jayden"))
    assert named([REASON], referral, unnamed) == [REASON]


def test_one_members_label_is_not_replaced_inside_anothers(policy):
    referral = build_referral(parent(), child(id="c1", age=1, given_name="Ava"), child(id="c10", age=1))
    assert named(["Child c10 (age 1) and Child c1 (age 1)"], referral, policy) == ["Child c10 (age 1) and Ava (age 1)"]


def test_members_are_labelled_by_name_for_those_who_may_see_names(policy):
    referral = build_referral(parent(given_name="Amira"), child())
    assert member_labels(referral, policy, with_names=True) == {"p1": "Amira (age 34)", "c1": "Child c1 (age 12)"}


def test_members_are_labelled_by_role_and_age_for_everyone_else(policy):
    referral = build_referral(parent(given_name="Amira"), child())
    assert member_labels(referral, policy, with_names=False) == {
        "p1": "Parent/carer p1 (age 34)",
        "c1": "Child c1 (age 12)",
    }


def test_a_purged_referral_has_no_labels(policy):
    assert member_labels(None, policy, with_names=True) == {}
