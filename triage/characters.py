"""Which characters a string that ends up in the audit log may hold.

A lone surrogate (``"\\ud83d"``: half of an emoji, as a buggy client's JSON escaping leaves it) is a
valid Python string but cannot be encoded as UTF-8, so it would pass validation and then fail the
audit hash; NUL and the other control characters are refused by PostgreSQL's text columns or make
a record unreadable. Every string the contract, the API, the web forms or the command line write
into the log is checked here, once, with one plain reason. Free text typed into a textarea
(a referral's narrative, a practitioner's reason) keeps its line breaks and tabs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

UNSAFE_REASON = "must not contain control characters or unpaired surrogates"

# Unicode category Cc (C0 and C1 controls, DEL) and Cs (surrogates: in a Python string read from
# JSON or UTF-8, a surrogate is always unpaired, since a pair is decoded into one character)
_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # \t, \n and \r allowed


def is_safe(text: str, multiline: bool = False) -> bool:
    """Whether ``text`` holds none of the refused characters (``multiline``: tab and line breaks allowed)."""
    return (_FREE_TEXT if multiline else _ONE_LINE).search(text) is None


def one_line(value: Any) -> Any:
    """A pydantic validator: refuse a string holding any of the characters. Used before the type's
    own checks, so this reason is given rather than a pattern's or a length's; a value that is not
    a string is left to the type to refuse."""
    if isinstance(value, str) and not is_safe(value):
        raise PydanticCustomError("unsafe_characters", UNSAFE_REASON)  # its own type: no "Value error, " before it
    return value


def free_text(value: Any) -> Any:
    """``one_line`` for free text: tabs and line breaks (a textarea's CRLF) allowed."""
    if isinstance(value, str) and not is_safe(value, multiline=True):
        raise PydanticCustomError("unsafe_characters", UNSAFE_REASON)
    return value


# The checks as annotations: a string on one line (names, roles, ids, who did something), and free
# text (a narrative, a practitioner's reason). Put them after a string's bounds, so the bounds stay
# on the string (``Annotated[str, Field(max_length=200), ONE_LINE]``; nested inside another
# Annotated, pydantic would apply a length bound to the validator and word its error as "items").
ONE_LINE = BeforeValidator(one_line)
FREE_TEXT = BeforeValidator(free_text)
OneLine = Annotated[str, ONE_LINE]
