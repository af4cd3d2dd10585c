"""The audit log from the command line: decide/batch --audit, audit verify/show, override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from triage.audit.store import AuditStore
from triage.cli import app

from legacy_rows import record_unreadable
from support import SPEC_EXAMPLE, build_referral, child, parent

runner = CliRunner()


@pytest.fixture(autouse=True)
def audit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own embedded audit database and no shared one."""
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")
    return tmp_path / "audit.sqlite3"


def invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def referral_file(tmp_path: Path, data: dict, name: str = "referral.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def decide(path: Path) -> dict:
    result = invoke("decide", path, "--audit", "--engine", "python")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_deciding_twice_records_one_decision(tmp_path, audit_db):
    path = referral_file(tmp_path, SPEC_EXAMPLE)
    assert decide(path) == decide(path)
    assert [e.kind for e in AuditStore(f"sqlite:///{audit_db}").queries.events()] == ["ruleset_loaded", "decision"]


def test_auditing_is_off_unless_asked_or_configured(tmp_path, audit_db):
    assert invoke("decide", referral_file(tmp_path, SPEC_EXAMPLE)).exit_code == 0
    assert not audit_db.exists()


def test_a_changed_payload_under_a_used_referral_id_exits_2(tmp_path):
    decide(referral_file(tmp_path, SPEC_EXAMPLE))
    changed = {**SPEC_EXAMPLE, "narrative": "changed"}
    result = invoke("decide", referral_file(tmp_path, changed, "changed.json"), "--audit")
    assert result.exit_code == 2
    assert "different payload" in result.stderr


def test_verify_reports_an_intact_chain(tmp_path):
    decide(referral_file(tmp_path, SPEC_EXAMPLE))
    result = invoke("audit", "verify")
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 2 events, chain intact (no checkpoints in ")  # ruleset load + decision


def test_verify_exits_1_naming_the_tampered_event(tmp_path, audit_db):
    decide(referral_file(tmp_path, SPEC_EXAMPLE))
    store = AuditStore(f"sqlite:///{audit_db}")
    with store.db.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET content = replace(content, 'cli', 'someone') WHERE seq = 1"))
    result = invoke("audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at event 1" in result.stderr


def test_show_tells_the_history_with_overrides(tmp_path):
    decision = decide(referral_file(tmp_path, SPEC_EXAMPLE))
    assert (
        invoke(
            "override",
            decision["decision_id"],
            "--route",
            "mast",
            "--reason",
            "Family asked for MAST",
            "--by",
            "A. Worker",
        ).exit_code
        == 0
    )
    shown = invoke("audit", "show", SPEC_EXAMPLE["referral_id"]).stdout
    assert f"DECISION {decision['decision_id']}" in shown
    assert "OVERRIDE" in shown and "bsf -> mast; reason: Family asked for MAST" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--route", "nowhere", "--reason", "x", "--by", "A"], "unknown service 'nowhere'"),
        (["--route", "mast", "--reason", " ", "--by", "A"], "a reason is required"),
    ],
)
def test_an_override_needs_a_known_route_and_a_reason(tmp_path, args, message):
    decision = decide(referral_file(tmp_path, SPEC_EXAMPLE))
    result = invoke("override", decision["decision_id"], *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_overriding_an_unknown_decision_exits_2(audit_db):
    AuditStore(f"sqlite:///{audit_db}").db.dispose()  # a log, without that decision
    result = invoke("override", "no-such-decision", "--route", "mast", "--reason", "x", "--by", "A")
    assert (result.exit_code, "no decision with id" in result.stderr) == (2, True)


def test_batch_records_every_decision_it_writes(tmp_path, audit_db):
    lines = [build_referral(parent(), child(school={"attendance_pct": 80.0}), referral_id=f"B-{n}") for n in range(5)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n", encoding="utf-8")
    result = invoke("batch", source, "-o", tmp_path / "out.jsonl", "--audit")
    assert result.exit_code == 0, result.stderr
    written = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    store = AuditStore(f"sqlite:///{audit_db}")
    recorded = {e.decision_id for e in store.queries.events() if e.kind == "decision"}
    assert recorded == {x["decision_id"] for x in written if "decision_id" in x}
    assert len(recorded) == 5 and store.log.verify().ok


# --- what the command line records: any date; no control characters in who or why ----------------

UNSAFE = "must not contain control characters or unpaired surrogates"


def test_decide_records_a_referral_received_in_2000(tmp_path, audit_db):
    """The API and the pages take only referrals received lately; the command line re-decides any."""
    decided = decide(referral_file(tmp_path, {**SPEC_EXAMPLE, "received_at": "2000-01-03T09:00:00Z"}))
    assert (decided["respond_by"], [e.kind for e in AuditStore(f"sqlite:///{audit_db}").queries.events()]) == (
        "2000-01-10",
        ["ruleset_loaded", "decision"],
    )


def test_batch_records_a_referral_received_in_2000(tmp_path, audit_db):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({**SPEC_EXAMPLE, "received_at": "2000-01-03T09:00:00Z"}) + "\n", encoding="utf-8")
    result = invoke("batch", source, "-o", tmp_path / "out.jsonl", "--audit", "--engine", "python")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["respond_by"] == "2000-01-10"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--reason", "Asked for MAST\x1b[2J"), ("--by", "A.\x00Worker"), ("--by", "A. Worker\udcff")],
    ids=["reason-escape", "by-nul", "by-bad-utf8"],
)
def test_an_override_with_a_control_character_exits_2_naming_the_option_and_records_nothing(
    tmp_path, audit_db, option, value
):
    decision = decide(referral_file(tmp_path, SPEC_EXAMPLE))
    args = {"--reason": "Family asked for MAST", "--by": "A. Worker", option: value}
    result = invoke("override", decision["decision_id"], "--route", "mast", *[x for pair in args.items() for x in pair])
    assert (result.exit_code, result.stderr.strip()) == (2, f"{option}: {UNSAFE}")
    assert "override" not in [e.kind for e in AuditStore(f"sqlite:///{audit_db}").queries.events()]


def test_an_override_reason_may_run_over_several_lines(tmp_path):
    decision = decide(referral_file(tmp_path, SPEC_EXAMPLE))
    result = invoke(
        "override",
        decision["decision_id"],
        "--route",
        "mast",
        "--reason",
        "Family asked.\nSee notes.",
        "--by",
        "A. Worker",
    )
    assert result.exit_code == 0, result.stderr


def test_a_caller_with_a_control_character_exits_2_and_records_nothing(tmp_path, audit_db):
    result = invoke("decide", referral_file(tmp_path, SPEC_EXAMPLE), "--audit", "--caller", "cli\x07")
    assert (result.exit_code, result.stderr.strip()) == (2, f"--caller: {UNSAFE}")
    assert not audit_db.exists() or "decision" not in [
        e.kind for e in AuditStore(f"sqlite:///{audit_db}").queries.events()
    ]


# --- decisions recorded in a form this version cannot read ------------------------------------------


def test_show_and_export_say_what_they_can_of_a_decision_they_cannot_read(tmp_path, audit_db):
    decide(referral_file(tmp_path, SPEC_EXAMPLE))
    store = AuditStore(f"sqlite:///{audit_db}")
    decision_id = record_unreadable(store)
    shown = invoke("audit", "show", "BROKEN-1")
    assert (
        shown.exit_code,
        f"DECISION {decision_id}: recorded in a form this version cannot read" in shown.stdout,
    ) == (0, True)
    exported = invoke("audit", "export", "--since", "2000-01-01")
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert (exported.exit_code, [(r["referral_id"], r["route"], r["matched_rule"]) for r in rows[1:]]) == (
        0,
        [("R-2026-000123", "bsf", "bsf_intensive"), ("BROKEN-1", "bsf", None)],
    )
