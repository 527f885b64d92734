"""Asking for the workspace's passphrase when it is opened."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.clean_input import CleanInput
from tui.screens.base import TranslatedBindings
from tui.strings import s


class PassphraseDialog(TranslatedBindings, ModalScreen[str]):
    """Asks for the workspace's passphrase; the app checks it and asks again when wrong."""

    BINDINGS = [Binding("escape", "app.quit", "Avsluta")]

    def __init__(self, lang: str, error: str = "") -> None:
        super().__init__()
        self.lang = lang
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(s("passphrase_title", self.lang), classes="dialog-title")
            yield Label(s("passphrase_prompt", self.lang))
            yield CleanInput(password=True, id="passphrase")
            yield Static(self.error, classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("passphrase_open", self.lang), variant="primary", id="open")

    @on(Input.Submitted)
    @on(Button.Pressed, "#open")
    def done(self) -> None:
        self.dismiss(self.query_one("#passphrase", Input).value)
