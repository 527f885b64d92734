"""Which follow-ups a group-level compilation counts."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

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

    @property
    def reversed_period(self) -> bool:
        """A first date after the last: a period nothing can be in (a mistyped period, not an empty one)."""
        return self.date_from is not None and self.date_to is not None and self.date_from > self.date_to

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

    def previous(self) -> Selection:
        """The same selection over the period of the same length just before this one: whole calendar
        months give the same number of months before (a quarter is compared with the quarter before,
        whatever the months' lengths), any other period the same number of days before."""
        if self.date_from is None or self.date_to is None or self.date_to < self.date_from:
            raise ValueError("a comparison needs a period with both a first and a last date")
        first, last = self.date_from, self.date_to
        if first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]:
            months = (last.year - first.year) * 12 + last.month - first.month + 1
            start = first.year * 12 + first.month - 1 - months
            prev_first = date(start // 12, start % 12 + 1, 1)
            return replace(self, date_from=prev_first, date_to=first - timedelta(days=1))
        days = (last - first).days + 1
        return replace(self, date_from=first - timedelta(days=days), date_to=first - timedelta(days=1))
