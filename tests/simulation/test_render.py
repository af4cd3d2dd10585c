"""Writing a simulation's report (``triage.simulation.render``) from hand-built report data.

The HTML page goes to commissioners by e-mail or a shared drive: it must stand alone (styles and
chart inline, no scripts, nothing fetched) and show the text it quotes (reasons, labels) as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from triage.simulation.render import CSV_FIELDS, as_html, as_text, write_csv, write_json

SCRIPT = "<script>alert(1)</script>"


def report_data(**changes: Any) -> dict[str, Any]:
    """Report data as ``as_data`` makes it: one referral moved from MAST North to BSF."""
    data: dict[str, Any] = {
        "baseline": "ruleset 2026.1",
        "candidate": "2026.2 (candidate)",
        "total": 1234,
        "changed": 57,
        "changed_pct": "4.6%",
        "errors": {"line not valid JSON": 2},
        "transitions": {"rows": ["bsf", "mast"], "columns": ["bsf", "mast"], "counts": [[100, 0], [57, 900]]},
        "teams": [
            {"team": "bsf", "before": 100, "after": 157, "change": 57, "capacity": 160},
            {"team": "mast/north", "before": 900, "after": 843, "change": -57, "capacity": 225},
            {"team": "universal_signpost", "before": 234, "after": 234, "change": 0, "capacity": None},
        ],
        "sample": [
            {
                "referral_id": "R-SHIFT",
                "old": {
                    "team": "mast/north",
                    "priority": "standard",
                    "rule": "mast_early_help",
                    "reasons": ["Headline problems met: 2, need score 35: MAST"],
                },
                "new": {
                    "team": "bsf",
                    "priority": "high",
                    "rule": "bsf_intensive",
                    "reasons": ["Headline problems met: 2, need score 35: BSF"],
                },
            }
        ],
    }
    data.update(changes)
    return data


def with_reason(reason: str) -> dict[str, Any]:
    data = report_data()
    data["sample"][0]["new"]["reasons"] = [reason]
    return data


# --- text ----------------------------------------------------------------------------------------


def test_text_says_how_many_were_simulated_and_changed() -> None:
    text = as_text(report_data())
    assert "Simulated 1,234 referrals" in text and "change (route, locality or priority): 57 (4.6%)" in text


def test_text_lists_what_was_not_decided() -> None:
    assert "Not decided: 2 (line not valid JSON)" in as_text(report_data())


def test_text_shows_a_team_row_with_signed_change_and_capacity() -> None:
    [row] = [line for line in as_text(report_data()).splitlines() if line.startswith("mast/north")]
    assert row.split() == ["mast/north", "900", "843", "-57", "225"]


def test_text_shows_both_explanations_of_a_sampled_referral() -> None:
    text = as_text(report_data())
    assert "R-SHIFT: mast/north (standard) -> bsf (high)" in text
    assert "need score 35: MAST" in text and "need score 35: BSF" in text


# --- CSV and JSON --------------------------------------------------------------------------------


def test_csv_has_the_planning_header() -> None:
    out = io.StringIO()
    write_csv(report_data(), out)
    assert out.getvalue().splitlines()[0] == "team,before,after,change,capacity"
    assert CSV_FIELDS == ("team", "before", "after", "change", "capacity")


def test_csv_has_one_row_per_team_with_empty_capacity_where_unknown() -> None:
    out = io.StringIO()
    write_csv(report_data(), out)
    assert list(csv.reader(io.StringIO(out.getvalue())))[1:] == [
        ["bsf", "100", "157", "57", "160"],
        ["mast/north", "900", "843", "-57", "225"],
        ["universal_signpost", "234", "234", "0", ""],
    ]


def test_json_is_the_report_data() -> None:
    out = io.StringIO()
    write_json(report_data(), out)
    assert json.loads(out.getvalue()) == report_data()


def test_json_keeps_non_ascii_text_readable() -> None:
    out = io.StringIO()
    write_json(report_data(candidate="2026.2 (Chloë's draft)"), out)
    assert "Chloë" in out.getvalue()


# --- HTML ----------------------------------------------------------------------------------------


def test_html_fetches_nothing() -> None:
    page = as_html(report_data())
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page


def test_html_runs_no_script() -> None:
    assert "<script" not in as_html(report_data()).lower()


def test_html_draws_the_workload_chart_inline() -> None:
    page = as_html(report_data())
    assert "<svg" in page and page.count('<rect class="after"') == 3


def test_html_gives_the_changed_count() -> None:
    assert "57 decisions change (4.6%)" in as_html(report_data())


def test_html_tabulates_each_team() -> None:
    page = re.sub(r"\s+", "", as_html(report_data()))
    assert "<tr><td>mast/north</td><td>900</td><td>843</td><td>-57</td><td>225</td></tr>" in page


def test_html_says_so_when_nothing_changes() -> None:
    assert "No decision changes." in as_html(report_data(changed=0, changed_pct="0.0%", sample=[]))


def test_html_renders_an_empty_simulation() -> None:
    page = as_html(
        report_data(
            total=0,
            changed=0,
            changed_pct="0%",
            errors={},
            sample=[],
            teams=[],
            transitions={"rows": [], "columns": [], "counts": []},
        )
    )
    assert "<svg" in page and "No decision changes." in page


def test_html_escapes_a_reason() -> None:
    """Reasons and labels are text: markup in them must show as text, never run in the reader's browser."""
    page = as_html(with_reason(SCRIPT))
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("field", ["baseline", "candidate"])
def test_html_escapes_the_labels(field: str) -> None:
    """The candidate label holds the folder as typed: a folder name may hold any character."""
    page = as_html(report_data(**{field: "<b>draft</b>"}))
    assert "<b>draft</b>" not in page and "&lt;b&gt;draft&lt;/b&gt;" in page


def test_html_escapes_an_error_reason() -> None:
    page = as_html(report_data(errors={"not decided: <i>boom</i>": 1}))
    assert "<i>boom</i>" not in page


def test_csv_neutralises_a_team_name_a_spreadsheet_would_run_and_keeps_negative_changes_numbers() -> None:
    """A team name comes from the policy's catalogue, which a policy lead writes: never a formula in
    a commissioner's spreadsheet; a fall in workload (-57) must still add up."""
    teams = [{"team": '=HYPERLINK("http://x.example")', "before": 900, "after": 843, "change": -57, "capacity": 1}]
    out = io.StringIO()
    write_csv(report_data(teams=teams), out)
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == [
        '\'=HYPERLINK("http://x.example")',
        "900",
        "843",
        "-57",
        "1",
    ]
