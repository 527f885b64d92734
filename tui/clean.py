"""Text fields that never take terminal escapes or control characters in silently: what is pasted or
typed is cleaned by the core's rule (the one import applies), and the field says so beside itself."""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.widgets.text_area import EditResult, Location

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


class CleanTextArea(TextArea):
    """A TextArea whose pasted and typed text never holds control characters."""

    def _replace_via_keyboard(self, insert: str, start: Location, end: Location) -> EditResult | None:
        # Typing and pasting both come through here, so one place cleans both.
        cleaned, removed = without_controls(insert)
        if removed:
            _notice(self)
        return super()._replace_via_keyboard(cleaned, start, end)

    async def _on_paste(self, event: events.Paste) -> None:
        # Textual runs TextArea's own handler after this one (it walks the classes); stopping the
        # event here keeps it from bubbling to the screen, which would insert it a second time.
        event.stop()
