"""The widget for each question type, through a read-only registry.

A widget never saves by itself on a change of state: the screen asks it for `value()` when Enter or
Ctrl+S is pressed and for `pick(n)` when a digit is, so an answer is only ever what a key chose — never
the first option a list happened to start on, and never lost because it came before the widget was
"ready". Lists start on the current answer (or a sensible default), so Enter keeps what is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.segment import Segment
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Checkbox, Input, OptionList, SelectionList, TextArea
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.widgets.selection_list import Selection

from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    FormDefinition,
    LevelQuestion,
    MultiQuestion,
    NumberQuestion,
    Question,
    TextQuestion,
)
from interview.case import SCALE_RANGES, Goal
from tui.clean import CleanInput, CleanTextArea
from tui.safe import plain
from tui.strings import s

DIGITS = 9  # keys 1..9 pick the first nine choices


def keyed(key: str, text: str) -> str:
    """An option's line with the key that picks it in brackets before it ("[1] ○ −2  …"), so the key
    reads as a key and not as part of the answer (a GAS list is numbered 1..5 for levels −2..+2)."""
    return f"[{key}] {text}" if key.strip() else f"    {text}"


class CursorList(OptionList):
    """An OptionList whose highlighted row (the one Enter chooses) is marked ▸, not by colour alone."""

    CURSOR = "▸ "

    def __init__(self, prompts: list[str], *, id: str) -> None:
        self.prompts = prompts
        self._marked: int | None = None
        super().__init__(*(Option(plain(self.line(i, False))) for i in range(len(prompts))), id=id)

    def line(self, i: int, on: bool) -> str:
        return (self.CURSOR if on else " " * len(self.CURSOR)) + self.prompts[i]

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if self._marked is not None and self._marked != highlighted and self._marked < self.option_count:
            self.replace_option_prompt_at_index(self._marked, plain(self.line(self._marked, False)))
        if highlighted is not None and highlighted != self._marked:
            self.replace_option_prompt_at_index(highlighted, plain(self.line(highlighted, True)))
        self._marked = highlighted


@dataclass(frozen=True)
class Context:
    """What a widget needs beyond its question: defaults the session knows."""

    lang: str
    goal: Goal | None
    form: FormDefinition
    today: date
    default: Any = None  # where a list starts, or a date field's text, when nothing is answered yet
    offers: tuple[date, ...] = ()  # dates offered for a date question (the next follow-up)


class AnswerWidget(Vertical):
    """Base: holds the current value; `Submitted` (a click) asks the screen to save a value."""

    DEFAULT_CSS = "AnswerWidget { height: auto; }"

    class Submitted(Message):
        def __init__(self, raw: Any) -> None:
            super().__init__()
            self.raw = raw

    def __init__(self, question: Question, value: Any, ctx: Context) -> None:
        super().__init__(classes="answer")
        self.question = question
        self.initial = value
        self.ctx = ctx
        self.lang = ctx.lang

    def control(self) -> Widget:
        """The widget that takes the keys (focused when the question is shown)."""
        return self.query("Input, OptionList, TextArea").first()

    def value(self) -> Any:
        return self.initial  # each registered widget reads its own control instead

    def takes_digits(self) -> bool:
        """Whether digit keys pick (True) or are typed (False)."""
        return False

    def enter_saves(self) -> bool:
        """Enter saves, except in free text, where it starts a new line."""
        return True

    def pick(self, n: int) -> tuple[bool, Any]:
        """Digit `n` (1-based): (save now?, the value to save)."""
        return False, None

    def hint(self) -> str:
        return ""

    def unsaved(self) -> str | None:
        """Text typed here and not saved (differs from what the field started with), else None.
        Only fields typed into have any: a list's highlight is not text a caseworker could lose."""
        return None

    @staticmethod
    def _changed(typed: str, start: str) -> str | None:
        return typed if typed.strip() and typed != start else None


class _ListAnswer(AnswerWidget):
    """One of a list, numbered; the current answer is marked ● and highlighted."""

    def options(self) -> list[tuple[str, Any]]:
        return []  # (label, value) pairs; each subclass lists its own

    def start(self) -> int:
        values = [v for _, v in self.options()]
        for wanted in (self.initial, self.ctx.default):
            if wanted is not None and wanted in values:
                return values.index(wanted)
        return 0

    def compose(self) -> ComposeResult:
        prompts = []
        for i, (label, code) in enumerate(self.options()):
            mark = "●" if self.initial is not None and code == self.initial else "○"
            prompts.append(keyed(self.key_label(i), f"{mark} {label}"))
        yield CursorList(prompts, id="answer-list")

    def on_mount(self) -> None:
        if self.options():
            self.query_one(OptionList).highlighted = self.start()

    def value(self) -> Any:
        index = self.query_one(OptionList).highlighted
        options = self.options()
        return None if index is None or not 0 <= index < len(options) else options[index][1]

    def takes_digits(self) -> bool:
        return True

    def key_label(self, i: int) -> str:
        """The digit shown before option i (the key that picks it)."""
        return str(i + 1) if i < DIGITS else " "

    def index_for(self, n: int) -> int | None:
        """The option digit n picks, if any."""
        return n - 1 if 1 <= n <= min(len(self.options()), DIGITS) else None

    def pick(self, n: int) -> tuple[bool, Any]:
        options = self.options()
        i = self.index_for(n)
        if i is None:
            return False, None
        self.query_one(OptionList).highlighted = i
        return True, options[i][1]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # Only a click gets here (Enter is the screen's): choose what was clicked.
        event.stop()
        self.post_message(self.Submitted(self.options()[event.option_index][1]))

    def hint(self) -> str:
        return s("choice_hint", self.lang)


class ChoiceAnswer(_ListAnswer):
    def options(self) -> list[tuple[str, Any]]:
        q = self.question
        return [(c.label.get(self.lang), c.code) for c in q.choices] if isinstance(q, ChoiceQuestion) else []


class LevelAnswer(_ListAnswer):
    def options(self) -> list[tuple[str, Any]]:
        goal = self.ctx.goal
        if goal is None or goal.scale == "none":
            return []
        low, high = SCALE_RANGES[goal.scale]
        scale = self.ctx.form.scale(goal.scale)
        words = {lv.value: lv.label.get(self.lang) for lv in scale.levels} if scale else {}
        # GAS levels signed with a true minus sign, so "−2" is never read as the key 2
        shown = (lambda v: f"{v:+d}".replace("-", "−") if v else "0") if goal.scale == "gas" else str
        if goal.scale == "icf":  # the digit is the level itself (below): no second number beside it
            return [(words.get(v, "") or str(v), v) for v in range(low, high + 1)]
        return [(f"{shown(v)}  {words.get(v, '')}".rstrip(), v) for v in range(low, high + 1)]

    def _icf(self) -> bool:
        return self.ctx.goal is not None and self.ctx.goal.scale == "icf"

    # An ICF level is 0..4: its own digit picks it ("2" is level 2), so the key shown and the level
    # never differ (a list numbered 1..5 made "2" mean level 1). GAS levels (−2..+2) keep 1..5.
    def key_label(self, i: int) -> str:
        return str(self.options()[i][1]) if self._icf() else super().key_label(i)

    def index_for(self, n: int) -> int | None:
        if not self._icf():
            return super().index_for(n)
        values = [v for _, v in self.options()]
        return values.index(n) if n in values else None


class BoolAnswer(_ListAnswer):
    def options(self) -> list[tuple[str, Any]]:
        return [(s("yes", self.lang), True), (s("no", self.lang), False)]


class DateAnswer(AnswerWidget):
    """A date typed as ÅÅÅÅ-MM-DD; starts on the answer or the default, selected, so Enter accepts it
    and typing replaces it. With offers (the next follow-up), a numbered list comes first and its
    last entry opens the field for another date."""

    def compose(self) -> ComposeResult:
        if self.ctx.offers:
            yield CursorList(self.offer_prompts(), id="answer-list")
        field = CleanInput(
            value=str(self.initial or self.ctx.default or ""),
            placeholder=s("date_hint", self.lang, today=self.ctx.today.isoformat()),
            id="answer-input",
        )
        field.display = not self.ctx.offers
        yield field

    def offer_prompts(self) -> list[str]:
        out = []
        for i, (label, value) in enumerate(self.offer_values()):
            mark = "●" if value is not None and value == self.initial else "○"
            out.append(keyed(str(i + 1), f"{mark} {label}"))
        return out

    def offer_values(self) -> list[tuple[str, str | None]]:
        months = (3, 6, 12)
        out: list[tuple[str, str | None]] = [
            (s("in_months", self.lang, n=n, date=d.isoformat()), d.isoformat())
            for n, d in zip(months, self.ctx.offers, strict=False)
        ]
        if isinstance(self.initial, str) and self.initial not in {v for _, v in out}:
            out.insert(0, (self.initial, self.initial))
        out.append((s("other_date", self.lang), None))
        return out

    def on_mount(self) -> None:
        if self.ctx.offers:
            values = [v for _, v in self.offer_values()]
            known = self.initial is not None and self.initial in values
            start = values.index(self.initial) if known else min(1, len(values) - 1)
            self.query_one(OptionList).highlighted = start

    def typing(self) -> bool:
        return not self.ctx.offers or self._opened

    _opened = False

    def control(self) -> Widget:
        return self.query_one(Input) if self.typing() else self.query_one(OptionList)

    def open_field(self) -> None:
        field = self.query_one(Input)
        self._opened = True
        field.display = True
        self.query_one(OptionList).display = False
        self.screen.set_focus(field)  # now, so the next key typed already lands in the field

    def value(self) -> Any:
        if self.typing():
            return self.query_one(Input).value
        index = self.query_one(OptionList).highlighted
        values = self.offer_values()
        if index is None or not 0 <= index < len(values):
            return None
        chosen = values[index][1]
        if chosen is None:
            self.open_field()
            return _OPEN
        return chosen

    def takes_digits(self) -> bool:
        return not self.typing()

    def pick(self, n: int) -> tuple[bool, Any]:
        values = self.offer_values()
        if self.typing() or not 1 <= n <= len(values):
            return False, None
        self.query_one(OptionList).highlighted = n - 1
        chosen = values[n - 1][1]
        if chosen is None:
            self.open_field()
            return False, None
        return True, chosen

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self.offer_values()[event.option_index][1]
        if chosen is None:
            self.open_field()
        else:
            self.post_message(self.Submitted(chosen))

    def hint(self) -> str:
        if self.ctx.offers and not self.typing():
            return s("choice_hint", self.lang)
        return s("date_hint", self.lang, today=self.ctx.today.isoformat())

    def unsaved(self) -> str | None:
        if not self.typing():
            return None
        return self._changed(self.query_one(Input).value, str(self.initial or self.ctx.default or ""))


class _Open:
    """The value() of a date list whose "another date" entry was chosen: nothing to save yet."""


_OPEN = _Open()


def is_open(value: Any) -> bool:
    return value is _OPEN


class TickList(SelectionList[str]):
    """A SelectionList whose tick reads without colour: Textual draws the same "X" for a ticked and an
    unticked choice and tells them apart by colour alone; here an unticked box is empty."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        _, scroll_y = self.scroll_offset
        try:
            value = self.get_option_at_index(scroll_y + y).value
        except OptionDoesNotExist:
            return line
        if len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER or value in self.selected:
            return line
        segments[1] = Segment(" " * len(segments[1].text), segments[1].style)
        return Strip(segments, line.cell_length)


class MultiAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        chosen = set(self.initial or [])
        yield TickList(
            *(
                Selection(plain(keyed(str(i + 1) if i < DIGITS else " ", c.label.get(self.lang))), c.code,
                          c.code in chosen)
                for i, c in enumerate(self.choices())
            ),
            id="answer-multi",
        )

    def on_mount(self) -> None:
        chosen = set(self.initial or [])
        codes = [c.code for c in self.choices()]
        first = next((i for i, c in enumerate(codes) if c in chosen), 0)
        if codes:
            self.query_one(SelectionList).highlighted = first

    def control(self) -> Widget:
        return self.query_one(SelectionList)

    def choices(self) -> list[Any]:
        return list(self.question.choices) if isinstance(self.question, MultiQuestion) else []

    def value(self) -> Any:
        selected = set(self.query_one(SelectionList).selected)
        return [c.code for c in self.choices() if c.code in selected]

    def takes_digits(self) -> bool:
        return True

    def pick(self, n: int) -> tuple[bool, Any]:
        choices = self.choices()
        if 1 <= n <= min(len(choices), DIGITS):
            box = self.query_one(SelectionList)
            box.highlighted = n - 1
            box.toggle(choices[n - 1].code)
        return False, None

    def hint(self) -> str:
        return s("multi_hint", self.lang)


class TextAnswer(AnswerWidget):
    def compose(self) -> ComposeResult:
        yield CleanTextArea(str(self.initial or ""), id="answer-text", soft_wrap=True)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)  # an answer reopened is added to, not typed in front of

    def value(self) -> Any:
        return self.query_one(TextArea).text

    def enter_saves(self) -> bool:
        return False

    def hint(self) -> str:
        return s("text_hint", self.lang)

    def unsaved(self) -> str | None:
        return self._changed(self.query_one(TextArea).text, str(self.initial or ""))


class NumberAnswer(AnswerWidget):
    """A number typed on one line; the interview checks it (a whole number or one with decimals)."""

    def compose(self) -> ComposeResult:
        initial = "" if self.initial is None else str(self.initial)
        yield CleanInput(value=initial, id="answer-input")

    def value(self) -> Any:
        return self.query_one(Input).value

    def unsaved(self) -> str | None:
        return self._changed(self.query_one(Input).value, "" if self.initial is None else str(self.initial))


WIDGETS: Mapping[type, type[AnswerWidget]] = {
    DateQuestion: DateAnswer,
    ChoiceQuestion: ChoiceAnswer,
    MultiQuestion: MultiAnswer,
    TextQuestion: TextAnswer,
    LevelQuestion: LevelAnswer,
    BoolQuestion: BoolAnswer,
    NumberQuestion: NumberAnswer,
}


def widget_for(question: Question, value: Any, ctx: Context) -> AnswerWidget:
    return WIDGETS[type(question)](question, value, ctx)
