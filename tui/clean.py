"""Text fields that never take terminal escapes or control characters in silently: what is pasted or
typed is cleaned by the core's rule (the one import applies), and the field says so beside itself."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from interview.textcheck import without_controls
from tui.clean_input import CleanInput, _notice

# The one-line field lives apart so the first screen (the dashboard's filter, the passphrase) does
# not import TextArea and its document machinery; it is re-exported here for every other user.
__all__ = ["CleanInput", "CleanTextArea"]


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
