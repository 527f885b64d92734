"""Plausibility of dates and levels: values that parse but cannot be right, for every front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from interview.case import SCALE_DIRECTION, Plan
from interview.coerce import parse_date
from interview.language import long_date
from language import text

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One implausible value: an error refuses it, a warning asks the person to confirm it. `key` and
    `params` name its message in the catalogue (dates are given as dates and written in words)."""

    rule: str
    severity: Severity
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        shown = {k: long_date(v, lang) if isinstance(v, date) else v for k, v in self.params.items()}
        return text(self.key, lang, **shown)


def answer_problems(question_id: str, value: Any, plan: Plan, today: date) -> list[Problem]:
    """Problems with one coerced follow-up answer, given the plan it follows up and today's date."""
    day = parse_date(value) if question_id in ("meeting_date", "next_followup") else None
    if day is None:
        return []
    if question_id == "meeting_date" and day < plan.start:
        # A follow-up of a plan cannot happen before the plan is in force.
        return [Problem("meeting_before_plan", "error", "plaus_meeting_before_plan",
                        {"day": day, "start": plan.start})]
    if question_id == "next_followup" and day <= today:
        return [Problem("next_followup_past", "error", "plaus_next_followup_past",
                        {"day": day, "today": today})]
    return []


def plan_start_problems(start: date, today: date) -> list[Problem]:
    """A plan in force from a future day is most often a typing error: it is asked about."""
    if start > today:
        return [Problem("plan_start_future", "warning", "plaus_plan_start_future",
                        {"day": start, "today": today})]
    return []


def level_problems(scale: str, baseline: int | None, target: int | None) -> list[Problem]:
    """A target that is not better than the baseline on the goal's scale is refused."""
    if scale not in SCALE_DIRECTION or baseline is None or target is None:
        return []
    if (target - baseline) * SCALE_DIRECTION[scale] > 0:
        return []
    better = "higher" if SCALE_DIRECTION[scale] > 0 else "lower"
    shown = (lambda v: f"{v:+d}" if v else "0") if scale == "gas" else str
    return [Problem("target_not_better", "error", f"plaus_target_not_better_{better}",
                    {"target": shown(target), "baseline": shown(baseline), "scale": scale.upper()})]
