"""The erasure policy (gallring): which cases count as old, when a case was last touched, and erasing.

The CLI asks here which cases an `erase --older-than` takes; the front ends only confirm and report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from casework.session import add_months
from interview.case import Case
from storage.errors import StorageError
from storage.repository import Repository

_AGE = re.compile(r"^(\d+)\s*([ymd])$")


class BadAge(StorageError):
    """An age that is not a number followed by y, m or d (5y, 18m, 30d); nothing was erased."""


def cutoff(age: str, today: date) -> date:
    """The day before which a case counts as old: today minus 5y, 18m or 30d (BadAge otherwise).
    A month back from the 31st is the shorter month's last day."""
    m = _AGE.match(age.strip().lower())
    if m is None:
        raise BadAge(age)
    n, unit = int(m.group(1)), m.group(2)
    if unit == "d":
        return today - timedelta(days=n)
    return add_months(today, -(n * 12 if unit == "y" else n))


def last_entry(repo: Repository, case_id: str) -> datetime:
    """When anything was last written to the case: its creation, a follow-up's change, an addendum."""
    case = repo.get_case(case_id)
    stamps = [case.created_at]
    for fu in repo.followups_of(case_id):
        stamps.append(fu.updated_at)
        stamps.extend(a.date for a in fu.addenda)
    return max(stamps)


@dataclass(frozen=True)
class OldCase:
    case: Case
    last: datetime


def old_cases(repo: Repository, before: date) -> list[OldCase]:
    """Every case last written to before the start of `before` (UTC): what `--older-than` erases."""
    limit = datetime(before.year, before.month, before.day, tzinfo=UTC)
    out = []
    for case_id in repo.case_ids():
        last = last_entry(repo, case_id)
        if last < limit:
            out.append(OldCase(repo.get_case(case_id), last))
    return out


def find(repo: Repository, ref: str) -> Case | None:
    """The case a caseworker names for erasure: by its case reference, else by its id."""
    found = repo.find_case(ref)
    if found is None and ref in repo.case_ids():
        found = repo.get_case(ref)
    return found


def erase(repo: Repository, case_id: str) -> None:
    """Erase the case and its follow-ups; the repository logs it and destroys the case's key."""
    repo.erase_case(case_id)
