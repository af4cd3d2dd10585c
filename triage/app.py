"""The web server: ``create_app()`` puts the HTTP API and the staff pages together on the shared
services; ``triage serve`` runs it under uvicorn.

The API's routes live in ``triage/api/routes/`` (one module per resource), the pages in
``triage/web/``; what both share (front door, audit store, cases, keys) in ``triage/services.py``.
Neither imports the other: this module is the one place they meet.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from triage import __version__, web
from triage.api import problems
from triage.api.headers import SecurityHeaders
from triage.api.lean import lean_referrals
from triage.api.middleware import BodyLimit, RequestLog
from triage.api.openapi import build_openapi
from triage.api.routes import audit, costs, decisions, health, households, policy, referrals
from triage.audit.checkpoints import Checkpointer
from triage.logs import configure_logging
from triage.services import Services
from triage.settings import SETTINGS_HANDOFF, Settings
from triage.web import signing_in

DESCRIPTION = """Referral triage for the city's whole household front door.

Send a referral, get the routing decision with its reasons, recorded in a tamper-evident audit
log before it is returned. Authenticate with an API key: `Authorization: Bearer <key>` (keys are
issued with `triage keys create`). Errors are RFC 9457 problem details (`application/problem+json`).
"""


def worker_app() -> FastAPI:
    """The app of one ``triage serve`` worker process: on the settings ``serve`` built and handed
    over (SETTINGS_HANDOFF), or, run by uvicorn directly, on the TRIAGE_* settings."""
    handed = os.environ.get(SETTINGS_HANDOFF)
    return create_app(Settings.model_validate_json(handed) if handed else Settings())


def create_app(settings: Settings) -> FastAPI:
    """The API and the pages on these settings (rules, database, keys, limits)."""
    configure_logging(settings.log_level)
    shared = Services.start(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checkpoints = Checkpointer(
            shared.store.log, settings.checkpoint_path, settings.checkpoint_key_path, settings.checkpoint_seconds
        )
        checkpoints.start()
        # the people index is built from the log on its first question: ask it now, in the
        # background, so the first search of the day does not wait for it
        threading.Thread(target=shared.households.warm, name="people-index", daemon=True).start()
        yield
        checkpoints.stop()

    # FastAPIOffline: /docs and /redoc from files shipped in the package, not a CDN (the council's
    # network may have no internet, and a CDN would see who reads the docs)
    app = FastAPIOffline(
        title="Whole household triage", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.services = shared
    app.router.routes.insert(0, lean_referrals())  # first: answers POST /v1/referrals before FastAPI's route
    routers = (referrals, decisions, households, policy, costs, audit, health)
    for module in routers:
        app.include_router(module.router)
    problems.install(app)
    web.install(app)
    signing_in.install(app, shared, settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds)
    app.add_middleware(SecurityHeaders)  # outside the body limit, so a 413 or 408 has them too
    app.add_middleware(RequestLog)  # added last: outermost, so it times and logs even a 413

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, shared.front_door.latest)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
