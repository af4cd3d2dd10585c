"""A real browser (Debian's Chromium, driven by Playwright) against a real ``triage serve``.

The browser is /usr/bin/chromium (or TRIAGE_TEST_CHROMIUM): Playwright's own browser download
does not work here, so .ci/run installs Debian's. In CI a missing browser fails the run; on a
developer's machine without one these tests are skipped with a reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("TRIAGE_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery"
STAFF = {"a.patel": ("A. Patel", "front_door"), "p.lead": ("P. Lead", "policy_lead")}


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _triage(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "triage.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"triage serve exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("triage serve was not ready within 30 s")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``triage serve`` on loopback with a fresh database and two staff accounts."""
    folder = tmp_path_factory.mktemp("browser")
    env = {**os.environ, "TRIAGE_AUDIT_DB": str(folder / "audit.sqlite3"), "TRIAGE_LOG_LEVEL": "warning"}
    env.pop("TRIAGE_DATABASE_URL", None)
    for username, (name, role) in STAFF.items():
        _triage(
            env,
            "staff",
            "create",
            "--username",
            username,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port), "--engine", "python"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield Server(url, env)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium, or set TRIAGE_TEST_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(base_url=server.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the main pages' screenshots go: docs/screenshots when TRIAGE_SCREENSHOTS=1, else a temp folder."""
    if os.environ.get("TRIAGE_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    else:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="triage-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as").first).to_be_visible()


@pytest.fixture(scope="session")
def sign_in_page():
    """``sign_in_page(page, username)``: sign any page in through the sign-in form (for set-ups that
    outlive one test's ``page``)."""
    return _sign_in


@pytest.fixture
def sign_in(page):
    """``sign_in(username)``: sign ``page`` in through the sign-in form."""
    return lambda username: _sign_in(page, username)
