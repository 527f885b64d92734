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


# A whole terminal escape sequence (CSI, OSC, or a two-character escape): removing only the ESC would
# leave its parameters ("[31m") behind as if the person had typed them.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI … final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC
)


def without_controls(text: str) -> tuple[str, int]:
    """The text with terminal escape sequences and control characters (other than tab and line breaks)
    removed, and how many characters went; the same characters an import refuses."""
    cleaned = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return cleaned, len(text) - len(cleaned)
