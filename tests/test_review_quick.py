"""Quick mode on the shared database with review: the caseworker's work list is the first choice, a
returned draft shows its comments beside their questions, and in a unit that requires review the
caseworker submits instead of signing; once approved, signing works and names the approver."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casework import review
from storage.postgres import admin
from tests.pgserver import PgServer
from tests.test_quick import Terminal
from tests.test_review_db import db, draft, more_logins, repo, state  # noqa: F401 - fixtures
from tui.cli import main


def test_quick_mode_starts_from_the_work_list_and_submits_for_review(
        pg_server: PgServer, db: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cw, sup = repo(pg_server, db, "cw_a"), repo(pg_server, db, "sup_a")
    fu = draft(cw, "A-QUICK", "A")
    draft(cw, "A-OTHER", "A", complete=False)
    review.submit(cw, fu.id)
    review.return_(sup, fu.id, "Beskriv insatsen tydligare", "assessment")
    review.comment(sup, fu.id, "Bra i övrigt")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("platformdirs.user_documents_path", lambda: tmp_path)
    # the work list (returned first), two optional questions skipped, the review screen (Enter),
    # then submit: yes
    term = Terminal(["A-QUICK", "", "", "", True])
    term.install(monkeypatch)
    code = main(["--database", pg_server.dsn("cw_a", db), "quick"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert term.asked[0].startswith("Din arbetslista")
    lines = out.out.splitlines()
    at = next(i for i, line in enumerate(lines) if "Beskriv insatsen tydligare" in line)
    assert "» Doris" in lines[at] and "samlade bedömning" in lines[at - 1]  # beside its question
    assert any("» Doris: Bra i övrigt" in line for line in lines)
    assert f"Uppföljningen {fu.id} är inskickad för granskning." in out.out
    assert state(pg_server, db, fu.id) == ("submitted", None, "draft")
    # approved: the next quick run signs, and the signed record names the approver
    review.approve(sup, fu.id)
    term = Terminal(["A-QUICK", "", True, "ignored"])
    term.install(monkeypatch)
    code = main(["--database", pg_server.dsn("cw_a", db), "quick"])
    out = capsys.readouterr()
    assert code == 0, out.err
    signed = cw.get_followup(fu.id)
    assert signed.status == "final" and signed.approval is not None and signed.approval.by == "Doris"
    cw.close()
    sup.close()


class Hooked(Terminal):
    """The real prompts, and something done by someone else just before the prompt `at` is shown."""

    def __init__(self, answers: list[object], at: str, meanwhile: Callable[[], object]) -> None:
        super().__init__(answers)
        self.at, self.meanwhile = at, meanwhile

    def wrap(self, kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        inner = super().wrap(kind, real)

        def prompt(message: str, *args: Any, **kwargs: Any) -> Any:
            if message.startswith(self.at):
                self.meanwhile()
            return inner(message, *args, **kwargs)

        return prompt


def test_a_refused_signing_says_the_servers_reason_not_that_the_database_is_unreachable(
        pg_server: PgServer, db: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The unit starts requiring review while the caseworker is on "Signera?": the database refuses the
    signing. Quick mode said "Databasen kunde inte användas: <the server's English text>" (exit 1); it
    must say the server's reason, in one line in the user's language, and keep the draft."""
    with pg_server.superuser(db) as conn:
        admin.set_unit(conn, "A", review=False)
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-SIGN", "A")

    def review_turned_on() -> None:
        with pg_server.superuser(db) as conn:
            admin.set_unit(conn, "A", review=True)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("platformdirs.user_documents_path", lambda: tmp_path)
    # the work list, two optional questions skipped, the review (Enter), sign: yes, the signer
    term = Hooked(["A-SIGN", "", "", "", True, "Anna"], "Signera", review_turned_on)
    term.install(monkeypatch)
    code = main(["--database", pg_server.dsn("cw_a", db), "quick"])
    out = capsys.readouterr()
    said = out.out + out.err
    assert any(m.startswith("Signera") for m in term.asked), term.asked  # the refusal came from signing
    reason = "Fel: uppföljningen måste godkännas av en arbetsledare innan den kan signeras"
    assert reason in " ".join(said.split()), said
    assert "kunde inte användas" not in said and "Traceback" not in said
    assert "must be approved" not in said  # the server's English line is not shown as it is
    assert "Uppföljningen är sparad som utkast." in said
    assert code == 0, said
    assert state(pg_server, db, fu.id) == ("draft", None, "draft")  # nothing signed
    cw.close()


def test_a_refused_submission_says_the_servers_reason(
        pg_server: PgServer, db: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Handed in from another window while quick mode asks "Skicka in?": the database refuses the
    second submission, and quick mode says why in one line, not that the database is unreachable."""
    cw, other = repo(pg_server, db, "cw_a"), repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-TWICE", "A")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("platformdirs.user_documents_path", lambda: tmp_path)
    term = Hooked(["A-TWICE", "", "", "", True], "Enheten kräver granskning",
                  lambda: review.submit(other, fu.id))
    term.install(monkeypatch)
    code = main(["--database", pg_server.dsn("cw_a", db), "quick"])
    out = capsys.readouterr()
    said = out.out + out.err
    assert "Fel: uppföljningen är redan inskickad för granskning" in " ".join(said.split()), said
    assert "kunde inte användas" not in said and "Traceback" not in said
    assert code == 0, said
    assert state(pg_server, db, fu.id) == ("submitted", None, "draft")
    cw.close()
    other.close()


def test_a_login_the_database_refuses_is_told_why_in_quick_mode(
        pg_server: PgServer, db: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """A login without a role: the database's reason in one line, not "Databasen kunde inte användas"
    (the database was reachable; it refused this login)."""
    with pg_server.superuser() as conn:
        conn.execute("DROP ROLE IF EXISTS quick_stranger")
        conn.execute("CREATE ROLE quick_stranger LOGIN")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code = main(["--database", pg_server.dsn("quick_stranger", db), "quick"])
    out = capsys.readouterr()
    assert code == 1 and out.out == "", out
    assert out.err == ("uppfoljning: Fel: inloggningen 'quick_stranger' har ingen roll i databasen; en "
                       "administratör ger den en med 'uppfoljning db grant'\n")
