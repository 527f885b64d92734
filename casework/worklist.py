"""Work lists: a caseworker's day (drafts, returned, due, to review) and a supervisor's unit view."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from casework.due import due_date, is_overdue
from storage.repository import WorkRow

HORIZON_DAYS = 14  # a follow-up due within this many days is on the list
OLD_DRAFT_DAYS = 14  # the unit view's "drafts older than N days", unless asked otherwise

# The order a caseworker's list shows its kinds in: what someone waits for first.
ORDER = ("returned", "approved", "overdue", "review", "draft", "due", "submitted")


@dataclass(frozen=True)
class WorkItem:
    """One line of a work list: why it is there (`kind`), the follow-up, and its due date if any."""

    kind: str
    row: WorkRow
    due: str | None = None


def _by_case(rows: Iterable[WorkRow]) -> dict[str, list[WorkRow]]:
    out: dict[str, list[WorkRow]] = {}
    for r in rows:
        out.setdefault(r.case_id, []).append(r)
    return out


def due_items(rows: Sequence[WorkRow], today: date, horizon: int = HORIZON_DAYS) -> list[WorkItem]:
    """Cases whose next follow-up (set at their latest signed one) is overdue or due within `horizon`
    days, as the latest signed follow-up's row."""
    out = []
    limit = (today + timedelta(days=horizon)).isoformat()
    for items in _by_case(rows).values():
        due = due_date(items)
        if due is None:
            continue
        try:
            date.fromisoformat(due)
        except ValueError:
            continue  # a value stored before dates were checked is never due
        if due <= limit:
            signed = [r for r in items if r.status == "final" and r.next_followup == due]
            out.append(WorkItem("overdue" if is_overdue(due, today) else "due", signed[-1], due))
    return out


def my_list(rows: Sequence[WorkRow], login: str, role: str, today: date,
            horizon: int = HORIZON_DAYS) -> list[WorkItem]:
    """The login's work list: their cases' drafts, returned and approved follow-ups, what they wait
    for, what is due or overdue; for a supervisor also what others submitted for review."""
    mine = [r for r in rows if r.assigned_to == login]
    items = [WorkItem(r.review_state, r) for r in mine if r.status == "draft"]
    items += due_items(mine, today, horizon)
    if role == "supervisor":
        items += [WorkItem("review", r) for r in rows
                  if r.review_state == "submitted" and r.submitted_by != login]
    return sorted(items, key=lambda i: (ORDER.index(i.kind), i.due or "", i.row.case_ref, i.row.id))


@dataclass
class CaseworkerView:
    """One caseworker's line in the unit view."""

    login: str
    name: str
    overdue: list[WorkItem] = field(default_factory=list)
    old_drafts: list[WorkItem] = field(default_factory=list)
    awaiting_review: list[WorkItem] = field(default_factory=list)


def unit_view(rows: Sequence[WorkRow], today: date, draft_days: int = OLD_DRAFT_DAYS,
              now: datetime | None = None) -> list[CaseworkerView]:
    """The unit by caseworker (the case's assignee; '' for cases assigned to nobody): overdue cases,
    drafts begun more than `draft_days` days ago, follow-ups awaiting review."""
    views: dict[str, CaseworkerView] = {}
    cutoff = today - timedelta(days=draft_days)

    def view(r: WorkRow) -> CaseworkerView:
        return views.setdefault(r.assigned_to, CaseworkerView(r.assigned_to, r.assigned_name))

    for r in rows:  # every caseworker with cases has a line, nothing to report included
        view(r)
    for item in due_items(rows, today, horizon=-1):  # overdue only: due before today
        view(item.row).overdue.append(item)
    for r in rows:
        if r.status == "draft" and r.review_state in ("draft", "returned") and r.created_at.date() < cutoff:
            view(r).old_drafts.append(WorkItem("draft", r))
        if r.review_state == "submitted":
            view(r).awaiting_review.append(WorkItem("review", r))
    return sorted(views.values(), key=lambda v: (v.name == "", v.name.casefold(), v.login))


def opens(item: WorkItem) -> tuple[str, str]:
    """What a work list line opens: ("case", id) for a follow-up that is due (a new one is started
    from its case), ("followup", id) for a draft or a follow-up in review."""
    if item.kind in ("due", "overdue"):
        return "case", item.row.case_id
    return "followup", item.row.id
