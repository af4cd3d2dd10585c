"""Reason templates: plain sentences with ``{placeholders}``, checked when the rules load.

Only bare names are allowed (``{member}``), never ``{member.__class__}`` or ``{x[0]}``: a template is
data written by a policy lead and must not reach into Python objects.
"""

from __future__ import annotations

from string import Formatter

MEMBER = frozenset({"role", "id", "age"})
NAMED_MEMBER = frozenset({"given_name", "family_name", "role", "age"})
INDICATOR = frozenset({"member", "value", "definition"})
MODIFIER = frozenset({"members", "points", "definition"})
ALSO_REFER = frozenset({"members", "service"})
ROUTING = frozenset(
    {"problems_met", "problems", "need_score", "members", "service", "locality", "district", "priority", "respond_by"}
)


def template_problem(template: str, allowed: frozenset[str]) -> str | None:
    """Why ``template`` is not usable (None when it is)."""
    try:
        parts = list(Formatter().parse(template))
    except ValueError as error:
        return f"reason template is malformed ({error}); write literal braces as {{{{ and }}}}"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion:
            return f"placeholder {{{name}}} may not carry a conversion or format; write {{{name}}} alone"
        if name not in allowed:
            return f"unknown placeholder {{{name}}}; this reason may use: " + ", ".join(
                f"{{{a}}}" for a in sorted(allowed)
            )
    return None


def render(template: str, values: dict[str, object]) -> str:
    """Fill a checked template."""
    return template.format_map(values)
