"""The help screen (? or F1): every key of the screen below, also those the footer has no room for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from language import pgettext
from tui.safe import plain
from tui.screens.base import TranslatedBindings
from tui.strings import s

if TYPE_CHECKING:
    from tui.app import UppfoljningApp


def key_lines(app: UppfoljningApp, screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key as shown, description) for every enabled binding of `screen` and the app, once each."""
    seen: dict[str, list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        # The screen's and the app's own keys; a text field's cursor keys are not news to anyone.
        if not binding.description or not active.enabled or not isinstance(active.node, (Screen, App)):
            continue
        shown = app.get_key_display(binding) or key
        seen.setdefault(binding.description, [])
        if shown not in seen[binding.description]:
            seen[binding.description].append(shown)
    seen.pop(pgettext("binding", "palette", app.lang), None)  # said below in a whole sentence
    out = []
    for description, keys in seen.items():
        if len(keys) > 3 and all(k.isdigit() for k in keys):
            keys = [f"{keys[0]}–{keys[-1]}"]  # the digits that pick a choice, as one line
        out.append((" / ".join(keys), description))
    out.append(("ctrl+p", s("help_palette", app.lang)))
    return out


class HelpScreen(TranslatedBindings, ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Stäng"),
        Binding("question_mark", "dismiss", "Stäng", show=False),
        Binding("f1", "dismiss", "Stäng", show=False),
    ]

    def __init__(self, lines: list[tuple[str, str]], lang: str) -> None:
        super().__init__()
        self.lines = lines
        self.lang = lang

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self.lines), default=4) + 2
        text = "\n".join(f"{k.ljust(width)}{d}" for k, d in self.lines)
        with Vertical(classes="dialog"):
            yield Static(s("help_title", self.lang), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(plain(text), id="help-keys")
            yield Static(s("help_close", self.lang), classes="dialog-note")

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The list scrolls within what the terminal has room for, so the title and the last line
        (how to close) always show: a dialog of auto height is otherwise clipped, not scrolled."""
        dialog = self.query_one(".dialog")
        chrome = dialog.styles.border.spacing.height + dialog.styles.padding.height + 4  # title, note
        room = int(self.size.height * 0.9) - chrome  # the dialog's max-height: 90%
        self.query_one(".dialog-body").styles.max_height = max(3, room)

    async def action_dismiss(self, result: Any = None) -> None:
        self.dismiss(None)
