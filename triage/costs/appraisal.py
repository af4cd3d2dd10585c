"""One call from a cohort to a finished report: the base case, the sensitivity tests, the Monte Carlo."""

from __future__ import annotations

from typing import Any

from triage.costs.cohort import Cohort
from triage.costs.loader import CostData
from triage.costs.model import appraise
from triage.costs.report import as_data
from triage.costs.schema import MIN_DRAWS
from triage.costs.sensitivity import monte_carlo, one_way
from triage.rulebook.loader import Policy


class NothingToAppraise(ValueError):
    """No family in the cohort is on a key working route: there is no cost to weigh benefits against."""


class TooFewDraws(ValueError):
    """A Monte Carlo asked for with fewer draws than can say anything about a range."""


def appraise_cohort(
    data: CostData, cohort: Cohort, policy: Policy, draws: int | None = None, seed: int | None = None
) -> dict[str, Any]:
    """The report's data for ``cohort``; ``draws=0`` leaves the Monte Carlo out (the settings'
    number of draws otherwise). Raises NothingToAppraise or TooFewDraws, whose messages say why."""
    if draws is not None and 0 < draws < MIN_DRAWS:
        raise TooFewDraws(f"draws: give 0 (no Monte Carlo) or at least {MIN_DRAWS} draws")
    base = appraise(data, cohort)
    if not base.cost:
        routes = ", ".join(sorted(data.data.appraisal.engagement))
        raise NothingToAppraise(
            f"no family in the cohort is on a key working route ({routes}): "
            "there is no cost of key working to weigh the benefits against"
        )
    names = {service.id: service.name for service in policy.catalogue.services}
    simulated = None if draws == 0 else monte_carlo(data, cohort, draws, seed)
    return as_data(data, base, one_way(data, cohort), simulated, names)
