"""Search for a family (front door staff only): by name (misspelt too), date of birth, postcode,
NHS number, unique pupil number, referral reference or household id; open and closed cases alike.
Each result leads to its household's page, or to its referral's decision when it has no household."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from triage.households.records import Found
from triage.households.service import SEARCH_TEXT_LIMIT, search_refused
from triage.services import Shared
from triage.web import words
from triage.web.deps import FamilyFinder
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)


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
    error = _problem(text)
    found = shared.households.search(text) if text and error is None else []
    return page(
        request,
        shared,
        "search.html.j2",
        "Search for a family",  # never the names searched for: titles go into browser history
        status=400 if error else 200,
        user=user,
        q=q if error else text,
        searched=bool(text) and error is None,
        results=[_result(f) for f in found],
        error=error,
        error_summary=bool(error),
    )


def _problem(text: str) -> str | None:
    """What is wrong with a search, in the words the page shows (None: nothing, or nothing typed yet)."""
    if len(text) > SEARCH_TEXT_LIMIT:
        return f"Enter {SEARCH_TEXT_LIMIT} characters or fewer"
    if text and search_refused(text):
        return "Enter letters, numbers and punctuation only"
    return None


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
