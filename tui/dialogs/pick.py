"""Choosing one item from a short list (which goal, which intervention)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.safe import plain
from tui.screens.base import TranslatedBindings


class PickDialog(TranslatedBindings, ModalScreen[str | None]):
    """Choose one item from a short list (e.g. which goal to edit); dismisses with its key, None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt")]

    def __init__(self, title: str, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*(Option(plain(label), id=key) for key, label in self.items), id="pick")
        yield Footer(compact=True, show_command_palette=False)  # Esc, as on every dialog

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
