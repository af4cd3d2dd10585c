"""The four roles and what each may do: one table, read by the API for every request."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARTNER = "partner"  # a partner's system: submits referrals, reads only its own decisions
    FRONT_DOOR = "front_door"  # the front door team: submits, reads all, overrides
    POLICY_LEAD = "policy_lead"  # policy leads: the rules (reading and publishing), and decisions to learn from
    AUDITOR = "auditor"  # reads everything, including the audit log; never writes


class Permission(StrEnum):
    SUBMIT = "submit"  # POST referrals
    READ_OWN = "read_own"  # decisions this caller submitted
    READ_ALL = "read_all"  # every decision
    OVERRIDE = "override"  # record a practitioner's new route
    READ_RULES = "read_rules"  # rulesets (active and archived)
    READ_CATALOGUE = "read_catalogue"  # definitions and services: the shared vocabulary
    READ_AUDIT = "read_audit"  # verify the chain, export events
    PUBLISH = "publish"  # publish a ruleset version (tested first), live on every instance
    SIMULATE = "simulate"  # what-if: re-decide the recorded referrals under a candidate
    APPRAISE = "appraise"  # cost-benefit of key working for the families decided, or a scenario
    PIN_RULESET = "pin_ruleset"  # choose the ruleset version that decides (one in force by the day received)
    FIND_FAMILIES = "find_families"  # search people, see matches and households, confirm or reject links


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PARTNER: frozenset({Permission.SUBMIT, Permission.READ_OWN, Permission.READ_CATALOGUE}),
    Role.FRONT_DOOR: frozenset(
        {
            Permission.SUBMIT,
            Permission.READ_OWN,
            Permission.READ_ALL,
            Permission.OVERRIDE,
            Permission.READ_RULES,
            Permission.READ_CATALOGUE,
            Permission.PIN_RULESET,
            Permission.FIND_FAMILIES,
        }
    ),
    Role.POLICY_LEAD: frozenset(
        {
            Permission.READ_OWN,
            Permission.READ_ALL,
            Permission.READ_RULES,
            Permission.READ_CATALOGUE,
            Permission.PUBLISH,
            Permission.SIMULATE,
            Permission.APPRAISE,
            Permission.PIN_RULESET,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.READ_OWN,
            Permission.READ_ALL,
            Permission.READ_RULES,
            Permission.READ_CATALOGUE,
            Permission.READ_AUDIT,
            Permission.APPRAISE,
        }
    ),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]
