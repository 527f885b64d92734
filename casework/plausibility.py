"""Plausibility of dates and levels: values that parse but cannot be right, for every front end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from interview.case import SCALE_DIRECTION, Plan
from interview.coerce import parse_date

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One implausible value: an error refuses it, a warning asks the person to confirm it."""

    rule: str
    severity: Severity
    text: dict[str, str]

    def message(self, lang: str) -> str:
        return self.text.get(lang, self.text["sv"])


def _refuse(rule: str, sv: str, en: str) -> Problem:
    return Problem(rule, "error", {"sv": sv, "en": en})


def answer_problems(question_id: str, value: Any, plan: Plan, today: date) -> list[Problem]:
    """Problems with one coerced follow-up answer, given the plan it follows up and today's date."""
    day = parse_date(value) if question_id in ("meeting_date", "next_followup") else None
    if day is None:
        return []
    if question_id == "meeting_date" and day < plan.start:
        # A follow-up of a plan cannot happen before the plan is in force.
        return [_refuse(
            "meeting_before_plan",
            f"Mötet ({day.isoformat()}) kan inte ligga före planens startdatum {plan.start.isoformat()}.",
            f"The meeting ({day.isoformat()}) cannot be before the plan's start {plan.start.isoformat()}.",
        )]
    if question_id == "next_followup" and day <= today:
        return [_refuse(
            "next_followup_past",
            f"Nästa uppföljning ({day.isoformat()}) har redan passerat; välj ett datum efter i dag "
            f"({today.isoformat()}).",
            f"The next follow-up ({day.isoformat()}) is already past; choose a date after today "
            f"({today.isoformat()}).",
        )]
    return []


def plan_start_problems(start: date, today: date) -> list[Problem]:
    """A plan in force from a future day is most often a typing error: it is asked about."""
    if start > today:
        day, now = start.isoformat(), today.isoformat()
        return [Problem("plan_start_future", "warning", {
            "sv": f"Planen gäller från {day}, ett datum i framtiden (i dag {now}).",
            "en": f"The plan is in force from {day}, a future date (today {now}).",
        })]
    return []


def level_problems(scale: str, baseline: int | None, target: int | None) -> list[Problem]:
    """A target that is not better than the baseline on the goal's scale is refused."""
    if scale not in SCALE_DIRECTION or baseline is None or target is None:
        return []
    if (target - baseline) * SCALE_DIRECTION[scale] > 0:
        return []
    better = "högre" if SCALE_DIRECTION[scale] > 0 else "lägre"
    better_en = "higher" if SCALE_DIRECTION[scale] > 0 else "lower"
    shown = (lambda v: f"{v:+d}" if v else "0") if scale == "gas" else str
    return [_refuse(
        "target_not_better",
        f"Målnivån {shown(target)} är inte bättre än utgångsläget {shown(baseline)} "
        f"({scale.upper()}: {better} är bättre).",
        f"The target level {shown(target)} is no better than the baseline {shown(baseline)} "
        f"({scale.upper()}: {better_en} is better).",
    )]
