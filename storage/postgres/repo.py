"""The PostgreSQL repository: each write is one transaction, and the actor is the database login."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from interview import personnummer
from interview.case import Case, now
from interview.followup import Addendum, Approval, FollowUp, split_key
from storage.errors import AnswerConflict, Conflict, FinalizedError, NotFound, StorageError
from storage.postgres.connect import connect
from storage.repository import FollowUpSummary, Repository, ReviewComment, WorkRow, one_case
from storage.workspace import WorkspaceSettings

if TYPE_CHECKING:
    from casework.moving import MovedCase
    from forms.schema import FormDefinition
    from reporting.compile import Report
    from reporting.selection import Selection
    from storage.postgres.forms import PostgresFormStore

T = TypeVar("T")
Cursor = psycopg.Cursor[tuple[Any, ...]]
RETRIES = 8
LEASE_SECONDS = 600  # a lease not refreshed for this long (a crashed client) no longer counts
REFRESH_SECONDS = 60  # saving an answer refreshes this login's lease at most this often

# A follow-up as the model reads it: its row's data with its addenda, oldest first.
FULL = (
    "f.data || jsonb_build_object('addenda', coalesce((SELECT jsonb_agg(a.data ORDER BY a.id) "
    "FROM uppfoljning.addenda a WHERE a.followup_id = f.id), '[]'::jsonb))"
)

# One statement, so one round trip and its own transaction: the answer, its version stamp and its
# audit entry commit together or not at all. The WHERE clause is re-checked on the newest row when
# another writer got there first, so no update is ever lost.
SAVE = """
WITH u AS (
    UPDATE uppfoljning.followups SET
        data = jsonb_set(jsonb_set({answer}, ARRAY['answered_at', %(key)s], %(stamp)s),
                         '{{updated_at}}', %(stamp)s),
        answer_meta = answer_meta || jsonb_build_object(%(key)s::text, jsonb_build_object(
            'v', version + 1, 'by', session_user::text, 'at', %(stamp)s)),
        version = version + 1,
        updated_at = %(at)s
    WHERE id = %(id)s AND status = 'draft'
      AND (%(expected)s::integer IS NULL
           OR coalesce((answer_meta -> %(key)s ->> 'v')::integer, 0) <= %(expected)s::integer
           OR data #> %(path)s = %(value)s)
    RETURNING case_id, version
), logged AS (
    INSERT INTO uppfoljning.audit (case_id, followup_id, action, detail)
    SELECT u.case_id, %(id)s, 'save_answer', jsonb_build_object('key', %(key)s::text, 'version', u.version)
    FROM u
)
SELECT version FROM u
"""
ANSWER_TOP = "jsonb_set(data, ARRAY['answers', %(qid)s], %(value)s)"
ANSWER_GOAL = (
    "jsonb_set(data, ARRAY['goals', %(gid)s], coalesce(data -> 'goals' -> %(gid)s, '{}'::jsonb) "
    "|| jsonb_build_object(%(qid)s::text, %(value)s))"
)


@dataclass(frozen=True)
class Holder:
    """Another login that has a draft open: its display name, login, since when and last seen."""

    name: str
    login: str
    since: datetime
    seen: datetime


class NoAccess(StorageError):
    pass


class NotStaff(StorageError):
    pass


class ReviewRefused(StorageError):
    """The database refused a review step or a handover; `key` names why (the state, the role)."""


def _born(case: Case) -> date | None:
    pnr = case.client.personnummer
    if not pnr:
        return None
    try:
        return personnummer.parse(pnr, date.today()).birth_date
    except personnummer.PersonnummerError:
        return None


def _fu_data(fu: FollowUp) -> Any:
    data = fu.model_dump(mode="json")
    data.pop("addenda", None)
    return Jsonb(data)


class PostgresRepository(Repository):
    """Cases of the login's units only (row-level security decides, not this class)."""

    def __init__(self, conninfo: str | None = None, *, conn: psycopg.Connection[Any] | None = None,
                 check: bool = True) -> None:
        if conn is None:
            if conninfo is None:
                raise ValueError("give a conninfo or a connection")
            conn = connect(conninfo, check=check)
        self._conn: psycopg.Connection[Any] = conn
        try:
            row = conn.execute("SELECT to_regclass('uppfoljning.staff')").fetchone()
            me: Any = None
            if row is not None and row[0] is not None:
                me = conn.execute(
                    "SELECT session_user, s.display_name, s.role, s.units, r.rolsuper FROM pg_roles r "
                    "LEFT JOIN uppfoljning.staff s ON s.login = r.rolname WHERE r.rolname = session_user"
                ).fetchone()
        except pg_errors.InsufficientPrivilege:  # not even the schema: no group role at all
            login = conn.info.user
            conn.close()
            raise NotStaff(f"the login '{login}' has no role in this database; an admin gives it "
                           "one with 'uppfoljning db grant'", key="err_db_not_staff", login=login) from None
        if row is None or row[0] is None:
            conn.close()
            raise StorageError("the database has no uppfoljning schema; run 'uppfoljning db init'",
                               key="err_db_no_schema")
        if me is None:  # pragma: no cover - session_user is always a role
            raise StorageError("the database does not know the login")
        self.login = str(me[0])
        if me[1] is None and not me[4]:
            conn.close()
            raise NotStaff(f"the login '{self.login}' has no role in this database; an admin gives it "
                           "one with 'uppfoljning db grant'", key="err_db_not_staff", login=self.login)
        self.display_name: str = str(me[1] or self.login)
        self.role: str = str(me[2] or "superuser")
        self.units: list[str] = [str(u) for u in me[3] or []]
        self.settings = self._settings()
        self._held: dict[str, float] = {}  # drafts this login holds a lease on -> last refresh
        # One transaction at a time on the one connection: the app reads in worker threads too (the
        # work list's timed refresh), and two threads' transactions must not interleave on it.
        self._lock = threading.RLock()
        self._forms: PostgresFormStore | None = None

    def _settings(self) -> WorkspaceSettings:
        rows = dict(self._conn.execute("SELECT key, value FROM uppfoljning.settings").fetchall())
        extra: dict[str, Any] = {}
        if rows.get("timezone"):
            extra["timezone"] = rows["timezone"]
        return WorkspaceSettings(organisation=rows.get("organisation", ""),
                                 unit=self.units[0] if len(self.units) == 1 else "",
                                 caseworker=self.display_name, **extra)

    def who(self) -> str:
        return self.display_name

    # --- forms --------------------------------------------------------------------------------

    def form_store(self) -> PostgresFormStore:
        from storage.postgres.forms import PostgresFormStore

        if self._forms is None:
            self._forms = PostgresFormStore(self)
        return self._forms

    def form(self, form_id: str, version: int | None = None) -> FormDefinition:
        return self.form_store().get(form_id, version)

    def default_form_id(self) -> str:
        row = self._one("SELECT value FROM uppfoljning.settings WHERE key = 'default_form'")
        return str(row[0]) if row else "standard-uppfoljning"

    def default_form(self) -> FormDefinition:
        return self.form(self.default_form_id())

    def set_default_form(self, form_id: str) -> None:
        """The form new follow-ups in this database are made with (settings: admins only)."""
        def run(cur: Cursor) -> None:
            cur.execute(b"INSERT INTO uppfoljning.settings (key, value) VALUES ('default_form', %s) "
                        b"ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (form_id,))
            self._audit(cur, "form_default", form=form_id)

        self._tx(run)

    def form_versions(self) -> dict[str, list[int]]:
        return self.form_store().versions()

    # --- transactions -------------------------------------------------------------------------

    def _tx(self, fn: Callable[[Cursor], T]) -> T:
        """Run fn in one transaction, again when the server asks (a deadlock, a serialization
        failure); database refusals become storage errors with one line each."""
        for attempt in range(RETRIES):
            try:
                with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
                    return fn(cur)
            except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                if attempt == RETRIES - 1:
                    raise StorageError("the database stayed busy; try again") from None
                time.sleep(0.01 * (attempt + 1))
            except psycopg.Error as err:
                raise _storage_error(err) from None
        raise AssertionError("unreachable")

    def _single(self, query: bytes, params: Any = None) -> Any:
        """One statement in its own transaction: on the autocommit connection that is one round trip
        (no BEGIN and COMMIT of their own), and the statement is atomic all the same."""
        for attempt in range(RETRIES):
            try:
                with self._lock:
                    return self._conn.execute(query, params).fetchone()
            except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                if attempt == RETRIES - 1:
                    raise StorageError("the database stayed busy; try again") from None
                time.sleep(0.01 * (attempt + 1))
            except psycopg.Error as err:
                raise _storage_error(err) from None
        raise AssertionError("unreachable")

    def _one(self, query: str | bytes, params: Any = None) -> Any:
        raw = query if isinstance(query, bytes) else query.encode()
        rows = self._tx(lambda cur: cur.execute(raw, params).fetchall())
        return rows[0] if rows else None

    # --- cases --------------------------------------------------------------------------------

    def _unit_for(self, case: Case) -> str:
        if case.client.unit:
            return case.client.unit
        if len(self.units) == 1:
            return self.units[0]
        raise StorageError(f"case {case.client.case_ref}: name the client's unit (you work in "
                           f"{len(self.units)} units)")

    def add_case(self, case: Case, followups: Sequence[FollowUp] = ()) -> None:
        unit = self._unit_for(case)
        for fu in followups:
            if fu.case_id != case.id:
                raise Conflict(f"follow-up {fu.id} belongs to another case", key="err_other_case", id=fu.id)

        def run(cur: Cursor) -> None:
            cur.execute(
                "INSERT INTO uppfoljning.cases (id, unit, case_ref, gender, born, birth_year, data, "
                "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (case.id, unit, case.client.case_ref, case.client.gender, _born(case),
                 case.client.birth_year, Jsonb(case.model_dump(mode="json")), case.created_at),
            )
            self._audit(cur, "create", case.id)
            for fu in followups:
                self._insert_followup(cur, fu, unit)

        self._tx(run)

    def _insert_followup(self, cur: Cursor, fu: FollowUp, unit: str) -> None:
        cur.execute(
            "INSERT INTO uppfoljning.followups (id, case_id, unit, status, data, created_at, updated_at, "
            "finalized_at, finalized_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (fu.id, fu.case_id, unit, fu.status, _fu_data(fu), fu.created_at, fu.updated_at,
             fu.finalized_at, fu.finalized_by),
        )
        for addendum in fu.addenda:
            cur.execute("INSERT INTO uppfoljning.addenda (followup_id, unit, data) VALUES (%s, %s, %s)",
                        (fu.id, unit, Jsonb(addendum.model_dump(mode="json"))))
        self._audit(cur, "create", fu.case_id, fu.id)

    def _audit(self, cur: Cursor, action: str, case: str | None = None, followup: str | None = None,
               **detail: Any) -> None:
        cur.execute("INSERT INTO uppfoljning.audit (case_id, followup_id, action, detail) "
                    "VALUES (%s, %s, %s, %s)", (case, followup, action, Jsonb(detail)))

    def update_case(self, case: Case) -> None:
        def run(cur: Cursor) -> None:
            cur.execute(
                "UPDATE uppfoljning.cases SET data = %s, case_ref = %s, gender = %s, born = %s, "
                "birth_year = %s, unit = coalesce(nullif(%s, ''), unit), updated_at = clock_timestamp() "
                "WHERE id = %s",
                (Jsonb(case.model_dump(mode="json")), case.client.case_ref, case.client.gender,
                 _born(case), case.client.birth_year, case.client.unit, case.id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no case with id '{case.id}'", key="err_no_case_id", id=case.id)
            self._audit(cur, "update_case", case.id)

        self._tx(run)

    def get_case(self, case_id: str) -> Case:
        row = self._one("SELECT data FROM uppfoljning.cases WHERE id = %s", (case_id,))
        if row is None:
            raise NotFound(f"no case with id '{case_id}'", key="err_no_case_id", id=case_id)
        return Case.model_validate(row[0])

    def find_case(self, case_ref: str) -> Case | None:
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT data FROM uppfoljning.cases WHERE case_ref = %s ORDER BY id LIMIT 20",
            (case_ref,)).fetchall())
        return one_case(case_ref, [Case.model_validate(r[0]) for r in rows])

    def case_ids(self) -> list[str]:
        rows = self._tx(lambda cur: cur.execute(b"SELECT id FROM uppfoljning.cases ORDER BY id").fetchall())
        return [str(r[0]) for r in rows]

    def erase_case(self, case_id: str) -> None:
        def run(cur: Cursor) -> None:
            found = cur.execute(b"SELECT 1 FROM uppfoljning.cases WHERE id = %s FOR UPDATE",
                                (case_id,)).fetchone()
            if found is None:
                raise NotFound(f"no case with id '{case_id}'", key="err_no_case_id", id=case_id)
            self._audit(cur, "erase", case_id)  # first, while the case still names its unit
            cur.execute(b"DELETE FROM uppfoljning.cases WHERE id = %s", (case_id,))

        self._tx(run)

    # --- follow-ups ---------------------------------------------------------------------------

    def add_followup(self, followup: FollowUp) -> None:
        def run(cur: Cursor) -> None:
            row = cur.execute(b"SELECT unit FROM uppfoljning.cases WHERE id = %s",
                              (followup.case_id,)).fetchone()
            if row is None:
                raise NotFound(f"no case with id '{followup.case_id}'",
                               key="err_no_case_id", id=followup.case_id)
            self._insert_followup(cur, followup, str(row[0]))

        self._tx(run)

    def _fetch(self, followup_id: str, action: str | None) -> tuple[FollowUp, int]:
        """A follow-up and its version; with an action, its reading is logged in the same statement
        (one round trip, and no reading without its entry: SoLPuL asks that access be logged)."""
        read = f"SELECT {FULL}, f.version, f.case_id FROM uppfoljning.followups f WHERE f.id = %(id)s"
        if action is None:
            query = read
        else:
            query = (f"WITH r AS ({read}), logged AS (INSERT INTO uppfoljning.audit (case_id, "
                     "followup_id, action, detail) SELECT r.case_id, %(id)s, %(action)s, '{}'::jsonb FROM r) "
                     "SELECT * FROM r")
        row = self._single(query.encode(), {"id": followup_id, "action": action})
        if row is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        return FollowUp.model_validate(row[0]), int(row[1])

    def open_followup(self, followup_id: str) -> tuple[FollowUp, int | None]:
        """Opening a follow-up to work on it is logged as 'open'."""
        return self._fetch(followup_id, "open")

    def reread_followup(self, followup_id: str) -> tuple[FollowUp, int | None]:
        """Read again by whoever has it open (its 'open' entry is in the audit already)."""
        return self._fetch(followup_id, None)

    def get_followup(self, followup_id: str) -> FollowUp:
        """Reading a follow-up (to look at, export or print it) is logged as 'view'."""
        return self._fetch(followup_id, "view")[0]

    def followups_of(self, case_id: str) -> list[FollowUp]:
        rows = self._tx(lambda cur: cur.execute(
            f"SELECT {FULL} FROM uppfoljning.followups f WHERE f.case_id = %s "
            "ORDER BY f.created_at, f.id".encode(), (case_id,)).fetchall())
        return [FollowUp.model_validate(r[0]) for r in rows]

    def save_answer(self, followup_id: str, key: str, value: Any, at: datetime | None = None, *,
                    expected_version: int | None = None) -> int:
        """The answer is saved unless someone else saved the same answer after `expected_version`
        (then AnswerConflict, nothing written); the follow-up's new version."""
        qid, gid = split_key(key)
        stamp = (at or now()).isoformat()
        params = {
            "id": followup_id, "key": key, "qid": qid, "gid": gid, "value": Jsonb(value),
            "stamp": Jsonb(stamp), "at": at or datetime.fromisoformat(stamp), "expected": expected_version,
            "path": ["answers", qid] if gid is None else ["goals", gid, qid],
        }
        query = SAVE.format(answer=ANSWER_TOP if gid is None else ANSWER_GOAL).encode()
        row = self._single(query, params)
        if row is not None:
            held = self._held.get(followup_id)
            if held is not None and time.monotonic() - held > REFRESH_SECONDS:
                self.hold(followup_id)  # working on it: the lease stays fresh
            return int(row[0])
        why = self._one(
            "SELECT f.status, f.data #> %(path)s, f.answer_meta -> %(key)s, f.version, "
            "(SELECT s.display_name FROM uppfoljning.staff s "
            "WHERE s.login = f.answer_meta -> %(key)s ->> 'by') "
            "FROM uppfoljning.followups f WHERE f.id = %(id)s", params)
        if why is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        if why[0] == "final":
            raise FinalizedError(f"follow-up {followup_id} is final and cannot change",
                                 key="err_final", id=followup_id)
        meta = why[2] or {}
        raise AnswerConflict(followup_id, key, value, why[1], why[4] or str(meta.get("by", "")),
                             str(meta.get("at", "")), int(why[3]))

    def finalize(self, followup_id: str, by: str, at: datetime, answers: dict[str, Any],
                 goals: dict[str, dict[str, Any]], *, expected_version: int | None = None) -> FollowUp:
        """Signed by the login's display name (`by` is not trusted here), atomically, and only on the
        version the signer saw when one is named."""

        def run(cur: Cursor) -> FollowUp:
            row = cur.execute(
                f"SELECT {FULL}, f.version, c.data -> 'client' FROM uppfoljning.followups f "
                "JOIN uppfoljning.cases c ON c.id = f.case_id WHERE f.id = %s FOR UPDATE OF f".encode(),
                (followup_id,)).fetchone()
            if row is None:
                raise NotFound(f"no follow-up with id '{followup_id}'",
                               key="err_no_followup", id=followup_id)
            fu = FollowUp.model_validate(row[0])
            if fu.status == "final":
                raise FinalizedError(f"follow-up {followup_id} is already final",
                                     key="err_already_final", id=followup_id)
            if expected_version is not None and int(row[1]) != expected_version:
                raise Conflict(f"follow-up {followup_id} changed after you opened it (version "
                               f"{expected_version}, now {row[1]}); look at it again before signing",
                               key="err_sign_stale", id=followup_id)
            case = Case.model_validate({"client": row[2], "plan": fu.plan.model_dump(mode="json")})
            fu.make_final(self.display_name, at, answers, goals, case.client)
            cur.execute(
                b"UPDATE uppfoljning.followups SET data = %s, status = 'final', version = version + 1, "
                b"updated_at = %s, finalized_at = %s, finalized_by = %s, signed_login = session_user "
                b"WHERE id = %s",
                (_fu_data(fu), fu.updated_at, at, self.display_name, followup_id))
            self._audit(cur, "finalize", fu.case_id, followup_id, version=int(row[1]) + 1)
            stamped = cur.execute(b"SELECT data -> 'approval' FROM uppfoljning.followups WHERE id = %s",
                                  (followup_id,)).fetchone()
            if stamped is not None and stamped[0] is not None:  # the approver, as the server recorded
                fu.approval = Approval.model_validate(stamped[0])
            return fu

        return self._tx(run)

    def acknowledge_hint(self, followup_id: str, hint_key: str) -> None:
        def run(cur: Cursor) -> None:
            row = cur.execute(
                b"UPDATE uppfoljning.followups SET version = version + 1, data = CASE "
                b"WHEN data -> 'acknowledged_hints' ? %(hint)s THEN data "
                b"ELSE jsonb_set(data, '{acknowledged_hints}', coalesce(data -> 'acknowledged_hints', "
                b"'[]'::jsonb) || to_jsonb(%(hint)s::text)) END "
                b"WHERE id = %(id)s AND status = 'draft' RETURNING case_id",
                {"id": followup_id, "hint": hint_key}).fetchone()
            if row is None:
                self._refuse(cur, followup_id)
            else:
                self._audit(cur, "acknowledge_hint", str(row[0]), followup_id, hint=hint_key)

        self._tx(run)

    def _refuse(self, cur: Cursor, followup_id: str) -> None:
        row = cur.execute(b"SELECT status FROM uppfoljning.followups WHERE id = %s",
                          (followup_id,)).fetchone()
        if row is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        raise FinalizedError(f"follow-up {followup_id} is final and cannot change",
                             key="err_final", id=followup_id)

    def add_addendum(self, followup_id: str, addendum: Addendum) -> FollowUp:
        def run(cur: Cursor) -> None:
            row = cur.execute(b"SELECT status, unit, case_id FROM uppfoljning.followups WHERE id = %s "
                              b"FOR SHARE", (followup_id,)).fetchone()
            if row is None:
                raise NotFound(f"no follow-up with id '{followup_id}'",
                               key="err_no_followup", id=followup_id)
            if row[0] != "final":
                raise Conflict(f"follow-up {followup_id} is a draft: change it instead of correcting it",
                           key="err_draft_correct", id=followup_id)
            # The author is who is logged in, whatever name the caller put on it.
            signed = addendum.model_copy(update={"author": self.display_name})
            cur.execute(b"INSERT INTO uppfoljning.addenda (followup_id, unit, data) VALUES (%s, %s, %s)",
                        (followup_id, row[1], Jsonb(signed.model_dump(mode="json"))))
            self._audit(cur, "correct", str(row[2]), followup_id, kind=addendum.kind)

        self._tx(run)
        return self._fetch(followup_id, None)[0]  # the 'correct' entry already says it was touched

    # --- review, work lists and handover ---------------------------------------------------------

    def review_submit(self, followup_id: str, expected_version: int | None = None) -> int:
        """Submit a complete draft (or a returned one) for review; the version submitted."""
        row = self._one("SELECT uppfoljning.review_submit(%s, %s)", (followup_id, expected_version))
        return int(row[0])

    def review_return(self, followup_id: str, comment: str | None = None,
                      question: str | None = None) -> None:
        """Return a submitted follow-up, with its comment, in one transaction."""

        def run(cur: Cursor) -> None:
            cur.execute(b"SELECT uppfoljning.review_return(%s)", (followup_id,))
            if comment:
                self._comment(cur, followup_id, comment, question)

        self._tx(run)

    def review_approve(self, followup_id: str, expected_version: int | None = None,
                       comment: str | None = None, question: str | None = None) -> None:
        def run(cur: Cursor) -> None:
            cur.execute(b"SELECT uppfoljning.review_approve(%s, %s)", (followup_id, expected_version))
            if comment:
                self._comment(cur, followup_id, comment, question)

        self._tx(run)

    def add_review_comment(self, followup_id: str, body: str, question: str | None = None) -> int:
        return int(self._tx(lambda cur: self._comment(cur, followup_id, body, question)))

    def _comment(self, cur: Cursor, followup_id: str, body: str, question: str | None) -> int:
        row = cur.execute(b"INSERT INTO uppfoljning.review_comments (followup_id, unit, question, body) "
                          b"SELECT id, unit, %s, %s FROM uppfoljning.followups WHERE id = %s RETURNING id",
                          (question, body, followup_id)).fetchone()
        if row is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        return int(row[0])

    def review_comments(self, followup_id: str) -> list[ReviewComment]:
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT r.id, r.followup_id, r.question, r.body, r.author, coalesce(s.display_name, r.author), "
            b"r.at FROM uppfoljning.review_comments r LEFT JOIN uppfoljning.staff s ON s.login = r.author "
            b"WHERE r.followup_id = %s ORDER BY r.id", (followup_id,)).fetchall())
        return [ReviewComment(int(r[0]), str(r[1]), r[2], str(r[3]), str(r[4]), str(r[5]), r[6])
                for r in rows]

    def review_state(self, followup_id: str) -> tuple[str, int]:
        """A follow-up's review state and version."""
        row = self._one("SELECT review_state, version FROM uppfoljning.followups WHERE id = %s",
                        (followup_id,))
        if row is None:
            raise NotFound(f"no follow-up with id '{followup_id}'", key="err_no_followup", id=followup_id)
        return str(row[0]), int(row[1])

    def review_submitter(self, followup_id: str) -> str | None:
        """The login that submitted the follow-up for review (None: never submitted)."""
        row = self._one("SELECT submitted_by FROM uppfoljning.followups WHERE id = %s", (followup_id,))
        return None if row is None or row[0] is None else str(row[0])

    def review_required(self, followup_id: str) -> bool:
        """Whether the follow-up's unit wants a supervisor's approval before signing."""
        row = self._one("SELECT uppfoljning.review_required_in(unit) FROM uppfoljning.followups "
                        "WHERE id = %s", (followup_id,))
        return bool(row and row[0])

    def work_rows(self) -> list[WorkRow]:
        """Every follow-up of the login's units with its case's assignment and its review state."""
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT f.id, f.case_id, c.case_ref, coalesce(c.data -> 'client' ->> 'name', ''), c.unit, "
            b"coalesce(c.assigned_to::text, ''), coalesce(s.display_name, c.assigned_to::text, ''), "
            b"f.status, f.review_state, f.data -> 'answers' ->> 'meeting_date', "
            b"f.data -> 'answers' ->> 'next_followup', f.created_at, f.updated_at, "
            b"coalesce(f.submitted_by::text, ''), f.submitted_at, f.version "
            b"FROM uppfoljning.followups f JOIN uppfoljning.cases c ON c.id = f.case_id "
            b"LEFT JOIN uppfoljning.staff s ON s.login = c.assigned_to "
            b"ORDER BY c.case_ref, f.created_at, f.id").fetchall())
        return [WorkRow(*r) for r in rows]

    def staff_names(self) -> dict[str, str]:
        """login -> display name of everyone in the login's units."""
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT login, display_name FROM uppfoljning.staff WHERE units && %s", (self.units,)).fetchall())
        return {str(r[0]): str(r[1]) for r in rows}

    def reassign(self, case_id: str, to_login: str) -> str | None:
        """Hand a case over to another caseworker of its unit; the login it was assigned to before."""
        row = self._one("SELECT uppfoljning.reassign_case(%s, %s)", (case_id, to_login))
        return None if row is None or row[0] is None else str(row[0])

    def unit_requires_review(self, unit: str) -> bool:
        """Whether signing in the unit needs a supervisor's approval first (an unknown unit: no)."""
        row = self._one("SELECT uppfoljning.review_required_in(%s)", (unit,))
        return bool(row and row[0])

    def is_training_unit(self, unit: str) -> bool:
        row = self._one("SELECT training FROM uppfoljning.units WHERE code = %s", (unit,))
        return bool(row and row[0])

    # --- moving a workspace in -----------------------------------------------------------------

    def existing_cases(self, case_ids: list[str]) -> list[str]:
        """Which of these case ids the database holds already (of the units this login sees)."""
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT id FROM uppfoljning.cases WHERE id = ANY (%s) ORDER BY id", (case_ids,)).fetchall())
        return [str(r[0]) for r in rows]

    def import_cases(self, batch: Sequence[MovedCase], forms: Sequence[FormDefinition] = ()) -> None:
        """Cases with their follow-ups exactly as stored elsewhere (ids, times, signatures, client
        snapshots, import marks, addenda) and the forms they were made with (installed unless the
        database has them already), in ONE transaction: all of them or none. Each case's chain
        starts with an 'import_workspace' entry that carries its local audit entries (ids only)."""

        def run(cur: Cursor) -> None:
            store = self.form_store()
            for form in forms:  # FormRefused rolls the whole move back
                store.install_in(cur, form)
            moved = signed = addenda = 0
            for item in batch:
                case = item.case
                cur.execute(
                    b"INSERT INTO uppfoljning.cases (id, unit, case_ref, gender, born, birth_year, data, "
                    b"created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (case.id, item.unit, case.client.case_ref, case.client.gender, _born(case),
                     case.client.birth_year, Jsonb(case.model_dump(mode="json")), case.created_at))
                for fu in item.followups:
                    if fu.case_id != case.id:
                        raise Conflict(f"follow-up {fu.id} belongs to another case",
                                       key="err_other_case", id=fu.id)
                    cur.execute(
                        b"INSERT INTO uppfoljning.followups (id, case_id, unit, status, data, created_at, "
                        b"updated_at, finalized_at, finalized_by) "
                        b"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (fu.id, fu.case_id, item.unit, fu.status, _fu_data(fu), fu.created_at,
                         fu.updated_at, fu.finalized_at, fu.finalized_by))
                    if fu.addenda:
                        cur.executemany(
                            b"INSERT INTO uppfoljning.addenda (followup_id, unit, data) VALUES (%s, %s, %s)",
                            [(fu.id, item.unit, Jsonb(a.model_dump(mode="json"))) for a in fu.addenda])
                    signed += fu.status == "final"
                    addenda += len(fu.addenda)
                moved += len(item.followups)
                self._audit(cur, "import_workspace", case.id, followups=len(item.followups),
                            signed=sum(f.status == "final" for f in item.followups),
                            addenda=sum(len(f.addenda) for f in item.followups),
                            local_log=item.local_log)
            self._audit(cur, "import_workspace", cases=len(batch), followups=moved, signed=signed,
                        addenda=addenda)

        self._tx(run)

    # --- listing and compiling ----------------------------------------------------------------

    def summaries(self) -> list[FollowUpSummary]:
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT f.id, f.case_id, c.case_ref, c.data -> 'client' ->> 'name', c.unit, "
            b"coalesce(nullif(f.data ->> 'caseworker', ''), c.data -> 'client' ->> 'caseworker', ''), "
            b"f.status, f.data -> 'answers' ->> 'meeting_date', f.data -> 'answers' ->> 'next_followup', "
            b"f.data -> 'answers' ->> 'decision', f.updated_at "
            b"FROM uppfoljning.followups f JOIN uppfoljning.cases c ON c.id = f.case_id "
            b"ORDER BY c.case_ref, f.created_at, f.id").fetchall())
        keys = ("id", "case_id", "case_ref", "name", "unit", "caseworker", "status", "meeting_date",
                "next_followup", "decision", "updated_at")
        return [FollowUpSummary.model_validate(dict(zip(keys, r, strict=True))) for r in rows]

    def records(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        with self._conn.transaction(), self._conn.cursor(name="records") as cur:
            cur.itersize = 500
            cur.execute(f"SELECT c.data, coalesce((SELECT jsonb_agg({FULL} ORDER BY f.created_at, f.id) "
                        "FROM uppfoljning.followups f WHERE f.case_id = c.id), '[]'::jsonb) "
                        "FROM uppfoljning.cases c ORDER BY c.id".encode())
            for case, followups in cur:
                yield case, list(followups)

    def _records_of(self, form_id: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """records() of the cases with a follow-up of this form, each case in the unit its row says
        (the unit the joint protection groups by, as the aggregate queries take it)."""
        with self._conn.transaction(), self._conn.cursor(name="records_of") as cur:
            cur.itersize = 500
            cur.execute(f"SELECT jsonb_set(c.data, '{{client,unit}}', to_jsonb(c.unit)), "
                        f"coalesce((SELECT jsonb_agg({FULL} ORDER BY f.created_at, f.id) "
                        "FROM uppfoljning.followups f WHERE f.case_id = c.id), '[]'::jsonb) "
                        "FROM uppfoljning.cases c WHERE EXISTS (SELECT 1 FROM uppfoljning.followups g "
                        "WHERE g.case_id = c.id AND g.data ->> 'form' = %s) ORDER BY c.id".encode(),
                        (form_id,))
            for case, followups in cur:
                yield case, list(followups)

    def compile_report(self, form: FormDefinition, sel: Selection,
                       progress: Callable[[int], None] | None = None) -> Report:
        """The same Report as the local compilation, counted by aggregate queries on the server
        (over the login's units only: row-level security applies to them like to everything).
        A form the organisation installed is compiled from its follow-ups' stored answers by the
        same Python compilation as a workspace's (read under the login's row-level security): the
        coded tables' slots hold only the shipped form's codes."""
        from forms.loader import installed_forms
        from storage.postgres.report import build, compile_rows

        if (form.id, form.version) not in installed_forms():
            from reporting.compile import compile_report

            if self.role == "analyst":  # reads only the coded tables, never a follow-up's answers
                raise NoAccess(f"an analyst cannot compile form {form.id} on the database",
                               key="err_db_form_report_analyst", form=form.id)

            return compile_report(self._records_of(form.id), form, sel, progress)
        rows, slots = self._tx(lambda cur: compile_rows(cur, form, sel))
        return build(rows, form, sel, slots)

    # --- audit --------------------------------------------------------------------------------

    def log(self, action: str, *, case: str | None = None, followup: str | None = None,
            **detail: Any) -> None:
        self._tx(lambda cur: self._audit(cur, action, case, followup, **detail))

    def audit_verify(self) -> tuple[int, list[str]]:
        """Entries checked and every problem found in the chains this login may check."""
        row = self._one("SELECT checked, problems FROM uppfoljning.audit_verify()")
        return int(row[0]), list(row[1])

    def audit_entries(self, case_id: str | None = None) -> list[dict[str, Any]]:
        rows = self._tx(lambda cur: cur.execute(
            b"SELECT chain, seq, at, actor, action, case_id, followup_id, detail FROM uppfoljning.audit "
            b"WHERE %(case)s::text IS NULL OR case_id = %(case)s ORDER BY at, chain, seq",
            {"case": case_id}).fetchall())
        keys = ("chain", "seq", "at", "actor", "action", "case", "followup", "detail")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # --- who has a draft open ----------------------------------------------------------------------

    def hold(self, followup_id: str) -> list[Holder]:
        """This login has the draft open (a lease, made or refreshed); the OTHER logins whose lease on
        it is current, longest-held first. A final follow-up holds no lease (nothing to edit)."""

        def run(cur: Cursor) -> list[Any]:
            cur.execute(b"INSERT INTO uppfoljning.presence (followup_id, unit) SELECT id, unit "
                        b"FROM uppfoljning.followups WHERE id = %s AND status = 'draft' "
                        b"ON CONFLICT (followup_id, login) DO UPDATE SET seen = clock_timestamp()",
                        (followup_id,))
            return self._holders(cur, followup_id)

        rows = self._tx(run)
        self._held[followup_id] = time.monotonic()
        return rows

    def holders(self, followup_id: str) -> list[Holder]:
        """The other logins whose lease on the draft is current."""
        return self._tx(lambda cur: self._holders(cur, followup_id))

    def _holders(self, cur: Cursor, followup_id: str) -> list[Holder]:
        rows = cur.execute(
            b"SELECT coalesce(s.display_name, p.login::text), p.login, p.since, p.seen "
            b"FROM uppfoljning.presence p LEFT JOIN uppfoljning.staff s ON s.login = p.login "
            b"WHERE p.followup_id = %s AND p.login <> session_user "
            b"AND p.seen > clock_timestamp() - make_interval(secs => %s) ORDER BY p.since, p.login",
            (followup_id, LEASE_SECONDS)).fetchall()
        return [Holder(str(r[0]), str(r[1]), r[2], r[3]) for r in rows]

    def release(self, followup_id: str) -> None:
        """This login has closed the draft: its lease goes."""
        self._held.pop(followup_id, None)
        self._tx(lambda cur: cur.execute(
            b"DELETE FROM uppfoljning.presence WHERE followup_id = %s AND login = session_user",
            (followup_id,)))

    def close(self) -> None:
        for followup_id in list(self._held):  # best effort: an unreleased lease runs out by itself
            try:
                self.release(followup_id)
            except StorageError:
                break
        self._conn.close()


def _storage_error(err: psycopg.Error) -> StorageError:
    """What the database refused, as one line a person can act on."""
    text = (err.diag.message_primary or str(err)).strip()
    primary = text.splitlines()[0] if text else type(err).__name__
    hint = err.diag.message_hint or ""
    if hint.startswith(("review_", "reassign_")):  # a refusal the review functions name for the user
        kind, _, arg = hint.partition(":")
        if kind == "review_state":
            return ReviewRefused(primary, key=f"err_review_is_{arg}")
        return ReviewRefused(primary, key=f"err_{kind}", missing=arg.replace(",", ", "))
    if isinstance(err, pg_errors.UniqueViolation):
        return Conflict(f"already stored: {err.diag.message_detail or primary}")
    if isinstance(err, pg_errors.InsufficientPrivilege):
        return NoAccess(f"no access: {primary}")
    if isinstance(err, pg_errors.ForeignKeyViolation):
        return StorageError(f"unknown unit or record: {err.diag.message_detail or primary}")
    if isinstance(err, pg_errors.RaiseException) and "final" in primary:
        return FinalizedError(primary)
    if isinstance(err, psycopg.OperationalError):
        return StorageError(f"the database connection failed: {primary}")
    return StorageError(f"the database refused: {primary}")
