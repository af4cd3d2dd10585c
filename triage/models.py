"""The wire contract: a referral in, a decision out.

Field names follow `spec/referral-and-decision.md` and are a public interface: partners' systems
depend on them, so they are never renamed or dropped. Every model is strict and forbids unknown
fields, because a typo in a partner's payload (``attendence_pct``) must be refused, not silently
ignored while it changes a decision.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from triage.characters import FREE_TEXT, ONE_LINE, one_line
from triage.identity import NAME_LIMIT, AddressLine, DateOfBirth, Email, NhsNumber, PersonName, Phone, Sex, Upn
from triage.postcodes import outward_code

IDENTIFIER_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"

# Every string and number in the contract has a bound, stated in the README's table of fields: a
# value beyond any real case (a count of 10^309) is a partner's bug, and once recorded it would stay
# in the append-only log for every reader to trip over. Every string is ONE_LINE or FREE_TEXT, so
# no control character or unpaired surrogate reaches the audit hash.
POSTCODE_LIMIT, NARRATIVE_LIMIT, COUNT_LIMIT = 16, 20_000, 1_000  # "SW1A 1AA" is 8 characters; names: NAME_LIMIT
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN), ONE_LINE]
# The contract constrains referral ids; member ids only need to be unique within a referral.
MemberId = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]
Name = Annotated[str, Field(max_length=NAME_LIMIT), ONE_LINE]  # a person's name or role, or who gave consent


class _NullMeansDefaults:
    """A section sent as null (``"school": null``) means "nothing to report": its defaults.

    Used as ``Annotated[School, Section]``; the JSON schema says null is accepted, so partners'
    integrators (and the API's OpenAPI document) see what the intake really takes.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(lambda v: {} if v is None else v, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        section = handler(schema)
        return {"anyOf": [section, {"type": "null"}]} if handler.mode == "validation" else section


Section = _NullMeansDefaults()
Count = Annotated[int, Field(ge=0, le=COUNT_LIMIT)]  # incidents, exclusions, episodes: a household's, over months


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)", re.IGNORECASE)
_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _iso_text_only(value: Any) -> Any:
    """Accept only ISO 8601 text with a time zone (or a datetime, as YAML gives).

    Lax parsing would read ``0`` or ``"1767225600"`` as seconds since 1970 and decide the
    referral as if it arrived then.
    """
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value.strip()):
        raise ValueError("must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T10:15:00Z")
    return value


def _plausible_year(value: datetime) -> datetime:
    """A date far outside this century is a typo, and would overflow the working-day clock."""
    if not _EARLIEST <= value < _LATEST:
        raise ValueError("must be a date-time between the years 2000 and 2099")
    return value


Timestamp = Annotated[
    AwareDatetime,
    Field(strict=False),
    BeforeValidator(_iso_text_only),
    BeforeValidator(one_line),
    AfterValidator(_plausible_year),
]  # before validators: last first


class Contract(BaseModel):
    """Base for every contract model: strict types, unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Referrer(Contract):
    agency: Identifier
    name: Name | None = None
    role: Name | None = None
    email: Email | None = None
    phone: Phone | None = None

    @field_validator("agency")
    @classmethod
    def _known_agency(cls, agency: str, info: ValidationInfo) -> str:
        """Check against the catalogue's partner agencies when the caller supplies them.

        The list lives in the service catalogue (policy data), so it arrives as validation
        context rather than being written into this module.
        """
        known = (info.context or {}).get("agencies")
        if known is not None and agency not in known:
            raise ValueError(f"unknown agency {agency!r}; expected one of: {', '.join(sorted(known))}")
        return agency


class Consent(Contract):
    given: bool | None = None
    recorded_at: Timestamp | None = None
    by: Name | None = None


class Safeguarding(Contract):
    immediate_risk_of_harm: bool = False


class Housing(Contract):
    rent_arrears: bool = False
    problem_debt: bool = False
    eviction_risk: bool = False
    homeless: bool = False


class School(Contract):
    attendance_pct: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    fixed_term_exclusions_3_terms: Count | None = None
    permanently_excluded: bool = False
    alternative_provision: bool = False
    not_on_roll: bool = False


class Offending(Contract):
    proven_offence_12m: bool = False
    asb_intervention_12m: bool = False
    asb_incidents_12m: Count | None = None
    on_probation_or_licence: bool = False
    exploitation_risk: bool = False


class Employment(Contract):
    out_of_work_benefits: bool = False
    neet: bool = False


class DomesticAbuse(Contract):
    victim_12m: bool = False
    perpetrator_12m: bool = False
    marac_high_risk: bool = False


class Health(Contract):
    mental_health_concern: bool = False
    substance_misuse: bool = False
    physical_health_concern: bool = False
    development_concern_under5: bool = False


class SocialCare(Contract):
    child_in_need: bool = False
    child_protection_plan: bool = False
    young_carer: bool = False
    missing_episodes_12m: Count | None = None


Role = Literal["parent_carer", "child", "other_adult"]


class Member(Contract):
    id: MemberId
    role: Role
    age: Annotated[int, Field(ge=0, le=120)]
    # who the member is (triage.identity): never read by the rules
    given_name: PersonName | None = None
    family_name: PersonName | None = None
    date_of_birth: DateOfBirth | None = None
    sex: Sex | None = None
    nhs_number: NhsNumber | None = None
    upn: Upn | None = None  # unique pupil number
    school: Annotated[School, Section] = School()
    offending: Annotated[Offending, Section] = Offending()
    employment: Annotated[Employment, Section] = Employment()
    domestic_abuse: Annotated[DomesticAbuse, Section] = DomesticAbuse()
    health: Annotated[Health, Section] = Health()
    social_care: Annotated[SocialCare, Section] = SocialCare()

    @field_validator("age")
    @classmethod
    def _child_under_18(cls, age: int, info: ValidationInfo) -> int:
        """The contract's own rule (spec: "a child must be under 18"), not policy: the policy's
        dependent_child test (definitions/terms.yaml) is separate and can change on its own."""
        if info.data.get("role") == "child" and age >= 18:
            raise ValueError(
                f"a member with role 'child' must be under 18 (got {age}); use 'other_adult' or 'parent_carer'"
            )
        return age


class Household(Contract):
    postcode: Annotated[str, Field(max_length=POSTCODE_LIMIT), ONE_LINE]
    address_line_1: AddressLine | None = None
    address_line_2: AddressLine | None = None
    town: AddressLine | None = None
    housing: Annotated[Housing, Section] = Housing()
    members: Annotated[list[Member], Field(min_length=1, max_length=20)]

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, postcode: str) -> str:
        outward_code(postcode)  # raises ValueError with a readable reason
        return postcode

    @field_validator("members")
    @classmethod
    def _unique_member_ids(cls, members: list[Member]) -> list[Member]:
        seen: set[str] = set()
        for member in members:
            if member.id in seen:
                raise ValueError(
                    f"member id {member.id!r} appears more than once; ids must be unique within a referral"
                )
            seen.add(member.id)
        return members


class Referral(Contract):
    referral_id: Identifier
    received_at: Timestamp
    referrer: Referrer
    consent: Consent | None = None
    safeguarding: Annotated[Safeguarding, Section] = Safeguarding()
    household: Household
    narrative: Annotated[str, Field(max_length=NARRATIVE_LIMIT), FREE_TEXT] | None = None


# --- Decision (output) -------------------------------------------------------------------


class Evidence(Contract):
    """One indicator that holds, for one member (``member`` is null for household indicators)."""

    problem: str
    indicator: str
    member: str | None
    value: bool | int | float | str | None
    definition: str | None


class ModifierEvidence(Contract):
    """A need-score modifier that holds (counted once per household), with who it holds for."""

    modifier: str
    points: int
    members: list[str]


class RulesetRef(Contract):
    version: str
    sha256: str


class Decision(Contract):
    decision_id: str
    referral_id: str
    route: str
    locality: str | None
    priority: str
    respond_by: date
    problems: list[str]
    need_score: int
    also_refer: list[str]
    matched_rule: str
    reasons: list[str]
    evidence: list[Evidence]
    modifiers: list[ModifierEvidence]
    ruleset: RulesetRef
    decided_at: AwareDatetime
    # Added by this project (optional, so the spec's decision stays valid): why this ruleset
    # version decided, when several are installed (the one in force on the day received, or pinned).
    ruleset_selection: str | None = None

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Decision:
        """A decision read back from its JSON record (the audit log): dates arrive as text there,
        so it is validated without the strictness that guards incoming referrals."""
        return cls.model_validate(data, strict=False)
