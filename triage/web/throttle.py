"""How often anyone may get signing in wrong: per account name and per client address.

- Per account name: the back-off in ``triage.access.lockout`` (5 failures in a row lock the name for
  a minute, then longer), kept in the database so every worker and server shares it.
- Per client address: at most ``ADDRESS_LIMITS`` failed sign-ins (whatever the names tried), counted
  with the ``limits`` library in this process's memory: one guesser cannot work through many
  accounts. Only failures count, so a team signing in each morning from one office address is not
  held up. Each worker process counts on its own (with ``--workers N``, up to N times the limit);
  the per-account back-off above is what holds across processes and servers.

Refusals say plainly when to try again, and never whether an account exists: an unknown name is
counted and locked exactly like a real one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from triage.access.lockout import SignInLockout

# failed sign-ins from one address: a burst, then a day's ceiling
ADDRESS_LIMITS = parse_many("20 per 15 minutes; 100 per day")


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was not even tried, for the page (and the HTTP status with its Retry-After)."""

    status: int
    message: str
    retry_after: int  # seconds


def in_minutes(seconds: float) -> str:
    """A wait as people say it, rounded up: "1 minute", "5 minutes"."""
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def account_locked(seconds: float) -> Refusal:
    return Refusal(
        429,
        f"You have entered the wrong password too many times. Try again in {in_minutes(seconds)}.",
        math.ceil(seconds),
    )


def address_limited(seconds: float) -> Refusal:
    return Refusal(
        429,
        f"There have been too many failed attempts to sign in from your network. Try again in {in_minutes(seconds)}.",
        math.ceil(seconds),
    )


BUSY = Refusal(503, "The service is busy. Try again in a minute.", 60)


class SignInLimits:
    """Asked before a sign-in is tried (``refusal``), told how it went (``failed``, ``succeeded``)."""

    def __init__(self, lockout: SignInLockout) -> None:
        self.lockout = lockout
        self._addresses = MovingWindowRateLimiter(MemoryStorage())

    def refusal(self, username: str, address: str) -> Refusal | None:
        """Why this sign-in may not be tried now, or None: it may (the password is then checked)."""
        for limit in ADDRESS_LIMITS:
            if not self._addresses.test(limit, address):
                return address_limited(self._addresses.get_window_stats(limit, address).reset_time - time.time())
        wait = self.lockout.wait(username)
        return account_locked(wait) if wait > 0 else None

    def failed(self, username: str, address: str) -> Refusal | None:
        """Count a wrong username or password; the lockout it has just started, if it did."""
        for limit in ADDRESS_LIMITS:
            self._addresses.hit(limit, address)
        locked = self.lockout.failed(username)
        return account_locked(locked) if locked else None

    def succeeded(self, username: str) -> None:
        self.lockout.succeeded(username)
