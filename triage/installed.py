"""The rulesets an instance decides with: those in its rule folders and those published to its
audit log. Read by every command and the server at start, so it imports nothing that only
publishing needs (rule tests, invariants, generated referrals)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from triage.engine import Engine
from triage.engine.library import RulesetLibrary
from triage.rulebook import load_policy

if TYPE_CHECKING:
    from triage.audit.store import AuditStore


def installed(folders: Sequence[Path | None], store: AuditStore | None, backend: str) -> RulesetLibrary:
    """The versions an instance decides with: those in its rule folders, and every version
    published to its database (a folder's version wins over a published one of the same number)."""
    engines = [Engine(load_policy(folder), backend) for folder in folders or [None]]
    versions = {engine.policy.version for engine in engines}
    for policy in store.archive.published() if store is not None else []:
        if policy.version not in versions:
            engines.append(Engine(policy, backend))
            versions.add(policy.version)
    return RulesetLibrary(engines)
