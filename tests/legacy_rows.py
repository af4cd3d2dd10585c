"""Recorded decisions today's contract would refuse, or that today's readers cannot use: for the tests
that every reader of the audit log survives them, leaves them out and says how many.

Importable as ``legacy_rows`` (``tests`` is on the path, as for ``support``). The log is append-only,
so such rows stay for good once written: a count of 10^309 that the contract accepted before it was
bounded, or a body in a shape no reader expects. Both are written as the store writes (each event
chained to the one before, the decisions index filled in), so ``verify`` still passes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from triage.audit import Recording
from triage.audit.canonical import GENESIS, canonical, link_hash
from triage.audit.store import AuditStore
from triage.db import tables
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision

from support import build_referral, child, parent

HUGE = 10**309  # past a 64-bit integer and a double: orjson refuses it ("number is infinity")


def record_huge_count(
    store: AuditStore, engine: Engine, referral_id: str = "LEGACY-1", caller: str = "legacy-partner"
) -> Decision:
    """A referral with HUGE fixed-term exclusions, recorded through the store's own writing path as
    it was before the contract bounded counts (decided with a count of 3, the HUGE count put back in
    the payload and the evidence: validation bypassed). The family goes to BSF, with three problems."""
    data = build_referral(
        parent(employment={"out_of_work_benefits": True}, health={"mental_health_concern": True}),
        child(school={"fixed_term_exclusions_3_terms": 3}),
        referral_id=referral_id,
    )
    decided = engine.decide(parse_referral(data, None))
    evidence = [
        e.model_copy(update={"value": HUGE}) if e.indicator == "fixed_term_exclusions_3_terms" else e
        for e in decided.evidence
    ]
    decision = decided.model_copy(update={"evidence": evidence})
    data["household"]["members"][1]["school"]["fixed_term_exclusions_3_terms"] = HUGE
    [outcome] = store.log.record(caller, [Recording(data, referral_id, decision, engine.policy)])
    assert isinstance(outcome, Decision), outcome
    return outcome


def record_unreadable(
    store: AuditStore, referral_id: str = "BROKEN-1", caller: str = "legacy-partner", payload_sha256: str | None = None
) -> str:
    """A decision event whose body lacks what readers need (its decision has no problems, reasons or
    ruleset; no payload hash unless given), appended by hand; its decision id."""
    decision_id = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    decision = {
        "decision_id": decision_id,
        "referral_id": referral_id,
        "route": "bsf",
        "locality": None,
        "priority": "high",
        "respond_by": "2026-11-27",
        "decided_at": now,
    }
    with store.db.begin() as conn:
        tail = conn.execute(
            select(tables.events.c.seq, tables.events.c.hash).order_by(tables.events.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
        content: dict[str, Any] = {
            "seq": seq,
            "event_id": uuid.uuid4().hex,
            "kind": "decision",
            "recorded_at": now,
            "referral_id": referral_id,
            "decision_id": decision_id,
            "body": {
                "decision": decision,
                "caller": caller,
                **({"payload_sha256": payload_sha256} if payload_sha256 else {}),
            },
        }
        text = canonical(content)
        conn.execute(
            tables.events.insert().values(
                seq=seq,
                event_id=content["event_id"],
                kind="decision",
                recorded_at=now,
                referral_id=referral_id,
                decision_id=decision_id,
                content=text,
                prev_hash=prev,
                hash=link_hash(prev, text),
            )
        )
        conn.execute(
            tables.decisions.insert().values(
                decision_id=decision_id,
                seq=seq,
                caller=caller,
                referral_id=referral_id,
                route="bsf",
                locality=None,
                priority="high",
                respond_by="2026-11-27",
                decided_at=now,
            )
        )
    return decision_id
