"""The command line on the shared database: db init/upgrade/status/grant/revoke, the TLS refusal, and
import, list, export, pdf, report and audit working on PostgreSQL as a logged-in caseworker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.pgserver import PgServer
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_db_init_upgrade_status_grant_revoke(pg_server: PgServer, capsys: pytest.CaptureFixture[str]) -> None:
    with pg_server.superuser() as conn:
        conn.execute("DROP DATABASE IF EXISTS t_cli_init")
        conn.execute("CREATE DATABASE t_cli_init")
        conn.execute("DROP ROLE IF EXISTS newbie")
        conn.execute("CREATE ROLE newbie LOGIN")
    su = pg_server.dsn("postgres", "t_cli_init")
    code, out, err = run(capsys, "--database", pg_server.dsn("cw_a", "t_cli_init"), "list")
    assert code == 1 and "db init" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert run(capsys, "--database", su, "--lang", "en", "db", "init")[1].startswith(
        "The database is up to date (0001_schema, 0002_coded_answers, 0003_presence, 0004_fast_checks, "
        "0005_review, 0006_latest_followup, 0007_forms")
    code, out, _ = run(capsys, "--database", su, "--lang", "en", "db", "upgrade")
    assert code == 0 and "already up to date" in out
    code, out, _ = run(capsys, "--database", su, "db", "status")
    assert code == 0 and "genomförd  0001_schema" in out and "genomförd  0004_fast_checks" in out
    assert "genomförd  0006_latest_followup" in out
    assert "väntar" not in out
    assert run(capsys, "--database", su, "db", "grant", "adm", "--role", "admin", "--unit", "A")[0] == 0
    # an admin login grants a caseworker (without being a superuser)
    adm = pg_server.dsn("adm", "t_cli_init")
    code, out, err = run(capsys, "--database", adm, "--lang", "en", "db", "grant", "newbie", "--role",
                         "caseworker", "--unit", "A", "--name", "Ny Handläggare")
    assert code == 0, err
    assert "newbie is now caseworker in A" in out
    # ... but cannot make another admin
    code, _, err = run(capsys, "--database", adm, "db", "grant", "newbie", "--role", "admin", "--unit", "A")
    assert code == 1 and "not allowed" in err and len(err.splitlines()) == 1
    code, out, _ = run(capsys, "--database", pg_server.dsn("newbie", "t_cli_init"), "db", "status")
    assert "roll caseworker; verksamheter A" in out
    code, _, err = run(capsys, "--database", adm, "db", "grant", "ghost", "--role", "caseworker", "--unit", "A")
    assert code == 1 and "no database login 'ghost'" in err
    assert run(capsys, "--database", adm, "db", "revoke", "newbie")[0] == 0
    code, _, err = run(capsys, "--database", pg_server.dsn("newbie", "t_cli_init"), "list")
    assert code == 1 and "inloggningen 'newbie' har ingen roll i databasen" in err  # said in Swedish


def test_unencrypted_remote_connection_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--database", "host=db.kommun.se dbname=u", "list")
    assert code == 1 and out == ""
    assert err == "uppfoljning: vägrar okrypterad anslutning till db.kommun.se: lägg till sslmode=require " \
                  "(eller verify-full) i databasadressen\n"
    code, _, err = run(capsys, "--lang", "en", "--database", "postgresql://10.0.0.5/u", "report")
    assert code == 1 and "refusing an unencrypted connection to 10.0.0.5" in err


def test_commands_work_on_the_database(pg_server: PgServer, pg_clean: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DATA / "example.yaml").read_text(encoding="utf-8").replace("unit: Socialpsykiatri", "unit: A")
    case_file = tmp_path / "case.yaml"
    case_file.write_text(text, encoding="utf-8")
    monkeypatch.setenv("UPPFOLJNING_DATABASE", pg_server.tcp_dsn("cw_a", pg_clean))  # localhost TCP is fine
    code, out, err = run(capsys, "--lang", "en", "import", str(case_file))
    assert code == 0, err
    assert run(capsys, "import", str(case_file))[1].count("redan importerad") == 1  # idempotent
    code, out, _ = run(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert [r["case_ref"] for r in rows] == ["IFO-2026-0117"] and rows[0]["unit"] == "A"
    fid = rows[0]["id"]
    code, out, _ = run(capsys, "export", fid[:6], "--format", "json")
    assert code == 0 and json.loads(out)["client"]["case_ref"] == "IFO-2026-0117"
    pdf = tmp_path / "f.pdf"
    assert run(capsys, "pdf", fid, "-o", str(pdf))[0] == 0 and pdf.read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "report", "--format", "json", "--include-drafts", "--threshold", "1")
    assert code == 0 and json.loads(out)["followups"] == 1
    # another unit's caseworker sees nothing of it
    code, out, _ = run(capsys, "--database", pg_server.dsn("cw_b", pg_clean), "list", "--format", "json")
    assert json.loads(out) == []
    # the supervisor checks the chain and sees who did what
    sup = pg_server.dsn("sup_a", pg_clean)
    code, out, _ = run(capsys, "--database", sup, "--lang", "en", "audit", "verify")
    assert code == 0 and out.startswith("The audit log is intact")
    code, out, _ = run(capsys, "--database", sup, "audit", "show", "--case", "IFO-2026-0117")
    actions = [line.split()[3] for line in out.splitlines()]
    assert actions[:2] == ["create", "create"] and {"import", "export", "pdf"} <= set(actions)
    assert all(line.split()[2] == "cw_a" for line in out.splitlines())
