"""Checkpoints of the chain's head, signed and kept outside the database: written, read, checked."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from triage.access import Role
from triage.app import create_app
from triage.audit.checkpoints import (
    Checkpointer,
    CheckpointProblem,
    load_checkpoints,
    read_checkpoints,
    write_checkpoint,
)
from triage.audit.store import AuditStore
from triage.cli import app
from triage.settings import Settings

from databases import record_decision
from support import build_referral, child, parent

KEY = b"s" * 64
HEAD = "a" * 64
WHEN = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
runner = CliRunner()
FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


def test_a_checkpoint_reads_back_as_written(tmp_path):
    path = write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    [checkpoint] = read_checkpoints(tmp_path, KEY)
    assert (path.name, checkpoint.seq, checkpoint.hash, checkpoint.source) == (
        "checkpoints-2026-12-03.jsonl",
        7,
        HEAD,
        "checkpoints-2026-12-03.jsonl:1",
    )


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


def test_a_checkpoint_line_is_sorted_json_signed_over_its_head_and_time(tmp_path):
    """The format an auditor's own tools check, outside this program: HMAC-SHA256 of
    "triage-checkpoint", seq, hash and taken_at, one a line; the line's keys sorted."""
    path = write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    taken_at = "2026-12-03T10:00:00+00:00"
    signature = hmac.new(KEY, f"triage-checkpoint\n7\n{HEAD}\n{taken_at}".encode(), hashlib.sha256).hexdigest()
    assert path.read_text() == (f'{{"hash": "{HEAD}", "hmac": "{signature}", "seq": 7, "taken_at": "{taken_at}"}}\n')


def test_a_checkpoint_folder_is_made_with_its_parents(tmp_path):
    path = write_checkpoint(tmp_path / "backups" / "triage" / "checkpoints", KEY, 7, HEAD, WHEN)
    assert [c.seq for c in read_checkpoints(path.parent, KEY)] == [7]


def test_writing_a_checkpoint_leaves_no_file_open(tmp_path):
    """``triage serve`` writes one every few minutes for months: a descriptor kept each time would
    run the process out of them."""
    before = set(os.listdir("/proc/self/fd"))
    write_checkpoint(tmp_path, KEY, 7, HEAD, WHEN)
    assert set(os.listdir("/proc/self/fd")) == before


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
    [checkpoint] = read_checkpoints(
        data_dir / "checkpoints", (data_dir / "checkpoint.key").read_text().strip().encode()
    )
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


def test_verify_without_the_checkpoint_key_says_so_in_one_sentence(log, data_dir):
    invoke("audit", "checkpoint")
    (data_dir / "checkpoint.key").unlink()
    result = invoke("audit", "verify")
    assert result.stderr.startswith(f"audit log NOT VERIFIED: no checkpoint key at {data_dir / 'checkpoint.key'}: ")


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


# --- the checkpointer the server runs ---------------------------------------------------------------


@pytest.fixture
def recorded(tmp_path: Path, policy) -> Iterator[AuditStore]:
    """An SQLite log holding one decision."""
    store = AuditStore(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    record_decision(store, policy, build_referral(*FAMILY))
    yield store
    store.db.dispose()


def _heads(folder: Path, key_file: Path) -> list[tuple[int, str]]:
    """The heads checkpointed in ``folder`` so far (none before the key is made)."""
    if not key_file.exists():
        return []
    return [(c.seq, c.hash) for c in read_checkpoints(folder, key_file.read_text().strip().encode())]


def _eventually(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` (the checkpointer's thread works on its own time)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_checkpointer_checkpoints_the_head_as_soon_as_it_starts(recorded, tmp_path):
    """Not only after its first interval: a server restarted every few minutes must still checkpoint."""
    folder, key_file = tmp_path / "checkpoints", tmp_path / "checkpoint.key"
    checkpointer = Checkpointer(recorded.log, folder, key_file, 3600)
    checkpointer.start()
    try:
        assert _eventually(lambda: _heads(folder, key_file) == [recorded.log.head()])
    finally:
        checkpointer.stop()


def test_stopping_the_checkpointer_checkpoints_what_was_recorded_since_before_it_returns(recorded, tmp_path, policy):
    """The server's shutdown waits for the last head to be on disk: events recorded since the
    last checkpoint are covered by one as the process ends."""
    folder, key_file = tmp_path / "checkpoints", tmp_path / "checkpoint.key"
    checkpointer = Checkpointer(recorded.log, folder, key_file, 3600)
    checkpointer.start()
    assert _eventually(lambda: len(_heads(folder, key_file)) == 1)
    record_decision(recorded, policy, build_referral(*FAMILY, referral_id="LATER-1"))
    checkpointer.stop()
    assert _heads(folder, key_file)[-1] == recorded.log.head()


def test_a_checkpointer_every_second_runs(recorded, tmp_path):
    """Only 0 switches checkpoints off; the shortest schedule still checkpoints."""
    folder, key_file = tmp_path / "checkpoints", tmp_path / "checkpoint.key"
    checkpointer = Checkpointer(recorded.log, folder, key_file, 1)
    checkpointer.start()
    try:
        assert _eventually(lambda: _heads(folder, key_file) == [recorded.log.head()])
    finally:
        checkpointer.stop()


def test_the_checkpoint_thread_never_keeps_a_process_from_exiting(recorded, tmp_path):
    """A server that ends without its shutdown running (a failed start-up) must still exit, not
    wait for ever on a thread sleeping till its next checkpoint."""
    checkpointer = Checkpointer(recorded.log, tmp_path / "checkpoints", tmp_path / "checkpoint.key", 3600)
    checkpointer.start()
    try:
        [thread] = [t for t in threading.enumerate() if t.name == "triage-checkpoints"]
        assert thread.daemon
    finally:
        checkpointer.stop()


def test_a_checkpoint_that_fails_is_logged_by_the_name_of_its_error(recorded, tmp_path, log_lines):
    """It never stops serving, but the operator must see it: a key file others can read is refused."""
    key_file = tmp_path / "checkpoint.key"
    key_file.write_text(KEY.decode())
    key_file.chmod(0o644)
    Checkpointer(recorded.log, tmp_path / "checkpoints", key_file, 3600).checkpoint()
    events, _ = log_lines()
    assert [(e["event"], e["level"], e["error"]) for e in events] == [("checkpoint_failed", "error", "KeyFileProblem")]


# --- the API: an auditor is told what is wrong, but not where the server keeps its files ------------


@pytest.fixture
def auditor_client(tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    """A client of an app whose checkpoint folder holds one checkpoint, and an auditor's headers."""
    application = create_app(Settings(audit_db=tmp_path / "api.sqlite3", engine="python"))
    _, token = application.state.services.keys.create("internal-audit", Role.AUDITOR)
    yield TestClient(application), {"Authorization": f"Bearer {token}"}
    application.state.services.store.db.dispose()


def _verified(client_and_headers: tuple[TestClient, dict[str, str]]) -> dict:
    client, headers = client_and_headers
    response = client.get("/v1/audit/verify", headers=headers)
    assert response.status_code == 200
    return response.json()


SERVER_KEY_PROBLEM = (
    "the server's checkpoint key is missing or unsafe: run `triage audit verify` on the server for details"
)


def test_the_api_says_the_checkpoint_key_is_missing_without_naming_server_paths(auditor_client, data_dir):
    write_checkpoint(data_dir / "checkpoints", KEY, 1, HEAD, WHEN)
    answer = _verified(auditor_client)
    assert (answer["ok"], answer["problem"]) == (False, SERVER_KEY_PROBLEM)


def test_the_api_says_an_unsafe_checkpoint_key_is_unsafe_without_naming_server_paths(auditor_client, data_dir):
    write_checkpoint(data_dir / "checkpoints", KEY, 1, HEAD, WHEN)
    (data_dir / "checkpoint.key").write_text(KEY.decode())
    (data_dir / "checkpoint.key").chmod(0o644)
    assert _verified(auditor_client)["problem"] == SERVER_KEY_PROBLEM


def test_the_api_names_a_forged_checkpoint(auditor_client, data_dir):
    write_checkpoint(data_dir / "checkpoints", b"another key, not the service's one!", 1, HEAD, WHEN)
    (data_dir / "checkpoint.key").write_text(KEY.decode())
    (data_dir / "checkpoint.key").chmod(0o600)
    problem = _verified(auditor_client)["problem"]
    assert problem.startswith("checkpoint checkpoints-2026-12-03.jsonl:1: its signature does not match")
