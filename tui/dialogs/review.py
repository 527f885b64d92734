"""Returning a follow-up for revision: a comment on the whole follow-up or on one chosen question."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Button, TextArea

from tui.clean import CleanTextArea
from tui.dialogs.form import FormDialog
from tui.safe import plain
from tui.strings import s
from tui.widgets.fields import CompactSelect, Field

WHOLE = "*"  # the pick list's value for "the whole follow-up" (no answer key starts with it)


class ReturnDialog(FormDialog[tuple[str | None, str]]):
    """Dismisses with (answer key or None for the whole follow-up, the comment); casework checks both."""

    tall = False
    # Ctrl+S returns it: the footer says so, not "Spara".
    BINDINGS = [Binding("escape", "cancel", "Avbryt"), Binding("ctrl+s", "save", "Återsänd med kommentar")]

    def __init__(self, lang: str, questions: list[tuple[str, str]]) -> None:
        super().__init__(lang, s("return_title", lang))
        self.questions = questions  # (answer key, label) of the questions the follow-up shows

    def fields(self) -> list[Field]:
        options: list[tuple[object, str]] = [(s("review_whole_followup", self.lang), WHOLE)]
        options += [(plain(label), key) for key, label in self.questions]
        area = CleanTextArea("", id="return-comment")
        area.styles.height = 5
        return [
            Field(s("return_about", self.lang), CompactSelect(options, value=WHOLE, allow_blank=False),
                  "question"),
            Field(s("return_comment", self.lang), area, "comment"),
        ]

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#save", Button).label = s("return_review", self.lang)
        self.query_one("#return-comment", TextArea).focus()  # the comment is what is typed first

    def submit(self) -> None:
        question = self.value_of("question")
        comment = str(self.value_of("comment") or "")
        self.dismiss((None if question in (None, WHOLE) else str(question), comment))
