"""An appraisal's report: plain data (JSON and the API), a terminal table, CSV files and HTML.

Everything is rendered from one ``as_data`` dictionary, so the terminal, the files, the API and the
web page can never disagree about a figure.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader

from triage.costs.loader import CostData
from triage.costs.model import BenefitLine, Result
from triage.costs.sensitivity import MonteCarloResult, OneWayResult
from triage.csv_safe import SafeDictWriter
from triage.files import replacing
from triage.text import grid

CSV_FILES = ("summary", "years", "agencies", "outcomes", "sensitivity")


def as_data(
    data: CostData,
    result: Result,
    one_way: list[OneWayResult],
    monte_carlo: MonteCarloResult | None,
    service_names: dict[str, str],
) -> dict[str, Any]:
    """Every figure of the report as plain, JSON-ready data."""
    appraised = set(data.data.appraisal.engagement)
    return {
        "cohort": result.cohort.label,
        # decisions in the audit log left out because they could not be read, and the sentence saying so
        "unreadable": result.cohort.unreadable,
        "unreadable_note": result.cohort.unreadable_note,
        "price_year": result.price_year,
        "discount_rate": result.discount_rate,
        "horizon_years": result.horizon_years,
        "cost_data_sha256": data.sha256,
        "ruleset_version": data.ruleset_version,
        "families": [
            {
                "route": route,
                "service": service_names.get(route, route),
                "families": count,
                "appraised": route in appraised,
            }
            for route, count in sorted(result.cohort.families.items())
        ],
        "summary": _summary(result),
        "years": result.years(),
        "agencies": sorted(
            ({**row, "name": data.agency_name(str(row["agency"]))} for row in result.agencies()),
            key=lambda row: (-row["pays_now"], -row["fiscal_benefit"], row["name"]),
        ),
        "outcomes": [_line(line) for line in result.lines],
        "unit_costs": _unit_costs_used(data, result),
        "deflators": {
            "series": data.data.deflators.series,
            "source": data.data.deflators.source,
            "base": data.data.deflators.base,
        },
        "sensitivity": [asdict(test) for test in one_way],
        "monte_carlo": None if monte_carlo is None else asdict(monte_carlo),
    }


def _summary(result: Result) -> dict[str, float | None]:
    benefits = result.benefits
    fiscal_ratio = result.ratio("fiscal")
    return {
        "cost": result.cost,
        "fiscal_benefit": benefits["fiscal"],
        "economic_benefit": benefits["economic"],
        "public_value": benefits["public"],
        "npv_fiscal": result.net_present_value("fiscal"),
        "npv_economic": result.net_present_value("economic"),
        "npv_public": result.net_present_value("public"),
        "bcr_fiscal": fiscal_ratio,
        "bcr_economic": result.ratio("economic"),
        "bcr_public": result.ratio("public"),
        "roi_fiscal": None if fiscal_ratio is None else fiscal_ratio - 1,
        "payback_years_fiscal": result.payback_years("fiscal"),
        "payback_years_economic": result.payback_years("economic"),
    }


def _line(line: BenefitLine) -> dict[str, Any]:
    """One outcome line as JSON-ready data (asdict keeps tuples, which JSON writes as lists anyway)."""
    return {**asdict(line), "parts": [asdict(part) for part in line.parts], "profile": list(line.profile)}


def _unit_costs_used(data: CostData, result: Result) -> list[dict[str, Any]]:
    used = sorted({line.unit_cost for line in result.lines})
    rows = []
    for code in used:
        cost = data.unit_cost(code)
        rows.append(
            {
                "code": code,
                "description": cost.description,
                "value": cost.value,
                "unit": cost.unit,
                "price_year": cost.price_year,
                "uprating": data.uprating(cost.price_year),
                "uprated": cost.value * data.uprating(cost.price_year),
                "source": cost.source,
            }
        )
    return rows


def money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def years(value: float | None) -> str:
    return "not within the horizon" if value is None else f"{value:.1f} years"


def as_text(report: dict[str, Any]) -> str:
    """The report as a finance officer reads it in a terminal."""
    s = report["summary"]
    lines = [
        f"Cost-benefit appraisal: {report['cohort']}",
        f"Prices: {report['price_year']}; discounted at {report['discount_rate']:.1%} a year over "
        f"{report['horizon_years']} years (present values). Cost data {report['cost_data_sha256'][:12]}, "
        f"ruleset {report['ruleset_version']}.",
        *([report["unreadable_note"] + "."] if report["unreadable_note"] else []),
        "",
    ]
    lines += grid(
        ["route", "families", "appraised"],
        [
            [
                f"{f['service']} [{f['route']}]",
                f"{f['families']:,}",
                "yes" if f["appraised"] else "no (not key working)",
            ]
            for f in report["families"]
        ],
    )
    lines += [
        "",
        *grid(
            ["measure", "value"],
            [
                ["Cost of key working", money(s["cost"])],
                ["Fiscal benefit", money(s["fiscal_benefit"])],
                ["Economic benefit (incl. fiscal)", money(s["economic_benefit"])],
                ["Public value (incl. social)", money(s["public_value"])],
                ["Net present value, fiscal", money(s["npv_fiscal"])],
                ["Net present value, economic", money(s["npv_economic"])],
                ["Benefit-cost ratio, fiscal (£ per £1)", ratio(s["bcr_fiscal"])],
                ["Benefit-cost ratio, economic (£ per £1)", ratio(s["bcr_economic"])],
                ["Return on investment, fiscal", "-" if s["roi_fiscal"] is None else f"{s['roi_fiscal']:.0%}"],
                ["Payback, fiscal", years(s["payback_years_fiscal"])],
                ["Payback, economic", years(s["payback_years_economic"])],
            ],
        ),
    ]
    lines += [
        "",
        "Who pays and who saves (present values):",
        *grid(
            ["agency", "pays now", "fiscal benefit", "cashable", "share", "proposed contribution"],
            [
                [
                    a["name"],
                    money(a["pays_now"]),
                    money(a["fiscal_benefit"]),
                    money(a["cashable"]),
                    "-" if a["benefit_share"] is None else f"{a['benefit_share']:.1%}",
                    money(a["proposed_contribution"]),
                ]
                for a in report["agencies"]
            ],
        ),
    ]
    if s["bcr_fiscal"] is not None and s["bcr_fiscal"] < 1:
        lines += [
            f"The fiscal benefits are less than the cost: under this proposal every agency would put in more "
            f"than it gets back (£{s['bcr_fiscal']:.2f} for each £1)."
        ]
    lines += [
        "",
        "By year:",
        *grid(
            ["year", "discount", "cost", "fiscal", "economic", "social", "cumulative net (fiscal, PV)"],
            [
                [
                    str(y["year"]),
                    f"{y['discount_factor']:.4f}",
                    money(y["cost"]),
                    money(y["fiscal"]),
                    money(y["economic"]),
                    money(y["social"]),
                    money(y["cumulative_net_fiscal_pv"]),
                ]
                for y in report["years"]
            ],
        ),
    ]
    lines += [
        "",
        "Sensitivity (benefit-cost ratio, fiscal / economic):",
        *grid(
            ["assumption", "low", "fiscal", "economic", "high", "fiscal", "economic"],
            [
                [
                    t["label"],
                    t["low"]["value"],
                    ratio(t["low"]["fiscal"]),
                    ratio(t["low"]["economic"]),
                    t["high"]["value"],
                    ratio(t["high"]["fiscal"]),
                    ratio(t["high"]["economic"]),
                ]
                for t in report["sensitivity"]
            ],
        ),
    ]
    if report["monte_carlo"]:
        mc = report["monte_carlo"]
        lines += [
            "",
            f"Monte Carlo ({mc['draws']:,} draws, seed {mc['seed']}): fiscal ratio {ratio(mc['fiscal']['p5'])} to "
            f"{ratio(mc['fiscal']['p95'])} (90% of draws), median {ratio(mc['fiscal']['p50'])}; economic "
            f"{ratio(mc['economic']['p5'])} to {ratio(mc['economic']['p95'])}; fiscal benefits exceed the "
            f"cost in {mc['share_fiscal_above_one']:.0%} of draws.",
        ]
    return "\n".join(lines)


def write_json(report: dict[str, Any], out: TextIO) -> None:
    json.dump(report, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_csv(report: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV per table, each written whole or not at all; returns the files written. Text that a
    spreadsheet would run as a formula is quoted; figures stay numbers (triage.csv_safe)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "summary": [{"measure": key, "value": value} for key, value in report["summary"].items()],
        "years": report["years"],
        "agencies": report["agencies"],
        "outcomes": [{k: v for k, v in line.items() if k not in ("parts", "profile")} for line in report["outcomes"]],
        "sensitivity": [
            {
                "assumption": t["label"],
                "low": t["low"]["value"],
                "low_fiscal": t["low"]["fiscal"],
                "low_economic": t["low"]["economic"],
                "high": t["high"]["value"],
                "high_fiscal": t["high"]["fiscal"],
                "high_economic": t["high"]["economic"],
            }
            for t in report["sensitivity"]
        ],
    }
    written = []
    for name in CSV_FILES:
        path = folder / f"{name}.csv"
        rows = tables[name]
        with replacing(path) as out:
            writer = SafeDictWriter(out, fieldnames=list(rows[0]) if rows else ["empty"])
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def as_html(report: dict[str, Any]) -> str:
    """A self-contained page a finance officer can read and forward: styles and charts inline (SVG),
    no scripts, nothing fetched. Every chart's figures are also in a table beside it."""
    environment = Environment(loader=PackageLoader("triage.costs"), autoescape=True)
    environment.filters.update(
        money=money, ratio=ratio, years=years, pounds=lambda value: "–" if value is None else f"£{value:.2f}"
    )
    return environment.get_template("report.html.j2").render(report=report, charts=charts(report))


def charts(report: dict[str, Any]) -> dict[str, Any]:
    """Coordinates for the two SVG charts, worked out here so the template only draws them."""
    agencies = report["agencies"]
    largest = (
        max([max(a["pays_now"], a["fiscal_benefit"], a["proposed_contribution"] or 0) for a in agencies] or [1]) or 1
    )
    bars = [
        {
            "name": a["name"],
            "pays": a["pays_now"] / largest * 700,
            "benefit": a["fiscal_benefit"] / largest * 700,
            "proposed": (a["proposed_contribution"] or 0) / largest * 700,
        }
        for a in agencies
    ]
    start = -report["years"][0]["cost_pv"]  # paid at the start; benefits then accrue through each year
    points = [(0.0, start, start)] + [
        (y["year"] + 1.0, y["cumulative_net_fiscal_pv"], y["cumulative_net_economic_pv"]) for y in report["years"]
    ]
    low = min(0.0, *(min(p[1], p[2]) for p in points))
    high = max(0.0, *(max(p[1], p[2]) for p in points))
    span = (high - low) or 1.0
    width, height, left, top = 560.0, 220.0, 70.0, 10.0
    x = lambda t: left + t / report["horizon_years"] * width  # noqa: E731
    y = lambda v: top + (high - v) / span * height  # noqa: E731
    payback = report["summary"]["payback_years_fiscal"]
    return {
        "bars": bars,
        "fiscal_line": " ".join(f"{x(t):.1f},{y(f):.1f}" for t, f, _ in points),
        "economic_line": " ".join(f"{x(t):.1f},{y(e):.1f}" for t, _, e in points),
        "zero_y": y(0.0),
        "left": left,
        "right": left + width,
        "top": top,
        "bottom": top + height,
        "ticks": [{"x": x(t), "label": str(int(t))} for t, _, _ in points],
        "high": high,
        "low": low,
        "payback_x": None if payback is None else x(payback),
    }
