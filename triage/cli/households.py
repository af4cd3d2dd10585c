"""``triage search`` and ``triage household``: find a family in the audit log and read its record,
as the front door does over the API (the same JSON with ``--json``).

For the front door team on the server: they print names, dates of birth and contact details, so
nothing is logged, and the search text is never echoed in an error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from triage.api.household_schemas import HouseholdOut, SearchHit, SearchResults
from triage.cli.common import EXIT_INVALID_INPUT, audit_store, fail
from triage.households.links import UnknownHousehold, is_household_id
from triage.households.service import Households, search_refused
from triage.report import household_text, search_table

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, as the API answers, instead of text.")]


def search(
    query: Annotated[
        str,
        typer.Argument(
            help="A name (fuzzy, any order, nicknames), a date of birth (2014-03-02 or 2/3/2014, day first), "
            "a postcode or district, an NHS number, a UPN, a referral id or a household id, or several at once.",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """The people (and referrals) a front door search finds in the audit log, best first."""
    refused = search_refused(query)
    if refused is not None:
        raise fail(f"QUERY: {refused}", EXIT_INVALID_INPUT)
    found = Households(audit_store()).search(query)
    if as_json:
        typer.echo(SearchResults(items=[SearchHit.of(f) for f in found]).model_dump_json(indent=2))
    else:
        typer.echo(search_table(found))


def household(
    household_id: Annotated[
        str, typer.Argument(help="A household id (H- and 8 characters), as search finds it.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """A household's record: its people and their ages today, every referral and what was done with
    it, who referred and how to reach them. An id merged into another household shows that one."""
    if not is_household_id(household_id):
        raise fail("HOUSEHOLD_ID: not a household id: H- and 8 letters and digits, e.g. H-7QK2M9XD", EXIT_INVALID_INPUT)
    try:
        record = Households(audit_store()).household(household_id, date.today())
    except UnknownHousehold as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    if as_json:
        typer.echo(HouseholdOut.of(record, household_id).model_dump_json(indent=2))
    else:
        typer.echo(household_text(record, household_id))
