"""Supervisor review, work lists and handover on a real PostgreSQL server: the state machine tried as
each role with direct SQL (the database refuses, not only the program), comments kept to the unit and
out of the record, the approver named in the signed document, handover logged, the lists per role."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from pypdf import PdfReader

from casework import review, worklist
from casework.documents import render_followup
from interview.case import Case, Client, Plan
from interview.casefile import dump_casefile, to_yaml
from interview.followup import FollowUp
from storage.errors import StorageError
from storage.postgres import admin
from storage.postgres.repo import PostgresRepository, ReviewRefused
from tests.helpers import complete_answers
from tests.pgserver import PgServer

SECRET_NOTE = "Skriv om bedömningen, den är för vag"


@pytest.fixture(scope="module")
def more_logins(pg_server: PgServer, pg_db: str) -> None:
    """A supervisor of unit B and a second supervisor of unit A, beside the shared test logins."""
    with pg_server.superuser(pg_db) as conn:
        for login, unit, name in (("sup_b", "B", "Gustav"), ("sup_a2", "A", "Helga")):
            conn.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') "
                         f"THEN CREATE ROLE {login} LOGIN; END IF; END $$")
            admin.grant(conn, login, "supervisor", unit, name)


@pytest.fixture
def db(pg_server: PgServer, pg_clean: str, more_logins: None) -> str:
    """Unit A requires review; unit B does not."""
    with pg_server.superuser(pg_clean) as conn:
        admin.set_unit(conn, "A", review=True, training=False)
        admin.set_unit(conn, "B", review=False)
    return pg_clean


def repo(server: PgServer, db: str, login: str) -> PostgresRepository:
    return PostgresRepository(server.dsn(login, db))


def sql(server: PgServer, db: str, login: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(server.dsn(login, db), autocommit=True)


PLAN = Plan.model_validate({"start": "2026-05-04", "goals": [
    {"id": "g1", "text": "Sköta tvätten", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1}]})


def draft(r: PostgresRepository, ref: str, unit: str, *, complete: bool = True,
          answers: dict[str, Any] | None = None, created: datetime | None = None) -> FollowUp:
    case = Case(client=Client(case_ref=ref, name="Hemlig Person", gender="woman", unit=unit), plan=PLAN)
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=PLAN,
                  **({"created_at": created} if created else {}))
    r.add_case(case, [fu])
    if complete:
        for k, v in {**complete_answers(), **(answers or {})}.items():
            r.save_answer(fu.id, k, v)
        r.save_answer(fu.id, "goals.g1.level", 2)
        r.save_answer(fu.id, "goals.g1.attainment", "partly")
    return fu


def sign(r: PostgresRepository, fid: str) -> FollowUp:
    fu = r.get_followup(fid)
    return r.finalize(fid, "ignored", datetime.now(UTC), fu.answers, fu.goals)


def state(server: PgServer, db: str, fid: str) -> tuple[Any, ...]:
    with server.superuser(db) as conn:
        row = conn.execute("SELECT review_state, approved_by, status FROM uppfoljning.followups "
                           "WHERE id = %s", (fid,)).fetchone()
    assert row is not None
    return tuple(row)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


# --- the whole round: submit, return with a comment, revise, resubmit, approve, sign ---------------


def test_review_round_ends_in_a_document_naming_signer_and_approver(pg_server: PgServer, db: str) -> None:
    cw, sup = repo(pg_server, db, "cw_a"), repo(pg_server, db, "sup_a")
    fu = draft(cw, "A-1", "A")
    with pytest.raises(ReviewRefused) as no:  # unit A requires review: no signing straight away
        sign(cw, fu.id)
    assert no.value.key == "err_review_not_approved"
    review.submit(cw, fu.id)
    review.return_(sup, fu.id, SECRET_NOTE, "assessment")
    review.comment(sup, fu.id, "Och datumet för nästa uppföljning?")
    notes = review.comments(cw, fu.id)
    assert [(n.question, n.body, n.author, n.author_name) for n in notes] == [
        ("assessment", SECRET_NOTE, "sup_a", "Doris"), (None, "Och datumet för nästa uppföljning?",
                                                        "sup_a", "Doris")]
    assert set(review.by_question(notes)) == {"assessment", None}
    assert state(pg_server, db, fu.id) == ("returned", None, "draft")
    cw.save_answer(fu.id, "assessment", "Tydligare bedömning.")
    review.submit(cw, fu.id)
    review.approve(sup, fu.id)
    assert state(pg_server, db, fu.id) == ("approved", "sup_a", "draft")
    signed = sign(cw, fu.id)
    assert signed.approval is not None and signed.approval.by == "Doris"
    assert state(pg_server, db, fu.id) == ("signed", "sup_a", "final")
    stored = cw.get_followup(fu.id)
    assert stored.finalized_by == "Anna" and stored.approval is not None
    assert stored.approval.login == "sup_a"
    text = pdf_text(render_followup(cw, cw.settings, fu.id, "sv"))
    assert "Signerad av Anna" in text and "Godkänd av Doris" in text
    assert SECRET_NOTE not in text and "datumet för nästa" not in text
    case = cw.get_case(fu.case_id)
    export = to_yaml(dump_casefile(case.client, stored, cw.form(stored.form, stored.form_version),
                                   as_json=False))
    assert SECRET_NOTE not in export and "datumet för nästa" not in export
    actions = [e["action"] for e in sup.audit_entries(fu.case_id)]
    for expected in ("review_submit", "review_return", "review_comment", "review_approve", "finalize"):
        assert expected in actions
    assert actions.count("review_comment") == 2 and actions.count("review_submit") == 2
    cw.close()
    sup.close()


def test_a_unit_without_review_signs_directly_and_names_nobody_else(pg_server: PgServer, db: str) -> None:
    cw = repo(pg_server, db, "cw_b")
    fu = draft(cw, "B-1", "B")
    signed = sign(cw, fu.id)
    assert signed.approval is None
    assert "Godkänd av" not in pdf_text(render_followup(cw, cw.settings, fu.id, "sv"))
    cw.close()


# --- forbidden transitions, as each role, with direct SQL -----------------------------------------


def submitted(pg_server: PgServer, db: str, ref: str) -> str:
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, ref, "A")
    review.submit(cw, fu.id)
    cw.close()
    return fu.id


def test_caseworkers_never_approve_nor_write_review_columns(pg_server: PgServer, db: str) -> None:
    fid = submitted(pg_server, db, "A-2")
    with sql(pg_server, db, "cw_a") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a supervisor"):
            conn.execute("SELECT uppfoljning.review_approve(%s)", (fid,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a supervisor"):
            conn.execute("SELECT uppfoljning.review_return(%s)", (fid,))
        for column, value in (("review_state", "approved"), ("approved_by", "cw_a"),
                              ("submitted_version", "99"), ("approved_at", "now()")):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"UPDATE uppfoljning.followups SET {column} = %s WHERE id = %s", (value, fid))
        with pytest.raises(psycopg.errors.RaiseException, match="review required"):  # signing submitted
            conn.execute("UPDATE uppfoljning.followups SET status = 'final' WHERE id = %s", (fid,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor reassign by writing the column
            conn.execute("UPDATE uppfoljning.cases SET assigned_to = 'cw_a2'")
        # a signed follow-up cannot be slipped into a unit that requires review
        with pytest.raises(psycopg.errors.RaiseException, match="review required"):
            conn.execute(
                "INSERT INTO uppfoljning.followups (id, case_id, unit, status, data, created_at, updated_at) "
                "SELECT 'forged', case_id, unit, 'final', data, now(), now() FROM uppfoljning.followups "
                "WHERE id = %s", (fid,))
    assert state(pg_server, db, fid) == ("submitted", None, "draft")
    # analysts and admins are no reviewers: the functions are not theirs to call
    for login in ("ana", "adm"):
        with sql(pg_server, db, login) as conn:
            for fn in ("review_approve", "review_return", "review_submit"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"SELECT uppfoljning.{fn}(%s)", (fid,))
    assert state(pg_server, db, fid) == ("submitted", None, "draft")


def test_a_supervisor_of_another_unit_finds_nothing_to_review(pg_server: PgServer, db: str) -> None:
    fid = submitted(pg_server, db, "A-3")
    with sql(pg_server, db, "sup_b") as conn:
        for fn in ("review_approve", "review_return"):
            with pytest.raises(psycopg.errors.NoDataFound, match="no follow-up"):
                conn.execute(f"SELECT uppfoljning.{fn}(%s)", (fid,))
        assert conn.execute("UPDATE uppfoljning.followups SET status = 'final' WHERE id = %s",
                            (fid,)).rowcount == 0
    assert state(pg_server, db, fid) == ("submitted", None, "draft")


def test_states_that_cannot_be_approved_returned_or_signed(pg_server: PgServer, db: str) -> None:
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-4", "A")
    with sql(pg_server, db, "sup_a") as sup, sql(pg_server, db, "cw_a") as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="is draft: it cannot be approved"):
            sup.execute("SELECT uppfoljning.review_approve(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="is draft: it cannot be returned"):
            sup.execute("SELECT uppfoljning.review_return(%s)", (fu.id,))
        conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="is submitted: it cannot be submitted"):
            conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
        sup.execute("SELECT uppfoljning.review_return(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match=r"review required: .* is returned"):
            conn.execute("UPDATE uppfoljning.followups SET status = 'final' WHERE id = %s", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="is returned: it cannot be approved"):
            sup.execute("SELECT uppfoljning.review_approve(%s)", (fu.id,))
        conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
        sup.execute("SELECT uppfoljning.review_approve(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="is approved: it cannot be approved"):
            sup.execute("SELECT uppfoljning.review_approve(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="is approved: it cannot be submitted"):
            conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
    sign(cw, fu.id)
    with sql(pg_server, db, "sup_a") as sup:
        for fn in ("review_approve", "review_return"):
            with pytest.raises(psycopg.errors.RaiseException, match="is signed"):
                sup.execute(f"SELECT uppfoljning.{fn}(%s)", (fu.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="review is over"):
            sup.execute("INSERT INTO uppfoljning.review_comments (followup_id, unit, body) "
                        "VALUES (%s, 'A', 'sent')", (fu.id,))
    # not even the superuser (who bypasses privileges) skips a step of the graph
    fu2 = draft(cw, "A-5", "A")
    with pg_server.superuser(db) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="cannot go from draft to approved"):
            conn.execute("UPDATE uppfoljning.followups SET review_state = 'approved', approved_by = 'x', "
                         "approved_at = now() WHERE id = %s", (fu2.id,))
        with pytest.raises(psycopg.errors.RaiseException, match="cannot go from draft to signed"):
            conn.execute("UPDATE uppfoljning.followups SET review_state = 'signed' WHERE id = %s", (fu2.id,))
    cw.close()


def test_a_changed_draft_is_never_approved_and_an_edit_undoes_approval(pg_server: PgServer, db: str) -> None:
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-6", "A")
    review.submit(cw, fu.id)
    _, seen = cw.review_state(fu.id)
    # the caseworker changes it after submission, with direct SQL: it is a draft again
    with sql(pg_server, db, "cw_a") as conn:
        conn.execute("UPDATE uppfoljning.followups SET data = jsonb_set(data, '{answers,assessment}', "
                     "'\"Ändrad i smyg\"') WHERE id = %s", (fu.id,))
    assert state(pg_server, db, fu.id)[0] == "draft"
    with sql(pg_server, db, "sup_a") as sup, pytest.raises(psycopg.errors.RaiseException, match="is draft"):
        sup.execute("SELECT uppfoljning.review_approve(%s, %s)", (fu.id, seen))
    # resubmitted: the supervisor who read the old version cannot approve the new one
    review.submit(cw, fu.id)
    cw.save_answer(fu.id, "assessment", "Ändrad igen")  # a draft again
    review.submit(cw, fu.id)
    with sql(pg_server, db, "sup_a") as sup:
        with pytest.raises(psycopg.errors.RaiseException, match="changed after it was submitted or read"):
            sup.execute("SELECT uppfoljning.review_approve(%s, %s)", (fu.id, seen))
        sup.execute("SELECT uppfoljning.review_approve(%s)", (fu.id,))
    assert state(pg_server, db, fu.id) == ("approved", "sup_a", "draft")
    # editing an approved follow-up takes it back to a draft, approval gone; signing is refused
    cw.save_answer(fu.id, "assessment", "Efter godkännandet")
    assert state(pg_server, db, fu.id) == ("draft", None, "draft")
    with pytest.raises(ReviewRefused):
        sign(cw, fu.id)
    with sql(pg_server, db, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException,
                                                           match="review required"):
        conn.execute("UPDATE uppfoljning.followups SET status = 'final' WHERE id = %s", (fu.id,))
    cw.close()


def test_nobody_approves_their_own_submission_and_only_complete_drafts_go_in(pg_server: PgServer,
                                                                             db: str) -> None:
    sup = repo(pg_server, db, "sup_a")
    fu = draft(sup, "A-7", "A")
    review.submit(sup, fu.id)
    with pytest.raises(ReviewRefused) as own:
        review.approve(sup, fu.id)
    assert own.value.key == "err_review_own"
    cw = repo(pg_server, db, "cw_a")
    empty = draft(cw, "A-8", "A", complete=False)
    with pytest.raises(review.ReviewError) as gaps:
        review.submit(cw, empty.id)
    assert gaps.value.key == "err_review_incomplete" and "meeting_date" in str(gaps.value)
    with sql(pg_server, db, "cw_a") as conn, pytest.raises(  # the server checks too, past the program
            psycopg.errors.RaiseException, match=r"not complete: .*meeting_date"):
        conn.execute("SELECT uppfoljning.review_submit(%s)", (empty.id,))
    assert state(pg_server, db, empty.id)[0] == "draft"
    cw.close()
    sup.close()


# --- comments: the unit only, append-only, author from the server ---------------------------------


def test_comments_stay_in_the_unit_and_never_change(pg_server: PgServer, db: str) -> None:
    fid = submitted(pg_server, db, "A-9")
    sup = repo(pg_server, db, "sup_a")
    review.return_(sup, fid, SECRET_NOTE, "assessment")
    with sql(pg_server, db, "cw_a") as conn:  # a forged author is replaced by the login
        conn.execute("INSERT INTO uppfoljning.review_comments (followup_id, unit, body, author, at) "
                     "VALUES (%s, 'A', 'svar', 'sup_a', '2000-01-01')", (fid,))
        rows = conn.execute("SELECT author, at > now() - interval '1 hour' FROM uppfoljning.review_comments "
                            "ORDER BY id").fetchall()
        assert rows == [("sup_a", True), ("cw_a", True)]
        for stmt in ("UPDATE uppfoljning.review_comments SET body = 'x'",
                     "DELETE FROM uppfoljning.review_comments", "TRUNCATE uppfoljning.review_comments"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt)
    for login in ("cw_b", "sup_b"):
        with sql(pg_server, db, login) as conn:
            assert conn.execute("SELECT count(*) FROM uppfoljning.review_comments").fetchone() == (0,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO uppfoljning.review_comments (followup_id, unit, body) "
                             "VALUES (%s, 'A', 'x')", (fid,))
    with sql(pg_server, db, "ana") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT body FROM uppfoljning.review_comments")
    with pg_server.superuser(db) as conn:  # the audit knows of each comment, without its text
        details = [str(r[0]) for r in conn.execute(
            "SELECT detail FROM uppfoljning.audit WHERE action = 'review_comment'").fetchall()]
    assert len(details) == 2 and not any(SECRET_NOTE in d for d in details)
    sup.close()


def test_erasing_a_case_takes_its_review_comments_with_it(pg_server: PgServer, db: str) -> None:
    fid = submitted(pg_server, db, "A-ERASE")
    sup = repo(pg_server, db, "sup_a")
    review.return_(sup, fid, SECRET_NOTE)
    case_id = sup.get_followup(fid).case_id
    sup.erase_case(case_id)  # comments cannot be deleted by anyone, but an erased case leaves none
    with pg_server.superuser(db) as conn:
        assert conn.execute("SELECT count(*) FROM uppfoljning.review_comments").fetchone() == (0,)
    sup.close()


# --- handover ------------------------------------------------------------------------------------


def test_reassignment_within_the_unit_is_logged(pg_server: PgServer, db: str) -> None:
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-10", "A", complete=False)
    assert cw.work_rows()[0].assigned_to == "cw_a"
    assert cw.reassign(fu.case_id, "cw_a2") == "cw_a"
    with pytest.raises(ReviewRefused) as err:  # no longer theirs to hand over
        cw.reassign(fu.case_id, "cw_a")
    assert err.value.key == "err_reassign_not_yours"
    other = repo(pg_server, db, "cw_a2")
    with pytest.raises(ReviewRefused) as err:  # never to another unit's caseworker
        other.reassign(fu.case_id, "cw_b")
    assert err.value.key == "err_reassign_not_staff"
    with pytest.raises(StorageError):
        repo(pg_server, db, "cw_b").reassign(fu.case_id, "cw_b")
    sup = repo(pg_server, db, "sup_a")
    sup.reassign(fu.case_id, "cw_a")
    entries = [(e["actor"], e["detail"]) for e in sup.audit_entries(fu.case_id) if e["action"] == "reassign"]
    assert entries == [("cw_a", {"from": "cw_a", "to": "cw_a2"}), ("sup_a", {"from": "cw_a2", "to": "cw_a"})]
    assert sup.audit_verify()[1] == []
    for r in (cw, other, sup):
        r.close()


# --- the work lists, per role ------------------------------------------------------------------


def test_work_lists_for_caseworker_and_supervisor(pg_server: PgServer, db: str) -> None:
    today = date.today()
    with pg_server.superuser(db) as conn:  # signed history first, without review
        admin.set_unit(conn, "A", review=False)
    cw, cw2 = repo(pg_server, db, "cw_a"), repo(pg_server, db, "cw_a2")

    def signed_case(r: PostgresRepository, ref: str, next_in: int) -> str:
        fu = draft(r, ref, "A", answers={"next_followup": (today + timedelta(days=next_in)).isoformat()})
        sign(r, fu.id)
        return fu.id

    overdue = signed_case(cw, "A-OVER", -3)
    soon = signed_case(cw, "A-SOON", 10)
    signed_case(cw, "A-LATER", 40)
    theirs = signed_case(cw2, "A-THEIRS", -1)
    with pg_server.superuser(db) as conn:
        admin.set_unit(conn, "A", review=True)
    draft(cw, "A-DRAFT", "A", complete=False, created=datetime.now(UTC) - timedelta(days=30))
    returned = draft(cw, "A-RET", "A")
    review.submit(cw, returned.id)
    sup = repo(pg_server, db, "sup_a")
    review.return_(sup, returned.id, "mer", None)
    waiting = draft(cw2, "A-WAIT", "A")
    review.submit(cw2, waiting.id)
    draft(repo(pg_server, db, "cw_b"), "B-X", "B")  # another unit: on nobody's list here

    mine = worklist.my_list(cw.work_rows(), "cw_a", "caseworker", today)
    assert [(i.kind, i.row.case_ref) for i in mine] == [
        ("returned", "A-RET"), ("overdue", "A-OVER"), ("draft", "A-DRAFT"), ("due", "A-SOON")]
    assert {i.row.id for i in mine if i.kind in ("overdue", "due")} == {overdue, soon}
    theirs_list = worklist.my_list(cw2.work_rows(), "cw_a2", "caseworker", today)
    assert [(i.kind, i.row.case_ref) for i in theirs_list] == [("overdue", "A-THEIRS"),
                                                               ("submitted", "A-WAIT")]
    assert theirs_list[0].row.id == theirs
    sup_list = worklist.my_list(sup.work_rows(), "sup_a", "supervisor", today)
    assert [(i.kind, i.row.case_ref) for i in sup_list] == [("review", "A-WAIT")]
    view = {v.login: v for v in worklist.unit_view(sup.work_rows(), today, draft_days=14)}
    assert set(view) == {"cw_a", "cw_a2"}
    assert [i.row.case_ref for i in view["cw_a"].overdue] == ["A-OVER"]
    assert [i.row.case_ref for i in view["cw_a"].old_drafts] == ["A-DRAFT"]
    assert view["cw_a"].awaiting_review == [] and view["cw_a"].name == "Anna"
    assert [i.row.case_ref for i in view["cw_a2"].awaiting_review] == ["A-WAIT"]
    assert [i.row.case_ref for i in view["cw_a2"].overdue] == ["A-THEIRS"]
    # the other unit's supervisor sees none of it
    assert repo(pg_server, db, "sup_b").work_rows()[0].case_ref == "B-X"
    assert len(repo(pg_server, db, "sup_b").work_rows()) == 1


# --- two supervisors at once -------------------------------------------------------------------


def test_two_supervisors_at_once_exactly_one_wins(pg_server: PgServer, db: str) -> None:
    for n in range(8):
        fid = submitted(pg_server, db, f"A-RACE-{n}")
        start = threading.Barrier(2)
        won: list[str] = []
        lost: list[str] = []

        def act(login: str, fn: str, fid: str = fid, start: threading.Barrier = start,
                won: list[str] = won, lost: list[str] = lost) -> None:
            with sql(pg_server, db, login) as conn:
                start.wait()
                try:
                    conn.execute(f"SELECT uppfoljning.{fn}(%s)", (fid,))
                    won.append(fn)
                except psycopg.errors.RaiseException as err:
                    lost.append(str(err))

        threads = [threading.Thread(target=act, args=("sup_a", "review_approve")),
                   threading.Thread(target=act, args=("sup_a2", "review_return"))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert len(won) == 1 and len(lost) == 1, (won, lost)
        final = state(pg_server, db, fid)[0]
        assert final == ("approved" if won == ["review_approve"] else "returned")
        assert f"is {final}: it cannot be" in lost[0]


def test_a_save_racing_an_approval_never_leaves_an_approval_of_another_version(pg_server: PgServer,
                                                                              db: str) -> None:
    """The caseworker saves while the supervisor approves: either the approval comes first and the save
    takes it back to a draft, or the save comes first and the approval is refused; never an approved
    follow-up whose content is not the one submitted."""
    for n in range(12):
        fid = submitted(pg_server, db, f"A-SAVE-{n}")
        start = threading.Barrier(2)
        approved: list[bool] = []

        def save(fid: str = fid, start: threading.Barrier = start, n: int = n) -> None:
            r = repo(pg_server, db, "cw_a")
            start.wait()
            r.save_answer(fid, "assessment", f"ändrad {n}")
            r.close()

        def approve(fid: str = fid, start: threading.Barrier = start,
                    approved: list[bool] = approved) -> None:
            with sql(pg_server, db, "sup_a") as conn:
                start.wait()
                try:
                    conn.execute("SELECT uppfoljning.review_approve(%s)", (fid,))
                    approved.append(True)
                except psycopg.errors.RaiseException:
                    approved.append(False)

        threads = [threading.Thread(target=save), threading.Thread(target=approve)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        with pg_server.superuser(db) as conn:
            row = conn.execute("SELECT review_state, approved_by, version, submitted_version, "
                               "data -> 'answers' ->> 'assessment' FROM uppfoljning.followups "
                               "WHERE id = %s", (fid,)).fetchone()
        assert row is not None
        assert row[4] == f"ändrad {n}"  # the save is never lost
        assert row[:2] == ("draft", None), row  # whichever came first, the edit leaves no approval
        assert len(approved) == 1
