"""Callers as the audit log names them, one namespace per way in.

A partner's API key reads the decisions recorded under its own name, so no key may be named like a
member of staff (``staff:<username>``, what the web pages record) or like the command line and the
server themselves (``cli``, ``api``).
"""

from __future__ import annotations

RESERVED_CALLERS = ("cli", "api")


def staff_caller(username: str) -> str:
    """The caller recorded for a referral a member of staff entered on the web pages."""
    return f"staff:{username}"
