"""Quick mode on the shared database with review: the caseworker's work list is the first choice, a
returned draft shows its comments beside their questions, and in a unit that requires review the
caseworker submits instead of signing; once approved, signing works and names the approver."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casework import review
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
