"""``triage simulate`` without --input: the referrals in the audit log, against their recorded decisions.

Each test gets its own embedded audit database (``TRIAGE_AUDIT_DB`` in tmp_path, no
``TRIAGE_DATABASE_URL``) and records decisions the way an operator does (``triage batch --audit``).
The end of the file tests ``AuditStore.decided_referrals``, what the command reads.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.engine import Engine
from triage.rulebook import Policy

from databases import record_decision
from legacy_rows import record_huge_count, record_unreadable
from simulation.sim_support import SHIFTED, UNAFFECTED, Cli, report, transition, write_lines

PAST = "2019-03-01T09:00:00+00:00"
RECORDED = "the decisions recorded in the audit log"


@pytest.fixture
def audit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own embedded audit database, and no shared one."""
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")
    return tmp_path / "audit.sqlite3"


@pytest.fixture
def record(tmp_path: Path, audit_db: Path, cli: Cli) -> Callable[..., None]:
    """``record(referrals, rules=None)``: decide them with ``triage batch --audit`` (python engine)."""
    runs = itertools.count()

    def run(referrals: list[dict[str, Any]], rules: Path | None = None) -> None:
        n = next(runs)
        source = write_lines(tmp_path / f"batch-{n}.jsonl", referrals)
        extra = ["--rules", rules] if rules else []
        result = cli("batch", source, "-o", tmp_path / f"decided-{n}.jsonl", "--audit", "--engine", "python", *extra)
        assert result.exit_code == 0, result.stderr

    return run


def simulate(cli: Cli, candidate: Path, out: Path, *options: Any) -> dict[str, Any]:
    result = cli("simulate", "--candidate", candidate, "--workers", 1, "--json", out, *options)
    assert result.exit_code == 0, result.stderr
    return report(out)


ALL = [SHIFTED, *UNAFFECTED]


def test_every_recorded_decision_is_simulated(tmp_path: Path, record: Any, policy_copy: Path, cli: Cli) -> None:
    record(ALL)
    assert simulate(cli, policy_copy, tmp_path / "o.json")["total"] == len(ALL)


def test_an_unchanged_policy_changes_no_recorded_decision(
    tmp_path: Path, record: Any, policy_copy: Path, cli: Cli
) -> None:
    record(ALL)
    data = simulate(cli, policy_copy, tmp_path / "o.json")
    assert (data["changed"], data["errors"], data["sample"]) == (0, {}, [])


def test_the_baseline_label_says_recorded_decisions(tmp_path: Path, record: Any, policy_copy: Path, cli: Cli) -> None:
    record(ALL)
    assert simulate(cli, policy_copy, tmp_path / "o.json")["baseline"] == RECORDED


def test_the_baseline_is_the_recorded_decision_not_a_new_one(
    tmp_path: Path, record: Any, bsf_35: Path, policy_copy: Path, cli: Cli
) -> None:
    """Decided (and recorded) under the >= 35 draft, then simulated against the shipped rules: the
    comparison starts from what was recorded (bsf), not from re-deciding with the baseline (mast)."""
    record(ALL, rules=bsf_35)
    data = simulate(cli, policy_copy, tmp_path / "o.json")
    assert (data["changed"], transition(data, "bsf", "mast")) == (1, 1)


def test_a_candidate_change_shows_against_recorded_decisions(
    tmp_path: Path, record: Any, bsf_35: Path, cli: Cli
) -> None:
    record(ALL)
    data = simulate(cli, bsf_35, tmp_path / "o.json")
    assert (data["changed"], [s["referral_id"] for s in data["sample"]]) == (1, [SHIFTED["referral_id"]])


def test_a_referral_recorded_twice_is_simulated_once(tmp_path: Path, record: Any, policy_copy: Path, cli: Cli) -> None:
    """The log holds one decision per referral id (a resend gets the recorded one back)."""
    record(ALL)
    record([SHIFTED])
    assert simulate(cli, policy_copy, tmp_path / "o.json")["total"] == len(ALL)


# --- retention -----------------------------------------------------------------------------------


@pytest.fixture
def partly_purged(record: Any, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    """Two referrals stored in 2019 (the store's clock turned back), three now; then a 1-day purge."""
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: PAST)
        record(UNAFFECTED[:2])
    record([SHIFTED, *UNAFFECTED[2:]])
    purged = cli("audit", "purge", "--older-than", "1d")
    assert purged.exit_code == 0 and "purged 4 record(s) of personal data" in purged.stdout, purged.output


def test_purged_payloads_are_counted_as_such(tmp_path: Path, partly_purged: None, policy_copy: Path, cli: Cli) -> None:
    assert simulate(cli, policy_copy, tmp_path / "o.json")["errors"] == {"payload purged (retention)": 2}


def test_purged_referrals_are_not_simulated(tmp_path: Path, partly_purged: None, policy_copy: Path, cli: Cli) -> None:
    data = simulate(cli, policy_copy, tmp_path / "o.json")
    # counted in the total (asked about), not in the transitions (not re-decided)
    assert (data["total"], sum(sum(row) for row in data["transitions"]["counts"])) == (5, 3)


def test_the_text_report_says_payloads_were_purged(partly_purged: None, policy_copy: Path, cli: Cli) -> None:
    result = cli("simulate", "--candidate", policy_copy, "--workers", 1)
    assert "Not decided: 2 (payload purged (retention))" in result.stdout


def test_purge_refuses_an_age_of_zero(audit_db: Path, cli: Cli) -> None:
    """(Why the purge above is of payloads stored in 2019: "0d" is not an age the command takes.)"""
    assert cli("audit", "purge", "--older-than", "0d").exit_code == 2


# --- --since -------------------------------------------------------------------------------------


def test_since_a_future_day_simulates_nothing(tmp_path: Path, record: Any, policy_copy: Path, cli: Cli) -> None:
    record(ALL)
    data = simulate(cli, policy_copy, tmp_path / "o.json", "--since", "2999-01-01")
    assert (data["total"], data["changed"], data["teams"]) == (0, 0, [])


def test_since_a_past_day_simulates_everything(tmp_path: Path, record: Any, policy_copy: Path, cli: Cli) -> None:
    record(ALL)
    assert simulate(cli, policy_copy, tmp_path / "o.json", "--since", "2000-01-01")["total"] == len(ALL)


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "01/02/2026"])
def test_a_bad_since_exits_2_naming_the_option(audit_db: Path, policy_copy: Path, cli: Cli, since: str) -> None:
    result = cli("simulate", "--candidate", policy_copy, "--workers", 1, "--since", since)
    assert result.exit_code == 2 and "--since" in result.stderr and since in result.stderr


def test_an_empty_audit_log_simulates_nothing(tmp_path: Path, audit_db: Path, policy_copy: Path, cli: Cli) -> None:
    AuditStore(f"sqlite:///{audit_db}").db.dispose()  # a log with nothing decided in it
    data = simulate(cli, policy_copy, tmp_path / "o.json")
    assert (data["total"], data["changed"], data["errors"]) == (0, 0, {})


# --- AuditStore.decided_referrals ----------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> AuditStore:
    audit = AuditStore(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield audit
    audit.db.dispose()


@pytest.fixture
def audited(store: AuditStore, policy: Policy) -> Callable[[dict[str, Any]], Any]:
    def run(data: dict[str, Any]) -> Any:
        return record_decision(store, policy, data)

    return run


def numbered(n: int) -> list[dict[str, Any]]:
    return [{**UNAFFECTED[1], "referral_id": f"R-{i:03d}"} for i in range(n)]


def test_decided_referrals_gives_each_decision_with_its_payload(store: AuditStore, audited: Any) -> None:
    decision = audited(SHIFTED)
    [(recorded, payload)] = list(store.queries.decided_referrals())
    assert (recorded["decision_id"], recorded["route"], payload) == (decision.decision_id, "mast", SHIFTED)


def test_decided_referrals_reads_every_page_oldest_first(store: AuditStore, audited: Any) -> None:
    for referral in numbered(7):
        audited(referral)
    ids = [payload["referral_id"] for _, payload in store.queries.decided_referrals(batch=3)]
    assert ids == [f"R-{i:03d}" for i in range(7)]


def test_decided_referrals_leaves_out_other_events(policy, store: AuditStore, audited: Any) -> None:
    """A ruleset load and an override are events, not decisions to simulate."""
    decision = audited(SHIFTED)
    Cases(store).override(decision.decision_id, "bsf", "practitioner judgement", "a.worker", policy)
    assert len(list(store.queries.decided_referrals())) == 1


def test_decided_referrals_gives_none_for_a_purged_payload(
    store: AuditStore, audited: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: PAST)
        audited(UNAFFECTED[0])
    audited(SHIFTED)
    store.log.purge(datetime(2020, 1, 1, tzinfo=UTC), by="tests")
    assert [payload and payload["referral_id"] for _, payload in store.queries.decided_referrals()] == [
        None,
        SHIFTED["referral_id"],
    ]


def test_decided_referrals_still_gives_the_decision_of_a_purged_payload(store: AuditStore, audited: Any) -> None:
    decision = audited(SHIFTED)
    store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    [(recorded, payload)] = list(store.queries.decided_referrals())
    assert (recorded["decision_id"], payload) == (decision.decision_id, None)


def test_decided_referrals_since_a_future_day_gives_nothing(store: AuditStore, audited: Any) -> None:
    audited(SHIFTED)
    assert list(store.queries.decided_referrals(datetime(2999, 1, 1).date())) == []


def test_decided_referrals_gives_one_decision_per_shared_payload(
    store: AuditStore, audited: Any, policy: Policy
) -> None:
    """The same payload decided for two callers is stored once; each decision still gets it."""
    audited(SHIFTED)
    record_decision(store, policy, SHIFTED, "another caller")
    assert [json.dumps(p, sort_keys=True) for _, p in store.queries.decided_referrals()] == [
        json.dumps(SHIFTED, sort_keys=True)
    ] * 2


# --- decisions recorded in a form this version cannot read ------------------------------------------

LEFT_OUT = "recorded decision could not be read, left out"


@pytest.fixture
def legacy_log(audit_db: Path, policy: Policy) -> None:
    """A decision with a count of 10^309 (recorded before counts were bounded), one without a payload
    hash, and one whose payload is there but whose decision lacks its reasons."""
    store = AuditStore(f"sqlite:///{audit_db}")
    huge = record_huge_count(store, Engine(policy, "python"))
    record_unreadable(store)
    record_unreadable(
        store,
        referral_id="BROKEN-2",
        payload_sha256=store.queries.decision_event(huge.decision_id).body["payload_sha256"],
    )
    store.db.dispose()


def test_decisions_that_cannot_be_read_are_counted_and_the_rest_simulated(
    tmp_path: Path, legacy_log: None, policy_copy: Path, cli: Cli
) -> None:
    data = simulate(cli, policy_copy, tmp_path / "o.json")
    assert (data["total"], data["errors"]) == (
        3,
        {
            LEFT_OUT: 2,
            "invalid referral: household.members[1].school.fixed_term_exclusions_3_terms: "
            "Input should be less than or equal to 1000": 1,
        },
    )


def test_the_text_report_says_how_many_were_left_out(legacy_log: None, policy_copy: Path, cli: Cli) -> None:
    result = cli("simulate", "--candidate", policy_copy, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert f"Not decided: 2 ({LEFT_OUT})" in result.stdout.splitlines()
