"""Someone else saved the same answer meanwhile: both answers, who and when, and the caseworker's choice."""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from tui.safe import plain
from tui.screens.base import TranslatedBindings
from tui.strings import s

Choice = Literal["mine", "theirs"]


class ConflictDialog(TranslatedBindings, ModalScreen[Choice | None]):
    """Dismisses with "mine" (save mine over theirs), "theirs" (keep theirs) or None (Esc: decide
    later; nothing is saved and what was typed stays on screen)."""

    # The footer shows the keys (Enter takes the focused button, the stored answer first). Keeping
    # theirs is safe on any key; overwriting it takes Ctrl+O ("över"/"overwrite"), a key no answer is
    # typed with: not a digit or Ctrl+S, which a caseworker typing ahead or saving again by reflex
    # would send here and so overwrite a colleague's answer unread.
    BINDINGS = [
        Binding("1", "theirs", "Behåll det sparade svaret"),
        Binding("ctrl+o", "mine", "Spara mitt svar"),
        Binding("escape", "cancel", "Avbryt"),
    ]

    def __init__(self, lang: str, question: str, mine: str, theirs: str, who: str, when: str) -> None:
        super().__init__()
        self.lang = lang
        self.question, self.mine, self.theirs, self.who, self.when = question, mine, theirs, who, when

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(classes="dialog", id="conflict"):
            yield Static(s("conflict_title", lang), classes="dialog-title", markup=False)
            body = s("conflict_body", lang, question=self.question, who=self.who, when=self.when)
            yield Static(plain(body), classes="dialog-note", markup=False)
            yield Static(plain(f"{s('conflict_theirs', lang, who=self.who)}: {self.theirs}"), id="theirs",
                         markup=False)
            yield Static(plain(f"{s('conflict_mine', lang)}: {self.mine}"), id="mine", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("conflict_keep_theirs", lang, who=self.who), id="keep-theirs",
                             variant="primary")
                yield Button(s("conflict_keep_mine", lang), id="keep-mine")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        # The safe default under Enter: the other's answer, already stored, stays.
        self.query_one("#keep-theirs", Button).focus()

    @on(Button.Pressed, "#keep-mine")
    def action_mine(self) -> None:
        self.dismiss("mine")

    @on(Button.Pressed, "#keep-theirs")
    def action_theirs(self) -> None:
        self.dismiss("theirs")

    def action_cancel(self) -> None:
        self.dismiss(None)
