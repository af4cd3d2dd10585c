"""Teams: who takes the work a route sends, and how many households each can hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.cases.teams import capacity, team_of
from triage.rulebook import Policy, load_policy


def test_a_service_that_works_by_locality_names_its_locality_team() -> None:
    assert team_of("mast", "east") == "mast/east"


def test_a_city_wide_service_is_its_own_team() -> None:
    assert team_of("bsf", None) == "bsf"


# --- capacity ------------------------------------------------------------------------------------
# Shipped catalogue (service_catalogue/services.yaml): mast 45 key workers x 15 households, covered
# by 3 localities (north, east, west); bsf 20 x 8, city-wide; childrens_social_care has no capacity.


def test_mast_capacity_is_shared_evenly_across_its_localities(policy: Policy) -> None:
    held = capacity(policy)
    assert {name: held[name] for name in ("mast/north", "mast/east", "mast/west")} == {
        "mast/north": 225,
        "mast/east": 225,
        "mast/west": 225,
    }  # 45 x 15 = 675, over 3


def test_mast_has_no_city_wide_capacity_row(policy: Policy) -> None:
    """Its work is counted per locality team, so a bare "mast" figure would match no team."""
    assert "mast" not in capacity(policy)


def test_a_city_wide_service_holds_key_workers_times_caseload(policy: Policy) -> None:
    assert capacity(policy)["bsf"] == 160  # 20 x 8


def test_services_without_capacity_are_absent(policy: Policy) -> None:
    held = capacity(policy)
    assert not {"childrens_social_care", "adult_social_care", "universal_signpost", "out_of_area"} & held.keys()


def test_capacity_follows_the_catalogue(policy_copy: Path, edit: Callable[[Path, Callable[[Any], None]], None]) -> None:
    def change(data: Any) -> None:
        mast = next(s for s in data["services"] if s["id"] == "mast")
        mast["capacity"] = {"key_workers": 30, "caseload_per_worker": 10}

    edit(policy_copy / "service_catalogue" / "services.yaml", change)
    held = capacity(load_policy(policy_copy))
    assert [held[f"mast/{loc}"] for loc in ("north", "east", "west")] == [100, 100, 100]
