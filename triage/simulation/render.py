"""A simulation's report: a readable table, CSV (team workload), JSON (everything), and HTML."""

from __future__ import annotations

import json
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader

from triage.csv_safe import SafeDictWriter
from triage.simulation.run import Outcome
from triage.simulation.summary import Summary
from triage.text import grid

CSV_FIELDS = ("team", "before", "after", "change", "capacity")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def as_data(summary: Summary, capacity: dict[str, int], labels: dict[str, str]) -> dict[str, Any]:
    """Everything the report says, as plain data (the JSON output; the HTML is rendered from it)."""
    rows, columns = summary.routes()
    return {
        **labels,
        "total": summary.total,
        "changed": summary.changed,
        "changed_pct": _pct(summary.changed, summary.total),
        "errors": dict(summary.errors),
        "transitions": {
            "rows": rows,
            "columns": columns,
            "counts": [[summary.transitions[old, new] for new in columns] for old in rows],
        },
        "teams": [
            {"team": team, "before": before, "after": after, "change": after - before, "capacity": capacity.get(team)}
            for team, before, after in summary.teams()
        ],
        "sample": [_sampled(outcome) for outcome in summary.sample],
    }


def _sampled(outcome: Outcome) -> dict[str, Any]:
    assert outcome.old is not None and outcome.new is not None
    return {
        "referral_id": outcome.referral_id,
        "old": {
            "team": outcome.old.team,
            "priority": outcome.old.priority,
            "rule": outcome.old.matched_rule,
            "reasons": list(outcome.old.reasons),
        },
        "new": {
            "team": outcome.new.team,
            "priority": outcome.new.priority,
            "rule": outcome.new.matched_rule,
            "reasons": list(outcome.new.reasons),
        },
    }


def as_text(data: dict[str, Any]) -> str:
    """The report as a person reads it in a terminal."""
    lines = [
        f"Simulated {data['total']:,} referrals: {data['baseline']} -> candidate {data['candidate']}",
        f"Decisions that change (route, locality or priority): {data['changed']:,} ({data['changed_pct']})",
    ]
    lines += [f"Not decided: {count:,} ({reason})" for reason, count in data["errors"].items()]
    matrix = data["transitions"]
    lines += [
        "",
        "Old route (rows) -> new route (columns):",
        *grid(
            ["", *matrix["columns"]],
            [
                [old, *(str(c) if c else "." for c in counts)]
                for old, counts in zip(matrix["rows"], matrix["counts"], strict=True)
            ],
        ),
    ]
    lines += [
        "",
        "Workload by team (referrals):",
        *grid(
            ["team", "before", "after", "change", "capacity"],
            [
                [t["team"], str(t["before"]), str(t["after"]), f"{t['change']:+d}", str(t["capacity"] or "-")]
                for t in data["teams"]
            ],
        ),
    ]
    for item in data["sample"]:
        lines += [
            "",
            f"{item['referral_id']}: {item['old']['team']} ({item['old']['priority']}) -> "
            f"{item['new']['team']} ({item['new']['priority']})",
            f"  before (rule {item['old']['rule']}):",
            *(f"    - {r}" for r in item["old"]["reasons"]),
            f"  after (rule {item['new']['rule']}):",
            *(f"    - {r}" for r in item["new"]["reasons"]),
        ]
    return "\n".join(lines)


def write_csv(data: dict[str, Any], out: TextIO) -> None:
    """Team workload before and after, one row per team: what commissioners plan with (no cell a
    spreadsheet would run as a formula; counts stay numbers: see triage.csv_safe)."""
    writer = SafeDictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(data["teams"])


def write_json(data: dict[str, Any], out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


def as_html(data: dict[str, Any]) -> str:
    """A self-contained page (styles and the chart inline, no scripts, nothing fetched)."""
    # autoescape on for every template: select_autoescape() judges by extension and takes
    # ".html.j2" for not-HTML, which would put reasons and folder names into the page unescaped
    environment = Environment(loader=PackageLoader("triage.simulation"), autoescape=True)
    largest = max([max(t["before"], t["after"]) for t in data["teams"]] or [1]) or 1
    return environment.get_template("report.html.j2").render(data=data, largest=largest)
