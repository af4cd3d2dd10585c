"""What the API routes and the web pages share, built once per process: the front door, the audit
store, the cases, the keys. The composition both build on (neither imports the other), with the
one FastAPI dependency that hands it to a route: ``Shared``."""

from __future__ import annotations

import threading
import time
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from triage.access import KeyStore
from triage.audit.store import AuditStore
from triage.cases.service import Cases
from triage.db.urls import make_room, opening
from triage.engine.library import RulesetLibrary
from triage.front_door import FrontDoor
from triage.households.service import Households
from triage.installed import installed
from triage.settings import Settings

log = structlog.get_logger("triage.services")
REFRESH_SECONDS = 2.0  # how soon a ruleset published elsewhere (another worker, the CLI) goes live here


class Services:
    """Thread-safe, shared by every request: the engine serialises what must be serialised and
    the audit store keeps one chain across threads, processes and instances."""

    def __init__(self, settings: Settings, store: AuditStore) -> None:
        self.settings = settings
        self.store = store
        self.keys = KeyStore(store.db)
        self.cases = Cases(store)
        self.households = Households(store)
        self._seen = store.archive.latest_load()
        self.front_door = FrontDoor(self._installed(), store, caller="api")
        self._checked = time.monotonic()
        self._refreshing = threading.Lock()

    @classmethod
    def start(cls, settings: Settings) -> Services:
        """The services on the configured database, made on first use; DatabaseUnavailable (one line
        naming the database, password masked, and what to check) when it cannot be opened."""
        url = settings.audit_url
        with opening(url):
            make_room(url)
            store = AuditStore(url)
        return cls(settings, store)

    def _installed(self) -> RulesetLibrary:
        return installed(self.settings.rules_dirs, self.store, self.settings.engine)

    def refresh_due(self) -> bool:
        return time.monotonic() - self._checked >= REFRESH_SECONDS

    def refresh(self, force: bool = False) -> None:
        """Pick up rulesets published since the last look (at most every REFRESH_SECONDS).

        The new set of versions replaces the old in one assignment: a request that has already
        chosen its version finishes with it, and a broken publication (it cannot be, as publishing
        loads and tests it first) would leave the old set serving.
        """
        if not force and not self.refresh_due():
            return
        # a forced refresh (the publishing request) waits its turn: another request's refresh may
        # have read the log before the publication, and the publisher must see its own version live
        if not self._refreshing.acquire(blocking=force):
            return  # another request is already refreshing
        try:
            self._checked = time.monotonic()
            latest = self.store.archive.latest_load()
            if latest != self._seen:
                self.front_door.library = self._installed()
                self._seen = latest
        except Exception as error:  # noqa: BLE001 - keep serving with the versions already installed
            log.error("ruleset_refresh_failed", error=type(error).__name__)
        finally:
            self._refreshing.release()


async def services(request: Request) -> Services:
    """FastAPI dependency: the process's shared services, with any newly published ruleset live.
    The refresh reads the database (and may load a ruleset), so when one is due it runs in the
    thread pool, never holding up the event loop; otherwise this costs one clock reading."""
    shared: Services = request.app.state.services
    if shared.refresh_due():
        await run_in_threadpool(shared.refresh)
    return shared


# what a route takes to reach the shared services: ``def route(shared: Shared)``
Shared = Annotated[Services, Depends(services)]
