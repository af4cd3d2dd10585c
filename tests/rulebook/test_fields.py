"""The field paths a rule may test, read off the contract models."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from triage.rulebook.fields import HOUSEHOLD_FIELDS, _choices


@pytest.mark.parametrize("path", ["referrer.name", "referrer.role", "consent.by", "narrative", "referral_id"])
def test_names_free_text_and_ids_are_not_household_fields(path):
    """Rules decide on circumstances, never on who wrote the referral or what they wrote."""
    assert path not in HOUSEHOLD_FIELDS


@pytest.mark.parametrize(
    "annotation",
    [Literal["a", "b"] | None, Annotated[Literal["a", "b"], Field(min_length=1)]],
    ids=["optional", "annotated"],
)
def test_the_choices_of_an_optional_or_annotated_choice_field(annotation):
    assert _choices(annotation) == ("a", "b")
