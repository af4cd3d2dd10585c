"""Search for a family (front door staff only): by name (misspelt too), date of birth, postcode,
NHS number, unique pupil number, referral reference or household id; open and closed cases alike.
Each result leads to its household's page, or to its referral's decision when it has no household."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from triage.households.records import Found
from triage.services import Shared
from triage.web import words
from triage.web.deps import FamilyFinder
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)

QUERY_LIMIT = 200  # characters: more than any name, number and date together


@dataclass(frozen=True)
class Result:
    """One row of the results table."""

    name: str
    href: str
    date_of_birth: str
    postcode: str
    referred_on: str
    open: bool
    why: str


@router.get("/search")
def search_page(request: Request, shared: Shared, user: FamilyFinder, q: str = "") -> HTMLResponse:
    """The search box and, once searched, what it found (best first)."""
    text = " ".join(q.split())
    error = f"Enter {QUERY_LIMIT} characters or fewer" if len(text) > QUERY_LIMIT else None
    found = shared.households.search(text) if text and error is None else []
    return page(
        request,
        shared,
        "search.html.j2",
        f"{text} – Search for a family" if text and error is None else "Search for a family",
        status=400 if error else 200,
        user=user,
        q=q if error else text,
        searched=bool(text) and error is None,
        results=[_result(f) for f in found],
        error=error,
        error_summary=bool(error),
    )


def _result(found: Found) -> Result:
    if found.household_id is not None:
        href = f"/households/{found.household_id}"
    else:
        href = f"/decisions/{found.decision_id}"
    return Result(
        name=found.name or "No name given",
        href=href,
        date_of_birth=words.long_date(found.date_of_birth) or "Not given",
        postcode=found.postcode or "Not given",
        referred_on=words.long_date(found.referred_on),
        open=found.open,
        why=words.sentence(", ".join(found.reasons)),
    )
