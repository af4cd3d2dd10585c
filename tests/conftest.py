"""Shared fixtures: the default policy, both engines, a small referral builder, a policy copy."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from triage.engine import BACKENDS, Engine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy, default_policy_dir, load_policy

POLICY_FOLDERS = ("definitions", "rules", "service_catalogue")

BASE_REFERRAL: dict[str, Any] = {
    "referral_id": "T-1",
    "received_at": "2026-11-20T10:15:00Z",  # a Friday
    "referrer": {"agency": "school"},
    "consent": {"given": True},
    "household": {"postcode": "S5 7AU", "members": [{"id": "p1", "role": "parent_carer", "age": 34}]},
}


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def engine(request: pytest.FixtureRequest, policy: Policy) -> Engine:
    """Each test using this runs once per backend: both must follow the policy."""
    return Engine(policy, request.param)


def build_referral(*members: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A referral dict: BASE_REFERRAL with ``members`` (if given) and top-level/household changes.

    Keys ``postcode`` and ``housing`` go to the household; everything else to the top level.
    A change whose value is None removes the key.
    """
    data = copy.deepcopy(BASE_REFERRAL)
    if members:
        data["household"]["members"] = [dict(m) for m in members]
    for key, value in changes.items():
        target = data["household"] if key in ("postcode", "housing") else data
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return data


@pytest.fixture
def referral() -> Callable[..., dict[str, Any]]:
    return build_referral


@pytest.fixture
def decide(engine: Engine) -> Callable[..., Decision]:
    """Decide a referral dict with the parametrised engine."""
    def run(data: dict[str, Any]) -> Decision:
        return engine.decide(parse_referral(data, engine.policy.agencies))
    return run


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A private copy of the default policy folders, safe to edit."""
    for folder in POLICY_FOLDERS:
        shutil.copytree(default_policy_dir() / folder, tmp_path / folder)
    return tmp_path


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load a YAML file, let ``change`` mutate the data, write it back (comments are dropped)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def edit() -> Callable[[Path, Callable[[Any], None]], None]:
    return edit_yaml
