"""A follow-up record: the answers given, when, by whom, its status and its addenda."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from interview.case import Client, Plan, _no_control, new_id, now
from interview.errors import fail


def _one_line(value: str) -> str:
    _no_control(value)
    if "\n" in value or "\r" in value:
        raise fail("text_control", char="U+000A", pos=value.find("\n" if "\n" in value else "\r") + 1)
    return value

Status = Literal["draft", "final"]


def answer_key(question_id: str, goal_id: str | None = None) -> str:
    """The stable key of one answer: `meeting_date`, or `goals.g1.level` for a per-goal question."""
    return question_id if goal_id is None else f"goals.{goal_id}.{question_id}"


def split_key(key: str) -> tuple[str, str | None]:
    """(question id, goal id or None) from an answer key."""
    if key.startswith("goals."):
        _, goal_id, question_id = key.split(".", 2)
        return question_id, goal_id
    return key, None


class Approval(BaseModel):
    """A supervisor's approval of the follow-up before it was signed (set by the shared database)."""

    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)
    login: str = Field(default="", max_length=200)
    at: datetime


class Addendum(BaseModel):
    """A correction (rättelse) or a note of the client's objection, added after finalizing."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["correction", "client_objection"] = "correction"
    date: datetime = Field(default_factory=now)
    # No control characters: an addendum reaches the screen, the terminal and the PDF.
    author: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
    reason: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_no_control)]
    text: Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(_no_control)]
    # The answer it corrects (`assessment`, `goals.g1.level`), so the document can point to it.
    refers_to: str | None = Field(default=None, pattern=r"^(goals\.[A-Za-z0-9_-]{1,32}\.)?[a-z_]{1,64}$")


class ImportMark(BaseModel):
    """Where an imported follow-up came from: who imported it, when, from which file (by name and
    SHA-256), and whether its signature was only claimed by the file rather than made here."""

    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)
    at: datetime
    file: str = Field(max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signature_from_file: bool = False


class FollowUp(BaseModel):
    """One follow-up of one plan. Answers hold canonical JSON values (dates as ISO strings)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(default_factory=new_id)
    case_id: str
    form: str
    form_version: int
    caseworker: str = ""
    status: Status = "draft"
    plan: Plan  # a snapshot: the plan as it was followed up, so later edits never change a record
    answers: dict[str, Any] = Field(default_factory=dict)
    goals: dict[str, dict[str, Any]] = Field(default_factory=dict)
    answered_at: dict[str, datetime] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    finalized_at: datetime | None = None
    finalized_by: str | None = None
    addenda: list[Addendum] = Field(default_factory=list)
    acknowledged_hints: list[str] = Field(default_factory=list)  # hints the caseworker has seen
    # The client as they were when the follow-up was signed: editing the case later never changes
    # what a signed document says about whom it was made for.
    client: Client | None = None
    imported: ImportMark | None = None
    approval: Approval | None = None  # who approved it in review, when its unit requires review

    def get(self, key: str) -> Any:
        qid, gid = split_key(key)
        source = self.answers if gid is None else self.goals.get(gid, {})
        return source.get(qid)

    def has(self, key: str) -> bool:
        qid, gid = split_key(key)
        source = self.answers if gid is None else self.goals.get(gid, {})
        return qid in source

    def set(self, key: str, value: Any, at: datetime | None = None) -> None:
        """Record one answer in memory (storage makes it durable)."""
        qid, gid = split_key(key)
        if gid is None:
            self.answers[qid] = value
        else:
            self.goals.setdefault(gid, {})[qid] = value
        stamp = at or now()
        self.answered_at[key] = stamp
        self.updated_at = stamp

    def make_final(
        self,
        by: str,
        at: datetime,
        answers: dict[str, Any],
        goals: dict[str, dict[str, Any]],
        client: Client | None = None,
    ) -> None:
        """Seal the record with only the answers that were asked (the engine's final answers) and
        a snapshot of the client as they are at signing."""
        if client is not None:
            self.client = client.model_copy(deep=True)
        self.answers = dict(answers)
        self.goals = {gid: dict(v) for gid, v in goals.items()}
        kept = set(answers) | {answer_key(q, g) for g, qs in goals.items() for q in qs}
        self.answered_at = {k: v for k, v in self.answered_at.items() if k in kept}
        self.status, self.finalized_by, self.finalized_at = "final", by, at
        self.updated_at = now()
