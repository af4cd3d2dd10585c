"""What can go wrong when recording to the audit log (light to import: the CLI catches these)."""

from __future__ import annotations


class ReferralConflict(ValueError):
    """The referral id was decided before, with a different payload."""


class CaseClosed(ValueError):
    """The decision's case was closed before: it is closed once, and stays in the log."""


class UnknownDecision(LookupError):
    """No decision event has this id."""


class RulesetConflict(ValueError):
    """A ruleset version was published before with different content: a change needs a new version."""


class ArchiveTampered(LookupError):
    """An archived ruleset's content no longer matches its hash: it must not decide anything."""
