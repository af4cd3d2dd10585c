"""Teams: who takes the work a route sends. A service, or for a service that works by locality
(MAST), its locality team: ``mast/east``. Named here once for the queue, the team load, what-if
simulation and the catalogue's capacity."""

from __future__ import annotations

from triage.rulebook import Policy


def team_of(route: str, locality: str | None) -> str:
    """The team a route (and locality, where it has one) sends work to."""
    return f"{route}/{locality}" if locality else route


def capacity(policy: Policy) -> dict[str, int]:
    """Households each team can hold at once (key workers x caseload), where the catalogue says.

    A service with capacity split by locality (MAST) has it shared evenly across its locality teams
    (as evenly as whole households allow: the shares add up to the total).
    """
    localities = [loc.id for loc in policy.catalogue.localities]
    held: dict[str, int] = {}
    for service in policy.catalogue.services:
        if service.capacity is None:
            continue
        total = service.capacity.key_workers * service.capacity.caseload_per_worker
        if service.coverage == "localities":  # the remainder goes one each to the first teams
            share, extra = divmod(total, len(localities))
            held.update({team_of(service.id, loc): share + (i < extra) for i, loc in enumerate(localities)})
        else:
            held[service.id] = total
    return held
