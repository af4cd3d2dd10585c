"""The reference triage policy (edition 2026.1), hand-written as plain if/else Python.

This is the *speed reference* for the engine benchmark and an *independent check* of the YAML
rule set: it is written directly from the reference policy document (edition 2026.1), section by
section, without the rule files, the rule compiler or ``triage.engine``. It reuses only what a
hand-written service would reuse as well: contract validation (``triage.intake.parse_referral``)
and the working-day calendar (``triage.calendar.WorkingCalendar``).

As a pipeline equivalent to ``triage batch`` (read JSONL, validate, decide, write JSONL):

    python benchmarks/reference_policy.py IN.jsonl -o OUT.jsonl [--sha256 HASH]

Each output line has the same fields as the engine's decision (decision_id, referral_id, route,
locality, priority, respond_by, problems, need_score, also_refer, matched_rule, reasons, evidence,
modifiers, ruleset, decided_at); a line that fails validation gets the same error record.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from triage.calendar import WorkingCalendar
from triage.intake import InvalidReferral, load_text, parse_referral
from triage.models import Member, Referral

VERSION = "2026.1"

# Spec: the catalogue's partner agencies.
AGENCIES = frozenset(
    (
        "school",
        "police",
        "health",
        "housing",
        "social_care",
        "dwp",
        "youth_justice",
        "voluntary_sector",
        "self_referral",
        "other",
    )
)

# §7 localities (MAST teams); any other district is out of area.
LOCALITY = {d: "north" for d in ("S3", "S5", "S6", "S35", "S36")}
LOCALITY.update({d: "east" for d in ("S2", "S4", "S9", "S12", "S13", "S14", "S20")})
LOCALITY.update({d: "west" for d in ("S1", "S7", "S8", "S10", "S11", "S17")})

# §6 priorities: working days after received_at.
WORKING_DAYS = {"immediate": 0, "high": 5, "standard": 10}

# §2 table order.
PROBLEM_ORDER = (
    "crime_asb",
    "school_attendance",
    "children_need_help",
    "worklessness_finance",
    "domestic_abuse",
    "health",
)
PROBLEM_LABEL = {
    "crime_asb": "Crime and anti-social behaviour",
    "school_attendance": "School attendance and exclusion",
    "children_need_help": "Children who need help",
    "worklessness_finance": "Worklessness and financial exclusion",
    "domestic_abuse": "Domestic abuse",
    "health": "Health",
}
ROLE_WORD = {"child": "Child", "parent_carer": "Parent/carer", "other_adult": "Other adult"}

# Definition citations (id@version) carried by evidence.
ANY, DEP, SCHOOL, ADULT, YOUNG = "any_member@1", "dependent_child@1", "school_age_child@1", "adult@1", "young_person@1"
PERSISTENT, SEVERE = "persistent_absence@1", "severe_absence@1"


def district(postcode: str) -> str:
    """§7: the outward code of a postcode (validation has already accepted its shape)."""
    text = postcode.strip().upper()
    parts = text.split()
    if len(parts) > 1:
        return parts[0]
    if len(text) >= 5:
        return text[:-3]
    return text


def _name(member: Member | None) -> str:
    if member is None:
        return "The household"
    return f"{ROLE_WORD[member.role]} {member.id} (age {member.age})"


def _names(members: list[Member | None]) -> str:
    return ", ".join(_name(m) for m in members)


def evaluate(referral: Referral) -> dict[str, Any]:
    """Apply the policy to one validated referral; everything in the decision except dates and ids."""
    household = referral.household
    housing = household.housing
    members = household.members

    # --- §2 indicators, per member, in one pass ---------------------------------------------------
    # Each list holds the members (in referral order) for whom the indicator holds.
    proven, asb_int, asb_inc, probation, exploit = [], [], [], [], []
    pa, fte, perm, altp, noroll = [], [], [], [], []
    cin, carer, missing2, dev5, child_exploit = [], [], [], [], []
    oowb, neet = [], []
    victim, perp, marac = [], [], []
    mh, subst, phys = [], [], []
    # §3 modifiers and §5 also-refer (member-level)
    severe, child_offence, parent_subst, missing3 = [], [], [], []
    adult_subst, child_mh = [], []
    dependent_children: list[Member] = []

    for m in members:
        age = m.age
        off, sch, care, hlth, da, emp = m.offending, m.school, m.social_care, m.health, m.domestic_abuse, m.employment
        is_dependent = m.role == "child" and age < 18
        is_school_age = is_dependent and 5 <= age <= 15
        is_adult = age >= 18
        is_young = 16 <= age <= 24
        if is_dependent:
            dependent_children.append(m)

        # crime_asb: any member
        if off.proven_offence_12m:
            proven.append(m)
        if off.asb_intervention_12m:
            asb_int.append(m)
        if off.asb_incidents_12m is not None and off.asb_incidents_12m >= 3:
            asb_inc.append(m)
        if off.on_probation_or_licence:
            probation.append(m)
        if off.exploitation_risk:
            exploit.append(m)

        # school_attendance: school-age children
        if is_school_age:
            attendance = sch.attendance_pct
            if attendance is not None and attendance <= 90:
                pa.append(m)
            if attendance is not None and attendance <= 50:
                severe.append(m)
            if sch.fixed_term_exclusions_3_terms is not None and sch.fixed_term_exclusions_3_terms >= 3:
                fte.append(m)
            if sch.permanently_excluded:
                perm.append(m)
            if sch.alternative_provision:
                altp.append(m)
            if sch.not_on_roll:
                noroll.append(m)

        # children_need_help: dependent children
        if is_dependent:
            if care.child_in_need:
                cin.append(m)
            if care.young_carer:
                carer.append(m)
            if care.missing_episodes_12m is not None and care.missing_episodes_12m >= 2:
                missing2.append(m)
            if care.missing_episodes_12m is not None and care.missing_episodes_12m >= 3:
                missing3.append(m)
            if hlth.development_concern_under5 and age < 5:
                dev5.append(m)
            if off.exploitation_risk:
                child_exploit.append(m)
            if off.proven_offence_12m:
                child_offence.append(m)
            if hlth.mental_health_concern:
                child_mh.append(m)

        # worklessness_finance: adults and young people
        if is_adult and emp.out_of_work_benefits:
            oowb.append(m)
        if is_young and emp.neet:
            neet.append(m)

        # domestic_abuse: any member
        if da.victim_12m:
            victim.append(m)
        if da.perpetrator_12m:
            perp.append(m)
        if da.marac_high_risk:
            marac.append(m)

        # health: any member; physical health for adults
        if hlth.mental_health_concern:
            mh.append(m)
        if hlth.substance_misuse:
            subst.append(m)
            if m.role == "parent_carer":
                parent_subst.append(m)
            if is_adult:
                adult_subst.append(m)
        if is_adult and hlth.physical_health_concern:
            phys.append(m)

    # --- evidence and reasons, in the policy's order ---------------------------------------------
    evidence: list[dict[str, Any]] = []
    reasons: list[str] = []

    def add(
        problem: str, indicator: str, holders: list[Member], definition: str, what: str, value_of: Any = None
    ) -> None:
        for m in holders:
            value = True if value_of is None else value_of(m)
            evidence.append(
                {"problem": problem, "indicator": indicator, "member": m.id, "value": value, "definition": definition}
            )
            reasons.append(f"{_name(m)} {what.format(value=value)}")

    def add_household(problem: str, indicator: str, holds: bool, what: str) -> None:
        if holds:
            evidence.append(
                {"problem": problem, "indicator": indicator, "member": None, "value": True, "definition": None}
            )
            reasons.append(f"The household {what}")

    add("crime_asb", "proven_offence_12m", proven, ANY, "has a proven offence in the last 12 months")
    add(
        "crime_asb",
        "asb_intervention_12m",
        asb_int,
        ANY,
        "has had an anti-social behaviour intervention in the last 12 months",
    )
    add(
        "crime_asb",
        "asb_incidents_12m",
        asb_inc,
        ANY,
        "was involved in {value} anti-social behaviour incidents in the last 12 months",
        lambda m: m.offending.asb_incidents_12m,
    )
    add("crime_asb", "on_probation_or_licence", probation, ANY, "is on probation or licence")
    add("crime_asb", "exploitation_risk", exploit, ANY, "is at risk of criminal or sexual exploitation")
    add(
        "school_attendance",
        "persistent_absence",
        pa,
        PERSISTENT,
        "attended {value}% of sessions, at or below the persistent absence threshold",
        lambda m: m.school.attendance_pct,
    )
    add(
        "school_attendance",
        "fixed_term_exclusions_3_terms",
        fte,
        SCHOOL,
        "has had {value} fixed-term exclusions in the last three terms",
        lambda m: m.school.fixed_term_exclusions_3_terms,
    )
    add("school_attendance", "permanently_excluded", perm, SCHOOL, "has been permanently excluded from school")
    add("school_attendance", "alternative_provision", altp, SCHOOL, "is in alternative provision")
    add("school_attendance", "not_on_roll", noroll, SCHOOL, "is not on a school roll")
    add("children_need_help", "child_in_need", cin, DEP, "is a child in need")
    add("children_need_help", "young_carer", carer, DEP, "is a young carer")
    add(
        "children_need_help",
        "missing_episodes_12m",
        missing2,
        DEP,
        "has been missing {value} times in the last 12 months",
        lambda m: m.social_care.missing_episodes_12m,
    )
    add("children_need_help", "development_concern_under5", dev5, DEP, "has a development concern and is under 5")
    add("children_need_help", "exploitation_risk", child_exploit, DEP, "is a child at risk of exploitation")
    add("worklessness_finance", "out_of_work_benefits", oowb, ADULT, "receives out-of-work benefits")
    add("worklessness_finance", "neet", neet, YOUNG, "is a young person not in education, employment or training")
    add_household("worklessness_finance", "rent_arrears", housing.rent_arrears, "is in rent arrears")
    add_household("worklessness_finance", "problem_debt", housing.problem_debt, "has problem debt")
    add_household("worklessness_finance", "eviction_risk", housing.eviction_risk, "is at risk of eviction")
    add("domestic_abuse", "victim_12m", victim, ANY, "has been a victim of domestic abuse in the last 12 months")
    add("domestic_abuse", "perpetrator_12m", perp, ANY, "has perpetrated domestic abuse in the last 12 months")
    add("domestic_abuse", "marac_high_risk", marac, ANY, "is a high-risk domestic abuse case heard at MARAC")
    add("health", "mental_health_concern", mh, ANY, "has a mental health concern")
    add("health", "substance_misuse", subst, ANY, "misuses drugs or alcohol")
    add("health", "physical_health_concern", phys, ADULT, "is an adult with a physical health concern")

    # --- problems met (§2) -----------------------------------------------------------------------
    problems: list[str] = []
    if proven or asb_int or asb_inc or probation or exploit:
        problems.append("crime_asb")
    if pa or fte or perm or altp or noroll:
        problems.append("school_attendance")
    if cin or carer or missing2 or dev5 or child_exploit:
        problems.append("children_need_help")
    if oowb or neet or housing.rent_arrears or housing.problem_debt or housing.eviction_risk:
        problems.append("worklessness_finance")
    if victim or perp or marac:
        problems.append("domestic_abuse")
    if mh or subst or phys:
        problems.append("health")

    # --- need score (§3) ---------------------------------------------------------------------------
    modifiers: list[dict[str, Any]] = []
    need_score = 10 * len(problems)
    if marac:
        need_score += 15
        modifiers.append({"modifier": "marac_high_risk", "points": 15, "members": [m.id for m in marac]})
        reasons.append(f"Need score +15: {_names(marac)} is a high-risk domestic abuse case heard at MARAC")
    if severe:
        need_score += 10
        modifiers.append({"modifier": "severe_absence", "points": 10, "members": [m.id for m in severe]})
        reasons.append(f"Need score +10: {_names(severe)} is severely absent from school (definition {SEVERE})")
    if perm:
        need_score += 10
        modifiers.append({"modifier": "permanently_excluded", "points": 10, "members": [m.id for m in perm]})
        reasons.append(f"Need score +10: {_names(perm)} has been permanently excluded")
    if housing.eviction_risk:
        need_score += 10
        modifiers.append({"modifier": "eviction_risk", "points": 10, "members": []})
        reasons.append("Need score +10: The household is at risk of eviction")
    if child_offence:
        need_score += 10
        modifiers.append({"modifier": "child_proven_offence", "points": 10, "members": [m.id for m in child_offence]})
        reasons.append(
            f"Need score +10: {_names(child_offence)} is a child with a proven offence in the last 12 months"
        )
    if parent_subst:
        need_score += 10
        modifiers.append({"modifier": "parent_substance_misuse", "points": 10, "members": [m.id for m in parent_subst]})
        reasons.append(f"Need score +10: {_names(parent_subst)} is a parent or carer who misuses drugs or alcohol")
    if missing3:
        need_score += 10
        modifiers.append({"modifier": "child_missing_3plus", "points": 10, "members": [m.id for m in missing3]})
        reasons.append(f"Need score +10: {_names(missing3)} has been missing 3 or more times in the last 12 months")
    if housing.homeless:
        need_score += 10
        modifiers.append({"modifier": "homeless", "points": 10, "members": []})
        reasons.append("Need score +10: The household is homeless")

    # --- routing (§4): first rule that matches wins ------------------------------------------------
    the_district = district(household.postcode)
    locality_of_area = LOCALITY.get(the_district)
    risk_of_harm = referral.safeguarding.immediate_risk_of_harm is True
    consent_given = referral.consent is not None and referral.consent.given is True
    cpp = [m for m in dependent_children if m.social_care.child_protection_plan]
    met = len(problems)
    problem_labels = ", ".join(PROBLEM_LABEL[p] for p in problems) or "none"

    if locality_of_area is None:
        rule, route, priority = "out_of_area", "out_of_area", "standard"
        route_reason = (
            f"Postcode district {the_district} is not covered by the city's services: "
            "return to the referrer to refer to the home authority"
        )
    elif cpp or (risk_of_harm and dependent_children):
        rule, route, priority = "safeguarding", "childrens_social_care", "immediate"
        route_reason = f"A child may be at risk of harm ({_names(cpp or dependent_children)}): refer to children's social care today"
    elif risk_of_harm:
        rule, route, priority = "adult_safeguarding", "adult_social_care", "immediate"
        route_reason = "An adult may be at immediate risk of harm in a household with no dependent child: refer to adult social care today"
    elif not dependent_children:
        rule, priority = "no_dependent_children", "standard"
        if victim or perp or marac:
            route = "domestic_abuse_service"
        elif subst:
            route = "drug_alcohol_service"
        elif mh:
            route = "adult_mental_health"
        elif housing.eviction_risk or housing.homeless or housing.rent_arrears:
            route = "housing_solutions"
        elif any(m.employment.out_of_work_benefits or m.employment.neet for m in members):
            route = "employment_support"
        else:
            route = "universal_signpost"
        route_reason = f"No dependent child lives in the household: route to {route}"
    elif not consent_given:
        rule, route, priority = "consent", "consent_required", "standard"
        route_reason = "Informed consent to early help has not been recorded: return to the referrer to obtain it"
    elif met >= 3 or (met >= 2 and need_score >= 40):
        rule, route, priority = "bsf_intensive", "bsf", "high"
        route_reason = (
            f"{met} headline problems met ({problem_labels}) with need score {need_score}: Building Successful Families"
        )
    elif met >= 1:
        rule, route, priority = "mast_early_help", "mast", "standard"
        route_reason = (
            f"{met} headline problem met ({problem_labels}) with need score {need_score}: MAST {locality_of_area} team"
        )
    else:
        rule, route, priority = "below_threshold", "universal_signpost", "standard"
        route_reason = "No headline problem is met: signpost the household to universal services"

    locality = locality_of_area if route == "mast" else None

    # --- also-refer (§5) ---------------------------------------------------------------------------
    also: list[str] = []
    if route not in ("out_of_area", "consent_required"):
        wanted = set()
        if marac:
            wanted.add("domestic_abuse_service")
            reasons.append(
                f"Also refer to the domestic abuse service: {_names(marac)} is a high-risk case heard at MARAC"
            )
        if child_offence:
            wanted.add("youth_justice_service")
            reasons.append(
                f"Also refer to the youth justice service: {_names(child_offence)} is a child with a proven offence"
            )
        if adult_subst:
            wanted.add("drug_alcohol_service")
            reasons.append(
                f"Also refer to the drug and alcohol service: {_names(adult_subst)} misuses drugs or alcohol"
            )
        if child_mh:
            wanted.add("camhs")
            reasons.append(f"Also refer to CAMHS: {_names(child_mh)} is a child with a mental health concern")
        if housing.eviction_risk or housing.homeless:
            wanted.add("housing_solutions")
            reasons.append("Also refer to housing solutions: The household is at risk of eviction or homeless")
        wanted.discard(route)
        also = sorted(wanted)

    return {
        "route": route,
        "locality": locality,
        "priority": priority,
        "problems": problems,
        "need_score": need_score,
        "also_refer": also,
        "matched_rule": rule,
        "reasons": [route_reason, *reasons],
        "evidence": evidence,
        "modifiers": modifiers,
    }


class ReferenceTriage:
    """The hand-written policy plus what a decision needs around it (calendar, ids, ruleset)."""

    def __init__(self, sha256: str = "") -> None:
        self.calendar = WorkingCalendar("GB", ["ENG", "WLS"], "Europe/London")
        self.ruleset = {"version": VERSION, "sha256": sha256}

    def respond_by(self, referral: Referral, priority: str) -> date:
        return self.calendar.respond_by(referral.received_at, WORKING_DAYS[priority])

    def decide(self, referral: Referral) -> dict[str, Any]:
        outcome = evaluate(referral)
        return {
            "decision_id": uuid.uuid4().hex,
            "referral_id": referral.referral_id,
            "route": outcome["route"],
            "locality": outcome["locality"],
            "priority": outcome["priority"],
            "respond_by": self.respond_by(referral, outcome["priority"]).isoformat(),
            "problems": outcome["problems"],
            "need_score": outcome["need_score"],
            "also_refer": outcome["also_refer"],
            "matched_rule": outcome["matched_rule"],
            "reasons": outcome["reasons"],
            "evidence": outcome["evidence"],
            "modifiers": outcome["modifiers"],
            "ruleset": self.ruleset,
            "decided_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }

    def decide_line(self, number: int, line: str) -> str:
        """One output line for one input line, as ``triage batch`` writes it."""
        referral_id = None
        try:
            data = load_text(line)
            if isinstance(data, dict) and isinstance(data.get("referral_id"), str):
                referral_id = data["referral_id"]
            return json.dumps(self.decide(parse_referral(data, AGENCIES)), separators=(",", ":"))
        except InvalidReferral as error:
            return json.dumps(
                {
                    "line": number,
                    "referral_id": referral_id,
                    "error": str(error),
                    "errors": [{"path": e.path, "reason": e.reason} for e in error.errors],
                }
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hand-written reference policy as a batch pipeline.")
    parser.add_argument("source", type=Path, help="referrals, one JSON object per line")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--sha256", default="", help="ruleset hash to stamp on decisions")
    args = parser.parse_args(argv)
    triage = ReferenceTriage(args.sha256)
    count = 0
    with args.source.open(encoding="utf-8") as incoming, args.output.open("w", encoding="utf-8") as out:
        for number, line in enumerate(incoming, start=1):
            out.write(triage.decide_line(number, line.rstrip("\n")) + "\n")
            count += 1
    print(f"{count} lines decided -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
