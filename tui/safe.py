"""Showing user text safely: never read as markup, control characters made visible."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from tui.visible import visible


def plain(text: str) -> Content:
    """Content that shows exactly the characters given: '[bold]x[/]' stays '[bold]x[/]'."""
    return Content(visible(text))


def cell(text: str) -> Text:
    """A table cell that shows exactly the characters given (Rich Text is never parsed as markup)."""
    return Text(visible(text))
