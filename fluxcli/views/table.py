"""Plain aligned columns (fxjobs): machine friendly, no colour, one row a line."""

from __future__ import annotations

from collections.abc import Sequence


def render_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], show_header: bool = True
) -> str:
    """Left-aligned columns separated by two spaces, trailing blanks removed."""
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]
    lines = ([header] if show_header else []) + list(rows)
    return "\n".join(
        "  ".join(col.ljust(w) for col, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
