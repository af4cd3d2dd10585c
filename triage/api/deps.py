"""What the API's routes depend on, in one place: the shared services (``Shared``), the caller's
key (``Authorization: Bearer <API key>``) and the role each route requires, named by what it lets
the caller do (``Reader``, ``Overrider``, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from triage.access import ApiKey, Permission, allowed
from triage.api.problems import ApiProblem
from triage.services import Shared

bearer = HTTPBearer(auto_error=False, description="An API key from `triage keys create`.")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="triage"'}


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], shared: Shared
) -> ApiKey:
    """The caller's key; 401 without one that is valid and not revoked.

    Async, so a key seen in the last few seconds costs no trip to a worker thread; only a
    database read (a key not seen lately) goes to one.
    """
    if credentials is None:
        raise ApiProblem(401, "send an API key as 'Authorization: Bearer <key>'", headers=_CHALLENGE)
    token = credentials.credentials
    key = shared.keys.recently_authenticated(token) or await run_in_threadpool(shared.keys.authenticate, token)
    if key is None:
        raise ApiProblem(401, "the API key is not valid (unknown or revoked)", headers=_CHALLENGE)
    request.state.caller = key.key_id  # for the request log: the key's id, never its secret
    return key


def require(permission: Permission) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency that lets through only keys whose role has ``permission`` (else 403)."""

    async def check(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        if not allowed(key.role, permission):
            raise ApiProblem(403, f"the role {key.role.value!r} may not do this ({permission.value})")
        return key

    return check


def may_read_all(key: ApiKey) -> bool:
    return allowed(key.role, Permission.READ_ALL)


may_submit = require(Permission.SUBMIT)  # also called by hand, by the lean route (triage/api/lean.py)
Submitter = Annotated[ApiKey, Depends(may_submit)]
Reader = Annotated[ApiKey, Depends(require(Permission.READ_OWN))]
Overrider = Annotated[ApiKey, Depends(require(Permission.OVERRIDE))]
Auditor = Annotated[ApiKey, Depends(require(Permission.READ_AUDIT))]
Appraiser = Annotated[ApiKey, Depends(require(Permission.APPRAISE))]
RulesReader = Annotated[ApiKey, Depends(require(Permission.READ_RULES))]
Publisher = Annotated[ApiKey, Depends(require(Permission.PUBLISH))]
Simulator = Annotated[ApiKey, Depends(require(Permission.SIMULATE))]
CatalogueReader = Annotated[ApiKey, Depends(require(Permission.READ_CATALOGUE))]
FamilyFinder = Annotated[ApiKey, Depends(require(Permission.FIND_FAMILIES))]

__all__ = [
    "Appraiser",
    "Auditor",
    "CatalogueReader",
    "FamilyFinder",
    "Overrider",
    "Publisher",
    "Reader",
    "RulesReader",
    "Shared",
    "Simulator",
    "Submitter",
    "authenticated",
    "bearer",
    "may_read_all",
    "may_submit",
    "require",
]
