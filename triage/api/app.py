"""The HTTP API: ``create_app()`` builds it; ``triage serve`` runs it under uvicorn.

Routes live in ``triage/api/routes/`` (one module per resource); authentication and roles in
``security.py``; errors as problem details in ``problems.py``; what the routes share (front door,
audit store, keys) in ``services.py``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from triage import __version__
from triage.api import problems
from triage.api.headers import SecurityHeaders
from triage.api.middleware import BodyLimit, RequestLog
from triage.api.openapi import build_openapi
from triage.api.routes import audit, costs, decisions, health, policy, referrals
from triage.api.services import Checkpointer, Services
from triage.logs import ensure_logging
from triage.settings import Settings
from triage.web import pages, signing_in

DESCRIPTION = """Referral triage for the city's whole household front door.

Send a referral, get the routing decision with its reasons, recorded in a tamper-evident audit
log before it is returned. Authenticate with an API key: `Authorization: Bearer <key>` (keys are
issued with `triage keys create`). Errors are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on the configured rules and database (``TRIAGE_*`` settings, or those given)."""
    ensure_logging()
    settings = settings or Settings()
    shared = Services.start(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checkpoints = Checkpointer(shared.store, settings)
        checkpoints.start()
        yield
        checkpoints.stop()

    # FastAPIOffline: /docs and /redoc from files shipped in the package, not a CDN (the council's
    # network may have no internet, and a CDN would see who reads the docs)
    app = FastAPIOffline(title="Whole household triage", version=__version__, description=DESCRIPTION,
                         lifespan=lifespan)
    app.state.services = shared
    for router in (referrals.router, decisions.router, policy.router, costs.router, audit.router, health.router):
        app.include_router(router)
    problems.install(app)
    pages.install(app)
    signing_in.install(app, shared, settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds)
    app.add_middleware(SecurityHeaders)  # outside the body limit, so a 413 or 408 has them too
    app.add_middleware(RequestLog)  # added last: outermost, so it times and logs even a 413

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, shared.front_door.engine)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
