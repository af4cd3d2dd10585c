"""Nicknames and other spellings of first names, read from ``nicknames.yaml`` beside this module.

"Bill" and "William", "Mo" and "Mohammed", "Muhammad" and "Mohammed" are one person's name written
differently, and a typo measure cannot see it. The list is data (the YAML), so a front door can add
the names its city uses without touching Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["NameVariants", "default_variants"]


class NameVariants:
    """Which normalised first names stand for the same name, and how to say so."""

    def __init__(self, nicknames: Mapping[str, Sequence[str]], spellings: Sequence[Sequence[str]]) -> None:
        self._spelling: dict[str, str] = {}
        for group in spellings:
            for name in group:
                self._spelling.setdefault(name, group[0])
        self._full: dict[str, set[str]] = {}
        self._known: dict[str, frozenset[str]] = {}  # full_names, worked out once per name
        for full, short_forms in nicknames.items():
            head = self.canonical(full)
            self._full.setdefault(head, set()).add(head)
            for short in short_forms:
                self._full.setdefault(self.canonical(short), set()).add(head)

    def canonical(self, name: str) -> str:
        """The first spelling listed for a name ("muhammad" -> "mohammed"), or the name itself."""
        return self._spelling.get(name, name)

    def full_names(self, name: str) -> frozenset[str]:
        """The name (as its first spelling) and every full name it may be short for: what a
        referral naming this person could have written instead. Used as blocking keys."""
        if (known := self._known.get(name)) is None:
            head = self.canonical(name)
            known = self._known[name] = frozenset(self._full.get(head, ())) | {head}
        return known

    def relation(self, a: str, b: str) -> str | None:
        """How two different normalised first names are one name, in plain words, or None."""
        if a == b:
            return None
        head_a, head_b = self.canonical(a), self.canonical(b)
        if head_a == head_b:
            return f"another spelling of {head_a.title()}"
        shared = self.full_names(a) & self.full_names(b)
        if not shared:
            return None
        if head_a in shared or head_b in shared:
            return f"nickname of {(head_a if head_a in shared else head_b).title()}"
        return f"both short for {min(shared).title()}"


def _load(text: str) -> NameVariants:
    """Read the YAML's two sections, refusing a shape the code cannot use (named in the error)."""
    data = yaml.safe_load(text) or {}
    nicknames = data.get("nicknames") or {}
    spellings = data.get("spellings") or []
    if not isinstance(nicknames, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v) for k, v in nicknames.items()
    ):
        raise ValueError("nicknames.yaml: nicknames must map each full name to a list of names")
    if not isinstance(spellings, list) or not all(
        isinstance(g, list) and g and all(isinstance(n, str) for n in g) for g in spellings
    ):
        raise ValueError("nicknames.yaml: spellings must be a list of non-empty lists of names")
    return NameVariants(nicknames, spellings)


@lru_cache(maxsize=1)
def default_variants() -> NameVariants:
    """The names shipped with triage (read once per process)."""
    return _load(resources.files(__package__).joinpath("nicknames.yaml").read_text(encoding="utf-8"))
