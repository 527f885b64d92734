"""db import-workspace: an encrypted workspace made by the CLI moves into PostgreSQL whole (ids, drafts,
signatures, client snapshots, import marks, addenda, its local log), and a workspace or a login that
is not fit moves nothing at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from storage.maintenance import open_repository
from storage.postgres.repo import PostgresRepository
from tests.conftest import DATA
from tests.pgserver import PgServer
from tui.cli import main

SECRET = "en lång och hemlig lösenfras"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def case_file(tmp: Path, ref: str, unit: str = "A", meeting: str = "2026-11-18") -> Path:
    text = (DATA / "example.yaml").read_text(encoding="utf-8")
    text = text.replace("unit: Socialpsykiatri", f"unit: {unit}").replace("IFO-2026-0117", ref)
    text = text.replace("meeting_date: 2026-11-18", f"meeting_date: {meeting}")
    path = tmp / f"{ref}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def make_workspace(tmp: Path, capsys: pytest.CaptureFixture[str], refs: dict[str, str]) -> Path:
    """An encrypted workspace with, per case ref, 'final' (signed on import, then corrected) or
    'draft' follow-ups; every case gets a second, signed follow-up of a later meeting."""
    ws = tmp / "ws"
    assert run(capsys, "--workspace", str(ws), "init", "--unit", "A", "--caseworker", "Anna")[0] == 0
    for ref, kind in refs.items():
        args = ["--workspace", str(ws), "import", str(case_file(tmp, ref))]
        code, _, err = run(capsys, *args, *(["--final"] if kind == "final" else []))
        assert code == 0, err
        (tmp / "later").mkdir(exist_ok=True)
        later = case_file(tmp / "later", ref, meeting="2026-05-20")
        code, _, err = run(capsys, "--workspace", str(ws), "import", "--final", "--by", "Bertil", str(later))
        assert code == 0, err
    code, out, _ = run(capsys, "--workspace", str(ws), "list", "--format", "json")
    for row in json.loads(out):
        if row["status"] == "final" and refs.get(row["case_ref"]) == "final":
            code, _, err = run(capsys, "--workspace", str(ws), "correct", row["id"], "--reason", "fel datum",
                               "--text", "Mötet var den 19:e.", "--question", "meeting_date")
            assert code == 0, err
    return ws


def local_followups(ws: Path) -> dict[str, dict[str, Any]]:
    repo = open_repository(ws, passphrase=lambda: SECRET, writable=False)
    try:
        return {f.id: f.model_dump(mode="json") for cid in repo.case_ids() for f in repo.followups_of(cid)}
    finally:
        repo.close()


def db_cases(server: PgServer, db: str) -> int:
    with server.superuser(db) as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM uppfoljning.cases) + "
                           "(SELECT count(*) FROM uppfoljning.followups)").fetchone()
    assert row is not None and isinstance(row[0], int)
    return row[0]


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)


def test_an_encrypted_workspace_moves_whole_and_exports_the_same(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: None,
) -> None:
    ws = make_workspace(tmp_path, capsys, {"R-1": "final", "R-2": "draft", "R-3": "final"})
    before = local_followups(ws)
    assert len(before) == 6 and sum(f["status"] == "final" for f in before.values()) == 5
    assert all(f["client"] for f in before.values() if f["status"] == "final")
    assert sum(f["imported"] is not None for f in before.values()) == 6
    dsn = pg_server.dsn("cw_a", pg_clean)
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "db", "import-workspace", str(ws))
    assert code == 0, err
    assert out == "Moved 3 case(s) with 6 follow-up(s) (5 signed, 4 addend(a)) into the database.\n"
    # every follow-up is in the database exactly as it was: ids, times, signatures, snapshots, marks
    db = PostgresRepository(dsn)
    try:
        after = {f.id: f.model_dump(mode="json") for cid in db.case_ids() for f in db.followups_of(cid)}
        entries = db.audit_entries()
    finally:
        db.close()
    assert after == before
    # and exports the same from both sides, byte for byte
    for fid in before:
        code, local, err = run(capsys, "--workspace", str(ws), "export", fid, "--format", "json")
        assert code == 0, err
        code, shared, err = run(capsys, "--database", dsn, "export", fid, "--format", "json")
        assert code == 0, err
        assert shared == local
    # the move is in the database's audit chain, each case's local log carried along (ids only)
    moves = [e for e in entries if e["action"] == "import_workspace"]
    assert len(moves) == 4 and all(e["actor"] == "cw_a" for e in moves)
    per_case = [e for e in moves if e["case"]]
    assert all(e["detail"]["local_log"] and {x["action"] for x in e["detail"]["local_log"]} >= {"create"}
               for e in per_case)
    assert "Mötet var" not in json.dumps([e["detail"] for e in moves], default=str)
    assert run(capsys, "--database", pg_server.dsn("sup_a", pg_clean), "audit", "verify")[0] == 0
    # a second run moves nothing and says why, one line per case
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "db", "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.count("is already in the database") == 3 and "Traceback" not in err


def test_a_case_of_a_unit_the_login_may_not_write_moves_nothing(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: None,
) -> None:
    ws = make_workspace(tmp_path, capsys, {"R-1": "final"})
    code, _, err = run(capsys, "--workspace", str(ws), "import", str(case_file(tmp_path, "R-B", unit="B")))
    assert code == 0, err
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "--lang", "en", "db",
                         "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "uppfoljning: case R-B belongs to the unit B, where cw_a may not write",
        "uppfoljning: Nothing was moved; correct the problems above and try again.",
    ]
    assert db_cases(pg_server, pg_clean) == 0
    # an analyst (who sees no personal data) may not move cases in at all
    code, _, err = run(capsys, "--database", pg_server.dsn("ana", pg_clean), "--lang", "en", "db",
                       "import-workspace", str(ws))
    assert code == 1 and "the login ana (analyst) may not write cases" in err
    assert db_cases(pg_server, pg_clean) == 0


def test_a_rolled_back_workspace_moves_nothing(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: None,
) -> None:
    ws = make_workspace(tmp_path, capsys, {"R-1": "draft", "R-2": "final"})
    victim = sorted((ws / "cases").glob("*.json"))[0]
    old = tmp_path / "old.json"
    shutil.copy2(victim, old)
    code, out, _ = run(capsys, "--workspace", str(ws), "list", "--format", "json")
    fid = next(r["id"] for r in json.loads(out) if victim.stem == r["case_id"] and r["status"] == "final")
    assert run(capsys, "--workspace", str(ws), "correct", fid, "--reason", "r", "--text", "t")[0] == 0
    shutil.copy2(old, victim)  # an old copy put back: the correction would vanish
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "--lang", "en", "db",
                         "import-workspace", str(ws))
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"Case {victim.stem}" in err and "rolled back" in err and "Nothing was moved" in err
    assert db_cases(pg_server, pg_clean) == 0


def test_a_failure_inside_the_transaction_leaves_nothing_behind(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: None,
) -> None:
    """The last case's id already exists in a unit the login cannot see, so the checks pass and the
    database refuses it mid-way: the cases before it must not stay."""
    ws = make_workspace(tmp_path, capsys, {"R-1": "final", "R-2": "final", "R-3": "draft"})
    local = open_repository(ws, passphrase=lambda: SECRET, writable=False)
    last = local.case_ids()[-1]
    local.close()
    with pg_server.superuser(pg_clean) as conn:
        conn.execute("INSERT INTO uppfoljning.cases (id, unit, case_ref, data, created_at) "
                     "VALUES (%s, 'B', 'hidden', '{}', now())", (last,))
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "--lang", "en", "db",
                         "import-workspace", str(ws))
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    with pg_server.superuser(pg_clean) as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM uppfoljning.cases), "
                           "(SELECT count(*) FROM uppfoljning.followups), "
                           "(SELECT count(*) FROM uppfoljning.audit WHERE action = 'import_workspace')"
                           ).fetchone()
    assert row == (1, 0, 0)


def test_a_wrong_passphrase_is_one_line_and_moves_nothing(
    pg_server: PgServer, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, secret: None,
) -> None:
    ws = make_workspace(tmp_path, capsys, {"R-1": "final"})
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", "fel lösenfras helt och hållet")
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "db", "import-workspace",
                         str(ws))
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err
    code, _, err = run(capsys, "--database", pg_server.dsn("cw_a", pg_clean), "db", "import-workspace",
                       str(tmp_path / "nowhere"))
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert db_cases(pg_server, pg_clean) == 0
