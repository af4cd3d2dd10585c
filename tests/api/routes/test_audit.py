"""GET /v1/audit/verify and /v1/audit/events: the chain, for auditors, never the referral."""

from __future__ import annotations

from support import SPEC_EXAMPLE, build_referral, child, parent, smiths


def test_verify_counts_the_events_and_finds_the_chain_intact(client, submit, partner, auditor):
    submit(partner, SPEC_EXAMPLE)
    verified = client.get("/v1/audit/verify", headers=auditor.headers).json()
    assert verified == {"events": 2, "ok": True, "first_bad_seq": None, "problem": None, "checkpoints": 0}


def test_verify_names_the_first_event_edited_behind_the_chains_back(client, app, submit, partner, auditor):
    submit(partner, SPEC_EXAMPLE)
    with app.state.services.store.db.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")  # the log refuses edits: a tamperer drops it first
        conn.exec_driver_sql("UPDATE audit_events SET content = replace(content, '\"bsf\"', '\"mast\"') WHERE seq = 2")
    verified = client.get("/v1/audit/verify", headers=auditor.headers).json()
    assert (verified["ok"], verified["first_bad_seq"]) == (False, 2)


def test_verify_finds_a_household_edited_behind_the_chains_back(client, app, submit, front_door, auditor):
    first, second = (submit(front_door, smiths(f"R-{n}")).json()["decision_id"] for n in (1, 2))
    app.state.services.households.confirm(second, first, "front-door-team", "")
    with app.state.services.store.db.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM household_members WHERE decision_id = '{first}'")
    verified = client.get("/v1/audit/verify", headers=auditor.headers).json()
    assert (verified["ok"], verified["first_bad_seq"]) == (False, None) and first in verified["problem"]


def test_the_events_are_in_chain_order_with_who_and_what(client, submit, partner, auditor):
    decision = submit(partner, SPEC_EXAMPLE).json()
    events = client.get("/v1/audit/events", headers=auditor.headers).json()["items"]
    assert [(e["seq"], e["kind"]) for e in events] == [(1, "ruleset_loaded"), (2, "decision")]
    assert (events[1]["decision_id"], events[1]["route"], events[1]["referral_id"]) == (
        decision["decision_id"],
        "bsf",
        "R-2026-000123",
    )


def test_the_events_never_carry_the_referral(client, submit, partner, auditor):
    marker = "NARRATIVE-MARKER-7f3c"
    submit(partner, {**SPEC_EXAMPLE, "narrative": marker})
    assert marker not in client.get("/v1/audit/events", headers=auditor.headers).text


def test_the_events_page_with_next(client, submit, partner, auditor):
    for i in range(4):
        submit(partner, build_referral(parent(), child(), referral_id=f"E-{i}"))
    seqs, url = [], "/v1/audit/events?limit=2"
    while url:
        page = client.get(url, headers=auditor.headers).json()
        seqs += [e["seq"] for e in page["items"]]
        url = page["next"]
    assert seqs == [1, 2, 3, 4, 5]
