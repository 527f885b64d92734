"""Showing user text safely: never read as markup, control characters made visible."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}


def visible(text: str) -> str:
    """Control characters as their Unicode pictures (ESC → ␛), tabs and newlines kept."""
    return "".join(_PICTURES[ord(ch)] if ord(ch) in _PICTURES and ch not in "\n\t" else ch for ch in text)


def plain(text: str) -> Content:
    """Content that shows exactly the characters given: '[bold]x[/]' stays '[bold]x[/]'."""
    return Content(visible(text))


def cell(text: str) -> Text:
    """A table cell that shows exactly the characters given (Rich Text is never parsed as markup)."""
    return Text(visible(text))
