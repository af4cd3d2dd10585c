"""triage audit export / purge / replay / show from the command line, on SQLite and PostgreSQL.

``cli_store`` (tests/conftest.py) points the CLI at the ``store`` fixture's database: TRIAGE_AUDIT_DB
for SQLite, TRIAGE_DATABASE_URL for PostgreSQL (which also switches auditing on by default).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from triage.cases.service import Cases
from triage.cli import app
from triage.households.service import Households
from triage.report import EXPORT_FIELDS, audit_history

from databases import record_decision
from support import build_referral, child, parent, smiths

runner = CliRunner()
FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 88.0}))
SECRET = "Mum disclosed something only the referral may hold"
PAST = "2019-03-01T09:00:00+00:00"


def invoke(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def decide(tmp_path: Path, referral_id: str = "X-1", *extra: object) -> dict[str, Any]:
    """Decide (and record) a referral through the CLI; the decision as printed."""
    path = tmp_path / f"{referral_id}.json"
    path.write_text(json.dumps(build_referral(*FAMILY, referral_id=referral_id, narrative=SECRET)), encoding="utf-8")
    result = invoke("decide", path, "--audit", "--engine", "python", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def decide_in_2019(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, referral_id: str = "OLD-1") -> dict[str, Any]:
    """A decision recorded (with its payload) in 2019: the store's clock turned back for it."""
    with monkeypatch.context() as clock:
        clock.setattr("triage.audit.chain.now", lambda: PAST)
        return decide(tmp_path, referral_id)


def export(*args: object) -> Result:
    result = invoke("audit", "export", *args)
    assert result.exit_code == 0, result.stderr
    return result


def jsonl(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- export ------------------------------------------------------------------------------------


def test_export_gives_a_decision_its_route_priority_and_rule(cli_store, tmp_path) -> None:
    """An auditor reads what was decided, under which rule, without opening the database."""
    decision = decide(tmp_path)
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "decision"]
    event = cli_store.queries.decision_event(decision["decision_id"])
    assert row == {
        **dict.fromkeys(EXPORT_FIELDS),
        "seq": event.seq,
        "kind": "decision",
        "recorded_at": event.recorded_at,
        "referral_id": "X-1",
        "decision_id": decision["decision_id"],
        "route": decision["route"],
        "locality": decision["locality"],
        "priority": decision["priority"],
        "matched_rule": decision["matched_rule"],
        "hash": event.hash,
    }


def test_export_gives_an_override_its_route_reason_and_author(cli_store, tmp_path) -> None:
    """Who changed a decision, and why, is what a complaint asks first."""
    decision = decide(tmp_path)
    assert (
        invoke(
            "override", decision["decision_id"], "--route", "mast", "--reason", "Family asked", "--by", "A. Worker"
        ).exit_code
        == 0
    )
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "override"]
    assert (row["decision_id"], row["route"], row["reason"], row["by"], row["priority"]) == (
        decision["decision_id"],
        "mast",
        "Family asked",
        "A. Worker",
        None,
    )


def test_export_and_history_give_a_closed_case_its_reason_and_author(cli_store, tmp_path) -> None:
    decision = decide(tmp_path)
    Cases(cli_store).close(decision["decision_id"], "With MAST now", "A. Worker")
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "closed"]
    assert (row["decision_id"], row["reason"], row["by"], row["route"]) == (
        decision["decision_id"],
        "With MAST now",
        "A. Worker",
        None,
    )
    shown = audit_history("X-1", cli_store.queries.history(decision["decision_id"]))
    assert f"CLOSED {decision['decision_id']} by A. Worker: reason: With MAST now" in shown


@pytest.fixture
def smith_family(cli_store, policy) -> tuple[str, str]:
    """Two referrals of the Smith family, R-1 and R-2, recorded: their decision ids."""
    return record_decision(cli_store, policy, smiths("R-1")).decision_id, record_decision(
        cli_store, policy, smiths("R-2")
    ).decision_id


def test_export_and_show_give_a_link_its_author_reason_and_evidence(cli_store, smith_family) -> None:
    """Who said two referrals are one family, on what evidence, is what a complaint about a merge asks."""
    first, second = smith_family
    link = Households(cli_store).confirm(second, first, "A. Worker", "mother confirmed on the phone")
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "linked"]
    assert (row["decision_id"], row["by"], row["reason"], row["route"]) == (
        second,
        "A. Worker",
        "mother confirmed on the phone",
        None,
    )
    shown = invoke("audit", "show", "R-2")
    assert shown.exit_code == 0, shown.stderr
    [line] = [line for line in shown.stdout.splitlines() if "LINKED" in line]
    assert f"LINKED {second} into {link.household_id} (with {first}) by A. Worker: evidence: " in line
    assert "same NHS number" in line and line.endswith("; reason: mother confirmed on the phone")


def test_export_and_show_give_a_rejected_link_its_author_and_reason(cli_store, smith_family) -> None:
    first, second = smith_family
    Households(cli_store).reject(second, first, "A. Worker", "a different Smith family")
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "link_rejected"]
    assert (row["decision_id"], row["by"], row["reason"]) == (second, "A. Worker", "a different Smith family")
    shown = audit_history("R-2", cli_store.queries.history(second))
    assert f"LINK REJECTED {second} with {first} by A. Worker: reason: a different Smith family" in shown


def test_export_and_show_give_an_undone_link_its_author_and_reason(cli_store, smith_family) -> None:
    first, second = smith_family
    households = Households(cli_store)
    household = households.confirm(second, first, "A. Worker", "").household_id
    households.unlink(second, "A. Manager", "a cousin's family")
    [row] = [r for r in jsonl(export("--since", "2000-01-01")) if r["kind"] == "unlinked"]
    assert (row["decision_id"], row["by"], row["reason"]) == (second, "A. Manager", "a cousin's family")
    shown = audit_history("R-2", cli_store.queries.history(second))
    assert f"UNLINKED {second} from {household} by A. Manager: reason: a cousin's family" in shown


def test_show_says_a_link_joined_households_and_had_no_reason_given(cli_store, policy) -> None:
    a1, a2, b1, b2 = (record_decision(cli_store, policy, smiths(f"R-{n}")).decision_id for n in range(1, 5))
    households = Households(cli_store)
    older = households.confirm(a2, a1, "A. Worker", "").household_id
    younger = households.confirm(b2, b1, "A. Worker", "").household_id
    households.confirm(b2, older, "A. Worker", "")
    shown = audit_history("R-4", cli_store.queries.history(b2))
    assert f"LINKED {b2} into {older} (with {older}, joined {younger}) by A. Worker: evidence: " in shown
    assert shown.endswith("; reason: (none given)")


def test_export_leaves_out_events_before_the_date(cli_store, tmp_path, monkeypatch) -> None:
    """--since bounds the export by the UTC day each event was recorded."""
    decide_in_2019(tmp_path, monkeypatch)
    decide(tmp_path, "NEW-1")
    rows = jsonl(export("--since", datetime.now(UTC).date().isoformat()))
    assert {r["referral_id"] for r in rows if r["kind"] == "decision"} == {"NEW-1"}


def test_export_includes_events_recorded_on_the_date_itself(cli_store, tmp_path, monkeypatch) -> None:
    """ "Since 1 March" includes 1 March."""
    decide_in_2019(tmp_path, monkeypatch)
    rows = jsonl(export("--since", "2019-03-01"))
    assert [r["referral_id"] for r in rows if r["kind"] == "decision"] == ["OLD-1"]


def test_export_as_csv_has_a_header_row_and_one_row_per_event(cli_store, tmp_path) -> None:
    """Spreadsheets are how most auditors will read it."""
    decide(tmp_path)
    result = export("--since", "2000-01-01", "--format", "csv")
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    assert tuple(reader.fieldnames) == EXPORT_FIELDS
    assert [r["kind"] for r in rows] == [e.kind for e in cli_store.queries.events()]


def test_export_as_csv_never_hands_a_spreadsheet_a_formula(policy, cli_store, tmp_path) -> None:
    """An override reason or a referral id that a spreadsheet would run (=HYPERLINK, -2-3) is
    exported with a quote in front, so the auditor's spreadsheet shows it as text."""
    decision = decide(tmp_path, "-2-3")
    Cases(cli_store).override(
        decision["decision_id"], "bsf", '=HYPERLINK("http://x.example","open")', "A. Worker", policy
    )
    rows = list(csv.DictReader(io.StringIO(export("--since", "2000-01-01", "--format", "csv").stdout)))
    override = next(r for r in rows if r["kind"] == "override")
    assert override["referral_id"] == "'-2-3"
    assert override["reason"] == '\'=HYPERLINK("http://x.example","open")'


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_never_carries_the_referral_payload(cli_store, tmp_path, fmt) -> None:
    """An export leaves the building: no personal data from the referral may go with it."""
    decide(tmp_path)
    result = export("--since", "2000-01-01", "--format", fmt)
    assert SECRET not in result.stdout and "attendance_pct" not in result.stdout


def test_export_writes_to_a_file_with_o(cli_store, tmp_path) -> None:
    """-o keeps the export off the terminal (and is written whole or not at all)."""
    decide(tmp_path)
    target = tmp_path / "audit.jsonl"
    result = export("--since", "2000-01-01", "-o", target)
    assert result.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(list(cli_store.queries.events()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-01-01", "--format", "xml"], "--format: unknown format 'xml'; expected one of: jsonl, csv"),
        (["--since", "01/02/2026"], "--since: '01/02/2026' is not a date; expected YYYY-MM-DD"),
    ],
)
def test_export_refuses_a_bad_format_or_date_with_exit_2(cli_store, args, message) -> None:
    """A typo must say what is expected, not produce an empty or wrong export."""
    result = invoke("audit", "export", *args)
    assert (result.exit_code, message in result.stderr) == (2, True)


# --- purge -------------------------------------------------------------------------------------


def test_purge_erases_payloads_past_retention_and_says_how_many(cli_store, tmp_path, monkeypatch) -> None:
    """The retention rule (six years) is carried out by one command."""
    decision = decide_in_2019(tmp_path, monkeypatch)
    decide(tmp_path, "NEW-1")
    result = invoke("audit", "purge", "--older-than", "6y")
    assert (result.exit_code, "purged 2 record(s) of personal data" in result.stdout) == (0, True)
    assert (
        cli_store.queries.payload(cli_store.queries.decision_event(decision["decision_id"]).body["payload_sha256"])
        is None
    )


def test_verify_stays_green_after_a_purge(cli_store, tmp_path, monkeypatch) -> None:
    """Erasing personal data must never look like tampering with the record."""
    decide_in_2019(tmp_path, monkeypatch)
    assert invoke("audit", "purge", "--older-than", "6y").exit_code == 0
    result = invoke("audit", "verify")
    assert (result.exit_code, result.stdout.startswith("ok:")) == (0, True)


def test_purge_dry_run_erases_nothing(cli_store, tmp_path, monkeypatch) -> None:
    """An operator can see the effect before committing to an irreversible erase."""
    decide_in_2019(tmp_path, monkeypatch)
    result = invoke("audit", "purge", "--older-than", "6y", "--dry-run")
    assert "would purge 2 record(s) of personal data" in result.stdout
    assert invoke("audit", "purge", "--older-than", "6y").stdout.startswith("purged 2 ")


@pytest.mark.parametrize("age", ["6", "6w", "-1y", "0d", "99999y"])
def test_purge_refuses_an_unreadable_age_with_exit_2(cli_store, age) -> None:
    """A misread age could erase far more than meant: refuse anything but Ny, Nm or Nd."""
    result = invoke("audit", "purge", "--older-than", age)
    assert (result.exit_code, "--older-than:" in result.stderr) == (2, True)


# --- replay ------------------------------------------------------------------------------------


def _stricter_absence(data: dict[str, Any]) -> None:
    """Persistent absence at 85% attendance instead of 90%: the 88% child no longer meets it."""
    [term] = [d for d in data["definitions"] if d["id"] == "persistent_absence"]
    [attendance] = [c for c in term["test"]["all"] if c.get("field") == "school.attendance_pct"]
    attendance["le"] = 85


def test_replay_after_the_rule_files_change_uses_the_archived_ruleset(
    cli_store, tmp_path, policy_copy: Path, edit: Callable[..., None]
) -> None:
    """A past decision is checked against the rules of its day, not today's files."""
    decision = decide(tmp_path, "X-1", "--rules", policy_copy)
    edit(policy_copy / "definitions" / "terms.yaml", _stricter_absence)
    today = decide(tmp_path, "X-2", "--rules", policy_copy)
    assert today["problems"] != decision["problems"]  # the edit does change this referral's decision
    result = invoke("audit", "replay", decision["decision_id"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("identical:")


@pytest.mark.parametrize("engine", ["python", "durable"])
def test_replay_works_with_either_engine(cli_store, tmp_path, engine) -> None:
    """Both engines follow the same archived policy."""
    decision = decide(tmp_path)
    result = invoke("audit", "replay", decision["decision_id"], "--engine", engine)
    assert (result.exit_code, f"({engine} engine)" in result.stdout) == (0, True)


def test_replay_names_each_field_that_differs_and_exits_1(cli_store, tmp_path) -> None:
    """A record edited behind the log's back no longer matches what its rules decide."""
    decision = decide(tmp_path)
    postgres = cli_store.db.dialect.name == "postgresql"
    with cli_store.db.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER audit_events_append_only ON audit_events"
                if postgres
                else "DROP TRIGGER audit_events_no_update"
            )
        )
        conn.execute(
            text("UPDATE audit_events SET content = replace(content, :old, :new) WHERE kind = 'decision'"),
            {"old": f'"route":"{decision["route"]}"', "new": '"route":"edited"'},
        )
    result = invoke("audit", "replay", decision["decision_id"])
    assert result.exit_code == 1
    assert f'  route: recorded "edited", replayed "{decision["route"]}"' in result.stdout


def test_replay_of_a_purged_payload_exits_1(cli_store, tmp_path, monkeypatch) -> None:
    """After retention the evidence is gone: say so rather than pretend to check."""
    decision = decide_in_2019(tmp_path, monkeypatch)
    invoke("audit", "purge", "--older-than", "6y")
    result = invoke("audit", "replay", decision["decision_id"])
    assert (result.exit_code, "payload purged (retention)" in result.stderr) == (1, True)


def test_replay_of_an_unknown_decision_exits_2(cli_store) -> None:
    """A mistyped id is the caller's mistake, like an unknown override target."""
    result = invoke("audit", "replay", "no-such-decision")
    assert (result.exit_code, "no decision with id" in result.stderr) == (2, True)


# --- show --------------------------------------------------------------------------------------


def test_show_lists_the_referrals_events_but_not_ruleset_loads(cli_store, tmp_path) -> None:
    """A ruleset load belongs to no referral, so a referral's history leaves it out."""
    decision = decide(tmp_path)
    result = invoke("audit", "show", "X-1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Referral X-1: 1 event(s)")
    assert f"DECISION {decision['decision_id']}" in result.stdout
    assert [e.kind for e in cli_store.queries.events()] == ["ruleset_loaded", "decision"]


def test_verify_fails_when_the_households_tables_disagree_with_the_links_recorded(cli_store, smith_family) -> None:
    first, second = smith_family
    household = Households(cli_store).confirm(second, first, "A. Worker", "").household_id
    assert invoke("audit", "verify").exit_code == 0
    with cli_store.db.begin() as conn:
        conn.execute(text("DELETE FROM household_members WHERE decision_id = :d"), {"d": first})
    refused = invoke("audit", "verify")
    assert refused.exit_code == 1
    assert f"decision {first} is in no household, but the audit log puts it in {household}" in refused.stderr
