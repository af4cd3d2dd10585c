"""Checkpoints of the chain's head, signed and kept outside the database: written, read, checked."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from support import build_referral, child, parent
from triage.app import create_app
from triage.audit.checkpoints import CheckpointProblem, load_checkpoints, read_checkpoints, write_checkpoint
from triage.audit.store import AuditStore
from triage.cli import app
from triage.settings import Settings

KEY = b"s" * 64
HEAD = "a" * 64
WHEN = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
runner = CliRunner()
FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


def test_a_checkpoint_reads_back_as_written(tmp_path):
    path = write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    [checkpoint] = read_checkpoints(tmp_path, KEY)
    assert (path.name, checkpoint.seq, checkpoint.hash, checkpoint.source) == (
        "checkpoints-2026-12-03.jsonl", 7, HEAD, "checkpoints-2026-12-03.jsonl:1")


def test_a_checkpoint_file_is_readable_by_its_owner_only(tmp_path):
    path = write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("field,value", [("seq", 8), ("hash", "b" * 64), ("taken_at", "2027-01-01T00:00:00+00:00")])
def test_an_altered_checkpoint_is_refused(tmp_path, field, value):
    path = write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, field: value}) + "\n")
    with pytest.raises(CheckpointProblem, match="signature does not match"):
        read_checkpoints(tmp_path, KEY)


def test_a_checkpoint_signed_with_another_key_is_refused(tmp_path):
    write_checkpoint(tmp_path, b"another key, not the service's one!", 7, HEAD, WHEN)
    with pytest.raises(CheckpointProblem, match="another key"):
        read_checkpoints(tmp_path, KEY)


def test_a_line_that_is_not_a_checkpoint_is_refused(tmp_path):
    (tmp_path / "checkpoints-2026-12-03.jsonl").write_text("not json\n")
    with pytest.raises(CheckpointProblem, match="not a checkpoint line"):
        read_checkpoints(tmp_path, KEY)


def test_checkpoints_cannot_be_checked_without_their_key(tmp_path):
    write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    with pytest.raises(CheckpointProblem, match="no checkpoint key"):
        load_checkpoints(tmp_path, tmp_path / "missing.key")


def test_an_empty_folder_has_no_checkpoints_and_needs_no_key(tmp_path):
    assert load_checkpoints(tmp_path / "none", tmp_path / "missing.key") == []


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditStore:
    """An SQLite log with three decisions, where the CLI finds it."""
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")
    for n in range(3):
        path = tmp_path / f"r{n}.json"
        path.write_text(json.dumps(build_referral(*FAMILY, referral_id=f"C-{n}")))
        assert invoke("decide", path, "--audit", "--engine", "python").exit_code == 0
    return AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")


def invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def test_the_checkpoint_command_writes_the_head_signed_with_a_new_private_key(log, data_dir):
    result = invoke("audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert f"checkpoint of event {log.log.head()[0]} written to" in result.stdout
    assert stat.S_IMODE((data_dir / "checkpoint.key").stat().st_mode) == 0o600
    [checkpoint] = read_checkpoints(data_dir / "checkpoints", (data_dir / "checkpoint.key").read_text().strip().encode())
    assert (checkpoint.seq, checkpoint.hash) == log.log.head()


def test_verify_checks_the_checkpoints_and_says_how_many_hold(log):
    invoke("audit", "checkpoint")
    result = invoke("audit", "verify")
    assert (result.exit_code, "1 checkpoint(s)" in result.stdout) == (0, True), result.output


def test_verify_with_a_checkpoint_folder_catches_events_cut_off_the_end(log, tmp_path):
    invoke("audit", "checkpoint", "--to", tmp_path / "elsewhere")
    with log.db.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        conn.exec_driver_sql("DROP TRIGGER audit_decisions_no_delete")
        last = log.log.head()[0]
        conn.exec_driver_sql(f"DELETE FROM audit_decisions WHERE seq = {last}")
        conn.exec_driver_sql(f"DELETE FROM audit_events WHERE seq = {last}")
    assert invoke("audit", "verify").exit_code == 0  # the default folder holds no checkpoint
    result = invoke("audit", "verify", "--checkpoints", tmp_path / "elsewhere")
    assert (result.exit_code, "deleted from the end" in result.stderr) == (1, True), result.output


def test_verify_with_a_missing_checkpoint_folder_exits_2(log, tmp_path):
    result = invoke("audit", "verify", "--checkpoints", tmp_path / "nowhere")
    assert (result.exit_code, "--checkpoints: no folder" in result.stderr) == (2, True)


def test_verify_refuses_a_forged_checkpoint(log, data_dir):
    invoke("audit", "checkpoint")
    [path] = (data_dir / "checkpoints").iterdir()
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, "seq": 1}) + "\n")
    result = invoke("audit", "verify")
    assert (result.exit_code, "signature does not match" in result.stderr) == (1, True)


# --- the server -----------------------------------------------------------------------------------


def test_the_server_checkpoints_the_head_while_it_runs(tmp_path, data_dir):
    settings = Settings(audit_db=tmp_path / "api.sqlite3", engine="python", checkpoint_seconds=3600)
    application = create_app(settings)
    store = application.state.services.store
    with TestClient(application):  # starting up writes the first checkpoint (the ruleset load)
        pass
    key = (data_dir / "checkpoint.key").read_text().strip().encode()
    assert [(c.seq, c.hash) for c in read_checkpoints(data_dir / "checkpoints", key)] == [store.log.head()]


def test_a_server_with_checkpoints_switched_off_writes_none(tmp_path, data_dir):
    settings = Settings(audit_db=tmp_path / "api.sqlite3", engine="python", checkpoint_seconds=0)
    with TestClient(create_app(settings)):
        pass
    assert not (data_dir / "checkpoints").exists()
