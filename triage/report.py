"""Readable text for people: a decision explained, the ruleset as tables, the audit log as history, export rows and replays."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from triage.audit import AuditEvent
from triage.audit.events import decision_in
from triage.cases.teams import team_of
from triage.engine.compiler import CompiledPolicy
from triage.models import Decision
from triage.replay import Replay
from triage.rulebook.conditions import describe
from triage.rulebook.loader import Policy

if TYPE_CHECKING:  # only the types: ``triage decide`` imports this module, and must not pay for the database
    from triage.households.records import Entry, Found, HouseholdRecord


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def explain_decision(
    decision: Decision,
    policy: CompiledPolicy,
    reasons: list[str] | None = None,
    members: dict[str, str] | None = None,
) -> str:
    """The decision as a practitioner reads it: what to do, by when, and why (``reasons``: the
    decision's, with people named as the referral names them; ``members``: each member's id mapped
    to how to name them, so evidence never names someone by an id alone; see triage.naming)."""
    labels = members or {}
    service = policy.service_names.get(decision.route, decision.route)
    locality = f" - {decision.locality} locality" if decision.locality else ""
    lines = [
        f"Referral {decision.referral_id}",
        f"  Route:        {service} [{decision.route}]{locality}",
        f"  Priority:     {decision.priority}, respond by {decision.respond_by.isoformat()}",
        f"  Problems met: {', '.join(decision.problems) or 'none'} (need score {decision.need_score})",
        f"  Also refer:   {', '.join(decision.also_refer) or 'none'}",
        f"  Matched rule: {decision.matched_rule}",
        "",
        "Why:",
        *(f"  - {reason}" for reason in (decision.reasons if reasons is None else reasons)),
    ]
    if decision.evidence:
        lines += ["", "Evidence:"]
        lines += [
            f"  - {e.problem}/{e.indicator}: {labels.get(e.member, e.member) if e.member else 'household'} = {e.value}"
            + (f" ({e.definition})" if e.definition else "")
            for e in decision.evidence
        ]
    lines += [
        "",
        f"Ruleset {decision.ruleset.version} (sha256 {decision.ruleset.sha256[:12]}...), "
        f"decision {decision.decision_id} at {decision.decided_at.isoformat()}",
    ]
    return "\n".join(lines)


def ruleset_table(policy: Policy) -> str:
    """Every part of the active ruleset a policy lead would check, in the policy's order."""
    rules, catalogue = policy.rules, policy.catalogue
    sections = [
        f"Ruleset {rules.version} - {rules.policy}\nEffective from {rules.effective_from}; sha256 {policy.sha256}\n"
        + (f"Loaded from {policy.root}" if policy.root.is_dir() else "Published: loaded from the audit log's archive"),
        "Definitions\n"
        + _table(
            ["definition", "applies to", "test"],
            [
                [f"{d.id}@{d.version}", d.applies_to, describe(d.condition) if d.condition else "(prose)"]
                for d in policy.definitions.definitions
            ],
        ),
        "Problems (met when any indicator holds)\n"
        + _table(
            ["problem", "indicator", "who", "test"],
            [[p.id, x.id, x.who, describe(x.condition)] for p in rules.problems for x in p.indicators],
        ),
        f"Need score = {rules.need_score.points_per_problem} x problems met + modifiers\n"
        + _table(
            ["modifier", "points", "who", "test"],
            [[m.id, str(m.points), m.who, describe(m.condition)] for m in rules.need_score.modifiers],
        ),
        "Routing (first rule that holds wins)\n"
        + _table(
            ["order", "rule", "when", "route", "priority"],
            [
                [
                    str(i),
                    r.id,
                    "otherwise" if r.otherwise else describe(r.condition),
                    r.route + (f" (else {r.fallback})" if r.fallback else ""),
                    r.priority,
                ]
                for i, r in enumerate(rules.routing, start=1)
            ],
        ),
        "Specialist ranking (rule ranked_specialist)\n"
        + _table(
            ["rank", "service", "who", "test"],
            [[str(i), n.service, n.who, describe(n.condition)] for i, n in enumerate(rules.specialist_needs, start=1)],
        ),
        f"Also refer (not for: {', '.join(rules.also_refer.except_routes)})\n"
        + _table(
            ["rule", "service", "who", "test"],
            [[r.id, r.service, r.who, describe(r.condition)] for r in rules.also_refer.rules],
        ),
        "Priorities\n" + _table(["priority", "working days"], [[p.id, str(p.working_days)] for p in rules.priorities]),
        "Localities\n"
        + _table(
            ["locality", "team", "districts"], [[x.id, x.name, ", ".join(x.districts)] for x in catalogue.localities]
        ),
    ]
    return "\n\n".join(sections)


def audit_history(referral_id: str, events: list[AuditEvent]) -> str:
    """A referral's recorded history as an auditor reads it: what was decided, then who changed it."""
    lines = [f"Referral {referral_id}: {len(events)} event(s)"]
    for event in events:
        body = event.body
        if event.kind == "decision" and decision_in(body) is None:
            lines.append(
                f"  #{event.seq} {event.recorded_at} DECISION {event.decision_id}: recorded in a form "
                "this version cannot read"
            )
        elif event.kind == "decision":
            decision = body["decision"]
            lines.append(
                f"  #{event.seq} {event.recorded_at} DECISION {event.decision_id} by {body.get('caller')}: "
                f"{decision['route']} ({decision['priority']}, respond by {decision['respond_by']}), "
                f"rule {decision['matched_rule']}, ruleset {decision['ruleset']['version']}"
            )
            lines += [f"      - {reason}" for reason in decision["reasons"]]
        elif event.kind == "override":
            lines.append(
                f"  #{event.seq} {event.recorded_at} OVERRIDE of {body['overrides_decision']} by {body['by']}: "
                f"{body['previous_route']} -> {body['route']}; reason: {body['reason']}"
            )
        elif event.kind == "closed":
            lines.append(
                f"  #{event.seq} {event.recorded_at} CLOSED {body['closes_decision']} by {body['by']}: "
                f"reason: {body['reason']}"
            )
        elif event.kind in ("linked", "link_rejected", "unlinked"):
            lines.append(f"  #{event.seq} {event.recorded_at} {_link_line(event.kind, body)}")
        else:  # a kind this report does not know yet: still say it is there
            lines.append(f"  #{event.seq} {event.recorded_at} {event.kind.upper()}")
    return "\n".join(lines)


def _link_line(kind: str, body: dict[str, Any]) -> str:
    """A link event: one a front door worker confirmed (with the evidence they were shown), rejected,
    or undid (a link made by mistake)."""
    if kind == "link_rejected":
        return f"LINK REJECTED {body['rejects_link']} with {body['with']} by {body['by']}: reason: {body['reason']}"
    if kind == "unlinked":
        return (
            f"UNLINKED {body['unlinks_decision']} from {body['household_id']} by {body['by']}: reason: {body['reason']}"
        )
    return _linked(
        body["links_decision"],
        body["household_id"],
        body["with"],
        body.get("joined", ()),
        body.get("evidence", ()),
        body["by"],
        body["reason"],
    )


def _linked(
    decision_id: str,
    household_id: str,
    with_: str,
    joined: Sequence[str],
    evidence: Sequence[str],
    by: str,
    reason: str,
) -> str:
    """A confirmed link, as the audit history and a household's history both show it."""
    merged = "".join(f", joined {old}" for old in joined)
    shown = " | ".join(evidence) or "none (matching did not propose it)"
    return (
        f"LINKED {decision_id} into {household_id} (with {with_}{merged}) by {by}: "
        f"evidence: {shown}; reason: {reason or '(none given)'}"
    )


def search_table(found: Sequence[Found]) -> str:
    """What a front door search found, best first (people's names: for front door staff alone)."""
    if not found:
        return "Nothing found."
    rows = [
        [
            f.name or "(no name given)",
            f.date_of_birth.isoformat() if f.date_of_birth else "",
            f.postcode or "",
            f.household_id or "",
            f.decision_id,
            f.referred_on.isoformat(),
            "open" if f.open else "closed",
            f"{f.score:.2f}",
            "; ".join(f.reasons),
        ]
        for f in found
    ]
    return _table(["name", "born", "postcode", "household", "decision", "referred", "case", "score", "why"], rows)


def household_text(record: HouseholdRecord, requested: str) -> str:
    """A household's record as the front door reads it: who is in it, everything that happened, who referred."""
    merged = requested.strip().upper() != record.household_id
    lines = [f"Household {record.household_id}" + (f" (the id {requested} was merged into it)" if merged else "")]
    lines.append(f"Address: {', '.join(record.address) or 'not given'}")
    people = [
        [p.name or "(no name given)", p.role, "" if p.age_today is None else str(p.age_today)]
        + [p.date_of_birth.isoformat() if p.date_of_birth else "", p.nhs_number or "", p.upn or ""]
        for p in (*record.people, *record.unnamed)
    ]
    lines += ["", "People", _table(["name", "role", "age", "born", "NHS number", "UPN"], people)]
    lines += ["", "History (oldest first)", *(f"  {e.recorded_at} {_entry_line(e)}" for e in record.timeline)]
    contacts = [
        [c.received_on.isoformat() if c.received_on else "", c.agency, c.name or "", c.role or "", c.email or ""]
        + [c.phone or "", c.decision_id]
        for c in record.contacts
    ]
    lines += ["", "Referred by (latest first)"]
    lines.append(_table(["received", "agency", "name", "role", "email", "phone", "decision"], contacts))
    if record.erased:
        lines += ["", f"{record.erased} referral(s) past retention: their names and details were erased."]
    return "\n".join(lines)


def _entry_line(entry: Entry) -> str:
    """One line of a household's history."""
    if entry.override is not None:
        o = entry.override
        return f"OVERRIDE of {o.decision_id} by {o.by}: {o.previous_route} -> {o.route}; reason: {o.reason}"
    if entry.closing is not None:
        return f"CLOSED {entry.closing.decision_id} by {entry.closing.by}: reason: {entry.closing.reason}"
    if (link := entry.link) is not None:
        return _linked(
            link.decision_id, link.household_id, link.with_, link.joined, link.evidence, link.by, link.reason
        )
    case = entry.case
    return (
        f"REFERRAL {case.decision.referral_id} (decision {case.decision.decision_id}, from {case.caller}): "
        f"{case.decision.route} ({case.decision.priority}), team {team_of(case.decision.route, case.decision.locality)}"
    )


EXPORT_FIELDS = (
    "seq",
    "kind",
    "recorded_at",
    "referral_id",
    "decision_id",
    "route",
    "locality",
    "priority",
    "matched_rule",
    "reason",
    "by",
    "hash",
)


def export_record(event: AuditEvent) -> dict[str, Any]:
    """One event as an export row (every field of EXPORT_FIELDS, None where it does not apply).

    Chosen field by field, never the whole body: an export leaves the building, so it must not
    carry the referral payload (personal data), only what was decided and by whom.
    """
    body = event.body
    record: dict[str, Any] = dict.fromkeys(EXPORT_FIELDS)
    record.update(
        seq=event.seq,
        kind=event.kind,
        recorded_at=event.recorded_at,
        referral_id=event.referral_id,
        decision_id=event.decision_id,
        hash=event.hash,
    )
    if event.kind == "decision":  # .get throughout: a body an older version wrote exports what it has
        recorded = body.get("decision")
        decision: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
        record.update({name: decision.get(name) for name in ("route", "locality", "priority", "matched_rule")})
    elif event.kind == "override":
        record.update({name: body.get(name) for name in ("route", "locality", "reason", "by")})
    elif event.kind in ("closed", "linked", "link_rejected", "unlinked"):
        record.update(reason=body.get("reason"), by=body.get("by"))
    elif event.kind == "ruleset_loaded":
        record.update(by=body.get("by"))
    return record


def replay_report(replay: Replay, engine: str) -> str:
    """A replay's outcome: identical, or each differing field with its recorded and replayed value."""
    if replay.identical:
        return f"identical: decision {replay.decision_id} replayed with its archived ruleset ({engine} engine)"
    lines = [f"differs: decision {replay.decision_id} replayed with its archived ruleset ({engine} engine)"]
    for name, (recorded, replayed) in replay.differences.items():
        lines.append(
            f"  {name}: recorded {json.dumps(recorded, ensure_ascii=False)}, "
            f"replayed {json.dumps(replayed, ensure_ascii=False)}"
        )
    return "\n".join(lines)
