"""Supervisor review on the shared database: submit, return, approve and comment, without any UI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from interview.engine import Interview
from interview.followup import FollowUp, split_key
from storage.errors import StorageError
from storage.repository import Repository, ReviewComment


class ReviewError(StorageError):
    """A review step refused before the database was asked (`key` names why, in the catalogue)."""


class ReviewRepository(Protocol):
    """What review needs of a repository: the shared database has it, a local workspace does not."""

    def review_state(self, followup_id: str) -> tuple[str, int]: ...
    def review_required(self, followup_id: str) -> bool: ...
    def review_submitter(self, followup_id: str) -> str | None: ...
    def review_submit(self, followup_id: str, expected_version: int | None = None) -> int: ...
    def review_return(self, followup_id: str, comment: str | None = None,
                      question: str | None = None) -> None: ...
    def review_approve(self, followup_id: str, expected_version: int | None = None,
                       comment: str | None = None, question: str | None = None) -> None: ...
    def add_review_comment(self, followup_id: str, body: str, question: str | None = None) -> int: ...
    def review_comments(self, followup_id: str) -> list[ReviewComment]: ...


def reviewable(repo: Repository) -> ReviewRepository:
    """The repository as one that keeps review states; ReviewError when it keeps none (a local
    workspace has one caseworker and nobody to review)."""
    if not hasattr(repo, "review_submit"):
        raise ReviewError("review needs the shared database (--database)", key="err_review_needs_db")
    return repo  # type: ignore[return-value]


MAX_COMMENT = 4000


@dataclass(frozen=True)
class Step:
    """What a review step did: the follow-up, its new state and the comment added (if any)."""

    followup_id: str
    state: str
    comment: int | None = None
    version: int | None = None  # the version submitted or approved


def missing(repo: Repository, fu: FollowUp) -> list[str]:
    """The required questions the draft has not answered (the whole form's rules, goals included).
    The server replays the same rules over the follow-up's own form when it is submitted (0008)."""
    form = repo.form(fu.form, fu.form_version)
    interview = Interview(form, fu.plan, fu.answers, fu.goals)
    return [s.key for s in interview.missing_required()]


def named(repo: Repository, fu: FollowUp, keys: list[str], lang: str) -> str:
    """Answer keys as a person reads them: each question's label in its form (with the goal for a
    per-goal question) and its key, for `--question`: `Datum för mötet (meeting_date)`."""
    form = repo.form(fu.form, fu.form_version)
    out = []
    for key in keys:
        qid, gid = split_key(key)
        try:
            label = form.question(qid).label.get(lang)
        except KeyError:
            label = qid
        goal = fu.plan.goal(gid) if gid is not None else None
        out.append(f"{label} – {goal.text} ({key})" if goal is not None else f"{label} ({key})")
    return ", ".join(out)


def _checked_comment(repo: Repository, fu: FollowUp, comment: str | None,
                     question: str | None) -> tuple[str | None, str | None]:
    text = (comment or "").strip() or None
    if question is not None and text is None:
        raise ReviewError("--question needs a comment", key="err_review_question_alone")
    if text is not None and len(text) > MAX_COMMENT:
        raise ReviewError("the comment is too long", key="err_review_comment_long", n=MAX_COMMENT)
    if question is not None:
        qid, gid = split_key(question)
        form = repo.form(fu.form, fu.form_version)
        known_goal = gid is None or any(g.id == gid for g in fu.plan.goals)
        if qid not in {q.id for _, q in form.questions()} or not known_goal:
            raise ReviewError(f"no question '{question}' in this follow-up",
                              key="err_review_no_question", question=question)
    return text, question


def submit(repo: Repository, followup_id: str, lang: str = "sv") -> Step:
    """A caseworker hands a complete draft (or a returned one, revised) to the unit's supervisors.
    What is missing is named by the questions' labels in `lang`."""
    db = reviewable(repo)
    state, version = db.review_state(followup_id)
    fu = repo.get_followup(followup_id)
    if fu.status == "final":
        raise ReviewError("already signed", key="err_review_is_signed")
    if state in ("draft", "returned"):
        gaps = missing(repo, fu)
        if gaps:
            text = named(repo, fu, gaps, lang)
            raise ReviewError(f"not complete: {text}", key="err_review_incomplete", missing=text)
    try:  # the database checks the state, the version and the form's required questions again
        submitted = db.review_submit(followup_id, version)
    except StorageError as err:
        if err.key != "err_review_incomplete":
            raise
        keys = [k for k in str(err.params.get("missing", "")).split(", ") if k]
        text = named(repo, fu, keys, lang)
        raise ReviewError(f"not complete: {text}", key="err_review_incomplete", missing=text) from None
    return Step(followup_id, "submitted", version=submitted)


def return_(repo: Repository, followup_id: str, comment: str | None = None,
            question: str | None = None) -> Step:
    """A supervisor sends the follow-up back for revision, with what to change."""
    db = reviewable(repo)
    fu = repo.get_followup(followup_id)
    text, question = _checked_comment(repo, fu, comment, question)
    db.review_return(followup_id, text, question)
    return Step(followup_id, "returned")


def approve_refusal(repo: Repository, followup_id: str) -> str | None:
    """Why the logged-in login may not approve this submitted follow-up (the catalogue's key), or None
    when it may: approval is a second pair of eyes, so nobody approves what they submitted themselves.
    The database enforces the same rule on approve(); asking first lets a front end not offer it."""
    db = reviewable(repo)
    if getattr(repo, "role", "") != "supervisor":
        return "err_review_not_supervisor"
    if db.review_submitter(followup_id) == getattr(repo, "login", None):
        return "err_review_own"
    return None


def approve(repo: Repository, followup_id: str, comment: str | None = None,
            question: str | None = None, version: int | None = None) -> Step:
    """A supervisor approves exactly the version submitted; the caseworker may then sign it. With
    `version` (the one the supervisor read) the database refuses if the follow-up is at any other;
    without, the version stored now is approved. The Step says which version was approved."""
    db = reviewable(repo)
    state, current = db.review_state(followup_id)
    if version is not None and version != current and state == "submitted":
        raise ReviewError(f"version {version} was read, the follow-up is at {current}",
                          key="err_review_version", read=version, now=current)
    fu = repo.get_followup(followup_id)
    text, question = _checked_comment(repo, fu, comment, question)
    expected = current if version is None else version
    try:  # the database holds the approval to this version and to the one submitted
        db.review_approve(followup_id, expected, text, question)
    except StorageError as err:
        if version is None or err.key != "err_review_changed":
            raise
        now = db.review_state(followup_id)[1]
        raise ReviewError(f"version {version} was read, the follow-up is at {now}",
                          key="err_review_version", read=version, now=now) from None
    return Step(followup_id, "approved", version=expected)


def comment(repo: Repository, followup_id: str, body: str, question: str | None = None) -> Step:
    """A note on a follow-up in review (either side), without changing its state."""
    db = reviewable(repo)
    fu = repo.get_followup(followup_id)
    text, question = _checked_comment(repo, fu, body, question)
    if text is None:
        raise ReviewError("an empty comment", key="err_review_empty_comment")
    state, _ = db.review_state(followup_id)
    return Step(followup_id, state, db.add_review_comment(followup_id, text, question))


def comments(repo: Repository, followup_id: str) -> list[ReviewComment]:
    """The follow-up's review comments, oldest first (working notes: never in the record)."""
    return reviewable(repo).review_comments(followup_id)


def by_question(notes: list[ReviewComment]) -> dict[str | None, list[ReviewComment]]:
    """Comments grouped by the question they are about (None: the whole follow-up), for showing them
    beside their questions."""
    out: dict[str | None, list[ReviewComment]] = {}
    for note in notes:
        out.setdefault(note.question, []).append(note)
    return out


def needs_approval(repo: Repository, followup_id: str) -> str | None:
    """The review state that stands between a draft and its signing (its unit requires review and it
    is not approved), else None: sign it. A local workspace never requires review."""
    if not hasattr(repo, "review_submit"):
        return None
    db = reviewable(repo)
    if not db.review_required(followup_id):
        return None
    state, _ = db.review_state(followup_id)
    return None if state == "approved" else state


def notes_by_key(repo: Repository, followup_id: str) -> dict[str | None, list[ReviewComment]]:
    """The review comments by the answer key they are about; nothing for a local workspace."""
    if not hasattr(repo, "review_submit"):
        return {}
    return by_question(comments(repo, followup_id))


@dataclass(frozen=True)
class ReviewView:
    """What this login may do with a follow-up on the review screen, and in which review state it is.

    `action`: "sign" (no review needed, or approved), "submit" (a draft or returned draft of a unit that
    requires review), "judge" (a supervisor reading a submitted follow-up: return or approve), "wait"
    (submitted, and this login does not review), "signed" (final)."""

    action: str
    state: str | None = None  # the review state; None where no review applies
    # "judge" only: why this login may not approve (its own submission), the catalogue's key; it may
    # still return it.
    approve_refused: str | None = None

    @property
    def read_only(self) -> bool:
        """Nothing of the follow-up is changed from here: it is signed or lies with the reviewer."""
        return self.action in ("judge", "wait", "signed")

    @property
    def opens_at_review(self) -> bool:
        """Opened straight at the review screen instead of the interview: it is read there (judged,
        waited on) or, approved, only signed there (an edit would take the approval back)."""
        return self.action in ("judge", "wait") or self.state == "approved"


def view_of(repo: Repository, followup_id: str) -> ReviewView:
    """The review view of a follow-up for the logged-in login, with whether a supervisor may approve
    this particular submission (not their own; the database refuses it too)."""
    if not hasattr(repo, "review_submit"):  # a local workspace: one caseworker, nobody reviews
        return ReviewView("signed" if repo.get_followup(followup_id).status == "final" else "sign")
    db = reviewable(repo)
    state, _ = db.review_state(followup_id)
    if state == "signed":
        return ReviewView("signed", state)
    if not db.review_required(followup_id) or state == "approved":
        return ReviewView("sign", state)
    if state == "submitted":
        if getattr(repo, "role", "") != "supervisor":
            return ReviewView("wait", state)
        return ReviewView("judge", state, approve_refusal(repo, followup_id))
    return ReviewView("submit", state)
