"""Small-number suppression: counts 1..k-1 become "<k", with secondary suppression so that no hidden
cell can be recovered from its table's total and the other cells."""

from __future__ import annotations

from typing import Any

Cell = int | str


SECONDARY = ".."  # hidden to protect another cell; Statistics Sweden's sign for "not shown"


def hidden(k: int) -> str:
    return f"<{k}"


def suppress_table(
    cells: dict[str, int], k: int, *, partition: bool, total: int | None = None
) -> dict[str, Cell]:
    """Primary suppression of every count 1..k-1. When the cells partition a published total, a lone
    hidden cell would equal total minus the rest, so the next smallest count is hidden too."""
    out: dict[str, Cell] = {code: hidden(k) if 0 < n < k else n for code, n in cells.items()}
    if partition and (total is None or total >= k):
        concealed = [c for c, v in out.items() if isinstance(v, str)]
        if len(concealed) == 1:
            candidates = sorted((n, c) for c, n in cells.items() if c not in concealed and n > 0)
            if candidates:
                # Not "<k": the cell may be large; it is hidden only so the small one stays hidden.
                out[candidates[0][1]] = SECONDARY
    return out


def suppress_count(n: int, k: int) -> Cell:
    return hidden(k) if 0 < n < k else n


def any_hidden(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("<") or value == SECONDARY
    if isinstance(value, dict):
        return any(any_hidden(v) for v in value.values())
    if isinstance(value, list):
        return any(any_hidden(v) for v in value)
    return False
