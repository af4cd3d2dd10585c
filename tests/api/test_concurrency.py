"""Many requests at once, on SQLite and on PostgreSQL: every decision recorded once, in one chain.

Requests go through one TestClient from several threads; its routes run in the server's thread
pool, so decisions are made and appended concurrently, as under uvicorn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient

from triage.access import Role

from support import build_referral, child, parent

T = TypeVar("T")
THREADS, PER_THREAD = 8, 25


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0..count-1)``, each on its own thread, released together."""
    start = threading.Barrier(count)

    def run(index: int) -> T:
        start.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def client(app_on_each_database):
    with TestClient(app_on_each_database, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def keys(app_on_each_database):
    """(partner, auditor) tokens as Authorization headers."""
    create = app_on_each_database.state.services.keys.create
    return (
        {"Authorization": f"Bearer {create('hillside-school-mis', Role.PARTNER)[1]}"},
        {"Authorization": f"Bearer {create('internal-audit', Role.AUDITOR)[1]}"},
    )


def test_concurrent_referrals_are_all_recorded_once_in_an_intact_chain(client, keys):
    partner, auditor = keys

    def send(thread: int) -> list[int]:
        return [
            client.post(
                "/v1/referrals", headers=partner, json=build_referral(parent(), child(), referral_id=f"C-{thread}-{n}")
            ).status_code
            for n in range(PER_THREAD)
        ]

    statuses = all_at_once(THREADS, send)
    assert statuses == [[201] * PER_THREAD] * THREADS
    listed = client.get("/v1/decisions", params={"limit": 200}, headers=auditor).json()["items"]
    expected = {f"C-{t}-{n}" for t in range(THREADS) for n in range(PER_THREAD)}
    assert sorted(d["referral_id"] for d in listed) == sorted(expected)
    verified = client.get("/v1/audit/verify", headers=auditor).json()
    assert (verified["ok"], verified["events"]) == (True, THREADS * PER_THREAD + 1)


def test_one_referral_sent_at_once_from_four_threads_is_decided_once(client, keys):
    partner, auditor = keys
    referral = build_referral(parent(), child(), referral_id="SAME-1")
    responses = all_at_once(4, lambda _: client.post("/v1/referrals", json=referral, headers=partner))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["decision_id"] for r in responses}) == 1
    listed = client.get("/v1/decisions", params={"referral_id": "SAME-1"}, headers=auditor).json()["items"]
    assert [d["decision_id"] for d in listed] == [responses[0].json()["decision_id"]]
    assert client.get("/v1/audit/verify", headers=auditor).json()["ok"] is True
