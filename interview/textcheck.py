"""Checks on free text that every part of the core shares."""

from __future__ import annotations

import re

# C0 and C1 control characters other than tab and line breaks: ESC starts terminal escape sequences,
# which must never reach a screen or a document as commands.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def find_control(text: str) -> int | None:
    """The index of the first control character that has no place in a text, or None."""
    m = _CONTROL.search(text)
    return m.start() if m else None
