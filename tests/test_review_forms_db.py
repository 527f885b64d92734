"""Review on the shared database beyond the standard form (migration 0008): a follow-up of an installed
form goes round the review, the server checks it against its own form exactly as the program does
(compared on random answers), the migration upgrades a database at 0007 holding data and rolls back
whole; `review approve --version` refuses an approval of a version the supervisor did not read; a
case number two cases share is refused, never resolved to one of them; imports refuse training files
in real units and let only a unit's supervisors bring a signature past its review."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from casework import review
from casework.documents import render_followup
from forms.loader import bundled_form, parse_form
from forms.schema import FormDefinition
from forms.versions import canonical
from interview.case import Case, Client, Plan
from interview.casefile import dump_casefile, to_yaml
from interview.engine import Interview
from interview.followup import FollowUp
from language import describe
from storage.errors import Ambiguous, StorageError
from storage.maintenance import open_repository
from storage.postgres import admin
from storage.postgres.repo import PostgresRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.helpers import complete_answers
from tests.pgserver import LOGINS, PgServer
from tests.test_review_db import PLAN, db, draft, more_logins, pdf_text, repo, sign, sql, state  # noqa: F401
from tui.cli import main


def T(sv: str, en: str | None = None) -> dict[str, str]:
    return {"sv": sv, "en": en or sv}


def q(qid: str, kind: str, sv: str, en: str, **kw: Any) -> dict[str, Any]:
    return {"id": qid, "type": kind, "label": T(sv, en), "help": T("Hjälp", "Help"), **kw}


YN = [{"code": "yes", "label": T("Ja", "Yes")}, {"code": "no", "label": T("Nej", "No")}]
# Every kind of condition the form format has, on required and on asked questions, top level and per
# goal: what the server must replay to agree with the program.
FORM: dict[str, Any] = {
    "id": "boende-egen", "version": 1, "title": T("Uppföljning boende", "Housing follow-up"),
    "sections": [
        {"id": "meeting", "title": T("Mötet", "Meeting"), "questions": [
            q("meeting_date", "date", "Datum för mötet", "Date of the meeting", required=True),
            q("age", "integer", "Ålder", "Age", required=True),
            q("housed", "choice", "Har klienten en bostad?", "Does the client have a home?", required=True,
              choices=YN),
            q("landlord", "text", "Hyresvärd", "Landlord", required=True,
              when={"equals": {"question": "housed", "value": "yes"}}),
            q("risks", "multi", "Risker", "Risks", choices=[{"code": "debt", "label": T("Skulder", "Debt")},
                                                            {"code": "noise", "label": T("Störningar", "Noise")}]),
            q("debt_amount", "decimal", "Skuldens storlek", "Size of the debt",
              required={"in": {"question": "risks", "values": ["debt"]}}),
            q("guardian", "text", "Vårdnadshavare", "Guardian", required=True,
              when={"compare": {"question": "age", "op": "<", "value": 18}}),
            q("evicted", "bool", "Vräkningshotad", "Threatened with eviction"),
            q("eviction_plan", "text", "Plan mot vräkning", "Plan against eviction",
              required={"all": [{"equals": {"question": "evicted", "value": True}},
                                {"not": {"answered": "guardian"}}]}),
        ]},
        {"id": "goals", "title": T("Mål", "Goals"), "per_goal": True, "questions": [
            q("met", "choice", "Har målet uppnåtts?", "Has the goal been met?", required=True, choices=YN),
            q("why_not", "text", "Varför inte?", "Why not?",
              required={"any": [{"equals": {"question": "met", "value": "no"}}, {"goal_scaled": True}]}),
        ]},
        {"id": "end", "title": T("Bedömning", "Assessment"), "questions": [
            q("assessment", "text", "Samlad bedömning", "Overall assessment", required=True),
        ]},
    ],
}
CUSTOM = parse_form(FORM)
GOALS = Plan.model_validate({"start": "2026-05-04", "goals": [
    {"id": "g1", "text": "Behålla bostaden", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1},
    {"id": "g1a", "text": "Betala hyran", "life_area": "d6", "parent": "g1"}]})
COMPLETE: dict[str, Any] = {
    "meeting_date": "2026-11-18", "age": 40, "housed": "yes", "landlord": "Bostadsbolaget",
    "risks": ["debt"], "debt_amount": 1200.5, "evicted": False, "assessment": "Stabilt.",
    "goals.g1.met": "yes", "goals.g1.why_not": "Skalan kräver det.", "goals.g1a.met": "yes"}


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def as_(server: PgServer, db: str, login: str, lang: str = "sv") -> list[str]:  # noqa: F811
    return ["--database", server.dsn(login, db), "--lang", lang]


def install(server: PgServer, db: str) -> None:  # noqa: F811
    r = repo(server, db, "adm")
    r.form_store().install(CUSTOM)
    r.close()


def custom_draft(r: PostgresRepository, ref: str, answers: dict[str, Any], unit: str = "A") -> FollowUp:
    case = Case(client=Client(case_ref=ref, name="Påhittad Person", gender="man", unit=unit), plan=GOALS)
    fu = FollowUp(case_id=case.id, form=CUSTOM.id, form_version=1, plan=GOALS)
    r.add_case(case, [fu])
    for key, value in answers.items():
        r.save_answer(fu.id, key, value)
    return fu


# --- 1. a follow-up of an installed form goes round the review --------------------------------------


def test_a_custom_form_followup_is_submitted_returned_approved_and_signed(
        pg_server: PgServer, db: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    install(pg_server, db)
    cw = repo(pg_server, db, "cw_a")
    gaps = {k: v for k, v in COMPLETE.items() if k not in ("landlord", "goals.g1.why_not")}
    fu = custom_draft(cw, "A-EGEN", gaps)
    # the program names what is missing by its label, in the user's language, on one line
    code, out, err = cli(capsys, *as_(pg_server, db, "cw_a"), "review", "submit", fu.id)
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert "Hyresvärd (landlord)" in err and "Varför inte? – Behålla bostaden (goals.g1.why_not)" in err
    code, _, err = cli(capsys, *as_(pg_server, db, "cw_a", "en"), "review", "submit", fu.id)
    assert code == 1 and "Landlord (landlord)" in err and len(err.splitlines()) == 1
    # the server, asked past the program, refuses the same, by label, in one line
    with sql(pg_server, db, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException) as no:
        conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
    primary = no.value.diag.message_primary or ""
    assert '"Hyresvärd" (landlord)' in primary and '"Varför inte?" (goals.g1.why_not)' in primary
    assert "\n" not in primary and no.value.diag.message_hint == "review_incomplete:landlord,goals.g1.why_not"
    assert state(pg_server, db, fu.id)[0] == "draft"
    # ... and when the program's own check is skipped, the server's refusal reads the same
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(review, "missing", lambda *_: [])
        with pytest.raises(review.ReviewError) as again:
            review.submit(cw, fu.id, "en")
    assert describe(again.value, "en").endswith("Landlord (landlord), Why not? – Behålla bostaden "
                                                "(goals.g1.why_not)")
    for key in ("landlord", "goals.g1.why_not"):
        cw.save_answer(fu.id, key, COMPLETE[key])
    code, out, err = cli(capsys, *as_(pg_server, db, "cw_a"), "review", "submit", fu.id)
    assert code == 0, err
    sup = as_(pg_server, db, "sup_a")
    code, _, err = cli(capsys, *sup, "review", "return", fu.id, "--comment", "Vem äger huset?",
                       "--question", "landlord")
    assert code == 0, err
    cw.save_answer(fu.id, "landlord", "Kommunens bostadsbolag")
    assert review.submit(cw, fu.id).version == cw.review_state(fu.id)[1]
    code, out, _ = cli(capsys, *sup, "review", "list", "--format", "json")
    version = next(x["version"] for x in json.loads(out) if x["id"] == fu.id)
    code, out, err = cli(capsys, *sup, "review", "approve", fu.id, "--version", str(version))
    assert (code, err) == (0, "") and out == f"Uppföljningen {fu.id} är godkänd i version {version} och kan signeras.\n"
    signed = sign(cw, fu.id)
    assert signed.status == "final" and signed.approval is not None and signed.approval.by == "Doris"
    assert state(pg_server, db, fu.id) == ("signed", "sup_a", "final")
    cw.close()


def test_the_server_refuses_a_followup_of_a_form_it_does_not_have(
        pg_server: PgServer, db: str) -> None:  # noqa: F811
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-NOFORM", "A")
    with pg_server.superuser(db) as conn:  # a follow-up naming a form the database has never had
        conn.execute("UPDATE uppfoljning.followups SET data = data || '{\"form\": \"okand\"}' WHERE id = %s",
                     (fu.id,))
    with sql(pg_server, db, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException,
                                                           match="which the database does not have"):
        conn.execute("SELECT uppfoljning.review_submit(%s)", (fu.id,))
    assert state(pg_server, db, fu.id)[0] == "draft"
    cw.close()


# --- the server's check is the program's check --------------------------------------------------


def _random_value(rng: random.Random, question: Any) -> Any:
    odd = rng.choice([None, "", [], True, 0, 1, "yes", "no", 17, 40.5, ["debt"], ["noise", "debt"]])
    if rng.random() < 0.3:
        return odd
    kind = question.type
    if kind in ("choice", "multi"):
        codes = [c.code for c in question.choices]
        return rng.choice(codes) if kind == "choice" else rng.sample(codes, rng.randint(0, len(codes)))
    return {"integer": rng.randint(0, 30), "decimal": rng.uniform(-5, 5), "bool": rng.random() < 0.5,
            "date": "2026-11-18", "level": rng.randint(0, 4)}.get(kind, rng.choice(["", "text", "x y"]))


def _random_followup(rng: random.Random, form: FormDefinition) -> tuple[Plan, dict[str, Any],
                                                                          dict[str, dict[str, Any]]]:
    goals: list[dict[str, Any]] = []
    for n in range(rng.randint(0, 4)):
        parent = rng.choice([None, *[g["id"] for g in goals]]) if goals else None
        scale = rng.choice(["none", "icf", "gas"])
        goal: dict[str, Any] = {"id": f"g{n}", "text": f"Mål {n}", "life_area": "d6", "scale": scale,
                                "parent": parent}
        if scale == "icf":
            goal.update(baseline=3, target=1)
        elif scale == "gas":
            goal.update(baseline=-1)
        goals.append(goal)
    plan = Plan.model_validate({"start": "2026-05-04", "goals": goals})
    answers: dict[str, Any] = {}
    per_goal: dict[str, dict[str, Any]] = {}
    for section, question in form.questions():
        if section.per_goal:
            for g in goals:
                if rng.random() < 0.7:
                    per_goal.setdefault(g["id"], {})[question.id] = _random_value(rng, question)
        elif rng.random() < 0.75:
            answers[question.id] = _random_value(rng, question)
    return plan, answers, per_goal


@pytest.mark.parametrize("which", ["custom", "standard-1", "standard-2"])
def test_the_server_finds_exactly_the_missing_answers_the_program_finds(
        pg_server: PgServer, db: str, which: str) -> None:  # noqa: F811
    form = CUSTOM if which == "custom" else bundled_form("standard-uppfoljning", int(which[-1]))
    rng = random.Random(f"0008-{which}")
    content = Jsonb(json.loads(canonical(form)))
    disagreements = []
    with pg_server.superuser(db) as conn:
        for _ in range(400):
            plan, answers, goals = _random_followup(rng, form)
            fu = FollowUp(case_id="c", form=form.id, form_version=form.version, plan=plan, answers=answers,
                          goals=goals)
            expected = [s.key for s in Interview(form, plan, answers, goals).missing_required()]
            got = [r[0] for r in conn.execute("SELECT key FROM uppfoljning.followup_missing(%s, %s)",
                                              (Jsonb(fu.model_dump(mode="json")), content)).fetchall()]
            if got != expected:
                disagreements.append((answers, goals, expected, got))
    assert not disagreements, disagreements[:3]


# --- the migration: on a database at 0007 holding data, all or nothing, once ------------------------


def test_migration_0008_upgrades_a_database_at_0007_with_data_and_rolls_back_whole(
        pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "t_upgrade_0008"
    shipped = admin.migrations()
    assert shipped[-1].name == "0008_review_forms"
    with pg_server.superuser() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    pg_server.databases.append(name)
    monkeypatch.setattr(admin, "migrations", lambda: [m for m in shipped if m.version <= 7])
    with pg_server.superuser(name) as conn:
        admin.upgrade(conn, init=True)
        for login, (display, role, units) in LOGINS.items():
            for unit in units:
                admin.grant(conn, login, role, unit, display)
        admin.set_unit(conn, "A", review=True)
    install(pg_server, name)
    cw = repo(pg_server, name, "cw_a")
    egen = custom_draft(cw, "A-0007", COMPLETE)
    std = draft(cw, "A-STD", "A")
    # what 0007 did: the standard form's questions, whatever the follow-up's form
    with sql(pg_server, name, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException,
                                                             match=r"not complete: .*still_in_need"):
        conn.execute("SELECT uppfoljning.review_submit(%s)", (egen.id,))
    # a failing 0008 leaves the database exactly at 0007: no table, no function changed
    broken = admin.Migration(8, "0008_review_forms", shipped[-1].sql + "\nSELECT 1 / 0;\n")
    monkeypatch.setattr(admin, "migrations", lambda: [*[m for m in shipped if m.version <= 7], broken])
    with pg_server.superuser(name) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            admin.upgrade(conn)
        assert conn.execute("SELECT max(version) FROM uppfoljning.schema_migrations").fetchone() == (7,)
        assert conn.execute("SELECT to_regclass('uppfoljning.bundled_forms')").fetchone() == (None,)
        assert conn.execute("SELECT to_regproc('uppfoljning.followup_missing')").fetchone() == (None,)
    with sql(pg_server, name, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException,
                                                             match=r"not complete: .*still_in_need"):
        conn.execute("SELECT uppfoljning.review_submit(%s)", (egen.id,))
    monkeypatch.setattr(admin, "migrations", lambda: shipped)
    with pg_server.superuser(name) as conn:
        assert admin.upgrade(conn) == ["0008_review_forms"]
        assert admin.upgrade(conn) == []  # once: a second upgrade changes nothing
        status = admin.status(conn)
        assert not status.pending and not status.changed
        assert {r[0] for r in conn.execute("SELECT id FROM uppfoljning.bundled_forms").fetchall()} == {
            "standard-uppfoljning"}
    # the data stored at 0007 goes round the review on 0008, both forms
    for fu in (egen, std):
        review.submit(cw, fu.id)
        review.approve(repo(pg_server, name, "sup_a"), fu.id)
        assert sign(cw, fu.id).approval is not None
    cw.close()


# --- 3. approve names the version read ----------------------------------------------------------------


def test_approve_version_refuses_a_version_the_supervisor_did_not_read(
        pg_server: PgServer, db: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-READ", "A")
    review.submit(cw, fu.id)
    _, read = cw.review_state(fu.id)
    cw.save_answer(fu.id, "assessment", "Ändrad efter läsningen")  # a draft again, then resubmitted
    review.submit(cw, fu.id)
    _, now = cw.review_state(fu.id)
    assert now > read
    sup = as_(pg_server, db, "sup_a")
    code, out, _ = cli(capsys, *sup, "review", "list")  # the version a supervisor names is listed
    assert out.splitlines()[0].split()[:4] == ["ID", "Ärende", "Status", "Version"], out
    assert out.splitlines()[1].split()[:4] == [fu.id, "A-READ", "inskickad", str(now)], out
    for lang, words in (("sv", f"du läste version {read}, men uppföljningen är nu version {now}"),
                        ("en", f"you read version {read}, but the follow-up is now at version {now}")):
        code, out, err = cli(capsys, *sup[:2], "--lang", lang, "review", "approve", fu.id, "--version", str(read))
        assert code == 1 and out == "" and len(err.splitlines()) == 1 and words in err, err
    assert state(pg_server, db, fu.id) == ("submitted", None, "draft")  # refused: nothing changed
    code, out, err = cli(capsys, *sup, "review", "approve", fu.id)  # without --version: today's behaviour
    assert (code, err) == (0, "") and f"godkänd i version {now}" in out
    assert state(pg_server, db, fu.id) == ("approved", "sup_a", "draft")
    cw.close()


def test_a_save_racing_an_approval_of_the_version_read(pg_server: PgServer, db: str) -> None:  # noqa: F811
    """The supervisor approves the version they read while the caseworker revises and resubmits: the
    approval either lands on exactly the content read or is refused; never on the revision."""
    for n in range(10):
        cw = repo(pg_server, db, "cw_a")
        fu = draft(cw, f"A-VRACE-{n}", "A")
        review.submit(cw, fu.id)
        _, read = cw.review_state(fu.id)
        start = threading.Barrier(2)
        result: list[str] = []

        def revise(fid: str = fu.id, start: threading.Barrier = start, n: int = n) -> None:
            r = repo(pg_server, db, "cw_a")
            start.wait()
            r.save_answer(fid, "assessment", f"reviderad {n}")
            try:
                review.submit(r, fid)
            except StorageError as err:  # the approval came first: approved is no draft
                assert err.key == "err_review_is_approved", err
            r.close()

        def approve(fid: str = fu.id, start: threading.Barrier = start, read: int = read,
                    result: list[str] = result) -> None:
            r = repo(pg_server, db, "sup_a")
            start.wait()
            try:
                review.approve(r, fid, version=read)
                result.append("approved")
            except StorageError as err:
                result.append(str(err.key))
            r.close()

        threads = [threading.Thread(target=revise), threading.Thread(target=approve)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        with pg_server.superuser(db) as conn:
            row = conn.execute("SELECT review_state, approved_by, version, "
                               "data -> 'answers' ->> 'assessment' FROM uppfoljning.followups WHERE id = %s",
                               (fu.id,)).fetchone()
            approvals = [r[0] for r in conn.execute(
                "SELECT (detail ->> 'version')::integer FROM uppfoljning.audit WHERE followup_id = %s "
                "AND action = 'review_approve'", (fu.id,)).fetchall()]
        assert row is not None and row[3] == f"reviderad {n}"  # the revision is never lost
        assert result[0] in ("approved", "err_review_version", "err_review_is_draft",
                             "err_review_changed"), result
        # an approval, when it won, was of the version read, before the revision; the revision
        # itself (a later version, submitted or a draft) carries no approval
        assert approvals == ([read] if result[0] == "approved" else []), (approvals, result)
        assert row[0] in ("draft", "submitted") and row[1] is None and int(str(row[2])) > read, row
        cw.close()


# --- 4. one case number, two cases ------------------------------------------------------------------


def test_a_case_number_two_cases_share_is_refused_naming_both(
        pg_server: PgServer, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    cw = repo(pg_server, db, "cw_a")
    first = draft(cw, "A-DUP", "A", complete=False)
    second = draft(cw, "A-DUP", "A", complete=False)
    ids = sorted([first.case_id, second.case_id])
    with pytest.raises(Ambiguous) as err:
        cw.find_case("A-DUP")
    assert ids[0] in str(err.value) and ids[1] in str(err.value)
    for lang, words in (("sv", "2 ärenden har ärendenumret A-DUP"), ("en", "2 cases have the case number A-DUP")):
        code, out, err_ = cli(capsys, *as_(pg_server, db, "cw_a", lang), "reassign", "A-DUP", "--to", "cw_a2")
        assert code == 1 and out == "" and len(err_.splitlines()) == 1, err_
        assert words in err_ and ids[0] in err_ and ids[1] in err_
    assert {r.assigned_to for r in cw.work_rows()} == {"cw_a"}  # nothing handed over
    code, _, err_ = cli(capsys, *as_(pg_server, db, "cw_a"), "reassign", ids[0], "--to", "cw_a2")
    assert code == 0, err_  # by its id, the case is named
    assert cw.find_case("A-UNIQUE") is None
    # an import for that number cannot tell which case it belongs to: refused, nothing stored
    before = counts(pg_server, db)
    code, _, err_ = cli(capsys, *as_(pg_server, db, "cw_a", "en"), "import",
                        str(casefile(tmp_path, "dup.yaml", signed=False, ref="A-DUP")))
    assert code == 1 and "client.case_ref: 2 cases have the case number A-DUP" in err_, err_
    assert counts(pg_server, db) == before
    cw.close()
    # a local workspace the same
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="X"))
    local = open_repository(ws, passphrase=lambda: None, writable=True)
    try:
        for _ in range(2):
            local.add_case(Case(client=Client(case_ref="L-1", name="N", gender="woman"), plan=PLAN))
        with pytest.raises(Ambiguous, match="2 cases have case number 'L-1'"):
            local.find_case("L-1")
    finally:
        local.close()


# --- 2 and 5. what an import may bring into a unit --------------------------------------------------


def casefile(tmp_path: Path, name: str, *, signed: bool, training: bool = False, ref: str = "A-IMP",
             unit: str = "A") -> Path:
    fu = FollowUp(case_id="x", form="standard-uppfoljning", form_version=1, plan=PLAN,
                  answers=complete_answers(), goals={"g1": {"level": 2, "attainment": "partly_achieved"}},
                  caseworker="Handläggare på annat håll")
    if signed:
        fu = fu.model_copy(update={"status": "final", "finalized_by": "Handläggare på annat håll",
                                   "finalized_at": datetime(2026, 11, 18, 12, tzinfo=UTC)})
    client = Client(case_ref=ref, name="Importerad Person", gender="woman", unit=unit)
    data = dump_casefile(client, fu, bundled_form("standard-uppfoljning", 1), as_json=False)
    if training:
        data = {"training": True, **data}
    path = tmp_path / name
    path.write_text(to_yaml(data), encoding="utf-8")
    return path


def counts(server: PgServer, db: str) -> tuple[Any, ...]:  # noqa: F811
    with server.superuser(db) as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM uppfoljning.cases), "
                           "(SELECT count(*) FROM uppfoljning.followups)").fetchone()
    assert row is not None
    return tuple(row)


def test_a_training_file_is_refused_by_a_real_unit_of_the_database(
        pg_server: PgServer, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    practice = casefile(tmp_path, "ovning.yaml", signed=False, training=True, unit="B")
    before = counts(pg_server, db)
    for lang, words in (("sv", "övningsmiljö (training: true)"), ("en", "training workspace (training: true)")):
        code, out, err = cli(capsys, *as_(pg_server, db, "cw_b", lang), "import", str(practice))
        assert code == 1 and out == "" and words in err, err
        assert err.splitlines()[0].startswith(f"uppfoljning: {practice}: training:")
        assert len(err.splitlines()) == 2  # the problem, and that nothing was imported
    assert counts(pg_server, db) == before
    # a training unit takes it
    with pg_server.superuser(db) as conn:
        admin.set_unit(conn, "Övning", training=True, review=False)
        admin.grant(conn, "cw_a2", "caseworker", "Övning", None)
    try:
        into_training = casefile(tmp_path, "ovning2.yaml", signed=False, training=True, ref="Ö-1",
                                 unit="Övning")
        code, _, err = cli(capsys, *as_(pg_server, db, "cw_a2"), "import", str(into_training))
        assert code == 0, err
    finally:
        with pg_server.superuser(db) as conn:
            admin.revoke(conn, "cw_a2", "Övning")


def test_a_signature_made_elsewhere_enters_a_review_unit_only_through_its_supervisor(
        pg_server: PgServer, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    signed = casefile(tmp_path, "signerad.yaml", signed=True)
    plain = casefile(tmp_path, "utkast.yaml", signed=False, ref="A-IMP2")
    before = counts(pg_server, db)
    # a caseworker cannot pass a signature by the unit's review: one line, nothing stored
    code, out, err = cli(capsys, *as_(pg_server, db, "cw_a"), "import", str(signed))
    assert code == 1 and out == "" and "tas in bara av en arbetsledare i enheten" in err, err
    assert len(err.splitlines()) == 2
    # nor sign at import: that signature would be made here, unreviewed
    code, _, err = cli(capsys, *as_(pg_server, db, "cw_a", "en"), "import", "--final", str(plain))
    assert code == 1 and "import without --final and submit the follow-up for review" in err, err
    assert counts(pg_server, db) == before
    with sql(pg_server, db, "cw_a") as conn, pytest.raises(psycopg.errors.RaiseException) as no:
        conn.execute("INSERT INTO uppfoljning.cases (id, unit, case_ref, data, created_at) "
                     "VALUES ('forged-case', 'A', 'F-1', '{}', now())")
        conn.execute("INSERT INTO uppfoljning.followups (id, case_id, unit, status, data, created_at, "
                     "updated_at) VALUES ('forged', 'forged-case', 'A', 'final', '{}', now(), now())")
    assert no.value.diag.message_hint == "review_signed_import"
    # the unit's supervisor takes the signed record in: kept whole, signed, marked imported, logged
    code, out, err = cli(capsys, *as_(pg_server, db, "sup_a"), "import", str(signed))
    assert code == 0, err
    with pg_server.superuser(db) as conn:
        row = conn.execute("SELECT f.id, f.status, f.review_state, f.approved_by, "
                           "f.data -> 'imported' ->> 'signature_from_file', f.data ->> 'finalized_by' "
                           "FROM uppfoljning.followups f JOIN uppfoljning.cases c ON c.id = f.case_id "
                           "WHERE c.case_ref = 'A-IMP'").fetchone()
        assert row is not None and row[1:] == ("final", "signed", None, "true", "Handläggare på annat håll")
        logged = conn.execute("SELECT actor, detail FROM uppfoljning.audit WHERE followup_id = %s "
                              "AND action = 'finalize'", (row[0],)).fetchall()
    assert logged == [("sup_a", {"imported": True})]
    # its document says where the signature comes from and who took it in; no approval is claimed
    sup = repo(pg_server, db, "sup_a")
    text = pdf_text(render_followup(sup, sup.settings, str(row[0]), "sv"))
    sup.close()
    assert "Signerad av Handläggare på annat håll" in text and "Godkänd av" not in text
    assert "kommer från den importerade filen" in text and "Importerad" in text and "av Doris" in text
    # the draft goes in as a draft (from anyone), to be reviewed like any other
    code, _, err = cli(capsys, *as_(pg_server, db, "cw_a"), "import", str(plain))
    assert code == 0, err


def test_a_workspace_with_signed_followups_moves_into_a_review_unit_only_by_its_supervisor(
        pg_server: PgServer, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_db_move import SECRET, make_workspace

    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    ws = make_workspace(tmp_path, capsys, {"A-MOVE": "final"})
    before = counts(pg_server, db)
    for lang, words in (("sv", "bara av en arbetsledare i enheten"), ("en", "only by a supervisor of the unit")):
        code, out, err = cli(capsys, *as_(pg_server, db, "cw_a", lang), "db", "import-workspace", str(ws))
        assert code == 1 and out == "" and len(err.splitlines()) == 1 and words in err, err
    assert counts(pg_server, db) == before  # one transaction: nothing moved
    code, _, err = cli(capsys, *as_(pg_server, db, "sup_a"), "db", "import-workspace", str(ws))
    assert code == 0, err
    with pg_server.superuser(db) as conn:
        rows = conn.execute("SELECT review_state, count(*) FROM uppfoljning.followups GROUP BY 1").fetchall()
    assert [tuple(r) for r in rows] == [("signed", 2)]


def test_the_forms_the_server_checks_against_are_the_owners_alone_to_write(
        pg_server: PgServer, db: str) -> None:  # noqa: F811
    """Nobody weakens the submission check: the shipped forms' copy is written by db upgrade only, and
    the checking functions are not for calling; every role reads the forms (they hold no personal data)."""
    for login in ("cw_a", "sup_a", "adm", "ana"):
        with sql(pg_server, db, login) as conn:
            assert conn.execute("SELECT count(*) FROM uppfoljning.bundled_forms").fetchone() == (2,)
            for stmt in ("DELETE FROM uppfoljning.bundled_forms",
                         "UPDATE uppfoljning.bundled_forms SET content = '{\"sections\": []}'",
                         "INSERT INTO uppfoljning.bundled_forms VALUES ('x', 1, '{}')",
                         "TRUNCATE uppfoljning.bundled_forms",
                         "SELECT * FROM uppfoljning.followup_missing('{}', '{\"sections\": []}')",
                         "SELECT uppfoljning.form_condition('{}', '{}', '{}', '{}', NULL)"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(stmt)
    # an unknown condition never counts as met
    with pg_server.superuser(db) as conn, pytest.raises(psycopg.errors.RaiseException,
                                                        match="unknown form condition"):
        conn.execute("SELECT uppfoljning.form_condition('{\"eval\": \"1\"}', '{}', '{}', '{}', NULL)")
