"""Test data shared by several test files (plain values and functions; no tests, no fixtures).

Importable as ``support``: pyproject.toml puts ``tests`` on ``pythonpath`` (pytest imports test
files with ``--import-mode=importlib``, so they cannot import one another). conftest.py wraps what
a test should receive as a fixture (e.g. ``referral`` returns ``build_referral``).

- Member builders ``member`` / ``parent`` / ``child`` / ``other``: one household member each.
- ``BASE_REFERRAL`` / ``build_referral``: a small valid referral and changes to it.
- ``TEST_NOW``: when the test apps (API, pages) take it to be: just after those referrals arrived.
- ``SPEC_EXAMPLE``: the wire contract's example referral ("R-2026-000123"), verbatim.
- ``TINY_COSTS`` / ``tiny_costs``: cost-benefit data small enough to work out by hand.
- ``STAFF_PASSWORD``, ``csrf_token_in``, ``signed_in_browser``: signing in to the web pages;
  ``every_route``: an app's routes, those of included routers too.
- The policy's fixed vocabularies, written from the policy text (not read from the rulebook):
  ``AGENCIES``, ``POLICY_ORDER``, ``ROUTING_RULE_IDS``, ``RULE_4_ROUTES`` and the member / housing
  field names the referral generators draw from.

The module-level dicts and lists are shared by every test that imports them: copy before changing
one (``build_referral`` does so itself).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

# --- household members ------------------------------------------------------------------------


def member(id: str, role: str, age: int, **sections: Any) -> dict[str, Any]:
    """One household member: ``id``, ``role``, ``age`` and any sections (``school={...}``, ...)."""
    return {"id": id, "role": role, "age": age, **sections}


def parent(age: int = 34, id: str = "p1", **sections: Any) -> dict[str, Any]:
    return member(id, "parent_carer", age, **sections)


def child(age: int = 12, id: str = "c1", **sections: Any) -> dict[str, Any]:
    return member(id, "child", age, **sections)


def other(age: int = 40, id: str = "a1", **sections: Any) -> dict[str, Any]:
    return member(id, "other_adult", age, **sections)


# --- referrals --------------------------------------------------------------------------------

BASE_REFERRAL: dict[str, Any] = {
    "referral_id": "T-1",
    "received_at": "2026-11-20T10:15:00Z",  # a Friday
    "referrer": {"agency": "school"},
    "consent": {"given": True},
    "household": {"postcode": "S5 7AU", "members": [{"id": "p1", "role": "parent_carer", "age": 34}]},
}


# The API and the pages take only referrals received lately (rules/ruleset.yaml, intake), so the test
# apps' clock (FrontDoor.clock) is set to this: the referrals above, and the contract's example
# below, arrived minutes before. Their dates, and every respond-by date worked out from them, stay fixed.
TEST_NOW = datetime(2026, 11, 20, 10, 20, tzinfo=UTC)


def build_referral(*members: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A referral dict: BASE_REFERRAL with ``members`` (if given) and top-level/household changes.

    Keys ``postcode`` and ``housing`` go to the household; everything else to the top level.
    A change whose value is None removes the key.
    """
    data = copy.deepcopy(BASE_REFERRAL)
    if members:
        data["household"]["members"] = [dict(m) for m in members]
    for key, value in changes.items():
        target = data["household"] if key in ("postcode", "housing") else data
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return data


# One family, named: two referrals of theirs are matched (the same NHS number for Jayden).
SMITHS = {
    "mother": {"given_name": "Sarah", "family_name": "Smith", "date_of_birth": "1990-04-12"},
    "son": {"given_name": "Jayden", "family_name": "Smith", "date_of_birth": "2014-03-02", "nhs_number": "9434765919"},
}


def smiths(
    referral_id: str, mother: dict[str, Any] | None = None, son: dict[str, Any] | None = None, **changes: Any
) -> dict[str, Any]:
    """A referral of the Smith household (names as given, or changed), at S5 7AU."""
    data = build_referral(
        parent(36, "p1", **{**SMITHS["mother"], **(mother or {})}),
        child(12, "c1", school={"attendance_pct": 78.0}, **{**SMITHS["son"], **(son or {})}),
        referral_id=referral_id,
        **changes,
    )
    data["household"].update(address_line_1="12 Hill Street", town="Sheffield")
    return data


# The contract's own example, verbatim. Policy: school_attendance (82.5% <= 90), worklessness_finance
# (benefits, rent arrears), health (mental health) -> 3 problems -> bsf, high, respond by 2026-11-27.
SPEC_EXAMPLE: dict[str, Any] = {
    "referral_id": "R-2026-000123",
    "received_at": "2026-11-20T10:15:00Z",
    "referrer": {"agency": "school", "name": "A. Teacher", "role": "attendance officer"},
    "consent": {"given": True, "recorded_at": "2026-11-19T16:00:00Z", "by": "parent_carer"},
    "safeguarding": {"immediate_risk_of_harm": False},
    "household": {
        "postcode": "S5 7AU",
        "housing": {"rent_arrears": True, "problem_debt": False, "eviction_risk": False, "homeless": False},
        "members": [
            {
                "id": "p1",
                "role": "parent_carer",
                "age": 34,
                "employment": {"out_of_work_benefits": True},
                "health": {"mental_health_concern": True},
            },
            {
                "id": "c1",
                "role": "child",
                "age": 12,
                "school": {"attendance_pct": 82.5, "fixed_term_exclusions_3_terms": 1},
            },
        ],
    },
    "narrative": "Free text from the referrer.",
}


def set_consent_and_risk(data: dict[str, Any], consent: str, risk: str) -> None:
    """Give a generated referral its ``consent`` and ``safeguarding`` sections, by name.

    ``consent``: absent (no section), empty (``{}``), true, false or null (``given`` is that);
    ``risk``: absent (no section), empty (``{}``), false or true (``immediate_risk_of_harm``).
    """
    if consent != "absent":
        data["consent"] = {"empty": {}, "true": {"given": True}, "false": {"given": False}, "null": {"given": None}}[
            consent
        ]
    if risk != "absent":
        data["safeguarding"] = {} if risk == "empty" else {"immediate_risk_of_harm": risk == "true"}


# --- the policy's vocabularies ----------------------------------------------------------------

AGENCIES = frozenset(
    {
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
    }
)

# Headline problems (policy §1), in policy order.
POLICY_ORDER = [
    "crime_asb",
    "school_attendance",
    "children_need_help",
    "worklessness_finance",
    "domestic_abuse",
    "health",
]

# Routing rules (policy §4), in order.
ROUTING_RULE_IDS = [
    "out_of_area",
    "safeguarding",
    "adult_safeguarding",
    "no_dependent_children",
    "consent",
    "bsf_intensive",
    "mast_early_help",
    "below_threshold",
]

# The routes rule 4 (no_dependent_children) can choose.
RULE_4_ROUTES = {
    "domestic_abuse_service",
    "drug_alcohol_service",
    "adult_mental_health",
    "housing_solutions",
    "employment_support",
    "universal_signpost",
}

# Member fields by section: true/false flags, and whole-number counts.
BOOL_FIELDS = {
    "school": ["permanently_excluded", "alternative_provision", "not_on_roll"],
    "offending": ["proven_offence_12m", "asb_intervention_12m", "on_probation_or_licence", "exploitation_risk"],
    "employment": ["out_of_work_benefits", "neet"],
    "domestic_abuse": ["victim_12m", "perpetrator_12m", "marac_high_risk"],
    "health": ["mental_health_concern", "substance_misuse", "physical_health_concern", "development_concern_under5"],
    "social_care": ["child_in_need", "child_protection_plan", "young_carer"],
}
COUNT_FIELDS = {
    "school": ["fixed_term_exclusions_3_terms"],
    "offending": ["asb_incidents_12m"],
    "social_care": ["missing_episodes_12m"],
}
# The same, as (section, field) pairs.
MEMBER_FLAGS = [(section, field) for section, fields in BOOL_FIELDS.items() for field in fields]
MEMBER_COUNTS = [(section, field) for section, fields in COUNT_FIELDS.items() for field in fields]

HOUSING_FIELDS = ["rent_arrears", "problem_debt", "eviction_risk", "homeless"]


# --- cost-benefit -----------------------------------------------------------------------------
# A tiny appraisal small enough to work out by hand (tests/costs/test_model.py shows the sums):
# one outcome on one route, one unit cost split 600/400 between two agencies, deflator 80 -> 100.

TINY_COSTS: dict[str, Any] = {
    "appraisal": {
        "price_year": "2025-26",
        "service_costs_price_year": "2025-26",
        "discount_rate": 0.035,
        "horizon_years": 3,
        "profile": [0.5, 1.0, 0.5],
        "engagement": {"bsf": 0.8},
        "funders": {"bsf": {"council": 1.0}},
        "optimism_bias": [
            {"grade": 1, "haircut": 0.0, "meaning": "best"},
            {"grade": 2, "haircut": 0.1, "meaning": "good"},
        ],
        "sensitivity": [
            {"parameter": "effect", "label": "Effect -25% / +25%", "low": 0.75, "high": 1.25},
            {"parameter": "deadweight", "label": "Deadweight range"},
        ],
        "monte_carlo": {"draws": 50, "seed": 7, "effect": [0.75, 1.25], "engagement": [0.8, 1.2]},
    },
    "agencies": [{"id": "council", "name": "Council"}, {"id": "police", "name": "Police"}],
    "unit_costs": [
        {
            "code": "X1",
            "description": "A costly event",
            "value": 1000,
            "unit": "each",
            "price_year": "2015-16",
            "source": "test",
            "split": [
                {"agency": "council", "amount": 600, "kind": "fiscal", "cashable": True},
                {"agency": "police", "amount": 400, "kind": "fiscal", "cashable": False},
            ],
        }
    ],
    "deflators": {
        "series": "test",
        "source": "test",
        "base": "2025-26 = 100",
        "index": {"2015-16": 80.0, "2025-26": 100.0},
    },
    "outcomes": [
        {
            "id": "event",
            "problem": "crime_asb",
            "description": "An event",
            "unit_cost": "X1",
            "baseline_rate": 2.0,
            "effect": {"bsf": 0.5},
            "deadweight": 0.2,
            "deadweight_range": [0.1, 0.3],
            "attribution": 0.75,
            "evidence_grade": 2,
            "evidence": "test",
        }
    ],
}


def tiny_costs(service_cost: float = 2000.0, **appraisal: Any) -> Any:
    """``TINY_COSTS`` as validated cost data (key working on bsf costs ``service_cost`` a family),
    with any appraisal settings changed."""
    from triage.costs.loader import CostData
    from triage.costs.schema import CostDataFolder

    data = copy.deepcopy(TINY_COSTS)
    data["appraisal"].update(appraisal)
    return CostData(
        root=None,
        data=CostDataFolder.model_validate(data),
        sha256="test",  # type: ignore[arg-type]
        service_costs={"bsf": service_cost},
        ruleset_version="test",
    )


# --- the web pages ------------------------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery"


def csrf_token_in(page: str) -> str:
    """The CSRF token a page's forms carry."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def signed_in_browser(app: Any, username: str) -> Any:
    """A test browser on ``app``, signed in through the sign-in form as ``username``."""
    from fastapi.testclient import TestClient

    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = csrf_token_in(browser.get("/sign-in").text)
    signed_in = browser.post("/sign-in", data={"username": username, "password": STAFF_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 303, signed_in.text
    return browser


def every_route(routes: list[Any]) -> Iterator[Any]:
    """Every route of an app, including those of included routers (newer FastAPI wraps them)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from every_route(inner.routes) if inner is not None else (route,)


def append_whole_decision(
    engine: Any,
    policy: Any,
    data: dict[str, Any],
    decision: Any,
    caller: str,
    recorded_at: str = "2026-01-05T09:00:00+00:00",
) -> None:
    """Write a decision as stores did before personal parts were kept apart: the whole decision
    (reasons, evidence, the referral id as sent) inside the chain, and no decisions-index row
    (as before migration 0002). For tests of reading and upgrading such logs."""
    import yaml
    from sqlalchemy import func, select

    from triage.audit.canonical import GENESIS, canonical, link_hash, sha256_text
    from triage.db import tables

    payload = canonical(data)
    with engine.begin() as conn:
        tail = conn.execute(
            select(tables.events.c.seq, tables.events.c.hash).order_by(tables.events.c.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
        if not conn.execute(
            select(func.count()).select_from(tables.rulesets).where(tables.rulesets.c.sha256 == policy.sha256)
        ).scalar_one():
            conn.execute(
                tables.rulesets.insert().values(
                    sha256=policy.sha256,
                    version=policy.version,
                    stored_at=recorded_at,
                    content=yaml.safe_dump(policy.content, sort_keys=True, allow_unicode=True),
                )
            )
        if not conn.execute(
            select(func.count()).select_from(tables.payloads).where(tables.payloads.c.sha256 == sha256_text(payload))
        ).scalar_one():
            conn.execute(
                tables.payloads.insert().values(sha256=sha256_text(payload), stored_at=recorded_at, body=payload)
            )
        content = {
            "seq": seq,
            "event_id": f"whole-{seq}",
            "kind": "decision",
            "recorded_at": recorded_at,
            "referral_id": decision.referral_id,
            "decision_id": decision.decision_id,
            "body": {
                "decision": decision.model_dump(mode="json"),
                "caller": caller,
                "payload_sha256": sha256_text(payload),
            },
        }
        text = canonical(content)
        conn.execute(
            tables.events.insert().values(
                seq=seq,
                event_id=content["event_id"],
                kind="decision",
                recorded_at=recorded_at,
                referral_id=decision.referral_id,
                decision_id=decision.decision_id,
                content=text,
                prev_hash=prev_hash,
                hash=link_hash(prev_hash, text),
            )
        )


# --- hostile policy files -------------------------------------------------------------------------


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" YAML document (about 340 bytes at 9 x 9): ``levels`` top-level keys, each a
    list of ``width`` aliases to the one before; expanded, it is ``width ** levels`` (387 million) strings."""
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(["lol"] * width) + "]"]
    lines += [
        f"{name}: &{name} [" + ",".join([f"*{before}"] * width) + "]" for before, name in itertools.pairwise(names)
    ]
    return "\n".join(lines) + "\n"


def deeply_nested(depth: int, key: str = "cases") -> str:
    """A YAML document whose ``key`` holds lists nested ``depth`` deep."""
    return f"{key}: " + "[" * depth + "1" + "]" * depth + "\n"
