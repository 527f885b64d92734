"""The ISU report compiled by aggregate SQL gives the SAME published figures as the local compilation:
one random population stored both in a local workspace and in PostgreSQL, `report --format json`
compared byte for byte under many selections (threshold 1 shows every raw count)."""

from __future__ import annotations

import json
import multiprocessing
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from forms.loader import bundled_form
from interview import personnummer
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from reporting.compile import choice_questions
from reporting.selection import Selection
from storage.postgres import report as report_sql
from storage.postgres.repo import PostgresRepository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.pgserver import PgServer
from tui.cli import main

GENDERS = ("woman", "man", "other", "unknown")


def pnr(rng: random.Random) -> str:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 90))
    serial = f"{rng.randrange(0, 1000):03d}"
    for check in range(10):
        body = f"{born:%y%m%d}{serial}{check}"
        if personnummer.luhn_ok(body):
            return f"{born:%Y%m%d}-{serial}{check}"
    raise AssertionError("unreachable")


def population(n_cases: int, seed: int) -> list[tuple[Case, list[FollowUp]]]:
    rng = random.Random(seed)
    form = bundled_form()
    questions = choice_questions(form)
    out = []
    for i in range(n_cases):
        kind = rng.random()
        client = Client(
            case_ref=f"P-{i:04d}", gender=rng.choice(GENDERS), unit=rng.choice(("A", "A", "B")),
            caseworker=rng.choice(("Anna", "Bertil", "")),
            personnummer=pnr(rng) if kind < 0.5 else None,
            birth_year=rng.randrange(1930, 2020) if 0.5 <= kind < 0.85 else None,
        )
        goals: list[dict[str, Any]] = []
        for gi in range(rng.randrange(0, 4)):
            scale = rng.choice(("icf", "gas", "none"))
            lo, hi = (0, 4) if scale == "icf" else (-2, 2)
            goals.append({"id": f"g{gi}", "text": "Mål", "life_area": rng.choice(("d1", "d6", "d8", "safety")),
                          "scale": scale, "weight": rng.choice((1.0, 2.0, 0.5)) if scale == "gas" else 1.0,
                          "baseline": rng.randrange(lo, hi + 1) if scale != "none" and rng.random() < 0.8
                          else None})
        plan = Plan.model_validate({"type": rng.choice(("genomforandeplan", "vardplan")), "start": "2024-01-01",
                                    "goals": goals})
        case = Case(client=client, plan=plan)
        fus = []
        for _ in range(rng.randrange(0, 4)):
            fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan,
                          caseworker=rng.choice(("", "Anna", "Cecilia")))
            if rng.random() < 0.95:
                fu.answers["meeting_date"] = (date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))).isoformat()
            for q in questions:
                if rng.random() < 0.8:
                    codes = [c.code for c in q.choices]
                    fu.answers[q.id] = (rng.sample(codes, rng.randrange(0, len(codes) + 1))
                                        if q.type == "multi" else rng.choice(codes))
            for g in goals:
                if rng.random() < 0.85:
                    lo, hi = (0, 4) if g["scale"] == "icf" else (-2, 2)
                    fu.goals[str(g["id"])] = {
                        "attainment": rng.choice(("achieved", "partly_achieved", "not_achieved",
                                                  "not_assessable", None)),
                        "level": rng.randrange(lo, hi + 1) if g["scale"] != "none" and rng.random() < 0.9
                        else None}
            fu.status = "final" if rng.random() < 0.75 else "draft"
            fus.append(fu)
        out.append((case, fus))
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


SELECTIONS = [
    [], ["--threshold", "1"], ["--threshold", "1", "--all-followups"],
    ["--threshold", "1", "--include-drafts"], ["--threshold", "1", "--include-drafts", "--all-followups"],
    ["--threshold", "1", "--unit", "A"], ["--threshold", "3", "--unit", "B", "--all-followups"],
    ["--threshold", "1", "--from", "2024-06-01", "--to", "2025-03-31"],
    ["--threshold", "1", "--caseworker", "Anna", "--include-drafts"],
    ["--threshold", "1", "--plan-type", "vardplan", "--all-followups"], ["--threshold", "2"],
]


def test_sql_report_equals_the_local_report(pg_server: PgServer, pg_clean: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cases = population(400, seed=19)
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(unit="A"), passphrase=None)
    local = TinyDBRepository(ws, durable=False)
    # the superuser stores both units' cases (RLS lets a caseworker store only their own)
    db = PostgresRepository(pg_server.dsn("postgres", pg_clean))
    for case, fus in cases:
        local.add_case(case, fus)
        db.add_case(case, fus)
    local.close()
    db.close()
    su = pg_server.dsn("postgres", pg_clean)
    seen = set()
    for extra in SELECTIONS:
        code, mine, err = run(capsys, "--workspace", str(ws.path), "report", "--format", "json", *extra)
        assert code == 0, err
        code, theirs, err = run(capsys, "--database", su, "report", "--format", "json", *extra)
        assert code == 0, err
        assert theirs == mine, extra
        data = json.loads(mine)
        seen.add(data["followups"])
        assert data["followups"] > 0
    assert len(seen) > 5  # the selections really select different follow-ups
    # row-level security applies to the aggregates: unit B's caseworker counts only unit B
    code, only_b, _ = run(capsys, "--database", pg_server.dsn("cw_b", pg_clean), "report", "--format", "json",
                          "--threshold", "1")
    code, b_local, _ = run(capsys, "--workspace", str(ws.path), "report", "--format", "json",
                           "--threshold", "1", "--unit", "B")
    assert json.loads(only_b) | {"selection": None} == json.loads(b_local) | {"selection": None}


# --- the coded-answer tables (migration 0002) ------------------------------------------------------

CODES_SNAPSHOT = ("SELECT followup_id, unit, case_id, status, meeting, caseworker, plan_type, form_version, "
                  "latest, gender, band, goals, "
                  "tally::text, tally_max, gas_n, gas_swx, gas_sww, gas_sw FROM uppfoljning.followup_codes "
                  "ORDER BY followup_id")
GOALS_SNAPSHOT = "SELECT * FROM uppfoljning.goal_codes ORDER BY followup_id, n"


def coded_tables(server: PgServer, db: str) -> tuple[list[Any], list[Any]]:
    with psycopg.connect(server.dsn("postgres", db), autocommit=True) as conn:
        return conn.execute(CODES_SNAPSHOT).fetchall(), conn.execute(GOALS_SNAPSHOT).fetchall()


def recounted(server: PgServer, db: str) -> tuple[list[Any], list[Any]]:
    """The coded tables counted again from the follow-ups' JSON (the migration's backfill), rolled back."""
    with psycopg.connect(server.dsn("postgres", db)) as conn:
        conn.execute("SELECT uppfoljning.rebuild_report_codes()")
        out = conn.execute(CODES_SNAPSHOT).fetchall(), conn.execute(GOALS_SNAPSHOT).fetchall()
        conn.rollback()
    return out


def test_the_report_is_counted_from_the_coded_tables_and_equals_the_json_count(
        pg_server: PgServer, pg_clean: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = PostgresRepository(pg_server.dsn("postgres", pg_clean))
    for case, fus in population(150, seed=7):
        db.add_case(case, fus)
    form = bundled_form()
    used: list[bool] = []
    real = report_sql.compile_rows

    def spy(cur: Any, form: Any, sel: Selection) -> Any:
        rows, slots = real(cur, form, sel)
        used.append(slots is not None)
        return rows, slots

    monkeypatch.setattr(report_sql, "compile_rows", spy)
    sels = [Selection(), Selection(all_followups=True), Selection(include_drafts=True, unit="B"),
            Selection(date_from=date(2024, 6, 1), caseworker="Anna", include_drafts=True)]
    fast = [db.compile_report(form, s) for s in sels]
    assert used == [True] * len(sels)  # the coded tables counted every one
    # a sum that could carry into the next counter is never trusted: the JSON is counted instead
    monkeypatch.setattr(report_sql, "TALLY_LIMIT", 2)
    slow = [db.compile_report(form, s) for s in sels]
    assert used[len(sels):] == [False] * len(sels)
    assert fast == slow
    assert fast[0].total.followups > 0 and any(fast[0].total.questions["decision"].values())
    db.close()


def test_the_coded_tables_follow_every_write_under_concurrent_writers(
        pg_server: PgServer, pg_clean: str) -> None:
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    cases = population(12, seed=3)
    for case, fus in cases:
        case.client.unit = "A"
        repo.add_case(case, [f.model_copy(update={"status": "draft"}) for f in fus])
    fids = [f.id for _, fus in cases for f in fus]
    assert fids
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(8)
    procs = [ctx.Process(target=_coded_writer, args=(pg_server.dsn("cw_a" if w % 2 else "cw_a2", pg_clean),
                                                     fids, w, start)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    # signing, a unit move and an erase go through the same trigger and foreign keys
    repo.finalize(fids[0], "x", datetime(2026, 1, 1, tzinfo=UTC), {}, {})
    with psycopg.connect(pg_server.dsn("postgres", pg_clean), autocommit=True) as su:
        su.execute("UPDATE uppfoljning.cases SET unit = 'B' WHERE id = %s", (cases[1][0].id,))
    repo.erase_case(cases[2][0].id)
    now = coded_tables(pg_server, pg_clean)
    assert now == recounted(pg_server, pg_clean)
    assert len(now[0]) == len(fids) - len(cases[2][1])
    assert {r[1] for r in now[0] if r[2] == cases[1][0].id} <= {"B"}
    assert any(r[8] != "0" for r in now[0]) and now[1]  # something was really counted
    repo.close()


def _coded_writer(dsn: str, fids: list[str], wid: int, start: Any) -> None:
    repo = PostgresRepository(dsn)
    rng = random.Random(wid)
    codes = {q.id: [c.code for c in q.choices] for q in choice_questions(bundled_form())}
    start.wait()
    for _ in range(40):
        fid = rng.choice(fids)
        qid = rng.choice(sorted(codes))
        value: Any = rng.choice(codes[qid]) if rng.random() < 0.8 else None
        if rng.random() < 0.3:
            key, value = f"goals.g{rng.randrange(3)}.level", rng.randrange(-2, 3)
        elif rng.random() < 0.2:
            key, value = "meeting_date", f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
        else:
            key = qid
        repo.save_answer(fid, key, value)
    repo.close()


def test_nobody_but_the_trigger_writes_the_coded_tables(pg_server: PgServer, pg_clean: str) -> None:
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    case, fus = population(40, seed=5)[0]
    for c, f in population(40, seed=5):
        if f:
            case, fus = c, f
            break
    case.client.unit = "A"
    repo.add_case(case, fus)
    repo.close()
    fid = fus[0].id
    attacks = [
        "UPDATE uppfoljning.followup_codes SET tally = 0",
        "DELETE FROM uppfoljning.goal_codes",
        "INSERT INTO uppfoljning.followup_codes (followup_id, unit, case_id, status, created_at) "
        f"VALUES ('{fid}', 'A', 'x', 'final', now())",
        "INSERT INTO uppfoljning.tally_slots VALUES (9999, NULL, 'decision', 'forged')",
        "SELECT uppfoljning.rebuild_report_codes()",
        "SELECT uppfoljning.store_followup_codes(f, true, true) FROM uppfoljning.followups f",
        # the latest marks, genders and bands of 0006: the trigger's too
        "UPDATE uppfoljning.followup_codes SET latest = NOT latest",
        f"UPDATE uppfoljning.followup_codes SET band = '80+' WHERE followup_id = '{fid}'",
        "SELECT uppfoljning.place_followups('x')",
        "SELECT uppfoljning.report_band(false, NULL, 1980, '2025-01-01')",
    ]
    for login in ("cw_a", "sup_a", "ana", "adm"):
        with psycopg.connect(pg_server.dsn(login, pg_clean), autocommit=True) as conn:
            for attack in attacks:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(attack)
    # reading: the unit's own staff only; the analyst and unit B's caseworker see no row
    seen = {}
    for login in ("cw_a", "sup_a", "cw_b", "ana"):
        with psycopg.connect(pg_server.dsn(login, pg_clean), autocommit=True) as conn:
            try:
                seen[login] = conn.execute("SELECT count(*) FROM uppfoljning.followup_codes").fetchone()
            except psycopg.errors.InsufficientPrivilege:
                seen[login] = None
    assert seen == {"cw_a": (len(fus),), "sup_a": (len(fus),), "cw_b": (0,), "ana": None}


def test_the_migration_backfills_follow_ups_stored_before_it(
        pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from storage.postgres import admin

    name = "t_backfill"
    with pg_server.superuser() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    first = [m for m in admin.migrations() if m.version == 1]
    with monkeypatch.context() as m, pg_server.superuser(name) as conn:
        m.setattr(admin, "migrations", lambda: first)
        admin.upgrade(conn, init=True)
        assert conn.execute("SELECT to_regclass('uppfoljning.followup_codes')").fetchone() == (None,)
        conn.execute("INSERT INTO uppfoljning.units (code) VALUES ('A'), ('B')")
    cases = population(120, seed=11)
    db = PostgresRepository(pg_server.dsn("postgres", name))
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(unit="A"), passphrase=None)
    local = TinyDBRepository(ws, durable=False)
    for case, fus in cases:
        db.add_case(case, fus)
        local.add_case(case, fus)
    db.close()
    local.close()
    with pg_server.superuser(name) as conn:
        assert admin.upgrade(conn)[:3] == ["0002_coded_answers", "0003_presence", "0004_fast_checks"]
    pg_server.databases.append(name)
    assert coded_tables(pg_server, name) == recounted(pg_server, name)
    su = pg_server.dsn("postgres", name)
    for extra in SELECTIONS[:5]:
        code, mine, err = run(capsys, "--workspace", str(ws.path), "report", "--format", "json", *extra)
        assert code == 0, err
        code, theirs, err = run(capsys, "--database", su, "report", "--format", "json", *extra)
        assert code == 0, err
        assert theirs == mine, extra


def test_codes_the_database_lacks_are_counted_from_the_json_until_db_upgrade_reloads_them(
        pg_server: PgServer, pg_clean: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.postgres import admin

    db = PostgresRepository(pg_server.dsn("postgres", pg_clean))
    for case, fus in population(80, seed=23):
        db.add_case(case, fus)
    form = bundled_form()
    used: list[bool] = []
    real = report_sql.compile_rows

    def spy(cur: Any, form: Any, sel: Selection) -> Any:
        rows, slots = real(cur, form, sel)
        used.append(slots is not None)
        return rows, slots

    monkeypatch.setattr(report_sql, "compile_rows", spy)
    before = db.compile_report(form, Selection())
    # an older installation's code lists: the reported form has a code the database does not know
    with psycopg.connect(pg_server.dsn("postgres", pg_clean), autocommit=True) as su:
        su.execute("DELETE FROM uppfoljning.report_codes WHERE form_version = %s AND question = 'decision' "
                   "AND code = 'continue'", (form.version,))
        su.execute("UPDATE uppfoljning.followup_codes SET tally = 0")  # stale tallies are never read
    assert db.compile_report(form, Selection()) == before
    with pg_server.superuser(pg_clean) as su:
        assert admin.upgrade(su) == []  # nothing to migrate; the code lists are reloaded, tallies recounted
    assert db.compile_report(form, Selection()) == before
    assert used == [True, False, True]
    assert coded_tables(pg_server, pg_clean) == recounted(pg_server, pg_clean)
    db.close()
