"""Plain-text tables for terminal reports: figures right-aligned under their headings."""

from __future__ import annotations


def grid(headers: list[str], rows: list[list[str]]) -> list[str]:
    """The table as lines: the first column left-aligned (names), the others right-aligned (figures)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), *(line(row) for row in rows)]
