"""Fact readers generated per ruleset copy exactly the fields a loop over the field groups would.

``triage.engine.readers`` writes the copy out as straight-line code; these tests hold it to the
plain reading: a None section leaves all its fields out, a None value is left out, anything else
is copied under its key, and names or keys that are not identifiers stay data.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from triage.engine.readers import FieldGroup, make_reader, reader_source

ODD_KEY = "k'); import os; ('"
GROUPS: tuple[FieldGroup, ...] = (
    ((), (("age", "age"),)),
    (("school",), (("school__attendance_pct", "attendance_pct"), ("school__excluded", "excluded"))),
    (("consent",), (("consent__given", "given"),)),
    (("odd",), ((ODD_KEY, "class"),)),  # a keyword as attribute name, a key with quotes
)


def plain_reading(source: Any, groups: tuple[FieldGroup, ...], fact: dict[str, Any]) -> dict[str, Any]:
    for holder_path, fields in groups:
        holder = source
        for part in holder_path:
            holder = getattr(holder, part)
        if holder is None:
            continue
        for key, name in fields:
            value = getattr(holder, name)
            if value is not None:
                fact[key] = value
    return fact


def member(**sections: Any) -> SimpleNamespace:
    odd = SimpleNamespace()
    setattr(odd, "class", sections.pop("odd_value", None))
    return SimpleNamespace(
        age=sections.pop("age", 7), school=sections.pop("school", None), consent=sections.pop("consent", None), odd=odd
    )


CASES = [
    member(),
    member(age=None),
    member(school=SimpleNamespace(attendance_pct=85.0, excluded=None)),
    member(school=SimpleNamespace(attendance_pct=None, excluded=False), consent=SimpleNamespace(given=True)),
    member(odd_value="x", consent=SimpleNamespace(given=False)),
]


def test_a_generated_reader_copies_what_the_plain_reading_copies() -> None:
    read = make_reader(GROUPS, "member")
    for case in CASES:
        assert read(case, {"kind": "member"}) == plain_reading(case, GROUPS, {"kind": "member"})


def test_an_absent_section_and_a_none_value_leave_their_keys_out() -> None:
    fact = make_reader(GROUPS, "member")(
        member(age=None, school=SimpleNamespace(attendance_pct=None, excluded=True)), {}
    )
    assert fact == {"school__excluded": True}


def test_keys_and_names_enter_the_source_only_as_literals() -> None:
    source = reader_source(GROUPS)
    assert f"fact[{ODD_KEY!r}]" in source and "values['class']" in source
