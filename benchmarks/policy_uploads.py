"""How fast publishing and simulating answer hostile and real rulesets over the API (prints figures).

    python benchmarks/policy_uploads.py [--engine durable|python] [--referrals 2000]

- a 324-byte YAML alias bomb (9 levels of 9 aliases: 387 million strings expanded), a file nested 60
  levels deep and bad rule-test files, sent to POST /v1/rulesets and POST /v1/simulate: each should be
  a 422 in milliseconds (the alias bomb took 31 s and 2.5 GB before aliases were refused);
- publishing the example ruleset 2026.2: rule tests, coverage and the safeguarding invariants checked
  over ``--referrals`` generated referrals (the part that costs time), then archived;
- a candidate that sends a child on a child protection plan to MAST: refused, with the smallest
  referral that breaks the invariant (printed).

Runs in-process (FastAPI's TestClient) on a throw-away SQLite audit log.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.alias_bomb: the same bomb the tests send

from support import alias_bomb, deeply_nested  # noqa: E402 (found through the path set just above)

EXAMPLE = ROOT / "examples" / "policies" / "2026.2"


def _files() -> dict[str, str]:
    return {str(p.relative_to(EXAMPLE)): p.read_text(encoding="utf-8") for p in EXAMPLE.rglob("*.yaml")}


def _cp_plan_child_to_mast(files: dict[str, str]) -> dict[str, str]:
    """Safeguarding by immediate risk only, its rule tests about protection plans changed to match."""
    import yaml

    routing = yaml.safe_load(files["rules/routing.yaml"])
    [rule] = [r for r in routing["routing"] if r["id"] == "safeguarding"]
    rule["when"] = {
        "all": [{"field": "safeguarding.immediate_risk_of_harm", "eq": True}, {"exists": {"who": "dependent_child"}}]
    }
    changed = {"rules/routing.yaml": yaml.safe_dump(routing, allow_unicode=True)}
    for name, referral_id, expected in (
        (
            "rules/tests/routing.yaml",
            "T-ROUTE-SG-1",
            {"route": "consent_required", "matched_rule": "consent", "priority": "standard"},
        ),
        ("rules/tests/also_refer.yaml", "T-ALSO-CSC", {"route": "mast", "matched_rule": "mast_early_help"}),
    ):
        tests = yaml.safe_load(files[name])
        [case] = [c for c in tests["cases"] if c["referral"]["referral_id"] == referral_id]
        case["expect"].update(expected)
        changed[name] = yaml.safe_dump(tests, allow_unicode=True)
    return {
        **files,
        **changed,
        "rules/ruleset.yaml": files["rules/ruleset.yaml"].replace('version: "2026.2"', 'version: "2026.9"', 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="durable", choices=("durable", "python"))
    parser.add_argument("--referrals", type=int, default=2000)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    os.environ["TRIAGE_DATA_DIR"] = str(folder)
    os.environ["TRIAGE_LOG_LEVEL"] = "warning"

    from fastapi.testclient import TestClient

    from triage.access import Role
    from triage.app import create_app
    from triage.logs import configure_logging
    from triage.settings import Settings

    configure_logging("warning")
    app = create_app(
        Settings(audit_db=folder / "audit.sqlite3", engine=args.engine, invariant_referrals=args.referrals)
    )
    _, token = app.state.services.keys.create("bench-policy-lead", Role.POLICY_LEAD, None)
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    bomb = alias_bomb()
    print(f"alias bomb: {len(bomb.encode())} bytes; engine {args.engine}; {args.referrals} generated referrals")

    def timed(label: str, path: str, files: dict[str, str]) -> dict:
        started = time.perf_counter()
        response = client.post(path, json={"files": files})
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{label:<52} {path:<14} {response.status_code}  {elapsed:8.1f} ms")
        return response.json()

    for path in ("/v1/rulesets", "/v1/simulate"):
        timed("alias bomb in rules/extra.yaml", path, {**_files(), "rules/extra.yaml": bomb})
        timed("alias bomb as a rule-test file", path, {**_files(), "rules/tests/bomb.yaml": bomb})
        timed("rule-test file nested 60 deep", path, {**_files(), "rules/tests/deep.yaml": deeply_nested(60)})
        timed("rule-test file `base: 1`", path, {**_files(), "rules/tests/bad.yaml": "base: 1\ncases: []\n"})
    timed("example 2026.2, published", "/v1/rulesets", _files())
    refused = timed("child on a protection plan to MAST, refused", "/v1/rulesets", _cp_plan_child_to_mast(_files()))
    for error in refused.get("errors", []):
        print(f"\n{error['path']}\n{error['reason']}")
    app.state.services.store.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
