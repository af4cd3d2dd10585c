"""A person record made ready to compare: every field normalised once, when it is indexed.

Comparing the incoming person with hundreds of known ones must not normalise the same names
hundreds of times, so each record is normalised once, here, and kept beside the record as given.
Identifiers are kept only when valid: a mistyped NHS number is no key at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from triage.identifiers import is_temporary_upn, normalise_nhs_number, normalise_upn, valid_nhs_number, valid_upn
from triage.matching.names import family_key, fold, name_tokens
from triage.matching.records import PersonRecord
from triage.postcodes import outward_code

__all__ = ["Prepared", "normalise_address", "normalise_postcode", "prepare"]

_SEXES: Final = {"m": "male", "male": "male", "boy": "male", "f": "female", "female": "female", "girl": "female"}
# the same street written two ways ("12 Park Rd" and "12 Park Road") is the same street
_STREET_WORDS: Final = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "dr": "drive",
    "cres": "crescent",
    "ct": "court",
    "gdns": "gardens",
    "gr": "grove",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
}
_SPACES: Final = re.compile(r"\s+")
_WORDS: Final = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record and its normalised fields (empty string or None for what was not recorded)."""

    record: PersonRecord
    given: tuple[str, ...]  # first name and middle names, normalised
    first: str  # the first of them, or ""
    family: str  # the family name as one word
    family_parts: tuple[str, ...]  # a double-barrelled name's parts
    full: str  # "first family", for a name's overall similarity
    nhs: str | None  # valid NHS numbers only, as ten digits
    upn: str | None  # valid UPNs only, upper case
    upn_temporary: bool
    sex: str | None  # "male" or "female"; anything else is not compared
    postcode: str | None  # upper case without spaces, valid shapes only
    district: str | None  # the outward code
    address: str  # the first line of the address, normalised
    sort_key: tuple[str, str, str]  # family name, first name, person id: how search lists equal hits


def normalise_postcode(text: str | None) -> tuple[str | None, str | None]:
    """A postcode without spaces in upper case, and its district; None for either it lacks.

    An outward code alone ("S5") is a district without a postcode."""
    if not text:
        return None, None
    try:
        district = outward_code(text)
    except ValueError:
        return None, None
    compact = _SPACES.sub("", text).upper()
    return (compact if compact != district else None), district


def normalise_address(text: str | None) -> str:
    """The first line of an address in lower case, common abbreviations written out."""
    return " ".join(_STREET_WORDS.get(w, w) for w in _WORDS.findall(fold(text))) if text else ""


def prepare(record: PersonRecord) -> Prepared:
    """Normalise a record's fields for comparison (see ``Prepared``)."""
    given = name_tokens(record.given_name)
    family = family_key(record.family_name)
    nhs = normalise_nhs_number(record.nhs_number) if record.nhs_number and valid_nhs_number(record.nhs_number) else None
    upn = normalise_upn(record.upn) if record.upn and valid_upn(record.upn) else None
    postcode, district = normalise_postcode(record.postcode)
    first = given[0] if given else ""
    return Prepared(
        record=record,
        given=given,
        first=first,
        family=family,
        family_parts=name_tokens(record.family_name),
        full=f"{first} {family}".strip(),
        nhs=nhs,
        upn=upn,
        upn_temporary=upn is not None and is_temporary_upn(upn),
        sex=_SEXES.get(record.sex.strip().casefold()) if record.sex else None,
        postcode=postcode,
        district=district,
        address=normalise_address(record.address_line_1),
        sort_key=(family, first, record.person_id),
    )
