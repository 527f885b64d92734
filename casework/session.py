"""A follow-up being answered: the engine over the stored answers, saving each answer as it is given.

Both front ends (the app and the quick mode) use this; it holds no interview logic of its own, only
the order "validate with the engine, save with the repository, replay".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from forms.schema import FormDefinition, Text
from interview.case import Case, now
from interview.engine import Interview, Step
from interview.followup import FollowUp
from interview.hints import Hint, hints
from interview.language import join
from interview.messages import msg
from interview.summary import draft_summary, stale_draft_keys
from storage.errors import AnswerConflict, Conflict, FinalizedError, StorageError
from storage.repository import Repository

NEXT_OFFERS = (3, 6, 12)  # months after the meeting that the next follow-up is usually set to


class ReadOnly(StorageError):
    """The workspace is open read-only (another program writes in it): nothing may be saved."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer (31 Aug + 6 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def next_followup_offers(meeting: date) -> list[date]:
    """The dates offered for the next follow-up: 3, 6 and 12 months after the meeting."""
    return [add_months(meeting, n) for n in NEXT_OFFERS]


@dataclass(frozen=True)
class FormOption:
    """A form a new follow-up may be made with (its newest version); `default` marks the workspace's."""

    id: str
    version: int
    title: Text
    default: bool


def form_options(repo: Repository) -> list[FormOption]:
    """The forms a new follow-up may use, the default first, then the others by id. With one option
    nothing needs asking; a form whose file cannot be read is left out (it could not be used)."""
    default = repo.default_form()
    out = [FormOption(default.id, default.version, default.title, True)]
    for form_id, versions in repo.form_versions().items():
        if form_id == default.id or not versions:
            continue
        try:
            form = repo.form(form_id, versions[-1])
        except StorageError:
            continue
        out.append(FormOption(form.id, form.version, form.title, False))
    return out


def start_followup(
    repo: Repository, case: Case, caseworker: str, form: FormDefinition | None = None
) -> FollowUp:
    """A new draft of the case's current plan, on the form chosen (one of form_options), else the
    workspace's default form (its newest version)."""
    form = form or repo.default_form()
    fu = FollowUp(
        case_id=case.id,
        form=form.id,
        form_version=form.version,
        plan=case.plan,
        caseworker=caseworker or case.client.caseworker,
    )
    repo.add_followup(fu)
    return fu


def open_draft(repo: Repository, case_id: str) -> FollowUp | None:
    drafts = [f for f in repo.followups_of(case_id) if f.status == "draft"]
    return drafts[-1] if drafts else None


class FollowUpSession:
    """One follow-up: the interview replayed from storage after every change (no hidden state)."""

    def __init__(self, repo: Repository, followup_id: str, lang: str = "sv", today: date | None = None,
                 *, versioned: bool = False):
        self.repo = repo
        self.lang = lang
        self.today = today
        # Versioned (the app on the shared database): every save names the version this session has
        # seen, so a same-answer save by someone else meanwhile is an AnswerConflict, never overwritten.
        self.version: int | None = None
        if versioned:
            self.followup, self.version = repo.open_followup(followup_id)
        else:
            self.followup = repo.get_followup(followup_id)
        self.case = repo.get_case(self.followup.case_id)
        self.form = repo.form(self.followup.form, self.followup.form_version)
        self.interview = self._replay()
        self._last_levels: dict[str, int] | None = None

    @property
    def writable(self) -> bool:
        return bool(getattr(self.repo, "writable", True))

    def _replay(self) -> Interview:
        fu = self.followup
        return Interview(self.form, fu.plan, fu.answers, fu.goals, today=self.today, lang=self.lang)

    @property
    def final(self) -> bool:
        return self.followup.status == "final"

    def current(self) -> Step | None:
        return self.interview.next_step()

    def last_level(self, goal_id: str) -> int | None:
        """The goal's level at the newest signed follow-up of this case, else its baseline: where a
        level list starts, so an unchanged level is one key."""
        if self._last_levels is None:
            levels: dict[str, int] = {}
            signed = [f for f in self.repo.followups_of(self.case.id) if f.status == "final"]
            for fu in sorted(signed, key=lambda f: f.finalized_at or f.created_at):
                for gid, answers in fu.goals.items():
                    if isinstance(answers.get("level"), int):
                        levels[gid] = answers["level"]
            self._last_levels = levels
        if goal_id in self._last_levels:
            return self._last_levels[goal_id]
        goal = self.followup.plan.goal(goal_id)
        return None if goal is None else goal.baseline

    def meeting_date(self) -> date:
        """The meeting's date as answered, else the session's today."""
        raw = self.followup.answers.get("meeting_date")
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else (self.today or date.today())
        except ValueError:
            return self.today or date.today()

    def answer(self, key: str, raw: Any) -> Any:
        """Validate (AnswerError in the session's language), save durably, then replay.

        Read-only (another program holds the workspace): ReadOnly, before anything is tried."""
        if not self.writable:
            raise ReadOnly(msg("read_only", self.lang))
        step = self.interview.step(key)
        value = self.interview.coerce(step, raw)
        try:
            saved = self.repo.save_answer(self.followup.id, key, value, expected_version=self.version)
        except FinalizedError:
            if self.version is not None:
                self.reload()  # signed by someone else meanwhile: this session shows it signed
            raise
        self._saved(saved)
        self.followup.set(key, value)
        self.interview = self._replay()
        return value

    def _saved(self, new_version: int | None) -> None:
        """After a save on version `new_version`: when nobody else wrote since the version seen, this
        session has seen the new one; otherwise it reads the follow-up again (others' answers merged)
        so that it never claims to have seen answers it has not."""
        if self.version is None or new_version is None:
            return
        if new_version == self.version + 1:
            self.version = new_version
        else:
            self.reload()

    def reload(self) -> None:
        """Read the follow-up again as stored now (others' answers and its version)."""
        fu, version = self.repo.reread_followup(self.followup.id)
        self.followup = fu
        if self.version is not None:
            self.version = version
        self.interview = self._replay()

    def keep_mine(self, conflict: AnswerConflict) -> Any:
        """The caseworker chose their own answer over the other's shown in the conflict: saved on the
        version that conflict showed (a newer save of the same answer meanwhile is a new conflict)."""
        self._require_writable()
        self.repo.save_answer(self.followup.id, str(conflict.key), conflict.mine,
                              expected_version=conflict.version)
        self.reload()
        return conflict.mine

    def keep_theirs(self, conflict: AnswerConflict) -> Any:
        """The caseworker chose the other's answer: it is stored already; this session reads it."""
        self.reload()
        return conflict.theirs

    def _require_writable(self) -> None:
        if not self.writable:
            raise ReadOnly(msg("read_only", self.lang))

    def hints(self) -> list[Hint]:
        return hints(self.interview, self.followup.acknowledged_hints)

    def acknowledge(self, hint_key: str) -> None:
        if not self.writable:
            raise ReadOnly(msg("read_only", self.lang))
        self.repo.acknowledge_hint(self.followup.id, hint_key)
        self.followup.acknowledged_hints.append(hint_key)
        if self.version is not None:
            self.reload()  # the version moved on (and a save by someone else is taken in with it)

    def summary(self) -> str:
        return draft_summary(self.interview, self.lang)

    def stale_draft(self, text: str | None = None) -> list[str]:
        """Labels of answers changed after the assistant's drafted sentences in the assessment
        (`text`, else the saved assessment) were written from them."""
        if text is None:
            text = str(self.followup.answers.get("assessment") or "")
        out = []
        for key in stale_draft_keys(self.interview, text, self.lang):
            step = self.interview.step(key)
            label = step.question.label.get(self.lang)
            out.append(f"{label} ({step.goal.text})" if step.goal else label)
        return out

    def missing(self) -> list[str]:
        """Labels of required questions without an answer (finalizing needs none)."""
        out = []
        for step in self.interview.missing_required():
            label = step.question.label.get(self.lang)
            out.append(f"{label} ({step.goal.text})" if step.goal else label)
        return out

    def finalize(self, by: str) -> FollowUp:
        if not self.writable:
            raise ReadOnly(msg("read_only", self.lang))
        missing = self.missing()
        if missing:
            raise ValueError(msg("required_many", self.lang, items=join(missing, self.lang)))
        answers, goals = self.interview.final_answers()
        try:
            self.followup = self.repo.finalize(self.followup.id, by, now(), answers, goals,
                                               expected_version=self.version)
        except Conflict:
            if self.version is not None:
                self.reload()  # signed only as seen: the caseworker looks at it as it is now first
            raise
        self.interview = self._replay()
        return self.followup
