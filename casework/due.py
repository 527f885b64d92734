"""The due rule: which date a case's next follow-up is due on, and when it is due or overdue.

The CLI's `list --due`, its overdue marks and the app's dashboard all ask this module, so a case is
never due in one front end and settled in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar


class Dated(Protocol):
    """What the rule needs of a follow-up: a stored summary or a listing row both have it."""

    @property
    def status(self) -> str: ...

    @property
    def meeting_date(self) -> str | None: ...

    @property
    def next_followup(self) -> str | None: ...


def _day(text: str | None) -> date | None:
    # A value stored before dates were checked is no date: it is never due, never a traceback.
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def is_due(next_date: str | None, today: date) -> bool:
    """The next follow-up's day has come (today or earlier)."""
    day = _day(next_date)
    return day is not None and day <= today


def is_overdue(next_date: str | None, today: date) -> bool:
    """The next follow-up's day has passed (before today)."""
    day = _day(next_date)
    return day is not None and day < today


F = TypeVar("F", bound=Dated)


def latest_signed(followups: Iterable[F]) -> F | None:
    """The case's latest signed follow-up by meeting date (the later one stored wins a tie)."""
    latest: F | None = None
    for fu in followups:
        if fu.status == "final" and (
            latest is None or (fu.meeting_date or "") >= (latest.meeting_date or "")
        ):
            latest = fu
    return latest


def due_date(followups: Iterable[Dated]) -> str | None:
    """The date set at the latest signed follow-up. It stays the due date while the next one is being
    drafted, so an overdue case does not look settled the moment a draft is opened."""
    latest = latest_signed(followups)
    return None if latest is None else latest.next_followup or None


class Identified(Dated, Protocol):
    """A follow-up that names itself and its case (a stored summary)."""

    @property
    def id(self) -> str: ...

    @property
    def case_id(self) -> str: ...


S = TypeVar("S", bound=Identified)


def overdue_ids(followups: Iterable[S], today: date) -> set[str]:
    """The follow-ups whose next date has passed and still stands: each case's latest signed one only
    (an earlier follow-up's date was superseded by the next one signed, and is overdue no more)."""
    by_case: dict[str, list[S]] = {}
    for fu in followups:
        by_case.setdefault(fu.case_id, []).append(fu)
    latest = (latest_signed(items) for items in by_case.values())
    return {fu.id for fu in latest if fu is not None and is_overdue(fu.next_followup, today)}
