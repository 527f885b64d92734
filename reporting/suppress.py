"""The signs of small-number suppression ("<k", ".."), and the fault a protection may raise; the joint
protection itself is reporting/disclosure.py."""

from __future__ import annotations

from typing import Any

Cell = int | str


SECONDARY = ".."  # hidden to protect another cell; Statistics Sweden's sign for "not shown"


def hidden(k: int) -> str:
    return f"<{k}"


class ProtectionFailed(ValueError):
    """The protection's model of the published figures has no solution, though the true figures are
    one: a fault in the protection, so nothing may be published."""


def any_hidden(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("<") or value == SECONDARY
    if isinstance(value, dict):
        return any(any_hidden(v) for v in value.values())
    if isinstance(value, list):
        return any(any_hidden(v) for v in value)
    return False
