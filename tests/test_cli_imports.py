"""A command imports what it needs and no more: ``triage decide`` on one referral starts quickly
(its start-up is measured by benchmarks/cli_startup.py; here, what it imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "alembic", "argon2", "fastapi", "holidays", "triage.policy_tests", "triage.costs")
# runs `triage decide` in this process, then lists which of HEAVY it imported
PROBE = """
import contextlib, io, json, sys
from triage.cli import app
sys.argv = ["triage", "decide", sys.argv[1]]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app()
    except SystemExit as done:
        assert not done.code, done.code
print(json.dumps([name for name in {heavy!r} if name in sys.modules]), file=sys.stderr)
"""


def _imported_by_decide() -> list[str]:
    command = [sys.executable, "-c", PROBE.format(heavy=HEAVY), str(ROOT / "examples" / "bsf_three_problems.json")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_deciding_one_referral_without_an_audit_log_imports_no_database_web_or_costs_code():
    _imported_by_decide()  # the first run keeps this year's bank holidays in the cache folder
    assert _imported_by_decide() == []
