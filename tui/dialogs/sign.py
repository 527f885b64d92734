"""Signing a follow-up: who signs, and when; Enter in the name signs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Static

from tui.clean import CleanInput
from tui.dialogs.form import FormDialog
from tui.strings import s
from tui.widgets.fields import Field


class SignDialog(FormDialog[str]):
    """Names who signs; dismisses with the signer's name."""

    tall = False
    # Ctrl+S signs here: the footer says so, not "Spara".
    BINDINGS = [Binding("escape", "cancel", "Avbryt"), Binding("ctrl+s", "save", "Signera")]

    def __init__(self, lang: str, signer: str, when: str) -> None:
        super().__init__(lang, s("finalize_title", lang))
        self.signer = signer
        self.when = when

    def fields(self) -> list[Field]:
        return [Field(s("signer", self.lang), CleanInput(compact=True, value=self.signer), "signer")]

    def compose(self) -> ComposeResult:
        yield from super().compose()

    def on_mount(self) -> None:
        super().on_mount()
        body = self.query_one(".dialog-body")
        body.mount(
            Static(
                s("finalize_body", self.lang) + "\n" + s("sign_time", self.lang, when=self.when),
                classes="dialog-note",
                markup=False,
            ),
            before=0,
        )
        self.query_one("#save", Button).label = s("confirm_sign", self.lang)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in the name field signs: the name is already there, the dialog says what it does.
        event.stop()
        self.submit()

    def submit(self) -> None:
        signer = self.value_of("signer")
        if not signer:
            box = self.query_one("#err-signer", Static)
            box.update(s("fix_fields", self.lang))
            box.display = True
            return
        self.dismiss(signer)
