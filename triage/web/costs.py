"""Costs and benefits on the web: the appraisal of the families decided in a period, and the full
report to download (policy leads and auditors)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from triage.costs.appraisal import NothingToAppraise, appraise_cohort
from triage.costs.cohort import audit_cohort
from triage.costs.loader import CostDataInvalid, load_cost_data
from triage.costs.report import as_html, money, ratio, years
from triage.services import Services, Shared
from triage.web.deps import Appraiser
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)


def _period(since: str, until: str) -> tuple[date | None, date | None, dict[str, str]]:
    """The chosen days, and an error for each that is not a date (the page says which)."""
    days: dict[str, date | None] = {}
    errors = {}
    for name, text in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            days[name], errors[name] = None, "Enter a date like 2026-04-01"
    return days["since"], days["until"], errors


def _cost_report(
    shared: Services, since: date | None, until: date | None, draws: int | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The appraisal of the families decided in the period, or None and the reason there is none."""
    cohort = audit_cohort(shared.store, since, until)
    if not cohort.families:
        return None, "No decisions were recorded in that period." + (
            f" {cohort.unreadable_note}." if cohort.unreadable_note else ""
        )
    policy = shared.front_door.in_force_today.policy
    try:
        return appraise_cohort(load_cost_data(policy, shared.settings.cost_data_dir), cohort, policy, draws), None
    except NothingToAppraise as error:
        return None, f"Nothing to appraise: {error}."
    except CostDataInvalid as error:  # the server's files: say what is wrong, for whoever maintains them
        raise HTTPException(
            500, "The cost-benefit data on this server is invalid: " + "; ".join(map(str, error.problems))
        ) from None


@router.get("/costs")
def costs_page(request: Request, shared: Shared, user: Appraiser, since: str = "", until: str = "") -> HTMLResponse:
    """Cost-benefit of key working for the families decided in a period: who pays, who saves."""
    first, last, errors = _period(since, until)
    report, notice = (
        (None, None) if errors else _cost_report(shared, first, last, draws=0)
    )  # Monte Carlo: in the download
    return page(
        request,
        shared,
        "costs.html.j2",
        "Costs and benefits",
        status=400 if errors else 200,
        user=user,
        report=report,
        notice=notice,
        errors=errors,
        since=since,
        until=until,
        money=money,
        ratio=ratio,
        years=years,
    )


@router.get("/costs/report.html")
def costs_report(shared: Shared, user: Appraiser, since: str = "", until: str = "") -> HTMLResponse:
    """The full self-contained report (charts, sensitivity, Monte Carlo) to save or forward."""
    first, last, errors = _period(since, until)
    if errors:
        raise HTTPException(400, "; ".join(f"{name}: {why}" for name, why in errors.items()))
    report, notice = _cost_report(shared, first, last, draws=None)
    if report is None:
        raise HTTPException(404, notice)
    return HTMLResponse(as_html(report), headers={"Content-Disposition": 'attachment; filename="cost-benefit.html"'})
