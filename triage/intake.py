"""Where a referral enters: text or data in, a validated Referral or a list of field errors out.

Every error names the field path as a partner's developer would write it
(``household.members[1].school.attendance_pct``) and the reason in plain words, never pydantic's
internals. A reason may quote the offending value back to the submitter (an unknown agency, a
malformed postcode); errors are returned to the caller and never written to the logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from triage.field_paths import dotted_path
from triage.identity import birth_problem
from triage.models import Referral

_REASONS = {
    "extra_forbidden": "unknown field (check the spelling against the referral contract)",
    "missing": "required field is missing",
}


@dataclass(frozen=True)
class FieldError:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class InvalidReferral(ValueError):
    """The referral cannot be decided; ``errors`` says which fields are wrong and why."""

    def __init__(self, errors: list[FieldError], referral_id: str | None = None) -> None:
        self.errors = errors
        self.referral_id = referral_id
        super().__init__("; ".join(map(str, errors)))


def _reason(error: ErrorDetails) -> str:
    if error["type"] in _REASONS:
        return _REASONS[error["type"]]
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def parse_referral(data: Any, agencies: frozenset[str] | None) -> Referral:
    """Validate already-parsed data (a dict from JSON or YAML) against the contract.

    ``agencies`` (the catalogue's partner agencies, ``Engine.policy.agencies``) has no default on
    purpose: a caller that means to skip the agency check must say so with None.
    """
    if not isinstance(data, dict):
        raise InvalidReferral([FieldError("", "a referral must be a JSON object")])
    referral_id = data.get("referral_id")
    try:
        referral = Referral.model_validate(data, context={"agencies": agencies})
    except ValidationError as error:
        errors = [FieldError(dotted_path(tuple(e["loc"])), _reason(e)) for e in error.errors()]
        raise InvalidReferral(errors, referral_id if isinstance(referral_id, str) else None) from None
    errors = _birth_dates(referral)
    if errors:
        raise InvalidReferral(errors, referral.referral_id)
    return referral


def _birth_dates(referral: Referral) -> list[FieldError]:
    """Each date of birth against the day received and the member's age: checks across fields,
    so made here, where the referral is whole, with the path of the date that is wrong."""
    received = referral.received_at.date()
    errors = []
    for index, member in enumerate(referral.household.members):
        problem = birth_problem(member.date_of_birth, member.age, received) if member.date_of_birth else None
        if problem is not None:
            errors.append(FieldError(f"household.members[{index}].date_of_birth", problem))
    return errors


_YAML_MERGE = "tag:yaml.org,2002:merge"


class _Repeated(dict[str, Any]):
    """A JSON object that names ``key`` more than once; kept only to find where it is, then refused."""

    def __init__(self, pairs: dict[str, Any], key: str) -> None:
        super().__init__(pairs)
        self.key = key


class _DuplicateYamlKey(Exception):
    """Raised inside the YAML loader; carries the mapping node so its path can be found from the root."""

    def __init__(self, mapping: yaml.Node, key: Any) -> None:
        self.mapping, self.key = mapping, key


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml's safe loader, but a key given twice in one mapping is refused instead of the last winning."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):  # anything else the base constructor refuses
            # ``<<: *base`` followed by a key of its own is YAML's override, not a duplicate
            keys = (self.construct_object(k, deep=deep) for k, _ in node.value if k.tag != _YAML_MERGE)
            for repeat in _first_repeat(keys):
                raise _DuplicateYamlKey(node, repeat)
        return super().construct_mapping(node, deep=deep)


def _find(
    root: Any, is_target: Callable[[Any], bool], children: Callable[[Any], list[tuple[str | int, Any]]]
) -> tuple[tuple[str | int, ...], Any]:
    """The first item that ``is_target`` (depth first, in document order) and its location.

    Iterative, so a deeply nested document cannot overflow the stack; an item seen before (a YAML
    alias) is not walked again.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        item, loc = stack.pop()
        if is_target(item):
            return loc, item
        if id(item) not in seen:
            seen.add(id(item))
            stack.extend(reversed([(child, loc + (part,)) for part, child in children(item)]))
    return (), root


def _data_children(item: Any) -> list[tuple[str | int, Any]]:
    if isinstance(item, dict):
        return list(item.items())
    return list(enumerate(item)) if isinstance(item, list) else []


def _node_children(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        return [(str(key.value) if isinstance(key, yaml.ScalarNode) else "?", value) for key, value in node.value]
    return list(enumerate(node.value)) if isinstance(node, yaml.SequenceNode) else []


def _first_repeat(keys: Iterable[Any]) -> tuple[Any, ...]:
    """``(key,)`` for the first key seen before, else ``()`` (a YAML key may itself be None).

    Unhashable keys are skipped: the YAML constructor refuses them with its own error.
    """
    seen: set[Any] = set()
    for key in keys:
        try:
            if key in seen:
                return (key,)
            seen.add(key)
        except TypeError:
            continue
    return ()


def _duplicate(loc: tuple[str | int, ...], key: Any) -> InvalidReferral:
    return InvalidReferral([FieldError(dotted_path(loc + (str(key),)), "duplicate key")])


def _load_json(text: str) -> Any:
    """``json.loads``, refusing a key given twice in one object (json keeps the last, silently)."""
    repeated = False

    def unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        mapping = dict(pairs)
        if len(mapping) == len(pairs):
            return mapping
        repeated = True
        (key,) = _first_repeat(key for key, _ in pairs)
        return _Repeated(mapping, key)

    data = json.loads(text, object_pairs_hook=unique_pairs)
    if repeated:  # objects are built innermost first, so where the repeat is is known only now
        loc, found = _find(data, lambda item: isinstance(item, _Repeated), _data_children)
        raise _duplicate(loc, found.key)
    return data


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load``, refusing a key given twice in one mapping (YAML keeps the last, silently)."""
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        try:
            return None if root is None else loader.construct_document(root)
        except _DuplicateYamlKey as duplicate:
            mapping, key = duplicate.mapping, duplicate.key
            loc, _ = _find(root, lambda node: node is mapping, _node_children)
            raise _duplicate(loc, key) from None
    finally:
        loader.dispose()


def _syntax_reason(error: json.JSONDecodeError | yaml.YAMLError, kind: str) -> str:
    mark = getattr(error, "problem_mark", None)
    where = (
        f" at line {mark.line + 1}"
        if mark is not None
        else (f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else "")
    )
    reason = getattr(error, "msg", None) or getattr(error, "problem", None) or "cannot be parsed"
    return f"not valid {kind}{where}: {reason}"


def load_text(text: str, yaml_allowed: bool = False) -> Any:
    """Parse JSON (or YAML, for files people write by hand) with a readable error.

    Bad text only ever raises InvalidReferral: a caller (``batch``) must be able to record the
    refusal and go on. A key given twice is refused, since which copy was meant is a guess (consent
    given, or not?). Python's own limits (nesting depth, 4,300-digit integers, impossible YAML dates)
    are refusals too, worded without quoting the value.
    """
    kind = "YAML" if yaml_allowed else "JSON"
    try:
        return _load_yaml(text) if yaml_allowed else _load_json(text)
    except InvalidReferral:  # a duplicate key, already worded; it is a ValueError too, so it goes first
        raise
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        reason = _syntax_reason(error, kind)
    except RecursionError:
        reason = f"not valid {kind}: nested too deeply"
    except ValueError:  # after its subclasses above
        reason = f"not valid {kind}: a value cannot be read (a number with too many digits, or an impossible date)"
    raise InvalidReferral([FieldError("", reason)]) from None
