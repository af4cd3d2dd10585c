"""People named as a front door worker says them: "Jayden (age 12)", not "Child c1 (age 12)".

Decisions are made and recorded without names: the rules never read them, so the same referral
gives the same decision with or without them. When a decision is shown to front door staff, each
label its reasons give a member (``wording.member`` in rules/ruleset.yaml) is replaced by the
member's name from the referral (``wording.named_member``), where the referral gives a given name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from triage.rulebook.loader import Policy
from triage.rulebook.templates import render


def named_labels(referral: Mapping[str, Any] | None, policy: Policy) -> dict[str, str]:
    """Each named member's label as reasons give it, mapped to their name as staff see it."""
    wording = policy.rules.wording
    if wording.named_member is None:
        return {}
    labels = {}
    for member in members_of(referral):
        if member.get("given_name"):
            values = _values(member, policy)
            labels[render(wording.member, values)] = render(wording.named_member, values).strip()
    return labels


def member_labels(referral: Mapping[str, Any] | None, policy: Policy, with_names: bool) -> dict[str, str]:
    """Each member's id mapped to how a page names them: by name where the referral gives one and
    ``with_names`` (front door staff), else by role and age as reasons do (``wording.member``).
    Empty once the referral is purged: a page then shows the id, all that is left."""
    wording = policy.rules.wording
    labels = {}
    for member in members_of(referral):
        named = wording.named_member if with_names and member.get("given_name") else None
        labels[str(member.get("id"))] = render(named or wording.member, _values(member, policy)).strip()
    return labels


def members_of(referral: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The household members of a stored referral (none once purged, or in a shape not known)."""
    household = (referral or {}).get("household")
    members = household.get("members") if isinstance(household, Mapping) else None
    return [m for m in members if isinstance(m, Mapping)] if isinstance(members, list) else []


def _values(member: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """What the wording templates may use: role (in words), id, age, and the names (empty when not given)."""
    role = policy.rules.wording.roles.get(str(member.get("role")), str(member.get("role")))
    return {
        "role": role,
        "id": member.get("id"),
        "age": member.get("age"),
        "given_name": member.get("given_name") or "",
        "family_name": member.get("family_name") or "",
    }


def named(texts: Sequence[str], referral: Mapping[str, Any] | None, policy: Policy) -> list[str]:
    """``texts`` (a decision's reasons) with every named member's label replaced by their name."""
    labels = named_labels(referral, policy)
    if not labels:
        return list(texts)
    return [_replace_all(text, labels) for text in texts]


def _replace_all(text: str, labels: Mapping[str, str]) -> str:
    """Longest label first, so that no label is replaced inside a longer one."""
    for label in sorted(labels, key=len, reverse=True):
        text = text.replace(label, labels[label])
    return text
