"""Fact readers: straight-line Python generated once per ruleset to copy a model's fields into a fact.

Building facts runs for every member of every referral. A loop over the field groups, with a
``getattr`` and a test per field, cost as much as evaluating every rule; the same copy written out
as one function per ruleset (``fact["school__attendance_pct"] = ...``) costs a fraction. The
function is generated from the compiled field groups only: attribute names come from the contract
models (``triage.rulebook.fields``) and every key and name enters the source through ``repr``, so
nothing written in a policy file can become code.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

# Fields to copy into a fact, grouped by the model object that holds them:
# (attribute path to that object, ((fact key, attribute name), ...)).
FieldGroup = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
Reader = Callable[[Any, dict[str, Any]], dict[str, Any]]


def _attribute(target: str, name: str) -> str:
    """``target.name``, or ``getattr(target, 'name')`` for a name that is not a plain identifier."""
    return f"{target}.{name}" if name.isidentifier() and not keyword.iskeyword(name) else f"getattr({target}, {name!r})"


def reader_source(groups: tuple[FieldGroup, ...]) -> str:
    """The source of ``read(source, fact)``: each field that is not None, copied under its key.

    Exactly what a loop over ``groups`` would do: the holder object is reached attribute by
    attribute, an absent (None) section leaves all its fields out, and None values are left out,
    so an absent field makes every comparison false.
    """
    lines = ["def read(source, fact):"]
    for holder_path, fields in groups:
        holder = "source"
        for part in holder_path:
            holder = _attribute(holder, part)
        lines.append(f"    holder = {holder}")
        lines.append("    if holder is not None:")
        lines.append("        values = holder.__dict__")
        for key, name in fields:
            lines.append(f"        value = values[{name!r}]")
            lines.append("        if value is not None:")
            lines.append(f"            fact[{key!r}] = value")
    lines.append("    return fact")
    return "\n".join(lines) + "\n"


def make_reader(groups: tuple[FieldGroup, ...], label: str) -> Reader:
    """Compile the reader for ``groups``; ``label`` names it in tracebacks (``<facts: member>``)."""
    namespace: dict[str, Any] = {}
    exec(compile(reader_source(groups), f"<facts: {label}>", "exec"), namespace)  # noqa: S102 - generated above
    reader: Reader = namespace["read"]
    return reader
