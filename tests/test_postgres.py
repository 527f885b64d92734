"""The shared database against a real PostgreSQL server: access by role and unit checked with direct
SQL as each login, conflicts instead of lost updates under many processes, writers killed mid-
transaction, and the audit table's chain under concurrency and tampering."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from interview.case import Case, Client, Plan
from interview.followup import Addendum, FollowUp
from storage.errors import AnswerConflict, Conflict, FinalizedError, StorageError
from storage.postgres.connect import InsecureConnection, check_conninfo, remote_hosts
from storage.postgres.repo import PostgresRepository
from tests.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[1]
PNR = "19121212-1212"
FREE_TEXT = "Klienten berättade om sin hemliga oro"


def make(plan: Plan, ref: str, unit: str) -> tuple[Case, FollowUp]:
    case = Case(client=Client(case_ref=ref, name="Hemlig Person", personnummer=PNR, gender="woman",
                              unit=unit), plan=plan)
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
    return case, fu


def sql(server: PgServer, db: str, login: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(server.dsn(login, db), autocommit=True)


@pytest.fixture
def two_units(pg_server: PgServer, pg_clean: str, plan: Plan) -> dict[str, Any]:
    """A case in unit A (by cw_a) and one in unit B (by cw_b), each with answers and a correction."""
    out: dict[str, Any] = {}
    for login, unit in (("cw_a", "A"), ("cw_b", "B")):
        repo = PostgresRepository(pg_server.dsn(login, pg_clean))
        case, fu = make(plan, f"{unit}-1", unit)
        repo.add_case(case, [fu])
        repo.save_answer(fu.id, "meeting_date", "2026-11-18")
        repo.save_answer(fu.id, "assessment", FREE_TEXT)
        repo.save_answer(fu.id, "goals.g1.level", 2)
        repo.finalize(fu.id, "ignored", datetime(2026, 11, 18, tzinfo=UTC),
                      {"meeting_date": "2026-11-18", "assessment": FREE_TEXT}, {"g1": {"level": 2}})
        repo.add_addendum(fu.id, Addendum(author="x", reason="fel", text=FREE_TEXT))
        repo.close()
        out[unit] = (case, fu)
    return out


# --- access by role and unit, with direct SQL as each login ---------------------------------------


def test_caseworker_sees_and_writes_only_their_units_rows(pg_server: PgServer, pg_clean: str,
                                                          two_units: dict[str, Any]) -> None:
    b_case, b_fu = two_units["B"]
    with sql(pg_server, pg_clean, "cw_a") as conn:
        for table in ("cases", "followups", "addenda"):
            units = {r[0] for r in conn.execute(f"SELECT unit FROM uppfoljning.{table}")}
            assert units == {"A"}, table
        assert conn.execute("SELECT count(*) FROM uppfoljning.cases WHERE id = %s",
                            (b_case.id,)).fetchone() == (0,)
        # writes to unit B do nothing or are refused
        assert conn.execute("UPDATE uppfoljning.followups SET version = 99 WHERE id = %s",
                            (b_fu.id,)).rowcount == 0
        assert conn.execute("DELETE FROM uppfoljning.cases WHERE id = %s", (b_case.id,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO uppfoljning.cases (id, unit, case_ref, data, created_at) "
                         "VALUES ('x', 'B', 'X', '{}', now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # moving a case to B
            conn.execute("UPDATE uppfoljning.cases SET unit = 'B'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no way around FORCE via the owner
            conn.execute("SET ROLE uppfoljning_owner")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE uppfoljning.staff SET units = '{A,B}' WHERE login = 'cw_a'")
    with sql(pg_server, pg_clean, "cw_b") as conn:  # unit B's rows are all still there
        assert conn.execute("SELECT version FROM uppfoljning.followups").fetchall() == [(5,)]


def test_nobody_changes_or_removes_audit_entries(pg_server: PgServer, pg_clean: str,
                                                 two_units: dict[str, Any]) -> None:
    for login in ("cw_a", "sup_a", "adm", "ana"):
        with sql(pg_server, pg_clean, login) as conn:
            for stmt in ("UPDATE uppfoljning.audit SET action = 'x'", "DELETE FROM uppfoljning.audit",
                         "TRUNCATE uppfoljning.audit", "DELETE FROM uppfoljning.audit_heads"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(stmt)
    # even the superuser (who bypasses privileges and row security) is stopped by the trigger
    with pg_server.superuser(pg_clean) as conn:
        for stmt in ("UPDATE uppfoljning.audit SET action = 'x'", "DELETE FROM uppfoljning.audit",
                     "TRUNCATE uppfoljning.audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(stmt)


def test_the_actor_is_the_login_whatever_the_client_sends(pg_server: PgServer, pg_clean: str,
                                                          two_units: dict[str, Any]) -> None:
    a_case, a_fu = two_units["A"]
    with sql(pg_server, pg_clean, "cw_a") as conn:
        conn.execute("INSERT INTO uppfoljning.audit (case_id, action, actor, at, seq, chain, hash, "
                     "prev_hash) VALUES (%s, 'view', 'sup_a', '2000-01-01', 999, 'fake', 'x', 'y')",
                     (a_case.id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no entries in another unit's chain
            conn.execute("INSERT INTO uppfoljning.audit (case_id, action) VALUES (%s, 'view')",
                         (two_units["B"][0].id,))
    with sql(pg_server, pg_clean, "sup_a") as conn:
        row = conn.execute("SELECT actor, chain, seq, at > now() - interval '1 hour' FROM uppfoljning.audit "
                           "WHERE action = 'view'").fetchone()
    assert row is not None and row[0] == "cw_a" and row[1] == a_case.id and row[2] < 999 and row[3]
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    signed = repo.get_followup(a_fu.id)
    assert signed.finalized_by == "Anna"  # not the 'ignored' name the caller passed
    assert signed.addenda[0].author == "Anna"
    repo.close()


def test_analyst_sees_coded_answers_only(pg_server: PgServer, pg_clean: str,
                                         two_units: dict[str, Any]) -> None:
    with sql(pg_server, pg_clean, "ana") as conn:
        for table in ("cases", "followups", "addenda"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM uppfoljning.{table}")
        cur = conn.execute("SELECT * FROM uppfoljning.coded_answers")
        columns = [c.name for c in cur.description or []]
        rows = cur.fetchall()
    assert columns == ["unit", "plan_type", "status", "meeting_date", "gender", "age_band", "goal",
                       "question", "answer"]
    everything = repr(rows)
    for secret in (PNR, "Hemlig", FREE_TEXT, "A-1", "B-1", two_units["A"][1].id, two_units["A"][0].id):
        assert secret not in everything
    assert {r[0] for r in rows} == {"A", "B"}
    assert ("A", "woman", "80+", "g1", "level", 2) in {(r[0], r[4], r[5], r[6], r[7], r[8]) for r in rows}
    assert "assessment" not in {r[7] for r in rows}
    # a caseworker has no business in the view either beyond their unit; an analyst of A only sees A
    with pg_server.superuser(pg_clean) as conn:
        conn.execute("UPDATE uppfoljning.staff SET units = '{A}' WHERE login = 'ana'")
    with sql(pg_server, pg_clean, "ana") as conn:
        assert {r[0] for r in conn.execute("SELECT unit FROM uppfoljning.coded_answers")} == {"A"}
    with pg_server.superuser(pg_clean) as conn:
        conn.execute("UPDATE uppfoljning.staff SET units = '{A,B}' WHERE login = 'ana'")


def test_a_login_without_a_role_is_refused(pg_server: PgServer, pg_clean: str) -> None:
    with pg_server.superuser() as conn:
        conn.execute("DROP ROLE IF EXISTS stranger")
        conn.execute("CREATE ROLE stranger LOGIN")
    with pytest.raises(StorageError, match="no role in this database"):
        PostgresRepository(pg_server.dsn("stranger", pg_clean))
    with sql(pg_server, pg_clean, "stranger") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM uppfoljning.cases")


# --- TLS on the wire --------------------------------------------------------------------------------


@pytest.mark.parametrize("conninfo", [
    "host=db.kommun.se dbname=u", "postgresql://db.kommun.se/u", "host=10.1.2.3 dbname=u sslmode=prefer",
    "postgresql://localhost,db.kommun.se/u", "hostaddr=192.0.2.7 dbname=u sslmode=allow",
])
def test_unencrypted_tcp_to_another_host_is_refused(conninfo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGSSLMODE", raising=False)
    with pytest.raises(InsecureConnection, match="sslmode=require"):
        check_conninfo(conninfo)


@pytest.mark.parametrize("conninfo", [
    "host=db.kommun.se dbname=u sslmode=require", "postgresql://db.kommun.se/u?sslmode=verify-full",
    "dbname=u", "host=/var/run/postgresql dbname=u", "host=localhost dbname=u", "postgresql://[::1]/u",
])
def test_local_or_encrypted_connections_pass(conninfo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGSSLMODE", raising=False)
    remote = remote_hosts(conninfo)
    # Either this machine (a socket, localhost, ::1) or another host with TLS required:
    assert remote == [] or "sslmode=require" in conninfo or "sslmode=verify-full" in conninfo, remote
    check_conninfo(conninfo)  # passes without raising InsecureConnection


def test_the_pg_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.kommun.se")
    monkeypatch.delenv("PGSSLMODE", raising=False)
    with pytest.raises(InsecureConnection):
        check_conninfo("dbname=u")
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    check_conninfo("dbname=u")


# --- concurrency: merge, conflict, atomic signing ----------------------------------------------------


def test_different_answers_merge_and_the_same_answer_conflicts(pg_server: PgServer, pg_clean: str,
                                                              plan: Plan) -> None:
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    case, fu = make(plan, "A-9", "A")
    anna.add_case(case, [fu])
    _, seen_a = anna.open_followup(fu.id)
    _, seen_b = bertil.open_followup(fu.id)
    assert seen_a == seen_b is not None
    v = anna.save_answer(fu.id, "assessment", "Annas text", expected_version=seen_a)
    assert bertil.save_answer(fu.id, "decision", "continue", expected_version=seen_b) == v + 1  # merges
    with pytest.raises(AnswerConflict) as caught:
        bertil.save_answer(fu.id, "assessment", "Bertils text", expected_version=seen_b)
    c = caught.value
    assert (c.key, c.mine, c.theirs, c.by) == ("assessment", "Bertils text", "Annas text", "Anna")
    assert c.at.startswith("20") and c.version == v + 1
    assert bertil.get_followup(fu.id).answers == {"assessment": "Annas text", "decision": "continue"}
    # the same value is no conflict: nothing would be lost
    same = bertil.save_answer(fu.id, "assessment", "Annas text", expected_version=seen_b)
    # having seen Anna's answer, Bertil may change it
    bertil.save_answer(fu.id, "assessment", "Bertils text", expected_version=same)
    # signing names the version: a stale one is refused, nothing is signed
    with pytest.raises(Conflict, match="changed after you opened it"):
        anna.finalize(fu.id, "Anna", datetime(2026, 11, 20, tzinfo=UTC), {}, {}, expected_version=v)
    assert anna.get_followup(fu.id).status == "draft"
    _, now_v = anna.open_followup(fu.id)
    assert now_v is not None
    anna.finalize(fu.id, "Anna", datetime(2026, 11, 20, tzinfo=UTC), {"assessment": "Bertils text"}, {},
                  expected_version=now_v)
    with pytest.raises(FinalizedError):
        bertil.save_answer(fu.id, "decision", "end", expected_version=now_v)
    with pytest.raises(FinalizedError):
        bertil.finalize(fu.id, "B", datetime(2026, 11, 21, tzinfo=UTC), {}, {}, expected_version=now_v + 1)
    anna.close()
    bertil.close()


def _race(dsn: str, fids: list[str], wid: int, rounds: int, start: Any, out: Any) -> None:
    repo = PostgresRepository(dsn)
    rng = random.Random(wid)
    results = []
    start.wait()
    for i in range(rounds):
        fid = fids[rng.randrange(len(fids))]
        key = "assessment" if rng.random() < 0.6 else f"goals.w{wid}.comment"
        _, seen = repo.open_followup(fid)
        time.sleep(rng.random() * 0.004)  # a caseworker thinking: others save meanwhile
        value = f"w{wid}-r{i}"
        try:
            new = repo.save_answer(fid, key, value, expected_version=seen)
            results.append(("ok", fid, key, value, seen, new))
        except AnswerConflict as err:
            results.append(("conflict", fid, key, value, seen, err.version))
    repo.close()
    out.put(results)


def test_twenty_processes_lose_no_update_and_every_stale_save_conflicts(
        pg_server: PgServer, pg_clean: str, plan: Plan) -> None:
    workers, rounds = 20, 30
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    fids = []
    for n in range(3):
        case, fu = make(plan, f"R-{n}", "A")
        repo.add_case(case, [fu])
        fids.append(fu.id)
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(workers), ctx.Queue()
    logins = ["cw_a", "cw_a2", "sup_a"]
    procs = [ctx.Process(target=_race, args=(pg_server.dsn(logins[w % 3], pg_clean), fids, w, rounds,
                                             start, out)) for w in range(workers)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len(results) == workers * rounds
    acked: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for kind, fid, key, value, seen, new in results:
        if kind == "ok":
            acked[(fid, key)].append((seen, new, value))
    conflicts = [r for r in results if r[0] == "conflict"]
    assert conflicts, "the test raced nothing"
    for (fid, key), saves in acked.items():
        saves.sort(key=lambda s: s[1])
        # the stored answer is the last acknowledged one
        assert repo.get_followup(fid).get(key) == saves[-1][2]
        # no acknowledged save overwrote another acknowledged save it had not seen
        for seen, new, _ in saves:
            assert not [t for t in saves if seen < t[1] < new], (fid, key)
    for _, fid, key, _, seen, _ in conflicts:
        # a conflict is real: someone saved that same answer after the version this one saw
        assert any(s[1] > seen for s in acked[(fid, key)]), (fid, key, seen)
    for fid in fids:
        _, version = repo.open_followup(fid)
        n_saves = sum(len(v) for (f, _), v in acked.items() if f == fid)
        assert version == 1 + n_saves  # every acknowledged save, and only those, counted once
    entries = [e for e in _as_supervisor(pg_server, pg_clean).audit_entries() if e["action"] == "save_answer"]
    assert len(entries) == sum(len(v) for v in acked.values())
    assert _as_supervisor(pg_server, pg_clean).audit_verify()[1] == []
    repo.close()


def _as_supervisor(server: PgServer, db: str) -> PostgresRepository:
    return PostgresRepository(server.dsn("sup_a", db))


def test_writers_killed_mid_transaction_leave_no_trace_and_block_nobody(
        pg_server: PgServer, pg_clean: str, plan: Plan) -> None:
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    case, fu = make(plan, "K-1", "A")
    repo.add_case(case, [fu])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dsn = pg_server.dsn("cw_a2", pg_clean)
    writers = [subprocess.Popen([sys.executable, "-m", "tests.pg_writer", dsn, fu.id, str(w), "loop"],
                                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT) for w in range(4)]
    hanger = subprocess.Popen([sys.executable, "-m", "tests.pg_writer", dsn, fu.id, "9", "hang"],
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert hanger.stdout is not None and hanger.stdout.readline().strip() == "locked"
    time.sleep(0.3)  # the loop writers now queue behind the hanging transaction's row lock
    os.kill(hanger.pid, signal.SIGKILL)
    hanger.wait()
    last: dict[int, int] = {}
    deadline = time.monotonic() + 20
    for w, p in enumerate(writers):  # let each acknowledge some saves, then kill it mid-stream
        assert p.stdout is not None
        while last.get(w, 0) < 20 and time.monotonic() < deadline:
            last[w] = int(p.stdout.readline())
    for p in writers:
        os.kill(p.pid, signal.SIGKILL)
    for w, p in enumerate(writers):
        rest = p.communicate()[0].split()
        if rest:
            last[w] = int(rest[-1])
    assert all(n >= 20 for n in last.values()), last
    # the row is free at once; every acknowledged answer is there (one more may have committed
    # without its acknowledgement being printed), and the killed transaction left nothing
    repo._conn.execute("SET lock_timeout = '5s'")
    repo.save_answer(fu.id, "decision", "continue")
    stored = repo.get_followup(fu.id)
    for w, n in last.items():
        assert int(stored.get(f"goals.w{w}.comment")) in (n, n + 1)
    assert stored.get("assessment") != "half-done"
    sup = _as_supervisor(pg_server, pg_clean)
    saves = [e for e in sup.audit_entries(case.id) if e["action"] == "save_answer"]
    _, version = repo.open_followup(fu.id)
    assert version == 1 + len(saves)  # each committed save with its entry, none without
    assert sup.audit_verify()[1] == []
    repo.close()


# --- the audit table under concurrency and tampering ------------------------------------------------


def _log_many(dsn: str, case_id: str, n: int, start: Any) -> None:
    repo = PostgresRepository(dsn)
    start.wait()
    for i in range(n):
        repo.log("view", case=case_id if i % 2 == 0 else None, n=i)
    repo.close()


def test_audit_chains_hold_under_concurrent_appends(pg_server: PgServer, pg_clean: str, plan: Plan) -> None:
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    case, fu = make(plan, "L-1", "A")
    repo.add_case(case, [fu])
    ctx = multiprocessing.get_context("fork")
    workers, n = 20, 20
    start = ctx.Barrier(workers)
    logins = ["cw_a", "cw_a2", "sup_a"]
    procs = [ctx.Process(target=_log_many, args=(pg_server.dsn(logins[w % 3], pg_clean), case.id, n, start))
             for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    with pg_server.superuser(pg_clean) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM uppfoljning.audit WHERE chain = %s ORDER BY seq",
                                           (case.id,))]
        other = conn.execute("SELECT count(*) FROM uppfoljning.audit WHERE chain = '-' AND action = 'view'"
                             ).fetchone()
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 2 + workers * n // 2  # + the 2 creates
    assert other == (workers * n // 2,)
    admin = PostgresRepository(pg_server.dsn("adm", pg_clean))
    checked, problems = admin.audit_verify()
    assert problems == [] and checked >= workers * n
    repo.close()


def test_tampering_with_the_audit_table_is_found(pg_server: PgServer, pg_clean: str, plan: Plan) -> None:
    repo = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    case, fu = make(plan, "T-1", "A")
    repo.add_case(case, [fu])
    for i in range(4):
        repo.save_answer(fu.id, "assessment", f"v{i}")
    admin = PostgresRepository(pg_server.dsn("adm", pg_clean))
    assert admin.audit_verify()[1] == []
    with pg_server.superuser(pg_clean) as conn, conn.transaction():
        # a superuser switching the triggers off is the only way in; the chain still tells
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("UPDATE uppfoljning.audit SET actor = 'cw_b' WHERE chain = %s AND seq = 3", (case.id,))
        conn.execute("DELETE FROM uppfoljning.audit WHERE chain = %s AND seq = 6", (case.id,))
    problems = admin.audit_verify()[1]
    assert any("altered entry at seq 3" in p for p in problems), problems
    assert any("entries removed after seq 5" in p for p in problems), problems
    # a supervisor of A checks A's chains; a caseworker of B checks none of A's
    assert _as_supervisor(pg_server, pg_clean).audit_verify()[1] == problems
    assert PostgresRepository(pg_server.dsn("cw_b", pg_clean)).audit_verify()[1] == []
    repo.close()
