"""An in-memory repository: the reference the contract tests hold the disk backend to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from interview.case import Case
from interview.followup import Addendum, FollowUp
from storage.errors import Conflict, FinalizedError, NotFound
from storage.repository import FollowUpSummary, Repository


class MemoryRepository(Repository):
    """Keeps deep copies, so callers can never change stored data by accident."""

    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}
        self._followups: dict[str, FollowUp] = {}
        self.logged: list[tuple[str, str | None, str | None]] = []

    def add_case(self, case: Case, followups: Sequence[FollowUp] = ()) -> None:
        if case.id in self._cases:
            raise Conflict(f"case {case.id} already exists", key="err_case_exists", id=case.id)
        for fu in followups:
            self._check_new(fu, case.id)
        self._cases[case.id] = case.model_copy(deep=True)
        for fu in followups:
            self._followups[fu.id] = fu.model_copy(deep=True)

    def _check_new(self, fu: FollowUp, case_id: str) -> None:
        if fu.id in self._followups:
            raise Conflict(f"follow-up {fu.id} already exists", key="err_followup_exists", id=fu.id)
        if fu.case_id != case_id:
            raise Conflict(f"follow-up {fu.id} belongs to another case", key="err_other_case", id=fu.id)

    def update_case(self, case: Case) -> None:
        self.get_case(case.id)
        self._cases[case.id] = case.model_copy(deep=True)

    def get_case(self, case_id: str) -> Case:
        try:
            return self._cases[case_id].model_copy(deep=True)
        except KeyError:
            raise NotFound(f"no case with id '{case_id}'", key="err_no_case_id", id=case_id) from None

    def add_followup(self, followup: FollowUp) -> None:
        self.get_case(followup.case_id)
        self._check_new(followup, followup.case_id)
        self._followups[followup.id] = followup.model_copy(deep=True)

    def get_followup(self, followup_id: str) -> FollowUp:
        try:
            return self._followups[followup_id].model_copy(deep=True)
        except KeyError:
            raise NotFound(f"no follow-up with id '{followup_id}'",
                           key="err_no_followup", id=followup_id) from None

    def followups_of(self, case_id: str) -> list[FollowUp]:
        found = [f for f in self._followups.values() if f.case_id == case_id]
        return [f.model_copy(deep=True) for f in sorted(found, key=lambda f: f.created_at)]

    def save_answer(self, followup_id: str, key: str, value: Any, at: datetime | None = None, *,
                    expected_version: int | None = None) -> None:
        fu = self._draft(followup_id)
        fu.set(key, value, at)

    def _draft(self, followup_id: str) -> FollowUp:
        if followup_id not in self._followups:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        fu = self._followups[followup_id]
        if fu.status == "final":
            raise FinalizedError(f"follow-up {followup_id} is final and cannot change",
                                 key="err_final", id=followup_id)
        return fu

    def finalize(
        self,
        followup_id: str,
        by: str,
        at: datetime,
        answers: dict[str, Any],
        goals: dict[str, dict[str, Any]],
        *,
        expected_version: int | None = None,
    ) -> FollowUp:
        fu = self._draft(followup_id)
        fu.make_final(by, at, answers, goals, self.get_case(fu.case_id).client)
        return fu.model_copy(deep=True)

    def acknowledge_hint(self, followup_id: str, hint_key: str) -> None:
        fu = self._draft(followup_id)
        if hint_key not in fu.acknowledged_hints:
            fu.acknowledged_hints.append(hint_key)

    def add_addendum(self, followup_id: str, addendum: Addendum) -> FollowUp:
        fu = self._followups.get(followup_id)
        if fu is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        if fu.status != "final":
            raise Conflict(f"follow-up {followup_id} is a draft: change it instead of correcting it",
                           key="err_draft_correct", id=followup_id)
        fu.addenda.append(addendum.model_copy())
        return fu.model_copy(deep=True)

    def erase_case(self, case_id: str) -> None:
        self.get_case(case_id)
        del self._cases[case_id]
        for fid in [f.id for f in self._followups.values() if f.case_id == case_id]:
            del self._followups[fid]

    def case_ids(self) -> list[str]:
        return sorted(self._cases)

    def log(self, action: str, *, case: str | None = None, followup: str | None = None,
            **detail: Any) -> None:
        self.logged.append((action, case, followup))

    def summaries(self) -> list[FollowUpSummary]:
        return [FollowUpSummary.of(self._cases[f.case_id], f) for f in self._followups.values()]
