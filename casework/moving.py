"""Moving a local workspace into the shared database: checked in full first, then written in one go."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forms.loader import installed_forms
from forms.schema import FormDefinition
from forms.versions import fingerprint
from interview.case import Case
from interview.followup import FollowUp
from storage.audit import AuditLog, verify
from storage.errors import NotFound, StorageError
from storage.forms_store import FormRefused
from storage.maintenance import sealed_required

if TYPE_CHECKING:
    from storage.postgres.repo import PostgresRepository
    from storage.tinydb_repo import TinyDBRepository

# Roles whose logins may write cases (row-level security lets only these insert them).
WRITERS = frozenset({"caseworker", "supervisor", "superuser"})
# Roles that may install a form in the database (migration 0007 grants INSERT on forms to these).
INSTALLERS = frozenset({"supervisor", "admin", "superuser"})


@dataclass
class MovedCase:
    """One case as it moves: the case, the unit it lands in, every follow-up, and its local log."""

    case: Case
    unit: str
    followups: list[FollowUp]
    local_log: list[dict[str, Any]]


@dataclass
class Moved:
    cases: int = 0
    followups: int = 0
    signed: int = 0
    addenda: int = 0


@dataclass
class Refusal:
    """Why nothing moves: each item is (kind, data) for the command line to phrase."""

    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, kind: str, **data: Any) -> None:
        self.problems.append((kind, data))


class MoveRefused(StorageError):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"{len(refusal.problems)} problem(s); nothing was moved")
        self.refusal = refusal


def collect(repo: TinyDBRepository, db: PostgresRepository) -> list[MovedCase]:
    """Every case of the workspace with its follow-ups and local audit entries, and the unit each
    lands in; MoveRefused (listing every problem) when the workspace or the login is not fit."""
    refusal = Refusal()
    ws = repo.workspace
    if ws.settings.training:
        refusal.add("training")
    for name in repo.damaged:
        refusal.add("damaged", name=name)
    for f in repo.findings:
        refusal.add(f.kind, finding=f)
    for line in verify(ws.audit_path, repo.codec, sealed_required=sealed_required(ws, repo.codec)):
        refusal.add("audit", line=line)
    if db.role not in WRITERS:
        refusal.add("role", login=db.login, role=db.role)
    by_case: dict[str, list[dict[str, Any]]] = {}
    for e in AuditLog(ws.audit_path, "").entries():
        if e.case:
            # Ids, times, actions and who: never free text (the local log holds none).
            by_case.setdefault(e.case, []).append(
                {"seq": e.seq, "at": e.at, "who": e.who, "action": e.action, "followup": e.followup,
                 "detail": e.detail})
    out: list[MovedCase] = []
    for case_id in repo.case_ids():
        case = repo.get_case(case_id)
        unit = case.client.unit or ws.settings.unit or (db.units[0] if len(db.units) == 1 else "")
        if not unit:
            refusal.add("no_unit", ref=case.client.case_ref)
        elif db.role != "superuser" and unit not in db.units:
            refusal.add("unit", ref=case.client.case_ref, unit=unit, login=db.login)
        followups = repo.followups_of(case_id)
        out.append(MovedCase(case, unit, followups, by_case.get(case_id, [])))
    for form in carried_forms(repo):
        # The workspace's installed forms travel with its follow-ups (they are read and reported by
        # them): one the database has under the same id and version must be the same form.
        try:
            there = db.form(form.id, form.version)
        except NotFound:
            if db.role not in INSTALLERS:
                refusal.add("form_missing", form=form.id, version=form.version, login=db.login)
            continue
        if fingerprint(there) != fingerprint(form):
            refusal.add("form_conflict", form=form.id, version=form.version)
    if db.role in WRITERS:  # others may not even look at the cases table
        for found in db.existing_cases([m.case.id for m in out]):
            refusal.add("exists", id=found)
    if refusal.problems:
        raise MoveRefused(refusal)
    return out


def carried_forms(repo: TinyDBRepository) -> list[FormDefinition]:
    """Every form version the workspace installed itself (the shipped ones the database has)."""
    store = repo.form_store()
    return [store.get(fid, v) for fid, versions in store.versions().items() for v in versions
            if (fid, v) not in installed_forms()]


def move(repo: TinyDBRepository, db: PostgresRepository) -> Moved:
    """All or nothing: every installed form, case, follow-up, addendum and signature, in one
    transaction. A form the database has already (the same fingerprint) is not installed again."""
    batch = collect(repo, db)
    try:
        db.import_cases(batch, carried_forms(repo))
    except FormRefused as err:  # another version there changes a code's meaning (or a race)
        refusal = Refusal()
        for p in err.problems:
            refusal.add("form_problem", key=p.key, args=p.args)
        raise MoveRefused(refusal) from None
    return Moved(
        cases=len(batch),
        followups=sum(len(m.followups) for m in batch),
        signed=sum(1 for m in batch for f in m.followups if f.status == "final"),
        addenda=sum(len(f.addenda) for m in batch for f in m.followups),
    )

