"""Small hand-made people for the matching tests: one builder, with every field named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from triage.matching import PersonRecord

MakePerson = Callable[..., PersonRecord]


@pytest.fixture
def make_person() -> MakePerson:
    """A person record: William Smith, born 2 March 2014, at 12 Park Road, S5 7AU, unless told
    otherwise; each call gets a new person id unless one is given."""
    made = iter(range(1, 10_000))

    def build(**fields: Any) -> PersonRecord:
        values: dict[str, Any] = {
            "person_id": f"p{next(made)}",
            "household_id": "h1",
            "given_name": "William",
            "family_name": "Smith",
            "date_of_birth": date(2014, 3, 2),
            "sex": "male",
            "postcode": "S5 7AU",
            "address_line_1": "12 Park Road",
        }
        values.update(fields)
        return PersonRecord(**values)

    return build
