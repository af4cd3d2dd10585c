"""CSV files that a spreadsheet opens as data, never as formulas (CSV injection, OWASP).

Every CSV the project writes goes through ``SafeDictWriter``. A text cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return would be read by Excel or LibreOffice as a formula
(``=HYPERLINK(…)`` in an override reason, a referral id ``-2-3``), so it gets a single quote in
front, as OWASP advises. Only text is changed: a number stays a number (a negative net present
value must still add up in a finance officer's spreadsheet).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as written: text that a spreadsheet would take for a formula, quoted; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


if TYPE_CHECKING:  # generic in typeshed only: csv.DictWriter[str] fails at run time before Python 3.12
    _DictWriter = csv.DictWriter[str]
else:
    _DictWriter = csv.DictWriter


class SafeDictWriter(_DictWriter):
    """``csv.DictWriter`` with every text cell (the header too) passed through ``neutralise``."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
