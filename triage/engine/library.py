"""Several ruleset versions installed at once; each referral is decided by the one in force.

A version is in force from its ``effective_from`` to its ``effective_to`` (inclusive, open-ended
when absent), on the day the referral was received in the city's time zone (policy §6: the date
of ``received_at`` is taken there; ``calendar.timezone`` in rules/ruleset.yaml says which zone). When versions overlap, the one that took effect last wins (on
the same day, the higher version number): a new edition supersedes the old without anyone having
to edit the old one's end date. A caller may pin a version instead: over the API, only one in force
on the day received or earlier (``Pin``); the operator's CLI, any installed version. Every decision
says which version decided it and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from triage.engine import Engine
from triage.models import Referral


class NoRulesetInForce(LookupError):
    """No installed version applies (a gap between versions, or a pinned version not installed)."""


class PinRefused(NoRulesetInForce):
    """A pin to a version that had not taken effect on the day the referral was received."""


@dataclass(frozen=True)
class Pin:
    """A caller's choice of version. ``in_force_by_received``: only a version that had taken effect
    on the day the referral was received (or earlier) may be pinned, so no caller of the API can
    have a family decided by a policy that was not yet agreed to apply to it."""

    version: str
    in_force_by_received: bool = True


@dataclass(frozen=True)
class Selection:
    engine: Engine
    reason: str


class RulesetLibrary:
    """The installed versions, by the date they take effect; safe to share between threads."""

    def __init__(self, engines: Sequence[Engine]) -> None:
        if not engines:
            raise ValueError("a ruleset library needs at least one ruleset")
        versions = [e.policy.version for e in engines]
        duplicated = sorted({v for v in versions if versions.count(v) > 1})
        if duplicated:
            raise ValueError(f"ruleset version(s) installed twice: {', '.join(duplicated)}")
        self.engines = sorted(engines, key=lambda e: (e.policy.rules.effective_from, _number(e.policy.version)))
        # the city's time zone as the latest version declares it: where "the day received" and "today" are taken
        self.zone = ZoneInfo(self.latest.policy.rules.calendar.timezone)

    @property
    def latest(self) -> Engine:
        """The version that takes effect last: what the catalogue and the contract are read from."""
        return self.engines[-1]

    def today(self, now: datetime) -> date:
        """The date of ``now`` in the city's time zone: whose rules are "the rules today"."""
        return now.astimezone(self.zone).date()

    def in_force_on(self, day: date) -> Engine:
        """The version in force on ``day``: what staff and partners read as "the rules" then. Before
        every version, the earliest; in a gap between versions, the last one that had started."""
        started = [e for e in self.engines if e.policy.rules.effective_from <= day]
        in_force = [e for e in started if _in_force(e, day)]
        return (in_force or started or self.engines[:1])[-1]

    def scheduled_after(self, day: date) -> list[Engine]:
        """The versions installed to take effect after ``day``, soonest first: published, not yet the rules."""
        return [e for e in self.engines if e.policy.rules.effective_from > day]

    def versions(self) -> list[str]:
        return [e.policy.version for e in self.engines]

    def select(self, referral: Referral, pinned: str | Pin | None = None) -> Selection:
        """The engine that decides this referral, and the reason, in words a decision can carry.

        A pin given as a plain version (the CLI, an operator's tool) may name any installed version;
        a ``Pin`` may be held to versions in force by the day received (PinRefused otherwise).
        """
        day = referral.received_at.astimezone(self.zone).date()
        if pinned is not None:
            return self._pinned(pinned if isinstance(pinned, Pin) else Pin(pinned, in_force_by_received=False), day)
        in_force = [e for e in self.engines if _in_force(e, day)]
        if in_force:
            engine = in_force[-1]
            return Selection(
                engine,
                f"in force on {day.isoformat()}, the day received ({self.zone.key}): "
                f"effective from {engine.policy.rules.effective_from.isoformat()}",
            )
        first = self.engines[0]
        if day < first.policy.rules.effective_from:
            # before every installed version: the earliest decides rather than none, and says so
            return Selection(
                first,
                f"received {day.isoformat()}, before any installed version took effect: "
                f"decided by the earliest, effective from "
                f"{first.policy.rules.effective_from.isoformat()}",
            )
        raise NoRulesetInForce(
            f"no installed ruleset is in force on {day.isoformat()} (installed: "
            f"{', '.join(_span(e) for e in self.engines)})"
        )

    def _pinned(self, pin: Pin, day: date) -> Selection:
        engine = next((e for e in self.engines if e.policy.version == pin.version), None)
        if engine is None:
            raise NoRulesetInForce(
                f"ruleset version {pin.version!r} is not installed; installed: {', '.join(self.versions())}"
            )
        effective = engine.policy.rules.effective_from
        if pin.in_force_by_received and effective > day:
            raise PinRefused(
                f"ruleset version {pin.version} takes effect on {effective.isoformat()}, after this "
                f"referral was received ({day.isoformat()}, {self.zone.key}): only a version in force on "
                "the day received or earlier may be pinned"
            )
        return Selection(engine, f"version {pin.version} pinned by the caller")


def _number(version: str) -> tuple[tuple[int, str], ...]:
    """A version for ordering ("2026.10" after "2026.9"): two versions taking effect on the same
    day are in force from it in version order, so the higher number decides."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in version.split("."))


def _in_force(engine: Engine, day: date) -> bool:
    rules = engine.policy.rules
    return rules.effective_from <= day and (rules.effective_to is None or day <= rules.effective_to)


def _span(engine: Engine) -> str:
    rules = engine.policy.rules
    return f"{rules.version} from {rules.effective_from}" + (f" to {rules.effective_to}" if rules.effective_to else "")
