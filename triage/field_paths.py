"""Field paths written the way people read them: ``household.members[1].school.attendance_pct``."""

from __future__ import annotations

from collections.abc import Sequence


def dotted_path(parts: Sequence[str | int]) -> str:
    """``('household', 'members', 1, 'age')`` -> ``household.members[1].age``.

    Used for referral validation errors and for rule-file problems alike, so a partner's
    developer and a policy lead see paths written the same way.
    """
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
