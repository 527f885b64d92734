"""Reading the published (protected) figures: a cell is a number or a gap, and the base a share is of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forms.schema import FormDefinition, MultiQuestion

ATTAINMENT = ("achieved", "partly_achieved", "not_achieved", "not_assessable")
ISU = ("positive_met", "positive_not_met", "no_change", "negative")
BASE = "answered"  # a question's base (how many answered it), published beside its codes, never a code


def count(value: Any) -> int | None:
    """A published cell as a number, or None where it is a gap: '<5', '..', any string, or nothing."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sum_base(cells: Mapping[str, Any], codes: Sequence[str]) -> int | None:
    """The base of cells that partition it (goals): their sum where every cell is a number. Where one
    is a gap the base is not known, and no share can be given."""
    numbers = [count(cells.get(c)) for c in codes]
    if all(n is not None for n in numbers):
        return sum(n for n in numbers if n is not None)
    return None


def question_base(form: FormDefinition, qid: str, cells: Mapping[str, Any]) -> Any:
    """How many answered the question: the published figure where there is one (it may itself be a
    gap), else the sum of a single-choice question's cells; None where it cannot be known."""
    if BASE in cells:
        return cells[BASE]
    if isinstance(form.question(qid), MultiQuestion):
        return None
    return sum_base(cells, [c for c in cells if c != BASE])


def codes_of(form: FormDefinition, qid: str, cells: Mapping[str, Any]) -> list[str]:
    """A question's codes in the form's order; a code the form no longer has goes last; the base is
    never a code."""
    choices = [c.code for c in getattr(form.question(qid), "choices", [])]
    return [c for c in choices if c in cells] + [c for c in cells if c not in choices and c != BASE]


def share(value: Any, base: Any) -> float | None:
    n, whole = count(value), count(base)
    if n is None or not whole:
        return None
    return 100 * n / whole
