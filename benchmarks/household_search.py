"""Front door search and matching through the households service, on a recorded audit log.

    python benchmarks/household_search.py [--people 100000] [--queries 200] [--seed 1] [--keep DIR]

``benchmarks/matching.py`` measures the matcher alone, in memory. This measures what a front door
worker waits for: ``Households.search`` and ``Households.matches`` on a SQLite audit log holding
referrals for about ``--people`` people (the generated city of matching.py, one referral per
household, decided and recorded by a ``FrontDoor``), so each figure includes reading the people
index's new decisions and the cases found from the database.

Prints: the time to record the referrals (set-up, not a target), the time the first question takes
(the index is built from the log then), and p50 / p95 / max latency per kind of search and for
``matches`` on a new referral. Target: every search under 200 ms at 100,000 people.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching import TODAY, City, one_edit  # noqa: E402  (the generator of benchmarks/matching.py)

from triage.audit.store import AuditStore  # noqa: E402
from triage.engine import Engine  # noqa: E402
from triage.front_door import FrontDoor  # noqa: E402
from triage.households.service import Households  # noqa: E402
from triage.logs import configure_logging  # noqa: E402
from triage.matching import PersonRecord  # noqa: E402
from triage.rulebook import load_policy  # noqa: E402

TARGET_MS = 200.0


def referral(n: int, people: list[PersonRecord]) -> dict[str, Any]:
    """A referral of one generated household: its people with names, dates of birth and numbers."""
    members = []
    for i, person in enumerate(people):
        born = person.date_of_birth or TODAY
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        member = {"id": f"m{i + 1}", "role": "child" if age < 18 else "parent_carer", "age": age}
        for field in ("given_name", "family_name", "sex", "nhs_number", "upn"):
            if getattr(person, field):
                member[field] = getattr(person, field)
        member["date_of_birth"] = born.isoformat()
        members.append(member)
    return {
        "referral_id": f"B-{n:06d}",
        "received_at": "2026-12-01T10:15:00Z",
        "referrer": {"agency": "school"},
        "consent": {"given": True},
        "household": {"postcode": people[0].postcode, "address_line_1": people[0].address_line_1, "members": members},
    }


def record_city(store: AuditStore, people: int, seed: int) -> list[list[PersonRecord]]:
    """Record one referral per generated household until about ``people`` people are recorded."""
    city, households, count = City(seed), [], 0
    while count < people:
        known, _ = city.household()
        households.append([p.record for p in known])
        count += len(known)
    door = FrontDoor(Engine(load_policy(), "python"), store, caller="benchmark")
    for start in range(0, len(households), 500):
        batch = [referral(start + i, h) for i, h in enumerate(households[start : start + 500])]
        failed = [o for o in door.decide_many(batch) if isinstance(o, Exception)]
        if failed:
            raise SystemExit(f"recording failed: {failed[0]}")
    return households


def latency(label: str, queries: list[str], ask: Callable[[str], object]) -> float:
    """Run each query, print p50 / p95 / max in ms; the max."""
    times = []
    for query in queries:
        start = time.perf_counter()
        ask(query)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:<28} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   max {times[-1]:6.1f} ms")
    return times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="searches of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="a folder to keep the audit database in (default: a temporary one)")
    args = parser.parse_args()
    configure_logging("warning")  # a decision's log line per referral would swamp the figures
    folder = args.keep or Path(tempfile.mkdtemp(prefix="household-search-"))
    store = AuditStore(f"sqlite:///{folder / 'audit.sqlite3'}")
    start = time.perf_counter()
    households = record_city(store, args.people, args.seed)
    people = [p for h in households for p in h]
    print(
        f"Recorded {len(households):,} referrals naming {len(people):,} people in {time.perf_counter() - start:.0f} s"
    )

    service = Households(store)
    start = time.perf_counter()
    service.search("warm up")
    print(f"First question (the people index built from the log): {time.perf_counter() - start:.1f} s")

    rng = random.Random(args.seed)
    sample = rng.sample(people, args.queries)
    named = [p for p in sample if p.given_name and p.family_name]
    worst = max(
        latency("name", [f"{p.given_name} {p.family_name}" for p in named], service.search),
        latency(
            "misspelt surname", [f"{p.given_name} {one_edit(rng, p.family_name or '')}" for p in named], service.search
        ),
        latency("surname alone", [p.family_name or "" for p in named], service.search),
        latency("date of birth", [_uk(p.date_of_birth) for p in sample if p.date_of_birth], service.search),
        latency("postcode", [p.postcode or "" for p in sample], service.search),
        latency("NHS number", [p.nhs_number for p in sample if p.nhs_number], service.search),
        latency("referral id", [f"B-{rng.randrange(len(households)):06d}" for _ in sample], service.search),
    )
    print(
        f"Slowest search: {worst:.1f} ms (target under {TARGET_MS:.0f} ms): {'met' if worst < TARGET_MS else 'NOT met'}"
    )

    newcomers = [referral(len(households) + i, h) for i, h in enumerate(rng.sample(households, 50))]
    door = FrontDoor(Engine(load_policy(), "python"), store, caller="benchmark")
    decided = [d.decision_id for d in door.decide_many(newcomers) if not isinstance(d, Exception)]
    latency("matches for a new referral", decided, service.matches)


def _uk(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


if __name__ == "__main__":
    main()
