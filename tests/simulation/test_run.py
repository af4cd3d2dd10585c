"""``triage.simulation.run``: where the referrals are decided, and what each outcome holds.

- A small input (with ``workers`` left to its default), or one worker, is decided in this process:
  no pool is started (the pool is replaced by one that refuses to start). Above the threshold, and
  with durable-rules at any size, the workers decide.
- Each referral is routed under both rulesets without being explained; the outcome must still say
  exactly where a full decision sends it, and a changed one carries both decisions' reasons.
- A JSONL line that is not JSON comes back as an outcome with its error, counted like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import pytest

from triage.engine import Engine
from triage.intake import parse_referral
from triage.rulebook import default_policy_dir, load_policy
from triage.simulation import run
from triage.simulation.run import NOT_JSON, Outcome, Past, from_jsonl, simulate

from simulation.sim_support import SHIFTED, UNAFFECTED, write_lines
from simulation.test_parallel import benchmarks_generate


class PoolStarted(Exception):
    """Raised instead of starting worker processes."""


class NoPool:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise PoolStarted


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "ProcessPoolExecutor", NoPool)


def outcomes(items: list[Past], candidate: Path, backend: str = "python", workers: int | None = None) -> list[Outcome]:
    return [o for chunk in simulate(items, default_policy_dir(), candidate, backend, workers) for o in chunk]


def test_a_small_input_is_decided_in_this_process(no_pool: None, bsf_35: Path) -> None:
    done = outcomes([Past(r) for r in [SHIFTED, *UNAFFECTED]], bsf_35)
    assert [o.referral_id for o in done if o.changed] == ["R-SHIFT"]


def test_one_worker_is_this_process_whatever_the_size(
    no_pool: None, bsf_35: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "IN_PROCESS_UP_TO", 2)
    assert len(outcomes([Past(r) for r in [SHIFTED, *UNAFFECTED]], bsf_35, workers=1)) == 1 + len(UNAFFECTED)


def test_above_the_threshold_the_workers_decide(no_pool: None, bsf_35: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "IN_PROCESS_UP_TO", 2)
    with pytest.raises(PoolStarted):
        outcomes([Past(r) for r in [SHIFTED, *UNAFFECTED]], bsf_35)


def test_durable_rules_always_runs_in_workers(no_pool: None, bsf_35: Path) -> None:
    """Its C core can take the calling process down with it (the API server calls this)."""
    with pytest.raises(PoolStarted):
        outcomes([Past(SHIFTED)], bsf_35, backend="durable")


def test_a_simulation_kept_out_of_this_process_starts_workers_however_small(no_pool: None, bsf_35: Path) -> None:
    """The API server passes here=False: its own process answers partners, and must not decide."""
    with pytest.raises(PoolStarted):
        list(run.simulate([Past(SHIFTED)], None, bsf_35, "python", here=False))


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    return benchmarks_generate().generate(600, seed=11)


def test_every_outcome_says_where_a_full_decision_sends_the_referral(
    generated: list[dict[str, Any]],
    make_candidate: Callable[[Path, int], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    candidate = make_candidate(tmp_path_factory.mktemp("bsf_30"), 30)
    old_engine, new_engine = Engine(load_policy(), "python"), Engine(load_policy(candidate), "python")
    done = outcomes([Past(r) for r in generated], candidate)
    changed = 0
    for referral, outcome in zip(generated, done, strict=True):
        for engine, routed in ((old_engine, outcome.old), (new_engine, outcome.new)):
            decision = engine.would_decide(parse_referral(referral, engine.compiled.agencies))
            assert routed is not None
            assert routed[:4] == (decision.route, decision.locality, decision.priority, decision.matched_rule)
            if outcome.changed:  # the reasons a report's sample shows
                assert routed.reasons == tuple(decision.reasons)
        changed += outcome.changed
    assert changed > 5


def test_a_line_that_is_not_json_is_an_outcome_with_its_error(no_pool: None, bsf_35: Path, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED, "", "   ", "not JSON {", UNAFFECTED[0]])
    done = outcomes(list(from_jsonl(source)), bsf_35)
    assert [(o.referral_id, o.error) for o in done] == [
        ("R-SHIFT", None),
        ("?", NOT_JSON),
        (UNAFFECTED[0]["referral_id"], None),
    ]


class LazyPool:
    """A stand-in for the process pool: one "worker" that does a chunk only when its result is
    asked for, so every chunk submitted stays waiting as on a busy machine."""

    made: ClassVar[list[LazyPool]] = []

    def __init__(
        self, max_workers: int, mp_context: Any, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        self.max_workers, self.submitted = max_workers, 0
        initializer(*initargs)
        LazyPool.made.append(self)

    def submit(self, fn: Callable[[list[Past]], list[Outcome]], chunk: list[Past]) -> Future[list[Outcome]]:
        self.submitted += 1
        return LazyFuture(fn, chunk)

    def shutdown(self, wait: bool, cancel_futures: bool) -> None:
        pass


class LazyFuture(Future):  # type: ignore[type-arg]
    def __init__(self, fn: Callable[[list[Past]], list[Outcome]], chunk: list[Past]) -> None:
        super().__init__()
        self.fn, self.chunk = fn, chunk

    def result(self, timeout: float | None = None) -> list[Outcome]:
        return self.fn(self.chunk)


def test_with_two_workers_this_process_decides_beside_one_worker_process(
    monkeypatch: pytest.MonkeyPatch, generated: list[dict[str, Any]], bsf_35: Path
) -> None:
    """Two processes decide: one started, and this one, which takes chunks while the other is busy."""
    monkeypatch.setattr(run, "ProcessPoolExecutor", LazyPool)
    monkeypatch.setattr(LazyPool, "made", [])
    monkeypatch.setattr(run, "CHUNK", 50)
    items = [Past(r) for r in generated]
    chunks = list(simulate(items, default_policy_dir(), bsf_35, "python", workers=2))
    [pool] = LazyPool.made
    assert pool.max_workers == 1 and 0 < pool.submitted < len(chunks) == len(generated) // 50
    assert [o for chunk in chunks for o in chunk] == outcomes(items, bsf_35, workers=1)
