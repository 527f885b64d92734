"""Leaving a field whose typed text is not saved: save it, throw it away, or stay — never lost unasked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.safe import plain
from tui.screens.base import TranslatedBindings
from tui.strings import s

Choice = Literal["save", "discard", "stay"]
CHOICES: tuple[Choice, ...] = ("save", "discard", "stay")


class UnsavedDialog(TranslatedBindings, ModalScreen[Choice]):
    """Dismisses with "save" (Enter, the default), "discard" (x) or "stay" (Esc).

    Every key is a priority binding whose action the App awaits, and `act` (what the screen behind does
    with the choice: save, leave) runs inside it: so keys typed ahead after Esc and the choice reach
    the next screen in order, none to a screen that is going away."""

    BINDINGS = [
        Binding("enter", "choose_focused", "Välj", priority=True),
        Binding("x", "choose('discard')", "Släng texten", priority=True),
        Binding("escape", "choose('stay')", "Stanna kvar", priority=True),
    ]

    def __init__(self, lang: str, preview: str, act: Callable[[Choice], Awaitable[None]]) -> None:
        super().__init__()
        self.lang = lang
        self.preview = preview
        self.act = act
        self._chosen = False

    def compose(self) -> ComposeResult:
        lang = self.lang
        shown = self.preview if len(self.preview) <= 200 else self.preview[:199] + "…"
        with Vertical(classes="dialog", id="unsaved"):
            yield Static(s("unsaved_title", lang), classes="dialog-title", markup=False)
            yield Static(plain(s("unsaved_body", lang, text=shown)), classes="dialog-note", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("unsaved_save", lang), id="save", variant="primary")
                yield Button(s("unsaved_discard", lang), id="discard")
                yield Button(s("unsaved_stay", lang), id="stay")

    def on_mount(self) -> None:
        # Wide enough for the three buttons, each with its key in sight, at 80 columns (sv and en);
        # set here, as the app's .dialog rule (80 %) would win over a default rule.
        box = self.query_one("#unsaved")
        box.styles.width = 78
        box.styles.max_width = "100%"
        for button in self.query(Button):
            button.styles.margin = (0, 1, 0, 0)
        self.query_one("#save", Button).focus()  # Enter saves: keeping the text is the safe default

    async def action_choose_focused(self) -> None:
        focused = self.focused
        button_id = focused.id if isinstance(focused, Button) else None
        await self.action_choose(next((c for c in CHOICES if c == button_id), "save"))

    async def action_choose(self, choice: Choice) -> None:
        """Close the dialog, then let the screen behind act on the choice; both before the next key."""
        if self._chosen:  # a second key before the dialog is gone: the first choice stands
            return
        self._chosen = True
        await self.dismiss(choice)
        await self.act(choice)

    @on(Button.Pressed)
    def clicked(self, event: Button.Pressed) -> None:
        # A click: run in the App's turn (the dialog cannot wait for its own removal).
        if event.button.id in CHOICES:
            self.app.call_next(self.action_choose, event.button.id)
