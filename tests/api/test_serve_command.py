"""The README's partner walkthrough, for real: ``triage keys create``, ``triage serve``, POST a referral."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bsf_three_problems.json"
EXAMPLE_RECEIVED = "2026-11-20T10:15:00Z"  # what the README's sed replaces with the time it is sent


def _example_received_now() -> bytes:
    """The example as the README's command sends it: received now (the API takes only recent referrals)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert f'"received_at": "{EXAMPLE_RECEIVED}"' in text  # else the README's sed no longer finds it
    assert f'sed "s/{EXAMPLE_RECEIVED}/' in (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    return text.replace(EXAMPLE_RECEIVED, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")).encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _triage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args], capture_output=True, text=True, env=env, timeout=60
    )


def _wait_ready(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"triage serve exited with {server.returncode}: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as ready:
                if ready.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("triage serve was not ready within 30 s")


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {**os.environ, "TRIAGE_AUDIT_DB": str(tmp_path / "audit.sqlite3"), "TRIAGE_LOG_LEVEL": "warning", **settings}
    env.pop("TRIAGE_DATABASE_URL", None)
    return env


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[str]:
    """``triage serve`` running on a free port with ``env``: its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port), "--engine", "python"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path):
    """A running ``triage serve`` on a fresh SQLite file, and a partner key for it."""
    env = _environment(tmp_path)
    created = _triage(
        "keys", "create", "--name", "hillside-school-mis", "--role", "partner", "--agency", "school", env=env
    )
    assert created.returncode == 0, created.stderr
    with _serving(env) as base:
        yield base, created.stdout.strip()


def _post(url: str, key: str, body: bytes) -> tuple[int, dict[str, str], dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_a_partner_key_and_the_example_referral_get_a_recorded_decision(served):
    base, key = served
    sent = _example_received_now()
    status, headers, decision = _post(f"{base}/v1/referrals", key, sent)
    assert (status, decision["route"], headers["location"]) == (201, "bsf", f"/v1/decisions/{decision['decision_id']}")
    again, _, same = _post(f"{base}/v1/referrals", key, sent)
    assert (again, same["decision_id"]) == (200, decision["decision_id"])


def test_a_key_that_was_never_issued_is_refused(served):
    base, _ = served
    status, headers, problem = _post(f"{base}/v1/referrals", "triage_000000000000_" + "x" * 43, EXAMPLE.read_bytes())
    assert (status, problem["status"], headers["content-type"]) == (401, 401, "application/problem+json")


# --- the start-up line, and a database that cannot be opened (uvicorn itself is not started) -----


@pytest.fixture
def not_serving(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """``triage serve`` up to the point of starting uvicorn; the calls it would have made."""
    calls: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append(kwargs))
    for name in ("TRIAGE_DATABASE_URL", "TRIAGE_AUDIT_DB"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_serve_writes_no_access_log_of_its_own(not_serving):
    """uvicorn's access log would write each request's path with its query string, and a search's
    holds names and dates of birth (``/v1/search?q=…``): only the app's own request log runs."""
    result = CliRunner().invoke(app, ["serve", "--engine", "python", "--port", "8123"])
    assert result.exit_code == 0, result.stderr
    assert not_serving[0]["access_log"] is False


def test_serve_starts_with_a_line_saying_where_the_log_and_the_data_folder_are(not_serving, data_dir):
    result = CliRunner().invoke(app, ["serve", "--engine", "python", "--port", "8123"])
    assert (result.exit_code, len(not_serving)) == (0, 1), result.stderr
    assert result.stderr.startswith("triage serve: http://127.0.0.1:8123")
    assert f"audit log {data_dir / 'audit.sqlite3'}; data folder {data_dir};" in result.stderr
    assert "ruleset 2026.1 in force today" in result.stderr


def test_serve_on_an_unreachable_database_is_one_line_and_exit_3(not_serving, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "postgres://triage:s3cret@127.0.0.1:1/triage")
    result = CliRunner().invoke(app, ["serve", "--engine", "python"])
    assert (result.exit_code, not_serving, result.stderr.count("\n")) == (3, [], 1)
    assert "postgres://triage:***@127.0.0.1:1/triage" in result.stderr and "s3cret" not in result.stderr


def test_a_body_that_stops_arriving_gets_408_and_the_connection_closed(tmp_path):
    with _serving(_environment(tmp_path, TRIAGE_BODY_TIMEOUT_SECONDS="1")) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(
                b"POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"a":'
            )  # 5 bytes of the 100 declared, then nothing
            answer = b""
            while chunk := client.recv(65536):  # the server closes the connection: recv returns b""
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == 408


def test_a_session_key_file_others_may_read_stops_the_server_with_one_line(tmp_path):
    key_file = tmp_path / "session.key"
    key_file.write_text("k" * 64 + "\n")
    key_file.chmod(0o644)
    done = _triage(
        "serve",
        "--port",
        str(_free_port()),
        "--engine",
        "python",
        env=_environment(tmp_path, TRIAGE_SESSION_KEY_FILE=str(key_file)),
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"the session key file {key_file} may be read by other users; make it private with: chmod 600 {key_file}"
    ]
