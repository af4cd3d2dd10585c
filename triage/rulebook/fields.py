"""The field paths a rule may test, and their types, read off the contract models.

Deriving them from ``triage.models`` keeps the condition language and the wire contract from
drifting apart: a rule naming ``school.attendence_pct`` is refused at load time, not silently false
for ever.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from triage.identity import MEMBER_IDENTITY, REFERRER_IDENTITY
from triage.models import Member, Referral

Scalar = type  # bool, int, float or str

# Facts the engine works out before routing (see triage.engine.facts); rules may test them too.
DERIVED_FIELDS: dict[str, Scalar] = {
    "derived.problems_met": int,
    "derived.need_score": int,
    "derived.in_area": bool,
}

# durable-rules cannot read numbers written in exponent form (1e-05), which Python uses below
# 0.0001 and from 1e16: rule values must be 0 or between these (see the durable backend).
SMALLEST_RULE_NUMBER = 0.0001
LARGEST_RULE_NUMBER = 1e15

# Worked out from the indicators and modifiers, so only routing rules can test them.
SCORES = frozenset({"derived.problems_met", "derived.need_score"})

# Household-scope roots a rule may reach; the rest of the referral (ids, narrative, members) is
# not policy evidence.
_HOUSEHOLD_ROOTS = ("consent", "safeguarding", "household.housing", "referrer")


def _scalar_type(annotation: Any) -> Scalar | None:
    """bool/int/float/str for a field annotation, unwrapping Optional, Annotated and Literal."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _scalar_type(get_args(annotation)[0])
    if origin is Literal:
        return str
    if origin in (Union, types.UnionType):
        found = {_scalar_type(arg) for arg in get_args(annotation) if arg is not type(None)}
        return found.pop() if len(found) == 1 else None
    return annotation if annotation in (bool, int, float, str) else None


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The allowed values of a Literal field (unwrapping Optional and Annotated), else None."""
    origin = get_origin(annotation)
    if origin is Literal:
        return tuple(get_args(annotation))
    if origin in (Annotated, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _choices(arg)
            if found:
                return found
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def leaf_annotations(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Every leaf field under ``model`` (nested models walked) as ``dotted.path -> annotation``."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        nested = _model_of(info.annotation)
        if nested is not None:
            out.update(leaf_annotations(nested, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = info.annotation
    return out


def _scalars(annotations: dict[str, Any]) -> dict[str, Scalar]:
    return {path: kind for path, annotation in annotations.items() if (kind := _scalar_type(annotation))}


# a member's id and who people are (triage.identity) are never evidence a rule may test
_MEMBER = {p: a for p, a in leaf_annotations(Member).items() if p != "id" and p not in MEMBER_IDENTITY}
_HOUSEHOLD = {
    p: a for p, a in leaf_annotations(Referral).items() if p.startswith(_HOUSEHOLD_ROOTS) and p not in REFERRER_IDENTITY
}

MEMBER_FIELDS: dict[str, Scalar] = _scalars(_MEMBER)
HOUSEHOLD_FIELDS: dict[str, Scalar] = _scalars(_HOUSEHOLD) | DERIVED_FIELDS

# Fields with a fixed set of values (``role``): a rule comparing with another value is refused.
CHOICES: dict[str, tuple[str, ...]] = {
    path: choices for path, annotation in (_MEMBER | _HOUSEHOLD).items() if (choices := _choices(annotation))
}
