"""An Engine used as a library, with nobody having configured logging, still logs each decision
as one JSON line on stderr (never on stdout, where decisions may be written)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import structlog

import triage.engine
from triage.engine import Engine
from triage.intake import parse_referral

from support import build_referral, child


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> Any:
    """structlog as a fresh process finds it (at the default level); its defaults put back afterwards."""
    monkeypatch.delenv("TRIAGE_LOG_LEVEL", raising=False)
    structlog.reset_defaults()
    monkeypatch.setattr(triage.engine, "log", structlog.get_logger("triage.engine"))
    yield
    structlog.reset_defaults()


def _decide_and_read_log(policy, capsys) -> tuple[Any, dict[str, Any], float, str]:
    engine = Engine(policy, "python")
    referral = parse_referral(build_referral(child(school={"attendance_pct": 80.0})), engine.compiled.agencies)
    capsys.readouterr()
    started = time.perf_counter()
    decision = engine.decide(referral)
    elapsed_ms = (time.perf_counter() - started) * 1000
    out, err = capsys.readouterr()
    [line] = err.splitlines()
    return decision, json.loads(line), elapsed_ms, out


def test_a_library_engine_logs_one_json_line_per_decision_on_stderr(policy, capsys, unconfigured):
    decision, event, _, out = _decide_and_read_log(policy, capsys)
    assert out == ""
    assert (event["event"], event["referral_id"], event["decision_id"], event["route"], event["engine"]) == (
        "decision",
        decision.referral_id,
        decision.decision_id,
        decision.route,
        "python",
    )


def test_the_logged_duration_is_the_decisions_own_in_milliseconds(policy, capsys, unconfigured):
    _, event, elapsed_ms, _ = _decide_and_read_log(policy, capsys)
    assert 0 < event["duration_ms"] <= elapsed_ms
    assert round(event["duration_ms"], 3) == event["duration_ms"]  # to the microsecond, no finer


def test_a_would_be_decision_is_the_decision_but_writes_no_log_event(policy, capsys, unconfigured):
    """A simulation re-decides thousands of past referrals: none is a decision made, so none is logged."""
    engine = Engine(policy, "python")
    referral = parse_referral(build_referral(child(school={"attendance_pct": 80.0})), engine.compiled.agencies)
    capsys.readouterr()
    would = engine.would_decide(referral)
    routing = engine.would_route(referral)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")
    decided = engine.decide(referral)
    assert would.model_dump(exclude={"decision_id", "decided_at"}) == decided.model_dump(
        exclude={"decision_id", "decided_at"}
    )
    assert routing == (decided.route, decided.locality, decided.priority, decided.matched_rule, decided.respond_by)
