"""Installed forms in the shared database (migration 0007): installed by admins and supervisors only,
immutable whoever asks, one row however many install at once, follow-ups of them stored, rendered and
reported like a workspace's, and carried by db import-workspace (or the whole move refused)."""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import random
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from interview.case import Case, Client
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.pgserver import PgServer
from tests.test_forms_report import FORM_ID, PLAN, pdf_text
from tests.test_forms_xlsform import workbook
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(server: PgServer, db: str, query: str) -> list[tuple[Any, ...]]:
    with server.superuser(db) as conn:
        return list(conn.execute(query.encode()).fetchall())


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    return path


def changed_form(tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The workbook form as YAML with one question's label changed: other content, same id+version."""
    ws = tmp_path / "scratch"
    Workspace.create(ws, WorkspaceSettings(caseworker="X"))
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(book))[0] == 0
    code, out, _ = run(capsys, "--workspace", str(ws), "forms", "export", FORM_ID, "--format", "yaml")
    assert code == 0
    data = yaml.safe_load(out)
    data["sections"][0]["questions"][0]["label"]["sv"] = "Ändrad fråga"
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- installing --------------------------------------------------------------------------------------


def test_an_admin_installs_a_form_in_the_database_and_others_cannot(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adm, cw, ana = (pg_server.dsn(u, pg_clean) for u in ("adm", "cw_a", "ana"))
    for login in (cw, ana):  # refused on the command line: one line, nothing stored, no traceback
        code, out, err = run(capsys, "--database", login, "--lang", "en", "forms", "install", str(book))
        assert code == 1 and out == "" and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.forms") == [(0,)]
    code, out, err = run(capsys, "--database", adm, "--lang", "en", "forms", "install", str(book))
    assert code == 0, err
    assert FORM_ID in out and "installed" in out
    code, out, _ = run(capsys, "--database", adm, "--lang", "en", "forms", "install", str(book))
    assert code == 0 and "already" in out
    stored = rows(pg_server, pg_clean, "SELECT id, version, installed_by, length(fingerprint) "
                                       "FROM uppfoljning.forms")
    assert stored == [(FORM_ID, 1, "adm", 64)]
    logged = rows(pg_server, pg_clean, "SELECT actor, detail ->> 'form' FROM uppfoljning.audit "
                                       "WHERE action = 'form_install'")
    assert logged == [("adm", FORM_ID)]
    # Everyone reads it (forms hold no personal data): list, show and export as every role.
    for login in (cw, ana, adm):
        code, out, err = run(capsys, "--database", login, "--lang", "en", "forms", "list")
        assert code == 0 and f"{FORM_ID}  v1" in out and "standard-uppfoljning" in out, err
    code, out, _ = run(capsys, "--database", cw, "--lang", "en", "forms", "show", FORM_ID)
    assert code == 0 and out.startswith(f"{FORM_ID} v1: ")
    code, from_db, _ = run(capsys, "--database", ana, "forms", "export", FORM_ID, "--format", "yaml")
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="X"))
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(book))[0] == 0
    code, local, _ = run(capsys, "--workspace", str(ws), "forms", "export", FORM_ID, "--format", "yaml")
    assert code == 0 and from_db == local  # the same form, byte for byte

    # A changed form under the same id and version: refused with the same lines as in a workspace.
    changed = changed_form(tmp_path, book, capsys)
    code, out, db_err = run(capsys, "--database", adm, "--lang", "en", "forms", "install", str(changed))
    assert code == 1 and out == ""
    code, out, ws_err = run(capsys, "--workspace", str(ws), "--lang", "en", "forms", "install", str(changed))
    assert code == 1 and db_err == ws_err and "Traceback" not in db_err and len(db_err.splitlines()) >= 2
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.forms") == [(1,)]

    # The database's default form: admins set it (settings), new follow-ups there are made with it.
    code, out, err = run(capsys, "--database", adm, "--lang", "en", "forms", "default", FORM_ID)
    assert code == 0, err
    code, out, _ = run(capsys, "--database", cw, "--lang", "en", "forms", "list")
    assert "(" in out.split(FORM_ID, 1)[1].splitlines()[0]  # marked as the default
    code, _, err = run(capsys, "--database", cw, "--lang", "en", "forms", "default", "standard-uppfoljning")
    assert code == 1 and len(err.splitlines()) == 1
    from storage.postgres.repo import PostgresRepository

    repo = PostgresRepository(cw)
    try:
        assert repo.default_form().id == FORM_ID
    finally:
        repo.close()


def test_direct_sql_cannot_install_as_caseworker_or_analyst_nor_change_an_installed_form(
    pg_server: PgServer, pg_clean: str, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
    content, digest = rows(pg_server, pg_clean, "SELECT content, fingerprint FROM uppfoljning.forms")[0]
    insert = ("INSERT INTO uppfoljning.forms (id, version, content, fingerprint) VALUES (%s, 7, %s, %s)")
    for login in ("cw_a", "ana"):
        with psycopg.connect(pg_server.dsn(login, pg_clean), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(insert.encode(), (FORM_ID, json.dumps(content), digest))
            assert conn.execute(b"SELECT count(*) FROM uppfoljning.forms").fetchone() == (1,)
    with psycopg.connect(pg_server.dsn("adm", pg_clean), autocommit=True) as conn:
        # the installer is the server's to say: no column for it may be written
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(b"INSERT INTO uppfoljning.forms (id, version, content, fingerprint, installed_by) "
                         b"VALUES ('x', 1, '{}', %s, 'cw_a')", (digest,))
        for sql in (b"UPDATE uppfoljning.forms SET content = '{}'", b"DELETE FROM uppfoljning.forms",
                    b"TRUNCATE uppfoljning.forms"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
    # The owner and the superuser: the triggers refuse, as the audit table's do.
    for role in ("uppfoljning_owner", None):
        with psycopg.connect(pg_server.dsn("postgres", pg_clean), autocommit=True) as conn:
            if role:
                conn.execute(f"SET ROLE {role}".encode())
            for sql in (b"UPDATE uppfoljning.forms SET content = '{}'", b"DELETE FROM uppfoljning.forms",
                        b"TRUNCATE uppfoljning.forms"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
                    conn.execute(sql)
    after = rows(pg_server, pg_clean, "SELECT content, fingerprint FROM uppfoljning.forms")
    assert after == [(content, digest)]


def _install(dsn: str, path: str, q: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--database", dsn, "--lang", "en", "forms", "install", path])
    q.put((code, out.getvalue(), err.getvalue()))


def test_ten_processes_installing_two_contents_of_one_version_at_once_store_one(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = changed_form(tmp_path, book, capsys)
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    dsn = pg_server.dsn("adm", pg_clean)
    procs = [ctx.Process(target=_install, args=(dsn, str(book if i % 2 else changed), q)) for i in range(10)]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    # Whichever content came first is installed; the other five are refused, every one in full lines.
    assert sorted(r[0] for r in results) == [0] * 5 + [1] * 5, results
    assert all("Traceback" not in r[2] and "already stored" not in r[2] for r in results)
    assert sum("already" not in r[1] for r in results if r[0] == 0) == 1
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.forms") == [(1,)]


def test_ten_processes_installing_one_form_at_once_store_exactly_one_row(
    pg_server: PgServer, pg_clean: str, book: Path
) -> None:
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    dsn = pg_server.dsn("adm", pg_clean)
    procs = [ctx.Process(target=_install, args=(dsn, str(book), q)) for _ in range(10)]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r[0] for r in results] == [0] * 10, results
    said = sorted("already" in r[1] for r in results)
    assert said == [False] + [True] * 9  # one installed it, nine found it installed
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.forms") == [(1,)]
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.audit "
                                     "WHERE action = 'form_install'") == [(1,)]


# --- follow-ups of an installed form on the database ------------------------------------------------


def custom_casefile(tmp_path: Path, ref: str = "R-X") -> Path:
    from tests.test_db_move import case_file

    data = yaml.safe_load(case_file(tmp_path, ref).read_text(encoding="utf-8"))
    data["form"], data["form_version"] = FORM_ID, 1
    data["followup"]["answers"] = {"meeting_date": "2026-11-18", "age": 40, "uses": "partly",
                                   "substances": ["alcohol", "cannabis"], "assessment": "Stabilt."}
    data["followup"]["goals"] = {"g1": {"attainment": "achieved"}, "g2": {"attainment": "achieved"}}
    path = tmp_path / f"custom-{ref}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_case_file_of_an_installed_form_is_stored_and_rendered_on_the_database(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cw = pg_server.dsn("cw_a", pg_clean)
    casefile = custom_casefile(tmp_path)
    code, out, err = run(capsys, "--database", cw, "--lang", "en", "import", "--final", str(casefile))
    assert code == 1 and FORM_ID in err and "Traceback" not in err  # not installed there yet
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.followups") == [(0,)]
    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
    code, out, err = run(capsys, "--database", cw, "--lang", "en", "import", "--final", str(casefile))
    assert code == 0, err
    fid = rows(pg_server, pg_clean, "SELECT id FROM uppfoljning.followups")[0][0]
    # No coded rows: the standard form's report never counts it.
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.followup_codes") == [(0,)]
    pdf = tmp_path / "fu.pdf"
    code, _, err = run(capsys, "--database", cw, "pdf", fid, "-o", str(pdf))
    assert code == 0, err
    text = pdf_text(pdf)
    for shown in ("formulär missbruk-xls v1", "Vilka substanser?", "Alkohol, Cannabis", "Stabilt."):
        assert shown in text, shown
    code, out, _ = run(capsys, "--database", cw, "export", fid)
    assert code == 0 and yaml.safe_load(out)["form"] == FORM_ID


def population(ws: Path, n: int, seed: int = 7) -> None:
    """n follow-ups of the workbook form in unit A, some drafts, plus standard-form ones."""
    rnd = random.Random(seed)
    workspace = Workspace.open(ws)
    repo = TinyDBRepository(workspace, durable=False, codec=workspace.codec(None))
    try:
        for i in range(n):
            case = Case(client=Client(case_ref=f"M-{i:04d}", gender=("woman", "man", "other")[i % 7 % 3],
                                      birth_year=1950 + rnd.randrange(55), unit="A"), plan=PLAN)
            uses = rnd.choice(("yes", "yes", "no", "partly"))
            answers: dict[str, Any] = {"meeting_date": f"2026-10-{1 + i % 28:02d}", "age": 40, "uses": uses,
                                       "assessment": "x"}
            if uses != "no":
                answers["substances"] = sorted({rnd.choice(("alcohol", "cannabis", "opioids")),
                                                rnd.choice(("alcohol", "cannabis"))})
            goals = {"g1": {"attainment": rnd.choice(("achieved", "not_achieved"))},
                     "g2": {"attainment": "achieved"}}
            fus = [FollowUp(case_id=case.id, form=FORM_ID, form_version=1, plan=PLAN,
                            status="final" if i % 6 else "draft", answers=answers, goals=goals)]
            if i % 4 == 0:  # a standard-form follow-up of the same client, later: never in this report
                fus.append(FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=PLAN,
                                    status="final", answers={"meeting_date": "2026-11-20"}))
            repo.add_case(case, fus)
    finally:
        repo.close()


def test_import_workspace_carries_its_forms_and_the_database_reports_them_as_the_workspace_does(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Anna", unit="A"))
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(book))[0] == 0
    population(ws, 240)
    reports = {}
    for form in (FORM_ID, "standard-uppfoljning"):
        code, out, err = run(capsys, "--workspace", str(ws), "report", "--form", form, "--format", "json",
                             "--include-drafts")
        assert code == 0, err
        reports[form] = json.loads(out)
    assert reports[FORM_ID]["followups"] > 100 and reports["standard-uppfoljning"]["followups"] == 60

    # A caseworker may not install forms: the move is refused, naming the form, and nothing moves.
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "--lang", "en",
                         "db", "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.splitlines()[0].startswith(f"uppfoljning: form {FORM_ID} version 1 is not in the database")
    assert rows(pg_server, pg_clean, "SELECT (SELECT count(*) FROM uppfoljning.cases) + "
                                     "(SELECT count(*) FROM uppfoljning.forms)") == [(0,)]
    # A supervisor moves it: the form comes along in the same transaction.
    sup = pg_server.dsn("sup_a", pg_clean)
    code, out, err = run(capsys, "--database", sup, "--lang", "en", "db", "import-workspace", str(ws))
    assert code == 0, err
    assert rows(pg_server, pg_clean, "SELECT id, version, installed_by FROM uppfoljning.forms") == [
        (FORM_ID, 1, "sup_a")]
    # The database's reports equal the workspace's over the same follow-ups, figure for figure.
    for form, local in reports.items():
        code, out, err = run(capsys, "--database", sup, "report", "--form", form, "--format", "json",
                             "--include-drafts")
        assert code == 0, err
        assert json.loads(out) == local, form
    # The analyst reads coded tables only, never answers: told so in one line, nothing compiled.
    code, out, err = run(capsys, "--database", pg_server.dsn("ana", pg_clean), "--lang", "en", "report",
                         "--form", FORM_ID)
    assert code == 1 and out == "" and err.splitlines() == [
        f"uppfoljning: error: an analyst compiles only the forms shipped with the program on the database; form "
        f"{FORM_ID} is compiled by a supervisor (the compilation reads the follow-ups' answers)"]
    for form in (FORM_ID, "standard-uppfoljning"):  # signed only, each client's latest: equal too
        code, local_out, _ = run(capsys, "--workspace", str(ws), "report", "--form", form, "--format", "json")
        code, db_out, _ = run(capsys, "--database", sup, "report", "--form", form, "--format", "json")
        assert json.loads(db_out) == json.loads(local_out), form
    # A recount of the coded tables (db upgrade after the codes changed) leaves the installed form's
    # follow-ups out of them too, and their cases' latest marks stay the standard form's.
    with pg_server.superuser(pg_clean) as conn:
        conn.execute(b"SET ROLE uppfoljning_owner")
        assert conn.execute(b"SELECT uppfoljning.rebuild_report_codes()").fetchone() == (60,)
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.followup_codes") == [(60,)]
    code, db_out, _ = run(capsys, "--database", sup, "report", "--format", "json")
    code, local_out, _ = run(capsys, "--workspace", str(ws), "report", "--format", "json")
    assert json.loads(db_out) == json.loads(local_out)


def test_import_workspace_refuses_a_form_the_database_holds_with_other_content(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = changed_form(tmp_path, book, capsys)
    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(changed))[0] == 0
    before = rows(pg_server, pg_clean, "SELECT id, version, fingerprint FROM uppfoljning.forms")
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Anna", unit="A"))
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(book))[0] == 0
    population(ws, 12)
    code, out, err = run(capsys, "--database", pg_server.dsn("sup_a", pg_clean), "--lang", "en",
                         "db", "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"uppfoljning: the database holds other content under form {FORM_ID} version 1 than the workspace "
        "(a version never changes)",
        "uppfoljning: Nothing was moved; correct the problems above and try again.",
    ]
    assert rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.cases") == [(0,)]
    assert rows(pg_server, pg_clean, "SELECT id, version, fingerprint FROM uppfoljning.forms") == before


def test_a_form_changed_behind_the_triggers_back_is_refused_when_read_never_used(
    pg_server: PgServer, pg_clean: str, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A superuser with the triggers off rewrites a question's label, or renames the row to pass for
    another version: the stored fingerprint (or the content's own id+version) no longer matches, and
    reading it says so in one line instead of rendering a form nobody installed."""
    cw = pg_server.dsn("cw_a", pg_clean)
    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
    assert run(capsys, "--database", cw, "forms", "show", FORM_ID)[0] == 0
    tampered = [
        "UPDATE uppfoljning.forms SET content = jsonb_set(content, '{title,sv}', '\"Annat\"')",
        "UPDATE uppfoljning.forms SET version = 2",  # the content still says version 1
    ]
    for sql in tampered:
        with pg_server.superuser(pg_clean) as conn, conn.transaction():
            conn.execute(b"SET LOCAL session_replication_role = replica")
            conn.execute(b"TRUNCATE uppfoljning.forms")
            conn.execute(b"SET LOCAL session_replication_role = origin")
        assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
        with pg_server.superuser(pg_clean) as conn, conn.transaction():
            conn.execute(b"SET LOCAL session_replication_role = replica")
            conn.execute(sql.encode())
        code, out, err = run(capsys, "--database", cw, "--lang", "en", "forms", "show", FORM_ID)
        assert code == 1 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert "database" in err and FORM_ID in err


def test_quick_mode_on_the_database_walks_a_followup_of_the_database_default_form(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """The database's default form (an installed one) is offered in quick mode; every answer is saved
    through the server's one-statement save, the follow-up signed, and it renders with its form."""
    from interview.casefile import load_text, parse_casefile
    from storage.postgres.repo import PostgresRepository
    from tests.conftest import DATA
    from tests.test_quick import Terminal
    from tui.quick import QuickMode

    adm = pg_server.dsn("adm", pg_clean)
    assert run(capsys, "--database", adm, "forms", "install", str(book))[0] == 0
    assert run(capsys, "--database", adm, "forms", "default", FORM_ID)[0] == 0
    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    case = Case(client=cf.client.model_copy(update={"unit": "A"}), plan=cf.plan)
    repo.add_case(case)
    terminal = Terminal([
        "IFO-2026-0117", FORM_ID, "2026-11-18", "42", "yes", ["alcohol", "cannabis"], "2,5",
        "achieved", "not_achieved", "Mer stöd behövs.", "Stabilt.", "", True, "Anna",
    ])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "sv", "Anna", out=lambda _: None, pdf_dir=tmp_path / "pdf")
    try:
        quick.start(quick.pick_case(None))
        quick.ask_all()
        quick.finish()
        done = repo.followups_of(case.id)[-1]
        saves = [e for e in repo.audit_entries(case.id) if e["action"] == "save_answer"]
    finally:
        repo.close()
    assert not terminal.answers
    assert done.status == "final" and (done.form, done.form_version) == (FORM_ID, 1)
    assert done.answers["substances"] == ["alcohol", "cannabis"] and len(saves) >= 6
    pdf = tmp_path / "fu.pdf"
    code, _, err = run(capsys, "--database", pg_server.dsn("sup_a", pg_clean), "pdf", done.id, "-o", str(pdf))
    assert code == 0, err
    text = pdf_text(pdf)
    assert "formulär missbruk-xls v1" in text and "Alkohol, Cannabis" in text and "2,5" in text


def test_import_workspace_refuses_a_form_version_that_changes_what_the_database_codes_mean(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database has version 1; the workspace only a version 2 in which 'yes' and 'no' swapped
    words. Checked inside the move's own transaction: the install's lines, and nothing moved."""
    from tests.test_forms_xlsform import CHOICES, SETTINGS, SURVEY

    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
    choices = [list(r) for r in CHOICES]
    for r in choices:
        if r[:2] == ["yn3", "yes"]:
            r[2:4] = ["Nej", "No"]
        elif r[:2] == ["yn3", "no"]:
            r[2:4] = ["Ja", "Yes"]
    swapped = tmp_path / "swapped.xlsx"
    swapped.write_bytes(workbook(SURVEY, choices, [SETTINGS[0], [FORM_ID, "2", SETTINGS[1][2]]]))
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Anna", unit="A"))
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(swapped))[0] == 0
    code, out, err = run(capsys, "--database", pg_server.dsn("sup_a", pg_clean), "--lang", "en",
                         "forms", "install", str(swapped))
    assert code == 1
    install_lines = [line for line in err.splitlines() if "uses" in line]
    assert len(install_lines) == 2  # what `forms install` says of it on the database
    case = Case(client=Client(case_ref="M-1", gender="woman", birth_year=1980, unit="A"), plan=PLAN)
    workspace = Workspace.open(ws)
    repo = TinyDBRepository(workspace, durable=False, codec=workspace.codec(None))
    try:
        repo.add_case(case, [FollowUp(case_id=case.id, form=FORM_ID, form_version=2, plan=PLAN, status="final",
                                      answers={"meeting_date": "2026-10-01", "uses": "no"})])
    finally:
        repo.close()
    code, out, err = run(capsys, "--database", pg_server.dsn("sup_a", pg_clean), "--lang", "en",
                         "db", "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.splitlines() == [*install_lines,
                                "uppfoljning: Nothing was moved; correct the problems above and try again."]
    assert rows(pg_server, pg_clean, "SELECT (SELECT count(*) FROM uppfoljning.cases), "
                                     "(SELECT count(*) FROM uppfoljning.forms)") == [(0, 1)]
