"""Postcode -> outward code (postal district).

Triage rules route referrals by postal *district* (the outward code, e.g.
``S5`` in ``S5 7AU``), not by full postcode. People type postcodes in many
shapes, so the policy accepts three forms, case-insensitively and ignoring
surrounding whitespace:

* with a space: ``S5 7AU`` -> ``S5`` (the part before the space);
* without a space, 5+ characters: ``s57au`` -> ``S5``, ``s12bx`` -> ``S1``
  (not ``S12``), ``S357AB`` -> ``S35`` (everything before the last three
  characters, which are always the inward code);
* an outward code alone (2-4 characters): ``S35``, ``s5``.

Runs of internal whitespace (``S5  7AU``, a tab, a non-breaking space from
copy-paste) are accepted and treated as a single space.

Anything else is rejected with a ``ValueError`` whose message is a short,
plain-English reason, because it is shown to the user as a validation
message.

A single precompiled regular expression does the parsing, so the happy path
is one ``fullmatch`` call. Letter and digit classes are spelled out in ASCII
(``[A-Za-z]``, ``[0-9]``) rather than using ``re.IGNORECASE`` or ``\\d``, so
look-alike Unicode characters (long s, Kelvin sign, Arabic-Indic digits)
cannot sneak through.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["outward_code"]

_OUTWARD: Final = r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?"
_INWARD: Final = r"[0-9][A-Za-z]{2}"

# The inward code is exactly three characters and anchored at the end, so
# for space-less input the regex engine backtracks the optional fourth
# outward character as needed: "S12BX" parses as S1 + 2BX, never S12 + BX.
_POSTCODE_RE: Final = re.compile(rf"\s*(?P<outward>{_OUTWARD})(?:\s*{_INWARD})?\s*")
_OUTWARD_RE: Final = re.compile(_OUTWARD)
_INWARD_RE: Final = re.compile(_INWARD)

_MAX_ECHO: Final = 20  # keep echoed user input short in error messages


def outward_code(postcode: str) -> str:
    """Return the upper-case outward code (district) of a UK postcode.

    Accepts a full postcode with or without its space, or an outward code
    on its own; see the module docstring for the exact rules.

    Raises:
        ValueError: the input is blank or is not a plausible UK postcode or
            outward code; the message says what is wrong.
    """
    match = _POSTCODE_RE.fullmatch(postcode)
    if match is None:
        raise ValueError(_rejection_reason(postcode))
    return match["outward"].upper()


def _rejection_reason(postcode: str) -> str:
    """Explain, in one short user-facing sentence, why ``postcode`` was rejected.

    Only runs on the failure path, so it can afford to look at the input
    more than once to give a specific reason.
    """
    parts = postcode.split()
    if not parts:
        return "postcode is empty"
    if len(parts) == 2:
        outward, inward = parts
        if not _OUTWARD_RE.fullmatch(outward):
            return f"{_echo(outward)} is not a valid outward code (like 'S5' or 'S35')"
        if not _INWARD_RE.fullmatch(inward):
            return f"{_echo(inward)} is not a valid inward code (like '7AU')"
    return f"{_echo(' '.join(parts))} is not a UK postcode or outward code"


def _echo(text: str) -> str:
    """Quote user input for a message, truncated so messages stay short."""
    if len(text) > _MAX_ECHO:
        text = text[: _MAX_ECHO - 1] + "…"
    return repr(text)
