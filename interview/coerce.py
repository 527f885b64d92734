"""Turns one raw answer (typed by a person or read from a file) into its canonical stored value."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

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
from interview.errors import AnswerError
from interview.messages import msg
from interview.textcheck import find_control

_TRUE = {"yes", "ja", "true", "y", "j", "1"}
_FALSE = {"no", "nej", "false", "n", "0"}


def parse_date(raw: Any) -> date | None:
    """A date from a date, a datetime or an ISO string (YYYY-MM-DD or YYYYMMDD); None if it is none."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) == 8 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _choice_label(q: ChoiceQuestion | MultiQuestion, code: str, lang: str) -> str:
    """A choice as the person saw it, by its label, never its code."""
    return next((c.label.get(lang) for c in q.choices if c.code == code), code)


def _bare(raw: Any) -> str:
    """What was typed, without the quotation marks repr() adds (escapes kept: control characters show)."""
    text = _show(raw)
    return text[1:-1] if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] else text


def _show(raw: Any) -> str:
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:57] + "…"


class Coercer:
    """Validates answers for one question type each, through a read-only registry of handlers."""

    def __init__(self, lang: str, today: date, answers: Mapping[str, Any],
                 form: FormDefinition | None = None) -> None:
        self.lang = lang
        self.today = today
        self.answers = answers  # earlier top-level answers, for rules such as "after meeting_date"
        self.form = form  # so that a message names another question by its label, not its id
        self._handlers: Mapping[type, Callable[[Any, Any, Goal | None], Any]] = {
            DateQuestion: self._date,
            ChoiceQuestion: self._choice,
            MultiQuestion: self._multi,
            TextQuestion: self._text,
            LevelQuestion: self._level,
            BoolQuestion: self._bool,
            NumberQuestion: self._number,
        }

    def _err(self, key: str, **kwargs: Any) -> AnswerError:
        return AnswerError(msg(key, self.lang, **kwargs))

    def _label(self, qid: str) -> str:
        try:
            return self.form.question(qid).label.get(self.lang) if self.form is not None else qid
        except KeyError:
            return qid

    def coerce(self, question: Question, raw: Any, goal: Goal | None = None) -> Any:
        value = self._handlers[type(question)](question, raw, goal)
        if question.constraint is not None:
            from forms.conditions import Context, evaluate

            if not evaluate(question.constraint, Context({**self.answers, question.id: value})):
                message = question.constraint_message
                raise AnswerError(message.get(self.lang) if message else msg("constraint", self.lang))
        return value

    def _number(self, q: NumberQuestion, raw: Any, goal: Goal | None) -> int | float:
        value: int | float | None = None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and len(raw) <= 40:
            text = raw.strip().replace("−", "-").replace(" ", "").replace(",", ".")
            with contextlib.suppress(ValueError):
                value = int(text) if q.type == "integer" else float(text)
        if value is None or value != value or abs(value) > 1e9:  # value != value: NaN
            raise self._err("not_a_number" if q.type == "decimal" else "not_an_integer", value=_show(raw))
        if q.type == "integer":
            if isinstance(value, float) and not value.is_integer():
                raise self._err("not_an_integer", value=_show(raw))
            return int(value)
        return float(value)

    def _date(self, q: DateQuestion, raw: Any, goal: Goal | None) -> str:
        day = parse_date(raw)
        if day is None:
            raise self._err("not_a_date", value=_bare(raw))
        if not 1900 <= day.year <= self.today.year + 10:
            raise self._err("date_range", value=day.isoformat())
        if q.not_future and day > self.today:
            raise self._err("date_future", value=day.isoformat())
        if q.after is not None:
            other = parse_date(self.answers.get(q.after))
            if other is not None and day <= other:
                raise self._err("date_after", value=day.isoformat(), other=self._label(q.after),
                                other_value=other.isoformat())
        return day.isoformat()

    def _code(self, q: ChoiceQuestion | MultiQuestion, raw: Any) -> str:
        codes = [c.code for c in q.choices]
        # YAML 1.1 reads unquoted yes/no as booleans; people write them that way, so accept it.
        if isinstance(raw, bool):
            raw = "yes" if raw else "no"
        if not isinstance(raw, str) or raw not in codes:
            raise self._err("unknown_code", value=_show(raw), codes=", ".join(codes))
        return raw

    def _choice(self, q: ChoiceQuestion, raw: Any, goal: Goal | None) -> str:
        return self._code(q, raw)

    def _multi(self, q: MultiQuestion, raw: Any, goal: Goal | None) -> list[str]:
        if isinstance(raw, str):
            raw = [part.strip() for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list | tuple):
            raise self._err("not_a_list")
        chosen = [self._code(q, item) for item in raw]
        for code in chosen:
            if chosen.count(code) > 1:
                raise self._err("duplicate_code", code=_choice_label(q, code, self.lang))
        exclusive = {c.code for c in q.choices if c.exclusive}
        for code in chosen:
            if code in exclusive and len(chosen) > 1:
                raise self._err("exclusive", code=_choice_label(q, code, self.lang))
        if len(chosen) < q.min_selected:
            raise self._err("min_selected", n=q.min_selected)
        order = [c.code for c in q.choices]
        return sorted(chosen, key=order.index)

    def _text(self, q: TextQuestion, raw: Any, goal: Goal | None) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise self._err("not_text")
        text = str(raw)
        if "\x00" in text:
            raise self._err("text_nul")
        bad = find_control(text)
        if bad is not None:
            raise self._err("text_control", char=f"U+{ord(text[bad]):04X}", pos=bad + 1)
        if len(text) > q.max_length:
            raise self._err("text_too_long", length=len(text), max=q.max_length)
        return text

    def _level(self, q: LevelQuestion, raw: Any, goal: Goal | None) -> int:
        if goal is None or goal.scale == "none":
            raise self._err("no_scale")
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str):
            text = raw.strip().replace("−", "-").removeprefix("+")
            digits = text.removeprefix("-")
            # ASCII digits, and few: "²" is a digit to isdigit() but not to int(), and int() refuses
            # a string of over 4,300 digits with a ValueError (a traceback, found by the fuzzer).
            if digits.isascii() and digits.isdigit() and len(digits) <= 6:
                value = int(text)
        if value is None:
            raise self._err("not_a_level", value=_show(raw))
        low, high = SCALE_RANGES[goal.scale]
        if not low <= value <= high:
            raise self._err("level_range", value=value, scale=goal.scale.upper(), low=low, high=high)
        return value

    def _bool(self, q: BoolQuestion, raw: Any, goal: Goal | None) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise self._err("not_bool", value=_show(raw))
