"""Entering a referral on the web: the form (read off the contract, see ``referral_form``), members
added and removed, errors beside each field, and the decision once triaged."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.access.callers import staff_caller
from triage.access.staff import StaffUser
from triage.intake import FieldError, InvalidReferral
from triage.models import Decision
from triage.services import Services, Shared
from triage.web import referral_form
from triage.web.deps import Submitter
from triage.web.rendering import page
from triage.web.sessions import check_csrf

router = APIRouter(include_in_schema=False)


def _intake_form(
    request: Request,
    shared: Services,
    user: StaffUser,
    form: dict[str, str],
    members: list[dict[str, str]],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    def errors_in(index: int, section: str) -> bool:
        return any(key.startswith(f"member-{index}-{section}-") for key in errors)

    def filled(member: dict[str, str], section: str) -> bool:
        return any(key.startswith(f"{section}-") and value for key, value in member.items())

    policy = shared.front_door.latest.policy
    return page(
        request,
        shared,
        "referral_form.html.j2",
        "Enter a referral",
        status=status,
        user=user,
        form=form,
        members=members,
        errors=errors,
        errors_in=errors_in,
        filled=filled,
        roles=referral_form.ROLES,
        sections=referral_form.MEMBER_SECTIONS,
        housing=referral_form.HOUSING,
        agencies=policy.catalogue.partner_agencies,
    )


@router.get("/referrals/new")
def intake_page(request: Request, shared: Shared, user: Submitter) -> HTMLResponse:
    now = datetime.now(shared.front_door.library.zone)
    form = {
        "referral_id": referral_form.new_referral_id(),
        "received_date": now.date().isoformat(),
        "received_time": now.strftime("%H:%M"),
    }
    return _intake_form(request, shared, user, form, [referral_form.blank_member(0)], {})


@router.post("/referrals/new")
async def intake_submit(request: Request, shared: Shared, user: Submitter) -> Response:
    """Add or remove a member (the form comes back as typed), or triage the referral: a decision
    page on success, the form with every error beside its field otherwise."""
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    check_csrf(request, form.get("csrf_token"))
    members = referral_form.members_in(form)
    action = form.get("action", "submit")
    if action == "add" and len(members) < 20:
        return _intake_form(request, shared, user, form, [*members, referral_form.blank_member(len(members))], {})
    removing = re.fullmatch(r"remove-([0-9]{1,2})", action)
    if removing and int(removing.group(1)) < len(members) and len(members) > 1:
        del members[int(removing.group(1))]
        return _intake_form(request, shared, user, form, members, {})
    referral, errors = referral_form.referral_from(form, shared.front_door.library.zone)
    if not errors:
        [submitted] = await run_in_threadpool(
            shared.front_door.submit_many, [referral], staff_caller(user.username), arriving=True
        )
        if isinstance(submitted.outcome, Decision):
            return RedirectResponse(f"/decisions/{submitted.outcome.decision_id}", status_code=303)
        errors = (
            submitted.outcome.errors
            if isinstance(submitted.outcome, InvalidReferral)
            else [FieldError("referral_id", str(submitted.outcome))]
        )
    shown: dict[str, str] = {}
    for error in errors:  # the first message for each field
        shown.setdefault(referral_form.field_id(error.path), referral_form.message(error))
    return _intake_form(request, shared, user, form, members, shown, status=400)
