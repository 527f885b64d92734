"""The base of the form dialogs: fields validated by the case model, Ctrl+S saves, Esc cancels."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Select, Static, TextArea

from interview.messages import validation_lines
from tui.safe import plain
from tui.screens.base import TranslatedBindings
from tui.strings import s
from tui.widgets.fields import Field

T = TypeVar("T")


class FormDialog(TranslatedBindings, ModalScreen[T | None]):
    """A form whose fields are validated by the case model; errors show next to each field.

    Dismisses with a T when saved, None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt"), Binding("ctrl+s", "save", "Spara")]

    def __init__(self, lang: str, title: str) -> None:
        super().__init__(classes="form-dialog")
        self.lang = lang
        self.title_text = title

    def fields(self) -> list[Field]:
        return []

    tall = True  # a long form takes the screen's height and scrolls its fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall" if self.tall else "dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield from self.fields()
            yield Static("", id="form-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("save", self.lang), variant="primary", id="save")
                yield Button(s("cancel", self.lang), id="cancel")
        # Its keys on the bottom line, as every screen's: Ctrl+S is not written on any button.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        first = self.query(".field Input, .field TextArea")
        if first:
            first.first().focus()

    def value_of(self, name: str) -> Any:
        widget = self.query_one(f"#field-{name}", Field).widget
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value.strip() or None

    def show_errors(self, err: ValidationError, prefix_map: dict[str, str] | None = None) -> None:
        for box in self.query(".field-error").results(Static):
            box.update("")
            box.display = box.id == "form-error"
        general: list[str] = []
        for line in validation_lines(err, self.lang):
            path, _, text = line.partition(": ")
            name = (prefix_map or {}).get(path, path.split(".")[-1].split("[")[0])
            boxes = self.query(f"#err-{name}")
            if boxes:
                boxes.first(Static).update(text)
                boxes.first(Static).display = True
            else:
                general.append(line)
        self.query_one("#form-error", Static).update("\n".join(general) or s("fix_fields", self.lang))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit(self) -> None:
        """Validate the fields and dismiss with the result, or show what is wrong. Every dialog defines
        its own (an ABC would clash with Textual's metaclass; tests/test_tui_structure.py checks it)."""
        raise NotImplementedError


def choice_options(lang: str, keys: list[tuple[str, str]]) -> list[tuple[Any, str]]:
    return [(plain(s(label, lang)), value) for label, value in keys]
