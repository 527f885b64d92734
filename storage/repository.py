"""The repository interface every storage backend implements (TinyDB now, PostgreSQL later)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel

from interview.case import Case
from interview.followup import Addendum, FollowUp
from storage.errors import Ambiguous, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from forms.schema import FormDefinition
    from reporting.compile import Report
    from reporting.selection import Selection

# Answers whose change alters what `list` shows.
SUMMARY_KEYS = frozenset({"meeting_date", "next_followup", "decision"})


class FollowUpSummary(BaseModel):
    """What listing needs of one follow-up, without opening its case."""

    id: str
    case_id: str
    case_ref: str
    name: str | None = None
    unit: str = ""
    caseworker: str = ""
    status: str
    meeting_date: str | None = None
    next_followup: str | None = None
    decision: str | None = None
    updated_at: datetime

    @classmethod
    def of(cls, case: Case, fu: FollowUp) -> FollowUpSummary:
        return cls(
            id=fu.id,
            case_id=case.id,
            case_ref=case.client.case_ref,
            name=case.client.name,
            unit=case.client.unit,
            caseworker=fu.caseworker or case.client.caseworker,
            status=fu.status,
            meeting_date=_text(fu.answers.get("meeting_date")),
            next_followup=_text(fu.answers.get("next_followup")),
            decision=_text(fu.answers.get("decision")),
            updated_at=fu.updated_at,
        )


class ListedFollowUp(NamedTuple):
    id: str
    status: str
    meeting_date: str | None
    next_followup: str | None


class CaseListing(NamedTuple):
    """A case as a list shows it: small and unvalidated, for thousands of rows at once."""

    case_id: str
    case_ref: str
    name: str
    unit: str
    followups: tuple[ListedFollowUp, ...]


class WorkRow(NamedTuple):
    """One follow-up as the work lists see it: its case, who the case is assigned to, its review state."""

    id: str
    case_id: str
    case_ref: str
    name: str
    unit: str
    assigned_to: str  # the login ('' when the case is assigned to nobody)
    assigned_name: str
    status: str
    review_state: str  # draft, submitted, returned, approved, signed
    meeting_date: str | None
    next_followup: str | None
    created_at: datetime
    updated_at: datetime
    submitted_by: str
    submitted_at: datetime | None
    version: int = 0  # the follow-up's version (what `review approve --version` names)


class ReviewComment(NamedTuple):
    """A supervisor's (or caseworker's) working note on a follow-up in review: never in the record."""

    id: int
    followup_id: str
    question: str | None  # None: about the whole follow-up
    body: str
    author: str  # the login
    author_name: str
    at: datetime


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class Repository(ABC):
    """Cases and their follow-ups. Every write is durable when the call returns."""

    @abstractmethod
    def add_case(self, case: Case, followups: Sequence[FollowUp] = ()) -> None:
        """Store a new case with its first follow-ups, all or nothing."""

    @abstractmethod
    def update_case(self, case: Case) -> None:
        """Replace a case's client data and current plan (follow-ups keep their plan snapshots)."""

    @abstractmethod
    def get_case(self, case_id: str) -> Case: ...

    @abstractmethod
    def add_followup(self, followup: FollowUp) -> None:
        """Store a new follow-up of an existing case."""

    @abstractmethod
    def get_followup(self, followup_id: str) -> FollowUp: ...

    @abstractmethod
    def followups_of(self, case_id: str) -> list[FollowUp]:
        """A case's follow-ups, oldest first."""

    @abstractmethod
    def save_answer(
        self, followup_id: str, key: str, value: Any, at: datetime | None = None, *,
        expected_version: int | None = None,
    ) -> int | None:
        """Durably record ONE answer of a draft (key as in followup.answer_key).

        `expected_version` is the version the caller saw (from open_followup): a shared backend
        raises AnswerConflict when someone else saved the same answer since, and answers to other
        questions merge. Returns the new version, or None where the backend keeps none (a local
        workspace has one writer, held by its lock)."""

    def open_followup(self, followup_id: str) -> tuple[FollowUp, int | None]:
        """A follow-up and the version to name when saving to it (None: a single-writer backend)."""
        return self.get_followup(followup_id), None

    def reread_followup(self, followup_id: str) -> tuple[FollowUp, int | None]:
        """The follow-up already open here, read again with its version (others' answers merged in).
        Its opening was logged; a shared backend need not log every re-reading."""
        return self.open_followup(followup_id)

    @abstractmethod
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
        """Make a draft final with its pruned answers; it never changes again. A shared backend
        signs only the version named (Conflict otherwise) and as the logged-in user."""

    @abstractmethod
    def acknowledge_hint(self, followup_id: str, hint_key: str) -> None:
        """Keep a hint quiet in a draft: the caseworker has seen it and decided."""

    @abstractmethod
    def add_addendum(self, followup_id: str, addendum: Addendum) -> FollowUp:
        """Add a correction to a FINAL follow-up; the original answers stay as they were."""

    @abstractmethod
    def erase_case(self, case_id: str) -> None:
        """Remove a case and all its follow-ups (gallring); logged without the case's data."""

    @abstractmethod
    def summaries(self) -> list[FollowUpSummary]:
        """Every follow-up in the workspace, for listing."""

    def records(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Every case and its follow-ups as plain stored data (JSON shapes), for compiling
        thousands at once without building a model of each."""
        for case_id in self.case_ids():
            case = self.get_case(case_id)
            yield (case.model_dump(mode="json"),
                   [f.model_dump(mode="json") for f in self.followups_of(case_id)])

    def compile_report(self, form: FormDefinition, sel: Selection,
                       progress: Callable[[int], None] | None = None) -> Report:
        """The group-level compilation of the selection (unsuppressed: reporting.output suppresses).
        Here in Python over records(); a database backend aggregates on the server instead."""
        from reporting.compile import compile_report

        return compile_report(self.records(), form, sel, progress)

    def is_training_unit(self, unit: str) -> bool:
        """Whether the unit is a training unit (its documents carry the training marking). A local
        workspace marks training as a whole (its settings); a shared database per unit."""
        return False

    def form(self, form_id: str, version: int | None = None) -> FormDefinition:
        """A form by id and version (the newest without one): follow-ups render with their own.
        Here the forms shipped with the program; a workspace adds the forms it has installed."""
        from forms.loader import FormError, bundled_form

        try:
            return bundled_form(form_id, version)
        except FormError as err:
            raise NotFound(err.problems[0]) from None

    def default_form(self) -> FormDefinition:
        """The form new follow-ups are made with."""
        return self.form("standard-uppfoljning")

    def form_versions(self) -> dict[str, list[int]]:
        """Every form a follow-up may be made with, by id, with its versions (oldest first): here the
        forms shipped with the program; a workspace adds those it has installed."""
        from forms.loader import installed_forms

        out: dict[str, list[int]] = {}
        for form_id, version in sorted(installed_forms()):
            out.setdefault(form_id, []).append(version)
        return out

    def listing(self) -> list[CaseListing]:
        """Every case with its follow-ups' dates, for lists (cases without follow-ups included)."""
        by_case: dict[str, list[FollowUpSummary]] = {}
        for summary in self.summaries():
            by_case.setdefault(summary.case_id, []).append(summary)
        out = []
        for case_id in self.case_ids():
            items = by_case.get(case_id, [])
            if items:
                first = items[0]
                ref, name, unit = first.case_ref, first.name or "", first.unit
            else:
                c = self.get_case(case_id).client
                ref, name, unit = c.case_ref, c.name or "", c.unit
            rows = tuple(ListedFollowUp(x.id, x.status, x.meeting_date, x.next_followup) for x in items)
            out.append(CaseListing(case_id, ref, name, unit, rows))
        return out

    @abstractmethod
    def log(self, action: str, *, case: str | None = None, followup: str | None = None,
            **detail: Any) -> None:
        """Record an action in the audit log (ids only, never free text)."""

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release locks and flush caches."""

    # --- shared helpers built on the abstract methods ----------------------------------------

    def find_case(self, case_ref: str) -> Case | None:
        """The case with this case number, whether or not it has follow-ups yet; Ambiguous naming
        them when two or more cases carry it (never one of them picked silently)."""
        found = [c for c in (self.get_case(i) for i in self.case_ids()) if c.client.case_ref == case_ref]
        return one_case(case_ref, found)

    @abstractmethod
    def case_ids(self) -> list[str]:
        """Every case, including those without any follow-up yet."""

    def resolve(self, ref: str) -> str:
        """A follow-up id from its full id or a unique prefix of it."""
        ids = [s.id for s in self.summaries()]
        if ref in ids:
            return ref
        matches = [i for i in ids if i.startswith(ref)] if ref else []
        if not matches:
            raise NotFound(f"no follow-up with id '{ref}'", key="err_no_followup", id=ref)
        if len(matches) > 1:
            raise Ambiguous(f"'{ref}' matches {len(matches)} follow-ups; give more characters",
                            key="err_ambiguous", ref=ref, n=len(matches))
        return matches[0]


def one_case(case_ref: str, found: list[Case]) -> Case | None:
    """The only case of a case number, None without one; Ambiguous (naming every case id, to be
    named instead) when several cases share it, as imports from other units can leave them."""
    if len(found) <= 1:
        return found[0] if found else None
    ids = ", ".join(sorted(c.id for c in found))
    raise Ambiguous(f"{len(found)} cases have case number '{case_ref}': {ids}; name the case by its id",
                    key="err_case_ref_shared", ref=case_ref, n=len(found), ids=ids)
