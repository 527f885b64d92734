"""Control characters made visible, so stored text can never drive a terminal (no UI imports)."""

from __future__ import annotations

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}


def visible(text: str) -> str:
    """Control characters as their Unicode pictures (ESC → ␛), tabs and newlines kept."""
    return "".join(_PICTURES[ord(ch)] if ord(ch) in _PICTURES and ch not in "\n\t" else ch for ch in text)
