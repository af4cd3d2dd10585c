"""A practitioner's reason typed on the override and close forms, checked as the API checks it."""

from __future__ import annotations

from triage.cases import REASON_LIMIT
from triage.characters import UNSAFE_REASON, is_safe


def reason_problem(reason: str, missing: str, noun: str = "reason") -> str | None:
    """What is wrong with the reason typed, in the form's words (``missing`` when it is blank; the
    field called ``noun``: "The note must be …"), or None. The same bounds as the API's ``Reason``:
    it goes into the audit log the same way."""
    if not reason.strip():
        return missing
    if len(reason.strip()) > REASON_LIMIT:
        return f"The {noun} must be {REASON_LIMIT:,} characters or fewer"
    if not is_safe(reason, multiline=True):
        return f"The {noun} {UNSAFE_REASON}"
    return None
