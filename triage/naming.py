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
    household = (referral or {}).get("household")
    members = household.get("members") if isinstance(household, Mapping) else None
    if wording.named_member is None or not isinstance(members, list):
        return {}
    labels = {}
    for member in members:
        if not isinstance(member, Mapping) or not member.get("given_name"):
            continue
        role = wording.roles.get(str(member.get("role")), str(member.get("role")))
        values = {"role": role, "id": member.get("id"), "age": member.get("age")}
        named = {**values, "given_name": member["given_name"], "family_name": member.get("family_name") or ""}
        labels[render(wording.member, values)] = render(wording.named_member, named).strip()
    return labels


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
