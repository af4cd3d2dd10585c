"""A burst of sign-ins: the server's memory and an API call's latency while C people sign in at once.

    python benchmarks/sign_in_burst.py [-c 40] [--probes 20] [--keep DIR]

What it measures
- A real ``triage serve --engine python`` (one worker, TRIAGE_LOG_LEVEL=warning) on a fresh SQLite
  file in a scratch folder, with one member of staff (``triage staff create``).
- C clients (default 40), each with its own cookie jar, fetch the sign-in form, then all post the
  right password at the same moment (a barrier): each password check costs argon2id's 64 MiB.
  Right passwords, so no failure is counted and neither the per-account nor the per-address limit
  is involved: what is measured is the bound on password checks running at once.
- While they run, ``--probes`` GET /readyz calls one after another: their latencies show whether the
  API is starved of threads.
- The server's peak resident memory (VmHWM from /proc, the server process) before and after.

It prints the answers by status (303 signed in, 503 refused as busy), the peak memory and the
probe latencies. No target is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("triage serve was not ready within 60 s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _signer(base: str, barrier: threading.Barrier, statuses: list[int]) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
    form = opener.open(f"{base}/sign-in", timeout=60).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"username": "bench.user", "password": PASSWORD, "csrf_token": token}).encode()
    barrier.wait()
    try:
        with opener.open(f"{base}/sign-in", data=body, timeout=120) as answer:
            statuses.append(answer.status)
    except urllib.error.HTTPError as error:
        statuses.append(error.code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--clients", type=int, default=40)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep (default: a temporary one)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="triage-sign-in-burst-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(folder),
        "TRIAGE_AUDIT_DB": str(folder / "audit.sqlite3"),
        "TRIAGE_LOG_LEVEL": "warning",
        "TRIAGE_SECURE_COOKIES": "false",
    }
    env.pop("TRIAGE_DATABASE_URL", None)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "triage.cli",
            "staff",
            "create",
            "--username",
            "bench.user",
            "--name",
            "Bench User",
            "--role",
            "front_door",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port), "--engine", "python"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(base)
        before = _peak_mib(server.pid)
        statuses: list[int] = []
        barrier = threading.Barrier(args.clients + 1)
        signers = [threading.Thread(target=_signer, args=(base, barrier, statuses)) for _ in range(args.clients)]
        for signer in signers:
            signer.start()
        barrier.wait()
        started = time.perf_counter()
        probes = []
        for _ in range(args.probes):
            sent = time.perf_counter()
            with urllib.request.urlopen(f"{base}/readyz", timeout=120):
                probes.append((time.perf_counter() - sent) * 1000)
        for signer in signers:
            signer.join()
        elapsed = time.perf_counter() - started
        after = _peak_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"{args.clients} sign-ins at once, answered in {elapsed:.1f} s: "
        + ", ".join(f"{count} x {status}" for status, count in sorted(Counter(statuses).items()))
    )
    print(f"server peak memory: {before:.0f} MiB before, {after:.0f} MiB after")
    print(
        f"GET /readyz during the burst: median {statistics.median(probes):.0f} ms, max {max(probes):.0f} ms "
        f"({len(probes)} calls)"
    )


if __name__ == "__main__":
    main()
