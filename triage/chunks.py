"""Taking a long run of items a block at a time: rows to delete, lines of a batch, referrals to simulate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items in order (the last may be shorter; none is empty). Lazy, so a file
    of a million lines is never held whole."""
    if size < 1:
        raise ValueError("a chunk holds at least one item")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
