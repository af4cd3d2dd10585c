"""Who the people are: the contract's optional identity fields and their checks.

Names, dates of birth, NHS numbers, pupil numbers, addresses and the referrer's contact details
let the front door find a family again and link a new referral to an earlier one. They are
personal data: the engine never reads them (a decision is the same with them or without them),
and the audit log keeps them only in the referral's stored text, apart from its hash chain, where
``audit purge`` erases them. Every field is optional, so a partner that sends none of them is
unaffected.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from triage.characters import ONE_LINE, one_line
from triage.identifiers import normalise_nhs_number, normalise_upn, valid_nhs_number, valid_upn

# The fields below are who people are, never evidence: rules may not test them (triage.rulebook.fields)
MEMBER_IDENTITY = ("given_name", "family_name", "date_of_birth", "sex", "nhs_number", "upn")
REFERRER_IDENTITY = ("referrer.name", "referrer.role", "referrer.email", "referrer.phone", "consent.by")

NAME_LIMIT, EMAIL_LIMIT, PHONE_LIMIT = 200, 254, 32
_EARLIEST_BIRTH = date(1900, 1, 1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+?[0-9 ()-]+")
_PHONE_DIGITS = (7, 15)  # fewest in a UK local number without its area code; most in E.164

PersonName = Annotated[str, Field(min_length=1, max_length=NAME_LIMIT), ONE_LINE]
AddressLine = Annotated[str, Field(min_length=1, max_length=NAME_LIMIT), ONE_LINE]
Sex = Literal["female", "male", "other", "not_known"]


def _iso_date_only(value: Any) -> Any:
    """Only YYYY-MM-DD text (or a date, as YAML gives): 02/03/2014 is the 2nd of March in the UK
    and the 3rd of February elsewhere, and a guess would link the wrong child."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD, e.g. 2014-03-02")
    return value


def _born_since_1900(value: date) -> date:
    if value < _EARLIEST_BIRTH:
        raise ValueError("must be 1900-01-01 or later")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address, e.g. name@school.example.org")
    return value


def _phone(value: str) -> str:
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.fullmatch(value) or not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
        raise ValueError("must be a phone number of 7 to 15 digits (spaces, brackets, - and a leading + allowed)")
    return value


def _nhs_number(value: str) -> str:
    """Kept as ten digits: "943 476 5919" and "9434765919" are one person's number."""
    digits = normalise_nhs_number(value)
    if digits is None:
        raise ValueError("must be an NHS number: 10 digits, e.g. 943 476 5919")
    if not valid_nhs_number(digits):
        raise ValueError("is not a valid NHS number (its check digit is wrong: check it was copied correctly)")
    return digits


def _upn(value: str) -> str:
    upn = normalise_upn(value)
    if upn is None:
        raise ValueError("must be a unique pupil number: a letter, 11 digits and a digit or letter")
    if not valid_upn(upn):
        raise ValueError(
            "is not a valid unique pupil number (its check letter is wrong: check it was copied correctly)"
        )
    return upn


DateOfBirth = Annotated[
    date,
    Field(strict=False),
    BeforeValidator(_iso_date_only),
    BeforeValidator(one_line),
    AfterValidator(_born_since_1900),
]  # before validators: last first
NhsNumber = Annotated[str, Field(max_length=16), ONE_LINE, AfterValidator(_nhs_number)]
Upn = Annotated[str, Field(max_length=16), ONE_LINE, AfterValidator(_upn)]
Email = Annotated[str, Field(max_length=EMAIL_LIMIT), ONE_LINE, AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=PHONE_LIMIT), ONE_LINE, AfterValidator(_phone)]


def age_on(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day`` (a birthday on 29 February counts from 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_problem(born: date, age: int, received: date) -> str | None:
    """Why a date of birth cannot be right for a member of ``age`` received on ``received``, or None.

    A year either way is allowed: a partner's system may hold the age it had when the referral
    was written. More than that is a typo in one of them, and the age is what the rules read.
    """
    if born > received:
        return f"must not be after the day the referral was received ({received.isoformat()})"
    actual = age_on(born, received)
    if abs(actual - age) > 1:
        return f"must agree with age: it makes this member {actual} on the day received, but age says {age}"
    return None
