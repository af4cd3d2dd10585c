"""``triage search`` and ``triage household`` on both databases: a family found and its record read
from the audit log, as text or as the API's JSON; bad input is one line on stderr with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from typer.testing import CliRunner, Result

from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.cli import app
from triage.households.service import Households
from triage.models import Decision

from support import smiths

Record = Callable[..., Decision]
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture
def linked(cli_store: AuditStore, record: Record, households: Households) -> tuple[str, str, str]:
    """Two referrals of the Smith family linked into a household: (first, second, household id)."""
    first = record(smiths("R-1", referrer={"agency": "school", "name": "Ms Price", "phone": "0114 496 0000"}))
    second = record(smiths("R-2"))
    household = households.confirm(second.decision_id, first.decision_id, "A. Worker", "").household_id
    return first.decision_id, second.decision_id, household


def test_search_prints_a_table_of_the_people_found(cli_store, record) -> None:
    decided = record(smiths("R-1"))
    result = invoke("search", "Jayden Smiht")
    assert result.exit_code == 0, result.stderr
    header, _, best, *_ = result.stdout.splitlines()
    assert header.split()[:4] == ["name", "born", "postcode", "household"]
    assert best.startswith("Jayden Smith") and "2014-03-02" in best and decided.decision_id in best
    assert "open" in best


def test_search_as_json_is_what_the_api_answers(cli_store, linked) -> None:
    first, second, household = linked
    result = invoke("search", "Sarah Smith", "--json")
    assert result.exit_code == 0, result.stderr
    [item] = json.loads(result.stdout)["items"]  # one row for her, however many referrals name her
    assert (item["name"], item["household_id"], item["date_of_birth"]) == ("Sarah Smith", household, "1990-04-12")
    assert item["decision_id"] in {first, second}


def test_a_search_that_finds_no_one_says_so(cli_store, record) -> None:
    record(smiths("R-1"))
    result = invoke("search", "Amira Begum")
    assert (result.exit_code, result.stdout.strip()) == (0, "Nothing found.")


@pytest.mark.parametrize("query", ["", "   ", "x" * 201, "Smith\x1b[2J"])
def test_a_search_for_nothing_too_much_or_control_characters_is_refused_with_exit_2(cli_store, query) -> None:
    result = invoke("search", query)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("QUERY: ") and "\x1b" not in line


def test_search_without_an_audit_log_exits_2_naming_where_it_looked(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "none.sqlite3"))
    result = invoke("search", "Jayden Smith")
    assert (result.exit_code, result.stderr.startswith("no audit log at ")) == (2, True)
    assert not (tmp_path / "none.sqlite3").exists()


def test_household_prints_its_people_history_and_contacts(cli_store, linked) -> None:
    first, second, household = linked
    Cases(cli_store).close(first, "needs met", "A. Worker")
    result = invoke("household", household.lower())
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"Household {household}\nAddress: 12 Hill Street, Sheffield, S5 7AU\n")
    people = text.split("\nPeople\n")[1].split("\n\n")[0].splitlines()
    age = date.today().year - 1990 - ((date.today().month, date.today().day) < (4, 12))
    assert people[2].split()[:4] == ["Sarah", "Smith", "parent_carer", str(age)]
    history = text.split("History (oldest first)\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[1] for line in history] == ["REFERRAL", "REFERRAL", "LINKED", "CLOSED"]
    assert f"LINKED {second} into {household} (with {first}) by A. Worker: evidence: " in history[2]
    assert "CLOSED" in history[3] and "reason: needs met" in history[3]
    assert "Ms Price" in text and "0114 496 0000" in text


def test_household_as_json_is_what_the_api_answers(cli_store, linked) -> None:
    first, second, household = linked
    result = invoke("household", household, "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["household_id"], shown["merged"]) == (household, False)
    assert [p["name"] for p in shown["people"]] == ["Sarah Smith", "Jayden Smith"]
    assert [c["decision_id"] for c in shown["cases"]] == [first, second]
    assert [e["kind"] for e in shown["timeline"]] == ["referral", "referral", "linked"]


def test_household_by_an_id_merged_into_another_says_so(cli_store, record, households) -> None:
    a1, a2, b1, b2 = (record(smiths(f"R-{n}")).decision_id for n in range(1, 5))
    older = households.confirm(a2, a1, "A. Worker", "").household_id
    younger = households.confirm(b2, b1, "A. Worker", "").household_id
    households.confirm(b2, older, "A. Worker", "")
    result = invoke("household", younger)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Household {older} (the id {younger} was merged into it)\n")


def test_an_unknown_household_exits_2(cli_store, record) -> None:
    record(smiths("R-1"))
    result = invoke("household", "H-00000000")
    assert (result.exit_code, result.stderr.strip()) == (2, "no household with id 'H-00000000'")


@pytest.mark.parametrize("household_id", ["R-1", "H-123", "H-0000\x000000"])
def test_something_that_is_not_a_household_id_exits_2_naming_the_argument(cli_store, household_id) -> None:
    result = invoke("household", household_id)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("HOUSEHOLD_ID: not a household id")
