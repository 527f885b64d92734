"""Derived values: change, the ISU variable and the GAS T-score with domain.md's test vectors."""

from __future__ import annotations

import pytest

from interview.case import Goal
from interview.derived import change, followup_gas_t, gas_t_score, isu


@pytest.mark.parametrize(
    ("levels", "weights", "expected"),
    [
        ([1], [1], 60.0),
        ([1, 1, 1], [1, 1, 1], 63.69),
        ([-1, -1], [1, 1], 37.60),
        ([-2, 0, -1, 2, 0, 1], [3, 5, 1, 4, 2, 6], 55.0),
    ],
)
def test_gas_t_score_vectors(levels: list[int], weights: list[float], expected: float) -> None:
    t = gas_t_score(zip(levels, weights, strict=True))
    assert t is not None and round(t, 2) == expected


def test_gas_t_none_without_levels() -> None:
    assert gas_t_score([]) is None
    goals = [Goal(id="a", text="x", life_area="d1", scale="gas", weight=2),
             Goal(id="b", text="x", life_area="d1", scale="icf")]
    assert followup_gas_t(goals, {"a": None, "b": 1}) is None
    assert followup_gas_t(goals, {"a": 1, "b": 1}) == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("scale", "baseline", "level", "expected"),
    [
        ("icf", 3, 1, "positive"),  # lower is better
        ("icf", 1, 3, "negative"),
        ("icf", 2, 2, "none"),
        ("gas", -2, 0, "positive"),  # higher is better
        ("gas", 1, -1, "negative"),
        ("gas", None, 1, None),
        ("icf", 2, None, None),
        ("none", None, None, None),
    ],
)
def test_change(scale: str, baseline: int | None, level: int | None, expected: str | None) -> None:
    goal = Goal(id="g", text="x", life_area="d1", scale=scale, baseline=baseline)
    assert change(goal, level) == expected


@pytest.mark.parametrize(
    ("chg", "attainment", "expected"),
    [
        ("positive", "achieved", "positive_met"),
        ("positive", "partly_achieved", "positive_not_met"),
        ("positive", "not_achieved", "positive_not_met"),
        ("none", "achieved", "no_change"),
        ("negative", "achieved", "negative"),
        (None, "achieved", None),
    ],
)
def test_isu(chg: str | None, attainment: str, expected: str | None) -> None:
    assert isu(chg, attainment) == expected  # type: ignore[arg-type]
