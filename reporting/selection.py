"""Which follow-ups a group-level compilation counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_THRESHOLD = 5  # counts below this are shown as "<5"; a setting, not a constant of the law


@dataclass(frozen=True)
class Selection:
    """A selection: meeting dates from/to (inclusive), unit, caseworker, plan type, and options."""

    date_from: date | None = None
    date_to: date | None = None
    unit: str | None = None
    caseworker: str | None = None
    plan_type: str | None = None
    include_drafts: bool = False
    all_followups: bool = False  # count every follow-up, not only each client's latest in the period
    threshold: int = DEFAULT_THRESHOLD

    def describe(self) -> dict[str, object]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "unit": self.unit,
            "caseworker": self.caseworker,
            "plan_type": self.plan_type,
            "include_drafts": self.include_drafts,
            "all_followups": self.all_followups,
        }
