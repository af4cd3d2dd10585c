"""Fixtures for the what-if simulation tests (``triage simulate`` and ``triage.simulation``).

- ``cli``: run a ``triage`` command in this process (``typer.testing.CliRunner``), with a fresh
  engine logger each time, as ``tests/test_cli.py`` does (see its module docstring for why).
- ``make_candidate(folder, need_score)``: a copy of the shipped policy whose BSF rule takes two
  headline problems with a need score of ``need_score`` or more (the shipped rule says 40).
- ``bsf_35``: that candidate at 35 (the brief's change), made once per session.

Plain data and helpers (the input referrals, reading the report) are in ``sim_support.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner, Result

import triage.engine
from triage.cli import app

from simulation.sim_support import copy_policy, lower_bsf_need_score

runner = CliRunner()


def invoke(*args: Any) -> Result:
    """Run ``triage ARGS`` in this process, as its own process would (a logger not yet bound)."""
    triage.engine.log = structlog.get_logger("triage.engine")
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="session")
def cli() -> Callable[..., Result]:
    return invoke


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(triage.engine, "log", triage.engine.log)  # restored after the test
    yield
    structlog.reset_defaults()  # never leave structlog printing to a CliRunner buffer that is closed


@pytest.fixture(scope="session")
def make_candidate() -> Callable[[Path, int], Path]:
    def make(folder: Path, need_score: int) -> Path:
        copy_policy(folder)
        lower_bsf_need_score(folder, need_score)
        return folder

    return make


@pytest.fixture(scope="session")
def bsf_35(tmp_path_factory: pytest.TempPathFactory, make_candidate: Callable[[Path, int], Path]) -> Path:
    """The brief's candidate: BSF for 2 problems with need score >= 35 (instead of >= 40)."""
    return make_candidate(tmp_path_factory.mktemp("bsf_35"), 35)
