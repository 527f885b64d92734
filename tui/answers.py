"""The widget for each question type, through a read-only registry; each posts Submitted when done."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RadioButton, RadioSet, SelectionList, TextArea
from textual.widgets.selection_list import Selection

from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    FormDefinition,
    LevelQuestion,
    MultiQuestion,
    Question,
    TextQuestion,
)
from interview.case import SCALE_RANGES, Goal
from tui.clean import CleanInput, CleanTextArea
from tui.safe import plain
from tui.strings import s


class AnswerWidget(Vertical):
    """Base: holds the current value; `Submitted` asks the screen to validate and save it."""

    DEFAULT_CSS = "AnswerWidget { height: auto; }"

    class Submitted(Message):
        def __init__(self, raw: Any) -> None:
            super().__init__()
            self.raw = raw

    def __init__(
        self,
        question: Question,
        value: Any,
        *,
        lang: str,
        goal: Goal | None,
        form: FormDefinition,
        today: date,
    ) -> None:
        super().__init__(classes="answer")
        self.question = question
        self.initial = value
        self.lang = lang
        self.goal = goal
        self.form = form
        self.today = today
        self._ready = False

    def on_mount(self) -> None:
        # Initial values must not count as an answer being given: only changes after mounting do.
        self.call_after_refresh(self._set_ready)

    def _set_ready(self) -> None:
        self._ready = True

    def value(self) -> Any:
        return self.initial  # each registered widget reads its own control instead

    def focus_input(self) -> None:
        found = self.query("Input, RadioSet, SelectionList, TextArea")
        if found:  # the widget may already have been replaced by the next question's
            found.first().focus()

    def hint(self) -> str:
        return ""


class DateAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        yield CleanInput(
            value=str(self.initial or ""),
            placeholder=s("date_hint", self.lang, today=self.today.isoformat()),
            id="answer-input",
        )

    def value(self) -> Any:
        return self.query_one(Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def hint(self) -> str:
        return s("date_hint", self.lang, today=self.today.isoformat())


class _RadioAnswer(AnswerWidget):
    def options(self) -> list[tuple[str, Any]]:
        return []  # (label, value) pairs; each subclass lists its own

    def compose(self) -> ComposeResult:
        with RadioSet(id="answer-radio"):
            for label, code in self.options():
                yield RadioButton(plain(label), value=(code == self.initial and self.initial is not None))

    def value(self) -> Any:
        pressed = self.query_one(RadioSet).pressed_index
        return None if pressed < 0 else self.options()[pressed][1]

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if self._ready:
            self.post_message(self.Submitted(self.options()[event.index][1]))

    def hint(self) -> str:
        return s("choice_hint", self.lang)


class ChoiceAnswer(_RadioAnswer):
    def options(self) -> list[tuple[str, Any]]:
        q = self.question
        return [(c.label.get(self.lang), c.code) for c in q.choices] if isinstance(q, ChoiceQuestion) else []


class LevelAnswer(_RadioAnswer):
    def options(self) -> list[tuple[str, Any]]:
        if self.goal is None or self.goal.scale == "none":
            return []
        low, high = SCALE_RANGES[self.goal.scale]
        scale = self.form.scale(self.goal.scale)
        words = {lv.value: lv.label.get(self.lang) for lv in scale.levels} if scale else {}
        shown = (lambda v: f"{v:+d}" if v else "0") if self.goal.scale == "gas" else str
        return [(f"{shown(v)}  {words.get(v, '')}".rstrip(), v) for v in range(low, high + 1)]


class BoolAnswer(_RadioAnswer):
    def options(self) -> list[tuple[str, Any]]:
        return [("Ja" if self.lang == "sv" else "Yes", True), ("Nej" if self.lang == "sv" else "No", False)]


class MultiAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        chosen = set(self.initial or [])
        yield SelectionList[str](
            *(Selection(plain(c.label.get(self.lang)), c.code, c.code in chosen) for c in self.choices()),
            id="answer-multi",
        )

    def choices(self) -> list[Any]:
        return list(self.question.choices) if isinstance(self.question, MultiQuestion) else []

    def value(self) -> Any:
        selected = set(self.query_one(SelectionList).selected)
        return [c.code for c in self.choices() if c.code in selected]

    def hint(self) -> str:
        return s("multi_hint", self.lang)


class TextAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        yield CleanTextArea(str(self.initial or ""), id="answer-text", soft_wrap=True)

    def value(self) -> Any:
        return self.query_one(TextArea).text

    def hint(self) -> str:
        return s("text_hint", self.lang)


WIDGETS: Mapping[type, type[AnswerWidget]] = {
    DateQuestion: DateAnswer,
    ChoiceQuestion: ChoiceAnswer,
    MultiQuestion: MultiAnswer,
    TextQuestion: TextAnswer,
    LevelQuestion: LevelAnswer,
    BoolQuestion: BoolAnswer,
}


def widget_for(question: Question, value: Any, **kwargs: Any) -> AnswerWidget:
    return WIDGETS[type(question)](question, value, **kwargs)
