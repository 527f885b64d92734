"""A follow-up being answered: the engine over the stored answers, saving each answer as it is given.

Both front ends (the app and the quick mode) use this; it holds no interview logic of its own, only
the order "validate with the engine, save with the repository, replay".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from forms.loader import bundled_form
from forms.schema import FormDefinition
from interview.case import Case, now
from interview.engine import Interview, Step
from interview.followup import FollowUp
from interview.hints import Hint, hints
from interview.messages import msg
from interview.summary import draft_summary
from storage.repository import Repository


def start_followup(
    repo: Repository, case: Case, caseworker: str, form: FormDefinition | None = None
) -> FollowUp:
    """A new draft of the case's current plan, on the newest installed form."""
    form = form or bundled_form()
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

    def __init__(self, repo: Repository, followup_id: str, lang: str = "sv", today: date | None = None):
        self.repo = repo
        self.lang = lang
        self.today = today
        self.followup = repo.get_followup(followup_id)
        self.case = repo.get_case(self.followup.case_id)
        self.form = bundled_form(self.followup.form, self.followup.form_version)
        self.interview = self._replay()

    def _replay(self) -> Interview:
        fu = self.followup
        return Interview(self.form, fu.plan, fu.answers, fu.goals, today=self.today, lang=self.lang)

    @property
    def final(self) -> bool:
        return self.followup.status == "final"

    def current(self) -> Step | None:
        return self.interview.next_step()

    def answer(self, key: str, raw: Any) -> Any:
        """Validate (AnswerError in the session's language), save durably, then replay."""
        step = self.interview.step(key)
        value = self.interview.coerce(step, raw)
        self.repo.save_answer(self.followup.id, key, value)
        self.followup.set(key, value)
        self.interview = self._replay()
        return value

    def hints(self) -> list[Hint]:
        return hints(self.interview, self.followup.acknowledged_hints)

    def acknowledge(self, hint_key: str) -> None:
        self.repo.acknowledge_hint(self.followup.id, hint_key)
        self.followup.acknowledged_hints.append(hint_key)

    def summary(self) -> str:
        return draft_summary(self.interview, self.lang)

    def missing(self) -> list[str]:
        """Labels of required questions without an answer (finalizing needs none)."""
        out = []
        for step in self.interview.missing_required():
            label = step.question.label.get(self.lang)
            out.append(f"{label} ({step.goal.text})" if step.goal else label)
        return out

    def finalize(self, by: str) -> FollowUp:
        missing = self.missing()
        if missing:
            raise ValueError(msg("required", self.lang) + ": " + ", ".join(missing))
        answers, goals = self.interview.final_answers()
        self.followup = self.repo.finalize(self.followup.id, by, now(), answers, goals)
        self.interview = self._replay()
        return self.followup
