"""An answer as people read it: dates in words, codes as their labels, levels with the scale's word."""

from __future__ import annotations

from typing import Any

from forms.schema import ChoiceQuestion, DateQuestion, FormDefinition, LevelQuestion, MultiQuestion, Question
from interview.case import Goal
from interview.coerce import parse_date
from interview.language import long_date
from language import text


def answer_text(question: Question, value: Any, lang: str, *, form: FormDefinition,
                goal: Goal | None = None) -> str:
    """The stored value of a (non-empty) answer in the words of the given language."""
    if isinstance(question, DateQuestion):
        day = parse_date(value)
        return long_date(day, lang) if day else str(value)
    if isinstance(question, ChoiceQuestion | MultiQuestion):
        labels = {c.code: c.label.get(lang) for c in question.choices}
        codes = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(c), str(c)) for c in codes)
    if isinstance(question, LevelQuestion) and goal is not None:
        scale = form.scale(goal.scale)
        word = next((lv.label.get(lang) for lv in scale.levels if lv.value == value), "") if scale else ""
        return f"{value} – {word}" if word else str(value)
    if isinstance(value, bool):
        return text("yes" if value else "no", lang)
    if isinstance(value, float):  # a decimal question's answer: "2,5" in Swedish, never "2.5"
        from language.format import exact

        return exact(value, lang)
    return str(value)
