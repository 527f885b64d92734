"""The review, work-list, handover and training-unit commands on a real PostgreSQL server: two logins of
one unit take a follow-up round the review, every refusal is one line naming the state, in Swedish
or English, and changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from storage.postgres import admin
from tests.pgserver import PgServer
from tests.test_review_db import db, draft, more_logins, repo, state  # noqa: F401 - fixtures
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def as_(pg_server: PgServer, db: str, login: str) -> list[str]:  # noqa: F811
    return ["--database", pg_server.dsn(login, db)]


def test_a_review_round_on_the_command_line(pg_server: PgServer, db: str,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cw, sup = as_(pg_server, db, "cw_a"), as_(pg_server, db, "sup_a")
    r = repo(pg_server, db, "cw_a")
    fu = draft(r, "A-CLI", "A")
    empty = draft(r, "A-EMPTY", "A", complete=False)
    code, out, err = run(capsys, *cw, "review", "submit", empty.id)
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "uppföljningen är inte komplett: obesvarade frågor" in err and "meeting_date" in err
    code, out, err = run(capsys, *cw, "review", "submit", fu.id[:8])
    assert (code, err) == (0, "") and out == f"Uppföljningen {fu.id} är inskickad för granskning.\n"
    code, _, err = run(capsys, *cw, "review", "approve", fu.id)
    assert code == 1 and err == ("uppfoljning: fel: bara en arbetsledare i enheten kan lämna tillbaka "
                                 "eller godkänna\n")
    code, out, err = run(capsys, *sup, "review", "return", fu.id, "--comment", "Skriv tydligare",
                         "--question", "assessment")
    assert code == 0 and "återlämnad" in out
    code, _, err = run(capsys, *sup, "review", "return", fu.id, "--comment", "x", "--question", "nonsense")
    assert code == 1 and "ingen fråga 'nonsense'" in err
    code, _, err = run(capsys, *sup, "review", "approve", fu.id)
    assert code == 1 and err.endswith("uppföljningen är återlämnad och måste skickas in igen först\n")
    code, _, err = run(capsys, *sup, "review", "comment", fu.id, "--comment", "x" * 4001)
    assert code == 1 and err == "uppfoljning: fel: kommentaren är för lång (högst 4000 tecken)\n"
    code, out, _ = run(capsys, *sup, "review", "comment", fu.id, "--comment", "Se hit\x1b[2J\nFalsk rad")
    assert (code, out) == (0, "Kommentaren är sparad.\n")
    code, out, _ = run(capsys, *cw, "review", "list", fu.id)
    assert out.splitlines()[0] == "assessment:" and "Doris: Skriv tydligare" in out.splitlines()[1]
    assert "\x1b" not in out and len(out.splitlines()) == 4  # a comment never drives the terminal
    assert out.splitlines()[2] == "hela uppföljningen:"
    code, out, _ = run(capsys, *cw, "list", "--mine", "--format", "json")
    assert [(i["kind"], i["case_ref"]) for i in json.loads(out)] == [("returned", "A-CLI"),
                                                                    ("draft", "A-EMPTY")]
    r.save_answer(fu.id, "assessment", "Tydligare.")
    assert run(capsys, *cw, "review", "submit", fu.id)[0] == 0
    code, out, _ = run(capsys, *sup, "list", "--mine")
    assert "att granska" in out and "A-CLI" in out
    assert run(capsys, *sup, "review", "approve", fu.id)[0] == 0
    code, _, err = run(capsys, *sup, "review", "approve", fu.id)
    assert code == 1 and err == "uppfoljning: fel: uppföljningen är redan godkänd\n"
    code, _, err = run(capsys, *sup, "--lang", "en", "review", "submit", fu.id)
    assert code == 1 and err == "uppfoljning: error: the follow-up is already approved\n"
    assert state(pg_server, db, fu.id) == ("approved", "sup_a", "draft")  # refusals changed nothing
    code, out, _ = run(capsys, *sup, "review", "list", "--format", "json")
    assert [(x["case_ref"], x["review_state"]) for x in json.loads(out)] == [("A-CLI", "approved")]
    code, out, _ = run(capsys, *sup, "list", "--unit", "--days", "0")
    assert out.splitlines()[0] == "Anna: 0 försenade, 0 utkast äldre än 0 dagar, 0 väntar på granskning"
    r.close()


def test_handover_and_its_refusals(pg_server: PgServer, db: str,  # noqa: F811
                                   capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(pg_server, db, "cw_a")
    draft(r, "A-HAND", "A", complete=False)
    code, out, _ = run(capsys, *as_(pg_server, db, "cw_a"), "reassign", "A-HAND", "--to", "cw_a2")
    assert (code, out) == (0, "Ärendet A-HAND är överlämnat till cw_a2.\n")
    code, _, err = run(capsys, *as_(pg_server, db, "cw_a"), "reassign", "A-HAND", "--to", "cw_a")
    assert code == 1 and err.endswith("bara ärendets handläggare eller en arbetsledare kan lämna över det\n")
    code, _, err = run(capsys, *as_(pg_server, db, "sup_a"), "--lang", "en", "reassign", "A-HAND",
                       "--to", "cw_b")
    assert code == 1 and err == "uppfoljning: error: the receiver is no caseworker of the case's unit\n"
    code, out, _ = run(capsys, *as_(pg_server, db, "cw_a2"), "list", "--mine", "--format", "json")
    assert [i["case_ref"] for i in json.loads(out)] == ["A-HAND"]
    # unit B signs without review: an overdue case and a draft; --due keeps only what is due
    b = repo(pg_server, db, "cw_b")
    old = draft(b, "B-OLD", "B", answers={"next_followup": "2020-01-01"})
    b.finalize(old.id, "x", old.created_at, b.get_followup(old.id).answers, b.get_followup(old.id).goals)
    draft(b, "B-NEW", "B", complete=False)
    code, out, _ = run(capsys, *as_(pg_server, db, "cw_b"), "list", "--mine", "--format", "json")
    assert [(i["kind"], i["case_ref"]) for i in json.loads(out)] == [("overdue", "B-OLD"), ("draft", "B-NEW")]
    code, out, _ = run(capsys, *as_(pg_server, db, "cw_b"), "list", "--mine", "--due")
    assert out.splitlines()[1].split()[:3] == ["försenad", old.id, "B-OLD"] and len(out.splitlines()) == 2
    b.close()
    code, _, err = run(capsys, "--workspace", "/nonexistent", "list", "--mine")
    assert code == 1 and "kräver den delade databasen" in err
    code, _, err = run(capsys, "--workspace", "/nonexistent", "review", "submit", "x")
    assert code == 1 and "granskning finns bara i den delade databasen" in err
    r.close()


def test_unit_settings_and_the_training_unit(pg_server: PgServer, db: str, tmp_path: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *as_(pg_server, db, "adm"), "db", "unit", "B", "--review", "on")
    assert (code, out) == (0, "Enheten B: granskning före signering ja, övningsenhet nej.\n")
    code, _, err = run(capsys, *as_(pg_server, db, "cw_a"), "db", "unit", "A", "--review", "off")
    assert code == 1 and "not allowed" in err
    su = ["--database", pg_server.dsn("postgres", db)]
    code, out, err = run(capsys, *su, "db", "training")
    assert code == 0, err
    n = int(out.split(" har ")[1].split()[0])
    assert n >= 3
    assert run(capsys, *su, "db", "training")[1] == out  # again: nothing added
    with pg_server.superuser(db) as conn:
        assert conn.execute("SELECT review_required, training FROM uppfoljning.units "
                            "WHERE code = 'Övning'").fetchone() == (True, True)
        admin.grant(conn, "cw_a2", "caseworker", "Övning", None)
    try:
        trainee = as_(pg_server, db, "cw_a2")
        code, out, _ = run(capsys, *trainee, "list", "--format", "json")
        ids = [x["id"] for x in json.loads(out) if x["unit"] == "Övning"]
        assert len(ids) == n
        pdf = tmp_path / "p.pdf"
        assert run(capsys, *trainee, "pdf", ids[0], "-o", str(pdf))[0] == 0
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
        assert "ÖVNING – fiktiva uppgifter" in text
        code, out, _ = run(capsys, *trainee, "export", ids[0])
        assert yaml.safe_load(out)["training"] is True
        # a real unit's documents carry no marking
        r = repo(pg_server, db, "cw_a")
        real = draft(r, "A-REAL", "A")
        assert run(capsys, *as_(pg_server, db, "cw_a"), "pdf", real.id, "-o", str(pdf))[0] == 0
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
        assert "ÖVNING" not in text
        code, out, _ = run(capsys, *as_(pg_server, db, "cw_a"), "export", real.id)
        assert "training" not in yaml.safe_load(out)
        r.close()
    finally:
        with pg_server.superuser(db) as conn:
            admin.revoke(conn, "cw_a2", "Övning")
