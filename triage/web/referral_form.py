"""The referral intake form: its fields, read off the contract models, and form data <-> referral.

The member sections (school, offending, ...) and their indicators come from ``triage.models``, so
a field added to the contract appears on the form without touching this file. Values are kept as
typed, so a refused form comes back as the person filled it in.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from triage.intake import FieldError
from triage.models import Housing, Member, Role

SECTIONS = ("school", "offending", "employment", "domestic_abuse", "health", "social_care")
ROLES = get_args(Role)
_LABELS = {
    "referral_id": "Referral reference",
    "given_name": "First name",
    "family_name": "Last name",
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
    "attendance_pct": "Attendance (%)",
    "fixed_term_exclusions_3_terms": "Suspensions in the last 3 terms",
    "asb_incidents_12m": "Anti-social behaviour incidents (12 months)",
    "missing_episodes_12m": "Missing episodes (12 months)",
    "neet": "Not in education, employment or training (NEET)",
    "marac_high_risk": "High-risk case heard at MARAC",
    "victim_12m": "Victim (12 months)",
    "perpetrator_12m": "Perpetrator (12 months)",
    "proven_offence_12m": "Proven offence (12 months)",
    "asb_intervention_12m": "Anti-social behaviour intervention (12 months)",
    "development_concern_under5": "Development concern (under 5)",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # "check" or "number"


def _label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " ").capitalize())


def _fields(model: type[BaseModel]) -> list[Field]:
    return [
        Field(name, _label(name), "check" if info.annotation is bool else "number")
        for name, info in model.model_fields.items()
    ]


def _section_model(section: str) -> type[BaseModel]:
    """The contract model of a member's section (school, health, …)."""
    model = Member.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


MEMBER_SECTIONS = [(section, _label(section), _fields(_section_model(section))) for section in SECTIONS]
HOUSING = _fields(Housing)


IDENTITY = ("given_name", "family_name", "date_of_birth", "nhs_number", "upn")  # a member's, as the form asks them
ADDRESS = ("address_line_1", "address_line_2", "town")


def blank_member(index: int) -> dict[str, str]:
    return {"id": f"m{index + 1}", "role": "", "age": ""}


def members_in(form: dict[str, str]) -> list[dict[str, str]]:
    """The members as typed (``member-<i>-<field>`` entries), in order."""
    found: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = re.fullmatch(r"member-([0-9]{1,2})-(.+)", key)
        if match and int(match.group(1)) < 20:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [found[i] for i in sorted(found)]


def new_referral_id() -> str:
    return f"FD-{date.today():%Y%m%d}-{secrets.token_hex(3).upper()}"


def _number(raw: str, path: str, errors: list[FieldError], whole: bool) -> int | float | None:
    """The number typed, or None (blank, or not a number: then an error at the contract ``path``)."""
    if not raw.strip():
        return None
    try:
        return int(raw) if whole else float(raw)
    except ValueError:
        errors.append(FieldError(path, "Enter a whole number" if whole else "Enter a number, like 85 or 85.5"))
        return None


def _received_at(form: dict[str, str], zone: ZoneInfo, errors: list[FieldError]) -> str | None:
    try:
        day = date.fromisoformat(form.get("received_date", ""))
        at = time.fromisoformat(form.get("received_time", "") or "00:00")
    except ValueError:
        errors.append(FieldError("received_at", "Enter the date received as YYYY-MM-DD and the time as HH:MM"))
        return None
    return datetime.combine(day, at, tzinfo=zone).isoformat()


def _member(index: int, typed: dict[str, str], errors: list[FieldError]) -> dict[str, Any]:
    member: dict[str, Any] = {"id": typed.get("id") or f"m{index + 1}", "role": typed.get("role", "")}
    for name in IDENTITY:  # who they are: optional, so a blank box is no value at all
        member[name] = typed.get(name, "").strip() or None
    at = f"household.members[{index}]"
    age = _number(typed.get("age", ""), f"{at}.age", errors, whole=True)
    member["age"] = age if age is not None else typed.get("age", "")
    for section, _, fields in MEMBER_SECTIONS:
        values: dict[str, Any] = {}
        for field in fields:
            raw = typed.get(f"{section}-{field.name}", "")
            if field.kind == "check":
                values[field.name] = raw == "yes"
            else:
                number = _number(raw, f"{at}.{section}.{field.name}", errors, whole=field.name != "attendance_pct")
                if number is not None:
                    values[field.name] = number
        member[section] = values
    return member


def referral_from(form: dict[str, str], zone: ZoneInfo) -> tuple[dict[str, Any], list[FieldError]]:
    """The referral the form describes, and the errors found reading it (before validation), with
    contract paths like validation's, so ``field_id`` places both kinds beside their fields."""
    errors: list[FieldError] = []
    consent = {"yes": True, "no": False}.get(form.get("consent_given", ""))
    referral: dict[str, Any] = {
        "referral_id": form.get("referral_id", "").strip(),
        "received_at": _received_at(form, zone, errors),
        "referrer": {
            "agency": form.get("referrer_agency", ""),
            "name": form.get("referrer_name") or None,
            "role": form.get("referrer_role") or None,
            "email": form.get("referrer_email", "").strip() or None,
            "phone": form.get("referrer_phone", "").strip() or None,
        },
        "consent": {"given": consent, "by": form.get("consent_by") or None},
        "safeguarding": {"immediate_risk_of_harm": form.get("immediate_risk") == "yes"},
        "household": {
            "postcode": form.get("postcode", "").strip(),
            **{line: form.get(line, "").strip() or None for line in ADDRESS},
            "housing": {f.name: form.get(f"housing-{f.name}") == "yes" for f in HOUSING},
            "members": [_member(i, typed, errors) for i, typed in enumerate(members_in(form))],
        },
        "narrative": form.get("narrative") or None,
    }
    return referral, errors


_PATHS = [
    (re.compile(r"household\.members\[(\d+)\]\.(\w+)\.(\w+)"), "member-{0}-{1}-{2}"),
    (re.compile(r"household\.members\[(\d+)\]\.(\w+)"), "member-{0}-{1}"),
    (re.compile(r"household\.members(\[\d+\])?"), "members"),
    (re.compile(r"household\.housing\.(\w+)"), "housing-{0}"),
    (re.compile(r"household\.(\w+)"), "{0}"),
    (re.compile(r"referrer\.(\w+)"), "referrer_{0}"),
    (re.compile(r"consent\.(\w+)"), "consent_{0}"),
    (re.compile(r"received_at"), "received_date"),
    (re.compile(r"(\w+)"), "{0}"),
]


def field_id(path: str) -> str:
    """The form field a contract error's path points at (``household.members[1].age`` -> ``member-1-age``)."""
    for pattern, template in _PATHS:
        match = pattern.fullmatch(path)
        if match:
            return template.format(*match.groups())
    return "referral_id"


# The contract's range messages, said the GOV.UK way: "<what> must be 100 or less"
_BOUNDS = [
    (re.compile(r"Input should be less than or equal to (\S+)"), "must be {0} or less"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), "must be {0} or more"),
    (re.compile(r"Input should be less than (\S+)"), "must be less than {0}"),
    (re.compile(r"Input should be greater than (\S+)"), "must be more than {0}"),
    (re.compile(r"String should have at most (\S+) characters?"), "must be {0} characters or fewer"),
    (re.compile(r"Field required"), "is required"),
]
_IDS = re.compile(r"String should match pattern .*")  # the contract's ids: referral and member ids
_VALIDATOR_WORDING = re.compile(r"(Input|String|List|Value|Extra|Field|Dictionary|Object) ")  # pydantic's messages
_MEMBER_FIELD = re.compile(r"household\.members\[(\d+)\]\.(?:\w+\.)?(\w+)")


def message(error: FieldError) -> str:
    """An error as the person reading the form needs it: the field named, in plain words
    ("Attendance (%) for member 2 must be 100 or less"), instead of the contract's wording."""
    what = _what(error.path)
    for pattern, wording in _BOUNDS:
        found = pattern.fullmatch(error.reason)
        if found:
            return f"{what} {wording.format(*found.groups())}"
    if _IDS.fullmatch(error.reason) and error.path.endswith("id"):
        return f"{what} can only use letters, numbers, '.', '_' and '-' (up to 64 characters)"
    if _VALIDATOR_WORDING.match(error.reason):  # the validator's own words: say which field they are about
        return f"{what}: {error.reason[:1].lower()}{error.reason[1:]}"
    if error.reason.startswith(("must ", "is not ")):  # a rule about the field ("must not contain control characters")
        return f"{what} {error.reason}"
    return error.reason[:1].upper() + error.reason[1:]  # written for people already (intake's, the form's)


_PATH_LABELS = {
    "referrer.name": "Referrer's name",
    "referrer.role": "Referrer's role",
    "consent.by": "Who gave consent",
    "received_at": "The date received",
}


def _what(path: str) -> str:
    """The field a path points at, as the form labels it (members numbered from 1)."""
    if path in _PATH_LABELS:
        return _PATH_LABELS[path]
    member = _MEMBER_FIELD.fullmatch(path)
    if member:
        return f"{_label(member.group(2))} for member {int(member.group(1)) + 1}"
    return _label(path.rsplit(".", 1)[-1])
