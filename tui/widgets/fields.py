"""Form fields for the dialogs: a labelled input with its validation message, a one-line pick list."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static, TextArea


class CompactSelect(Select[Any]):
    """A one-line pick list, so a whole form fits a thin client's 24 rows."""

    def __init__(self, options: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prompt", "–")
        super().__init__(options, compact=True, **kwargs)


class Field(Vertical):
    """A labelled input with its validation message right beside it."""

    DEFAULT_CSS = "Field { height: auto; }"

    def __init__(self, label: str, widget: Input | Select[Any] | TextArea, name: str) -> None:
        super().__init__(id=f"field-{name}", classes="field")
        self.label_text = label
        self.widget = widget
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="field-label", markup=False)
        yield self.widget
        error = Static("", classes="field-error", id=f"err-{self.field_name}", markup=False)
        error.display = False  # shown only when there is something to say
        yield error
