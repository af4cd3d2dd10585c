"""What the API sends and accepts besides the contract's referral and decision (triage.models)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from triage.api.problems import Problem
from triage.cases import REASON_LIMIT
from triage.cases.history import Closing, Override
from triage.characters import FREE_TEXT, ONE_LINE
from triage.engine import Engine
from triage.engine.library import RulesetLibrary
from triage.models import Decision
from triage.rulebook.schema import Locality, Service

BATCH_LIMIT = 500


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD: lax parsing would read ``until=0`` as 1970-01-01 (seconds since the epoch)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD, e.g. 2026-11-30")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class Page(BaseModel):
    """One page of a list; ``next`` is the URL of the next page, null on the last."""

    next: str | None


class DecisionPage(Page):
    items: list[Decision]
    unreadable: int = Field(
        0,
        description="Decisions on this page recorded in a form this version cannot read "
        "(written by an older version): left out of ``items``.",
    )


# a practitioner's reason, as overrides and closed cases record it: required, free text (a textarea's lines kept)
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_LIMIT), FREE_TEXT]


class OverrideRequest(BaseModel):
    """A practitioner's new route for a decision, and why."""

    model_config = ConfigDict(extra="forbid", strict=True)

    route: Annotated[str, Field(min_length=1, max_length=64, description="A service id from the catalogue."), ONE_LINE]
    reason: Annotated[Reason, Field(description="Why the engine's route is not right for this family (required).")]


class OverrideRecord(BaseModel):
    seq: int
    recorded_at: str
    decision_id: str
    route: str
    previous_route: str = Field(
        description="The route as it stood before this override: the decision's, "
        "or an earlier override's (overrides recorded before 27 November "
        "2026 carry the decision's route)."
    )
    reason: str
    by: str

    @classmethod
    def of(cls, override: Override) -> OverrideRecord:
        return cls(
            seq=override.seq,
            recorded_at=override.recorded_at,
            decision_id=override.decision_id,
            route=override.route,
            previous_route=override.previous_route,
            reason=override.reason,
            by=override.by,
        )


class CloseRequest(BaseModel):
    """Closing a decision's case: the front door has finished with it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reason: Annotated[Reason, Field(description="Why the front door has finished with it (required).")]


class ClosedRecord(BaseModel):
    """A decision's case closed: when, by whom and why (the event's place in the log is ``seq``)."""

    seq: int
    recorded_at: str
    decision_id: str
    reason: str
    by: str

    @classmethod
    def of(cls, closing: Closing) -> ClosedRecord:
        return cls(
            seq=closing.seq,
            recorded_at=closing.recorded_at,
            decision_id=closing.decision_id,
            reason=closing.reason,
            by=closing.by,
        )


class DecisionHistory(BaseModel):
    """A decision as recorded, every override of it (oldest first), and the route it stands at now."""

    decision: Decision
    recorded_at: str
    caller: str
    overrides: list[OverrideRecord]
    current_route: str
    closed: ClosedRecord | None = Field(
        default=None, description="Set once the case is closed: it has left the queue and the team load."
    )


class BatchItem(BaseModel):
    """One referral's result: 201 decided now, 200 decided before (the recorded decision), or a
    problem (403, 409, 422) for that referral alone."""

    index: int
    status: Literal[200, 201, 403, 409, 422, 500]
    decision: Decision | None = None
    problem: Problem | None = None


class BatchResult(BaseModel):
    results: list[BatchItem]


class RulesetSummary(BaseModel):
    version: str
    sha256: str


class ActiveRuleset(RulesetSummary):
    effective_from: date
    effective_to: date | None = None

    @classmethod
    def of(cls, engine: Engine) -> ActiveRuleset:
        rules = engine.policy.rules
        return cls(
            version=rules.version,
            sha256=engine.policy.sha256,
            effective_from=rules.effective_from,
            effective_to=rules.effective_to,
        )


class RulesetsToday(BaseModel):
    """Which installed version is the rules today, and which are published to take effect later."""

    in_force: ActiveRuleset = Field(description="The version in force today (Europe/London): the rules now.")
    scheduled: list[ActiveRuleset] = Field(
        description="Versions installed to take effect after today, soonest "
        "first; each decides referrals received from its date."
    )

    @staticmethod
    def of(library: RulesetLibrary) -> dict[str, Any]:
        """The two fields for the installed versions, as of today in the city's time zone."""
        today = library.today(datetime.now(UTC))
        return {
            "in_force": ActiveRuleset.of(library.in_force_on(today)),
            "scheduled": [ActiveRuleset.of(engine) for engine in library.scheduled_after(today)],
        }


class ArchivedRulesetOut(RulesetSummary):
    stored_at: str


class RulesetList(RulesetsToday):
    """The rulesets installed (the one in force today, those scheduled), and every ruleset that has
    decided anything here."""

    installed: list[ActiveRuleset]
    archived: list[ArchivedRulesetOut]


class RulesetDetail(RulesetSummary):
    active: bool = Field(description="Installed here (deciding the referrals received while it is in force).")
    content: dict[str, Any] = Field(description="The ruleset's files as data: definitions, rules, service catalogue.")


class RulesetUpload(BaseModel):
    """A ruleset to publish: each file of its policy folder, by path, as YAML text."""

    model_config = ConfigDict(extra="forbid", strict=True)

    files: Annotated[
        dict[str, str],
        Field(
            min_length=1,
            max_length=200,
            description="Path within the policy folder -> YAML text: definitions/*.yaml, rules/*.yaml, "
            "rules/tests/*.yaml (the rule tests, run before publishing), service_catalogue/*.yaml.",
            examples=[{"rules/ruleset.yaml": 'version: "2026.2"\n...', "rules/tests/routing.yaml": "cases: ..."}],
        ),
    ]


class SimulationRequest(RulesetUpload):
    """A candidate ruleset to try against the referrals recorded in the audit log."""

    since: IsoDay | None = Field(None, description="Only referrals decided on or after this UTC day.")
    sample: Annotated[int, Field(ge=0, le=50)] = 10


class PublishedRuleset(RulesetSummary):
    effective_from: date
    effective_to: date | None
    already_published: bool = Field(description="True when this exact ruleset was published before: nothing changed.")
    tests_passed: int
    coverage_percent: float
    invariants_held: int = Field(description="Safeguarding invariants checked, all holding.")
    generated_referrals: int = Field(description="Generated referrals the invariants were checked against.")


class DefinitionOut(BaseModel):
    id: str
    label: str
    version: int
    applies_to: str
    policy_ref: str
    text: str
    test: Any = Field(None, description="The measurable test, where the definition has one, in the rule language.")


class Catalogue(BaseModel):
    services: list[Service]
    localities: list[Locality]


class AuditEventOut(BaseModel):
    """An audit event as exported: what was decided or changed and by whom, never the referral."""

    seq: int
    kind: str
    recorded_at: str
    referral_id: str | None
    decision_id: str | None
    route: str | None
    priority: str | None
    matched_rule: str | None
    reason: str | None
    by: str | None
    hash: str


class AuditEventPage(Page):
    items: list[AuditEventOut]


class VerificationOut(BaseModel):
    events: int
    ok: bool
    first_bad_seq: int | None
    problem: str | None
    checkpoints: int = Field(0, description="Checkpoints (kept outside the database) the log was proved to hold.")


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(RulesetsToday):
    status: Literal["ready"]
    database: Literal["ok"]
