"""API load: latency and throughput of ``POST /v1/referrals`` under concurrent keep-alive clients.

    python benchmarks/api_load.py [-n 5000] [-c 50] [--warmup 200] [--workers 1] [--engine durable|python]
        [--client httpx|raw] [--postgres-url URL] [--seed 1] [--repeat 1] [--keep DIR]
        [--rate 200 --duration 30]

What it measures
- A real ``triage serve --workers W --engine E`` (TRIAGE_LOG_LEVEL=warning) on a fresh database in a
  scratch folder: the SQLite file TRIAGE_AUDIT_DB, or TRIAGE_DATABASE_URL from ``--postgres-url``,
  whose ``public`` SCHEMA IS DROPPED AND RE-CREATED first (give a scratch database). A partner key
  comes from ``triage keys create``; the load starts once GET /readyz answers 200.
- C clients (default 50), one keep-alive connection each, send N requests in all (default 5,000),
  each a distinct generated referral (``generate.py``, serialised before timing). Closed loop: a
  client sends again as soon as it has its answer, so mean latency ~ C / throughput (p99 < 25 ms
  at 50 clients needs > 2,000 req/s). A warm-up (default 200) on the same connections is not
  counted; ``--repeat R`` measures R rounds on the same server and pools them.
- Per request: latency (perf_counter, sent to answer read) and status; anything but 201 is an
  error. CPU of the client (``time.process_time``: it shares the machine with the server) and of
  the server (its process and workers, from /proc), per round and per request. ``--client raw``
  sends the same bytes over plain asyncio streams, to show how much client CPU is httpx's.
- ``--rate R --duration S``: open loop instead. R x S requests per round, request i sent at
  start + i/R whatever the answers (on whichever of the C connections is free, waiting for one
  when all are busy), its latency measured from that scheduled time, so queueing counts: what a
  partner sees when the traffic is R req/s. The warm-up stays closed loop.
- After the server is stopped: the store holds exactly one decision per request sent (warm-up
  included), for as many distinct referrals, and its hash chain verifies (``AuditStore.verify``).

Target: p99 < 25 ms at 50 clients with SQLite auditing, no errors; open loop, p99 < 25 ms at
200 req/s. Server CPU per request (``srv cpu ms/req``) is what an optimisation is measured by: on
a shared machine latency varies with the neighbours' load far more than CPU does. Exit status 1 when a request
failed, the server did not start or the store check failed (a missed target alone exits 0).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvloop  # comes with uvicorn[standard]: the server's event loop, and a cheaper one for the clients

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from audit_throughput import check_store, child_env, fresh_database  # noqa: E402
from engine_throughput import describe_exit  # noqa: E402
from generate import generate  # noqa: E402

TARGET_P99_MS = 25.0
TARGET_CLIENTS = 50
TARGET_RATE = 200.0
READY_TIMEOUT, REQUEST_TIMEOUT = 60.0, 120.0
PATH = "/v1/referrals"
TRIAGE = [sys.executable, "-m", "triage.cli"]
Server = subprocess.Popen[bytes]


# --- the server --------------------------------------------------------------------------------


def server_cpu(pid: int) -> float:
    """CPU s (user+sys) so far of the process ``pid`` and its children (uvicorn's workers), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        except (OSError, IndexError):
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def create_key(env: dict[str, str]) -> str:
    done = subprocess.run(
        [*TRIAGE, "keys", "create", "--name", "api-load-bench", "--role", "partner"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"triage keys create failed ({describe_exit(done.returncode)}): {done.stderr.strip()}")
    return done.stdout.split()[0]


def start_server(args: argparse.Namespace, env: dict[str, str], log: Path) -> tuple[Server, int]:
    """The server on a free port, ready (GET /readyz 200); exits with its stderr when it is not."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [
        *TRIAGE,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--engine",
        args.engine,
    ]
    with log.open("wb") as stderr:  # own session: a last-resort kill takes its workers too
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    deadline = time.monotonic() + READY_TIMEOUT
    while server.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2.0).status_code == 200:
                return server, port
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    state = f"exited ({describe_exit(server.returncode)})" if server.poll() is not None else "was not ready in time"
    stop_server(server)
    print(f"the server {state}; its stderr:\n{log.read_text(errors='replace')}", file=sys.stderr)
    raise SystemExit(1)


def stop_server(server: Server) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the session of the server we started: it and its workers
            server.wait()


# --- the clients -------------------------------------------------------------------------------


class HttpxClient:
    def __init__(self, port: int, token: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=REQUEST_TIMEOUT,
            limits=httpx.Limits(max_connections=1),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    async def post(self, body: bytes) -> int:
        return (await self.client.post(PATH, content=body)).status_code

    async def close(self) -> None:
        await self.client.aclose()


class RawClient:
    """HTTP/1.1 on one asyncio stream, the least a client can do per request; reconnects after an error."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()

    async def post(self, body: bytes) -> int:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                self.stream = self.stream or await asyncio.open_connection("127.0.0.1", self.port)
                reader, writer = self.stream
                writer.write(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))
                head = await reader.readuntil(b"\r\n\r\n")
                size = next(int(h[15:]) for h in head.lower().split(b"\r\n") if h.startswith(b"content-length:"))
                await reader.readexactly(size)
                return int(head[9:12])
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
            self.stream = None


Client = HttpxClient | RawClient


@dataclass
class Round:
    latencies: list[float]  # seconds, one per request
    statuses: Counter[str]  # "201", "500", ... or the exception's name when no answer came
    wall: float
    client_cpu: float
    server_cpu: float

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "201")

    def ms(self, q: float) -> float:
        ordered = sorted(self.latencies)  # nearest rank
        return 1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def send_all(clients: list[Client], bodies: list[bytes], server_pid: int) -> Round:
    pending = iter(bodies)  # shared: each body goes to whichever client is free first
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def run(client: Client) -> None:
        for body in pending:
            started = time.perf_counter()
            try:
                status = str(await client.post(body))
            except Exception as error:  # noqa: BLE001 - a failed request is counted, not fatal
                status = type(error).__name__
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    cpu, server, started = time.process_time(), server_cpu(server_pid), time.perf_counter()
    await asyncio.gather(*(run(client) for client in clients))
    wall = time.perf_counter() - started
    return Round(latencies, statuses, wall, time.process_time() - cpu, server_cpu(server_pid) - server)


async def send_open(clients: list[Client], bodies: list[bytes], server_pid: int, rate: float) -> Round:
    """Open loop: body i is due at start + i/rate and is sent then (or as soon as a connection is
    free); its latency runs from when it was due, so a server that falls behind is charged for it."""
    idle: asyncio.Queue[Client] = asyncio.Queue()
    for client in clients:
        idle.put_nowait(client)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def one(body: bytes, due: float) -> None:
        client = await idle.get()
        try:
            status = str(await client.post(body))
        except Exception as error:  # noqa: BLE001 - a failed request is counted, not fatal
            status = type(error).__name__
        finally:
            idle.put_nowait(client)
        latencies.append(time.perf_counter() - due)
        statuses[status] += 1

    cpu, server, started = time.process_time(), server_cpu(server_pid), time.perf_counter()
    tasks = []
    for i, body in enumerate(bodies):
        due = started + i / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(body, due)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    return Round(latencies, statuses, wall, time.process_time() - cpu, server_cpu(server_pid) - server)


async def drive(args: argparse.Namespace, port: int, token: str, bodies: list[bytes], server_pid: int) -> list[Round]:
    """The warm-up round (if any, closed loop), then the measured rounds (closed or open loop), on
    the same connections."""
    kind = RawClient if args.client == "raw" else HttpxClient
    clients: list[Client] = [kind(port, token) for _ in range(args.clients)]
    cuts = [0, *([args.warmup] if args.warmup else [])]
    cuts += [args.warmup + (i + 1) * args.requests for i in range(args.repeat)]
    rounds: list[Round] = []
    try:
        for start, end in itertools.pairwise(cuts):
            if args.rate and (rounds or not args.warmup):
                rounds.append(await send_open(clients, bodies[start:end], server_pid, args.rate))
            else:
                rounds.append(await send_all(clients, bodies[start:end], server_pid))
            if rounds[-1].errors:
                break  # refused, or the server is gone: no point going on
        return rounds
    finally:
        for client in clients:
            await client.close()


def run_clients(args: argparse.Namespace, port: int, token: str, bodies: list[bytes], pid: int) -> list[Round]:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(drive(args, port, token, bodies, pid))


# --- report ------------------------------------------------------------------------------------


def row(label: str, r: Round) -> str:
    n = len(r.latencies)
    errors = ", ".join(f"{count} x {status}" for status, count in sorted(r.statuses.items()) if status != "201")
    return (
        f"{label:<8}{n:>9,}{r.wall:>8.2f}{n / r.wall:>8,.0f}{r.ms(0.5):>8.1f}{r.ms(0.95):>8.1f}{r.ms(0.99):>8.1f}"
        f"{r.ms(1.0):>8.1f}{r.client_cpu:>11.2f}{1000 * r.client_cpu / n:>7.2f}{r.server_cpu:>10.2f}"
        f"{1000 * r.server_cpu / n:>7.2f}  {errors or 0}"
    )


def report(args: argparse.Namespace, rounds: list[Round], database: str, store: str) -> bool:
    """Print the table and the target; False when a request failed or a round is missing."""
    load = f"open loop at {args.rate:g} req/s on up to {args.clients}" if args.rate else f"{args.clients}"
    print(
        f"API load: POST {PATH}, {args.requests:,} requests x {args.repeat} (+{args.warmup} warm-up, seed "
        f"{args.seed}), {load} clients ({args.client}, keep-alive); server: {args.workers} worker(s), "
        f"--engine {args.engine}, {database}; {os.cpu_count()} CPUs"
    )
    print(
        f"{'round':<8}{'requests':>9}{'wall s':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'cli cpu s':>11}{'ms/req':>7}{'srv cpu s':>10}{'ms/req':>7}  errors"
    )
    measured = rounds[1:] if args.warmup else rounds
    for i, r in enumerate(rounds):
        print(row("warm-up" if args.warmup and i == 0 else str(i if args.warmup else i + 1), r))
    if not measured:
        print("no measured round: the warm-up failed")
        return False
    pooled = Round(
        [x for r in measured for x in r.latencies],
        sum((r.statuses for r in measured), Counter()),
        *(sum(getattr(r, f) for r in measured) for f in ("wall", "client_cpu", "server_cpu")),
    )
    if len(measured) > 1:
        print(row("all", pooled))
    print(f"store: {store}")
    p99, errors = pooled.ms(0.99), sum(r.errors for r in rounds)
    judged = (args.rate == TARGET_RATE if args.rate else args.clients == TARGET_CLIENTS) and not args.postgres_url
    verdict = ("PASS" if p99 < TARGET_P99_MS and not errors else "FAIL") if judged else "not judged (not that setup)"
    setup = f"open loop at {TARGET_RATE:g} req/s" if args.rate else f"at {TARGET_CLIENTS} clients"
    print(
        f"target: p99 < {TARGET_P99_MS:g} ms {setup} with SQLite auditing, no errors: "
        f"p99 {p99:.1f} ms, {errors} errors   {verdict}"
    )
    return not errors and len(measured) == args.repeat


def received_lately(referral: dict, n: int) -> dict:
    """The API takes only referrals received in the last 90 days (rules/ruleset.yaml, intake): the
    generated ones span 2025-2027, so each is given a received_at within the last 80 days instead."""
    moment = datetime.now(UTC) - timedelta(days=n % 80, minutes=n % 1440)
    return {**referral, "received_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=5_000, help="measured requests per round (default 5000)")
    parser.add_argument("-c", "--clients", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--warmup", type=int, default=200, help="requests sent first, not counted (default 200)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--engine", default="durable", choices=("durable", "python"))
    parser.add_argument("--client", default="httpx", choices=("httpx", "raw"), help="HTTP client (default httpx)")
    parser.add_argument("--postgres-url", help="a scratch PostgreSQL database instead of SQLite (public schema wiped)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="measured rounds on the same server (default 1)")
    parser.add_argument("--keep", type=Path, help="keep the database and the server's stderr in this folder")
    parser.add_argument("--rate", type=float, help="open loop: send this many requests per second (see --duration)")
    parser.add_argument("--duration", type=float, default=30.0, help="open loop: seconds per round (default 30)")
    args = parser.parse_args(argv)
    if min(args.requests, args.clients, args.workers, args.repeat) < 1 or args.warmup < 0:
        parser.error("--requests, --clients, --workers and --repeat must be >= 1, --warmup >= 0")
    if args.rate is not None:
        if args.rate <= 0 or args.duration <= 0:
            parser.error("--rate and --duration must be > 0")
        args.requests = max(1, round(args.rate * args.duration))  # per round, replacing -n

    total = args.warmup + args.requests * args.repeat
    bodies = [
        json.dumps(received_lately(r, n), separators=(",", ":")).encode()
        for n, r in enumerate(generate(total, args.seed))
    ]
    work = args.keep or Path(tempfile.mkdtemp(prefix="triage-api-load-"))
    work.mkdir(parents=True, exist_ok=True)
    log, server = work / "server_stderr.txt", None
    try:
        url = fresh_database("postgresql" if args.postgres_url else "sqlite", work, args.postgres_url, "api_load")
        assert url is not None
        env = child_env(url, "warning")
        token = create_key(env)
        server, port = start_server(args, env, log)
        rounds = run_clients(args, port, token, bodies, server.pid)
        stop_server(server)  # before checking: everything it answered is committed
        sent = sum(len(r.latencies) for r in rounds)
        wrong, held = check_store(url, sent)
        store = f"WRONG: {wrong}" if wrong else f"ok: {sent:,} requests sent, chain verifies, {held}"
        ok = report(args, rounds, "PostgreSQL" if args.postgres_url else "SQLite", store) and wrong is None
        if not ok and log.stat().st_size:
            print(f"server stderr (last lines):\n{''.join(log.read_text(errors='replace').splitlines(True)[-20:])}")
        return 0 if ok else 1
    finally:
        if server is not None:
            stop_server(server)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
