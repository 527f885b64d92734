"""Values derived from answers, never asked: per-goal change, the ISU variable, the GAS T-score."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from interview.case import SCALE_DIRECTION, Goal

Change = Literal["positive", "none", "negative"]
Isu = Literal["positive_met", "positive_not_met", "no_change", "negative"]

GAS_RHO = 0.3  # the conventional inter-goal correlation (Kiresuk & Sherman)


def change(goal: Goal, level: int | None) -> Change | None:
    """Direction of change from the goal's baseline to `level`, on the goal's scale; None if unknown."""
    if goal.scale == "none" or goal.baseline is None or level is None:
        return None
    delta = (level - goal.baseline) * SCALE_DIRECTION[goal.scale]
    if delta > 0:
        return "positive"
    if delta < 0:
        return "negative"
    return "none"


def isu(goal_change: Change | None, attainment: str | None) -> Isu | None:
    """ISU's four-value goal variable from change and attainment; None when change is unknown."""
    if goal_change is None:
        return None
    if goal_change == "negative":
        return "negative"
    if goal_change == "none":
        return "no_change"
    return "positive_met" if attainment == "achieved" else "positive_not_met"


def gas_t_score(levels: Iterable[tuple[int, float]], rho: float = GAS_RHO) -> float | None:
    """Kiresuk-Sherman T-score over (level, weight) pairs; None with no scored goals."""
    pairs = list(levels)
    if not pairs:
        return None
    weighted = sum(w * x for x, w in pairs)
    sum_w = sum(w for _, w in pairs)
    sum_w2 = sum(w * w for _, w in pairs)
    return 50 + 10 * weighted / math.sqrt((1 - rho) * sum_w2 + rho * sum_w**2)


def followup_gas_t(goals: Iterable[Goal], levels: dict[str, int | None]) -> float | None:
    """The follow-up's T-score over its GAS goals that have a level."""
    pairs = [
        (lvl, g.weight)
        for g in goals
        if g.scale == "gas" and (lvl := levels.get(g.id)) is not None
    ]
    return gas_t_score(pairs)
