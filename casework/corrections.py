"""Corrections of a signed follow-up: an addendum, optionally tied to the answer it corrects."""

from __future__ import annotations

from forms.loader import bundled_form
from interview.engine import Interview
from interview.errors import ProblemsError
from interview.followup import Addendum, FollowUp
from interview.messages import msg
from storage.repository import Repository


def answered_keys(fu: FollowUp, repo: Repository | None = None) -> dict[str, str]:
    """Answer key → the question's label, for every question this signed follow-up answered."""
    form = repo.form(fu.form, fu.form_version) if repo is not None else bundled_form(fu.form, fu.form_version)
    interview = Interview(form, fu.plan, fu.answers, fu.goals)
    out: dict[str, str] = {}
    for step in interview.applicable_steps():
        if interview.has(step):
            label = step.question.label.get("sv")
            out[step.key] = f"{label} ({step.goal.text})" if step.goal else label
    return out


def add_correction(repo: Repository, followup_id: str, addendum: Addendum, lang: str) -> FollowUp:
    """Add the addendum; one that names an answer must name one this follow-up has."""
    if addendum.refers_to is not None:
        fu = repo.get_followup(followup_id)
        if fu.status == "final" and addendum.refers_to not in answered_keys(fu, repo):
            problem = msg("correct_unknown_key", lang, answer=addendum.refers_to)
            raise ProblemsError([f"--question: {problem}"])
    return repo.add_addendum(followup_id, addendum)
