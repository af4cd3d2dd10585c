"""Where a referral enters: text or data in, a validated Referral or a list of field errors out.

Every error names the field path as a partner's developer would write it
(``household.members[1].school.attendance_pct``) and the reason in plain words, never pydantic's
internals. A reason may quote the offending value back to the submitter (an unknown agency, a
malformed postcode); errors are returned to the caller and never written to the logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from triage.models import Referral

_REASONS = {
    "extra_forbidden": "unknown field (check the spelling against the referral contract)",
    "missing": "required field is missing",
}


@dataclass(frozen=True)
class FieldError:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(referral)'}: {self.reason}"


class InvalidReferral(ValueError):
    """The referral cannot be decided; ``errors`` says which fields are wrong and why."""

    def __init__(self, errors: list[FieldError], referral_id: str | None = None) -> None:
        self.errors = errors
        self.referral_id = referral_id
        super().__init__("; ".join(map(str, errors)))


def field_path(loc: tuple[str | int, ...]) -> str:
    """``('household', 'members', 1, 'age')`` -> ``household.members[1].age``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _reason(error: dict[str, Any]) -> str:
    if error["type"] in _REASONS:
        return _REASONS[error["type"]]
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def parse_referral(data: Any, agencies: frozenset[str] | None = None) -> Referral:
    """Validate already-parsed data (a dict from JSON or YAML) against the contract."""
    if not isinstance(data, dict):
        raise InvalidReferral([FieldError("", "a referral must be a JSON object")])
    try:
        return Referral.model_validate(data, context={"agencies": agencies})
    except ValidationError as error:
        errors = [FieldError(field_path(tuple(e["loc"])), _reason(e)) for e in error.errors()]
        referral_id = data.get("referral_id")
        raise InvalidReferral(errors, referral_id if isinstance(referral_id, str) else None) from None


def load_text(text: str, yaml_allowed: bool = False) -> Any:
    """Parse JSON (or YAML, for files people write by hand) with a readable error."""
    try:
        return yaml.safe_load(text) if yaml_allowed else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "YAML" if yaml_allowed else "JSON"
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else (
            f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else "")
        reason = getattr(error, "msg", None) or getattr(error, "problem", None) or "cannot be parsed"
        raise InvalidReferral([FieldError("", f"not valid {kind}{where}: {reason}")]) from None
