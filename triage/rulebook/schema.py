"""The shape of each policy folder, as pydantic models.

These models check types and required keys. Cross-references (does this rule name a real
service?) and conditions are checked afterwards by ``triage.rulebook.loader``. A ``when`` or
``test`` stays as the YAML gave it; the loader attaches the parsed ``Condition`` beside it, read
through ``.condition``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

from triage.rulebook.conditions import Condition

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
District = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")]


class Spec(BaseModel):
    """Strict: a misspelt key in a rule file is an error, not a silently ignored line."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Conditioned(Spec):
    """A part of the policy with a test written in the condition language."""

    _condition: Condition | None = PrivateAttr(default=None)

    @property
    def condition(self) -> Condition | None:
        """The parsed test (None for a prose definition or a catch-all routing rule)."""
        return self._condition

    def attach(self, condition: Condition | None) -> None:
        """Called by the loader once the raw test has been checked and parsed."""
        self._condition = condition


# --- definitions/ ------------------------------------------------------------------------


class Definition(Conditioned):
    id: Id
    label: Text
    version: Annotated[int, Field(ge=1)]
    applies_to: Literal["member", "prose"]
    policy_ref: Text
    text: Text
    test: Any = None  # as written; parsed into .condition by the loader


class DefinitionsFolder(Spec):
    definitions: list[Definition]


# --- rules/ ------------------------------------------------------------------------------


class MemberTest(Conditioned):
    """Common to every rule that looks at members: who it looks at and what must hold."""

    who: Id
    when: Any  # required (a rule with no test would hold for everyone); parsed into .condition


class Indicator(MemberTest):
    id: Id
    reason: Text
    evidence_field: str | None = None


class Problem(Spec):
    id: Id
    label: Text
    policy_ref: Text
    indicators: Annotated[list[Indicator], Field(min_length=1)]


class Modifier(MemberTest):
    id: Id
    points: int
    reason: Text


class NeedScore(Spec):
    points_per_problem: int
    modifiers: list[Modifier]


class RoutingRule(Conditioned):
    id: Id
    policy_ref: Text
    when: Any = None  # a household condition as written; parsed into .condition
    otherwise: bool = False
    route: Id
    fallback: Id | None = None
    fallback_reason: Text | None = None
    priority: Id
    reason: Text


class SpecialistNeed(MemberTest):
    service: Id


class AlsoReferRule(MemberTest):
    id: Id
    service: Id
    reason: Text


class AlsoRefer(Spec):
    except_routes: list[Id]
    rules: list[AlsoReferRule]


class InvariantThen(Spec):
    """What every decision for a referral an invariant describes must have (at least one of these)."""

    route: Id | None = None
    route_in: Annotated[list[Id], Field(min_length=1)] | None = None
    route_not_in: Annotated[list[Id], Field(min_length=1)] | None = None
    priority: Id | None = None
    locality_for_routes: Annotated[list[Id], Field(min_length=1)] | None = None  # a locality iff the route is one


class Invariant(Conditioned):
    """A guarantee the routing must keep whatever else changes (rules/invariants.yaml)."""

    id: Id
    statement: Text
    policy_ref: Text
    when: Any = None  # a household condition as written (parsed into .condition); none: every referral
    then: InvariantThen
    _where: str = PrivateAttr(default="rules")

    @property
    def where(self) -> str:
        """``file:line`` of the invariant, for the message that says it is broken."""
        return self._where

    def locate(self, where: str) -> None:
        """Called by the loader, which knows the file and line."""
        self._where = where


class ChangelogEntry(Spec):
    version: str
    date: date
    summary: Text


class Calendar(Spec):
    country: Text
    subdivisions: list[Text]
    timezone: Text


class Priority(Spec):
    id: Id
    label: Text
    working_days: Annotated[int, Field(ge=0)]
    policy_ref: Text


class Wording(Spec):
    """How reasons name people: ``member`` is a template with {role}, {id} and {age};
    ``named_member``, with {given_name}, {family_name}, {role} and {age}, is how a member whose
    name the referral gives is shown to front door staff (the rules never see names)."""

    member: Text
    named_member: Text | None = None
    roles: dict[str, Text]
    household: Text
    no_problems: Text


class Intake(Spec):
    """How referrals sent over the API or entered on the web pages are checked on arrival."""

    received_within_days: Annotated[int, Field(ge=1, le=3660)] = 90


class Households(Spec):
    """How the front door is told a family has been referred before."""

    # a household referred again within this many months of an earlier referral is flagged
    re_referral_months: Annotated[int, Field(ge=1, le=120)] = 12


class RulesFolder(Spec):
    version: Annotated[str, StringConstraints(min_length=1)]
    effective_from: date
    effective_to: date | None = None  # the last day it is in force; none: until a later version takes over
    policy: Text
    min_test_coverage: Annotated[float, Field(ge=0, le=100)] = 100.0  # % publishing requires of the rule tests
    changelog: Annotated[list[ChangelogEntry], Field(min_length=1)]
    calendar: Calendar
    priorities: Annotated[list[Priority], Field(min_length=1)]
    wording: Wording
    intake: Intake = Intake()  # optional: rulesets written before it get the defaults
    households: Households = Households()  # optional, as intake
    problems: Annotated[list[Problem], Field(min_length=1)]
    need_score: NeedScore
    routing: Annotated[list[RoutingRule], Field(min_length=1)]
    specialist_needs: list[SpecialistNeed]
    invariants: list[Invariant] = []  # checked at publish; part of the ruleset (and its hash)
    also_refer: AlsoRefer


# --- service_catalogue/ ------------------------------------------------------------------


class Capacity(Spec):
    key_workers: Annotated[int, Field(ge=0)]
    caseload_per_worker: Annotated[int, Field(ge=1)]


class Service(Spec):
    id: Id
    name: Text
    kind: Literal["service", "outcome"]
    tier: Literal["universal", "early_help", "targeted", "specialist", "statutory"] | None = None
    lead_agency: Text | None = None
    offers: Text
    coverage: Literal["city_wide", "localities"] | None = None
    capacity: Capacity | None = None
    response_target: Text
    unit_cost_gbp: Annotated[float, Field(ge=0)] | None = None


class Locality(Spec):
    id: Id
    name: Text
    districts: Annotated[list[District], Field(min_length=1)]


class Agency(Spec):
    id: Id
    name: Text


class CatalogueFolder(Spec):
    services: Annotated[list[Service], Field(min_length=1)]
    localities: Annotated[list[Locality], Field(min_length=1)]
    partner_agencies: Annotated[list[Agency], Field(min_length=1)]
