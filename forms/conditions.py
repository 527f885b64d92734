"""A tiny interpreter for declarative conditions: named operations over answers, never eval."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.schema import All, Answered, AnyOf, Compare, Condition, Equals, GoalScaled, In, Not


@dataclass(frozen=True)
class Context:
    """What a condition may look at: earlier top-level answers and, in a per-goal section, the goal's."""

    answers: Mapping[str, Any]
    goal_answers: Mapping[str, Any] = field(default_factory=dict)
    per_goal_ids: frozenset[str] = frozenset()
    goal_scaled: bool | None = None

    def value(self, qid: str) -> Any:
        source = self.goal_answers if qid in self.per_goal_ids else self.answers
        return source.get(qid)


def _equals(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    # A multi answer "equals" a code when it contains it.
    if isinstance(value, list):
        return expected in value
    return bool(value == expected)


def _eval_equals(c: Equals, ctx: Context) -> bool:
    return _equals(ctx.value(c.equals.question), c.equals.value)


def _eval_in(c: In, ctx: Context) -> bool:
    value = ctx.value(c.in_.question)
    return any(_equals(value, v) for v in c.in_.values)


def _eval_not(c: Not, ctx: Context) -> bool:
    return not evaluate(c.not_, ctx)


def _eval_all(c: All, ctx: Context) -> bool:
    return all(evaluate(x, ctx) for x in c.all)


def _eval_any(c: AnyOf, ctx: Context) -> bool:
    return any(evaluate(x, ctx) for x in c.any)


def _eval_answered(c: Answered, ctx: Context) -> bool:
    value = ctx.value(c.answered)
    return value is not None and value != [] and value != ""


def _eval_goal_scaled(c: GoalScaled, ctx: Context) -> bool:
    return bool(ctx.goal_scaled) == c.goal_scaled


_COMPARISONS: Mapping[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}


def _eval_compare(c: Compare, ctx: Context) -> bool:
    value = ctx.value(c.compare.question)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False  # unanswered (or not a number): no comparison holds
    return _COMPARISONS[c.compare.op](value, c.compare.value)


_OPERATIONS: Mapping[type, Callable[[Any, Context], bool]] = {
    Equals: _eval_equals,
    In: _eval_in,
    Not: _eval_not,
    All: _eval_all,
    AnyOf: _eval_any,
    Answered: _eval_answered,
    GoalScaled: _eval_goal_scaled,
    Compare: _eval_compare,
}


def evaluate(condition: Condition | None, ctx: Context) -> bool:
    """True when the condition holds; no condition always holds."""
    if condition is None:
        return True
    return _OPERATIONS[type(condition)](condition, ctx)


def referenced_questions(condition: Condition | None) -> Iterator[str]:
    """Every question id a condition reads, for the loader's ordering checks."""
    if condition is None:
        return
    if isinstance(condition, Equals):
        yield condition.equals.question
    elif isinstance(condition, In):
        yield condition.in_.question
    elif isinstance(condition, Answered):
        yield condition.answered
    elif isinstance(condition, Compare):
        yield condition.compare.question
    elif isinstance(condition, Not):
        yield from referenced_questions(condition.not_)
    elif isinstance(condition, All):
        for c in condition.all:
            yield from referenced_questions(c)
    elif isinstance(condition, AnyOf):
        for c in condition.any:
            yield from referenced_questions(c)


def compared_values(condition: Condition | None) -> Iterator[tuple[str, Any]]:
    """(question id, value) pairs a condition compares, to check that the values are real codes."""
    if condition is None:
        return
    if isinstance(condition, Equals):
        yield condition.equals.question, condition.equals.value
    elif isinstance(condition, In):
        for v in condition.in_.values:
            yield condition.in_.question, v
    elif isinstance(condition, Not):
        yield from compared_values(condition.not_)
    elif isinstance(condition, All | AnyOf):
        for c in condition.all if isinstance(condition, All) else condition.any:
            yield from compared_values(c)


def compared_numbers(condition: Condition | None) -> Iterator[str]:
    """The question ids a condition compares as numbers (they must be number questions)."""
    if isinstance(condition, Compare):
        yield condition.compare.question
    elif isinstance(condition, Not):
        yield from compared_numbers(condition.not_)
    elif isinstance(condition, All | AnyOf):
        for c in condition.all if isinstance(condition, All) else condition.any:
            yield from compared_numbers(c)


def uses_goal(condition: Condition | None) -> bool:
    """True when the condition looks at the current goal (only valid in a per-goal section)."""
    if condition is None:
        return False
    if isinstance(condition, GoalScaled):
        return True
    if isinstance(condition, Not):
        return uses_goal(condition.not_)
    if isinstance(condition, All):
        return any(uses_goal(c) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(uses_goal(c) for c in condition.any)
    return False


def describe(condition: Condition | None) -> str:
    """A compact, readable form of a condition, for messages: `new_needs = yes`."""
    if condition is None:
        return "always"
    if isinstance(condition, Equals):
        return f"{condition.equals.question} = {condition.equals.value}"
    if isinstance(condition, In):
        values = ", ".join(str(v) for v in condition.in_.values)
        return f"{condition.in_.question} in ({values})"
    if isinstance(condition, Not):
        return f"not ({describe(condition.not_)})"
    if isinstance(condition, All):
        return " and ".join(describe(c) for c in condition.all)
    if isinstance(condition, AnyOf):
        return " or ".join(describe(c) for c in condition.any)
    if isinstance(condition, Answered):
        return f"{condition.answered} answered"
    if isinstance(condition, Compare):
        return f"{condition.compare.question} {condition.compare.op} {condition.compare.value}"
    return "the goal has a scale" if condition.goal_scaled else "the goal has no scale"
