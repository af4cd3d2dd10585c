"""One call from a cohort to a finished report: the base case, the sensitivity tests, the Monte Carlo."""

from __future__ import annotations

from typing import Any

from triage.costs.cohort import Cohort
from triage.costs.loader import CostData
from triage.costs.model import appraise
from triage.costs.report import as_data
from triage.costs.sensitivity import monte_carlo, one_way
from triage.rulebook.loader import Policy


def appraise_cohort(data: CostData, cohort: Cohort, policy: Policy, draws: int | None = None,
                    seed: int | None = None) -> dict[str, Any]:
    """The report's data for ``cohort``; ``draws=0`` leaves the Monte Carlo out (the settings'
    number of draws otherwise)."""
    names = {service.id: service.name for service in policy.catalogue.services}
    simulated = None if draws == 0 else monte_carlo(data, cohort, draws, seed)
    return as_data(data, appraise(data, cohort), one_way(data, cohort), simulated, names)
