"""What the routes share, built once per process: the front door, the audit store, the keys."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from triage.access import KeyStore
from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.engine.library import RulesetLibrary
from triage.front_door import FrontDoor
from triage.rulebook import load_policy
from triage.settings import Settings


@dataclass(frozen=True)
class Services:
    """Thread-safe, shared by every request: the engine serialises what must be serialised and
    the audit store keeps one chain across threads, processes and instances."""

    settings: Settings
    front_door: FrontDoor
    store: AuditStore
    keys: KeyStore

    @classmethod
    def start(cls, settings: Settings) -> Services:
        store = AuditStore(settings.audit_url)
        library = RulesetLibrary([Engine(load_policy(folder), settings.engine) for folder in settings.rules_dirs or [None]])
        return cls(settings, FrontDoor(library, store, caller="api"), store, KeyStore(store.engine))


async def services(request: Request) -> Services:
    """FastAPI dependency: the process's shared services (async: nothing to wait for, so no thread)."""
    return request.app.state.services
