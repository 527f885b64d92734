"""The one-line text field that never takes terminal escapes or control characters in silently."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from interview.textcheck import without_controls
from tui.strings import s


def _notice(widget: Widget) -> None:
    lang = str(getattr(widget.app, "lang", "sv"))
    text = s("controls_removed", lang)
    widget.border_subtitle = text  # beside the field, where the eye is
    widget.notify(text, severity="warning", markup=False)


class CleanInput(Input):
    """An Input whose pasted and typed text never holds control characters."""

    def _on_paste(self, event: events.Paste) -> None:
        # Input's own handler runs after this one and inserts through the two methods below.
        event.stop()

    def insert_text_at_cursor(self, text: str) -> None:
        cleaned, removed = without_controls(text)
        if removed:
            _notice(self)
        super().insert_text_at_cursor(cleaned)

    def replace(self, text: str, start: int, end: int) -> None:
        cleaned, removed = without_controls(text)
        if removed:
            _notice(self)
        super().replace(cleaned, start, end)
