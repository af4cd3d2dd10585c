"""What the pages depend on: the signed-in member of staff (``Staff``), and the permission a page
needs (``require_staff``), as the API's ``require`` does for keys: one role check for every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from triage.access import Permission, allowed
from triage.access.staff import StaffStore, StaffUser
from triage.services import Shared
from triage.web.sessions import signed_in

# what a refusal says someone's role may not do, in words
_MAY_NOT = {
    Permission.SUBMIT: "enter referrals",
    Permission.OVERRIDE: "override decisions",
    Permission.APPRAISE: "see the cost-benefit appraisal",
    Permission.FIND_FAMILIES: "search for families or see their records",
}


def staff_store(shared: Shared) -> StaffStore:
    return StaffStore(shared.store.db)


def staff_user(request: Request, shared: Shared) -> StaffUser:
    """The signed-in member of staff (else SignInRequired, which sends them to sign in)."""
    return signed_in(request, staff_store(shared))


Staff = Annotated[StaffUser, Depends(staff_user)]


def require_staff(permission: Permission) -> Callable[[StaffUser], StaffUser]:
    """A dependency that lets through only staff whose role has ``permission`` (else 403)."""

    def check(user: Staff) -> StaffUser:
        if not allowed(user.role, permission):
            raise HTTPException(403, f"your role may not {_MAY_NOT.get(permission, 'do this')}")
        return user

    return check


Submitter = Annotated[StaffUser, Depends(require_staff(Permission.SUBMIT))]
Overrider = Annotated[StaffUser, Depends(require_staff(Permission.OVERRIDE))]
Appraiser = Annotated[StaffUser, Depends(require_staff(Permission.APPRAISE))]
FamilyFinder = Annotated[StaffUser, Depends(require_staff(Permission.FIND_FAMILIES))]
