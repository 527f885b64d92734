"""The quick mode on the shared database, and "who has this draft open": two real login roles, each
its own connection; a lease names its holder by display name, cannot be forged, taken over or
removed by another login, runs out when not refreshed, and goes when the draft is closed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from interview.case import Case
from interview.casefile import load_text, parse_casefile
from storage.postgres import repo as repo_module
from storage.postgres.repo import PostgresRepository
from tests.pgserver import PgServer
from tests.test_quick import CTRL_C, DATA, Terminal, answers_for
from tui.cli import main
from tui.quick import QuickMode


@pytest.fixture
def example() -> Any:
    return parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))


def stored_case(server: PgServer, db: str, example: Any) -> Case:
    case = Case(client=example.client.model_copy(update={"unit": "A"}), plan=example.plan)
    repo = PostgresRepository(server.dsn("cw_a", db))
    repo.add_case(case)
    repo.close()
    return case


def test_quick_mode_walks_a_followup_on_the_database(
        pg_server: PgServer, pg_clean: str, example: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case = stored_case(pg_server, pg_clean, example)
    answers = answers_for(example)
    answers[-1] = "Someone Else"  # the signer typed: the database signs with the login's name anyway
    Terminal(answers).install(monkeypatch)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("platformdirs.user_documents_path", lambda: tmp_path)
    code = main(["--database", pg_server.dsn("cw_a", pg_clean), "--lang", "en", "quick"])
    out = capsys.readouterr()
    assert code == 0, out.err
    repo = PostgresRepository(pg_server.dsn("sup_a", pg_clean))
    fu = repo.followups_of(case.id)[-1]
    assert fu.status == "final" and fu.finalized_by == "Anna"
    assert fu.answers["decision"] == example.followup.answers["decision"]
    assert (tmp_path / "Uppföljning" / f"uppfoljning-{fu.id}.pdf").is_file()
    actors = {(e["actor"], e["action"]) for e in repo.audit_entries(case.id)}
    assert {("cw_a", "save_answer"), ("cw_a", "finalize")} <= actors
    with psycopg.connect(pg_server.dsn("postgres", pg_clean)) as su:  # closed: no lease is left
        assert su.execute("SELECT count(*) FROM uppfoljning.presence").fetchone() == (0,)
    repo.close()


def test_quick_mode_names_a_database_it_cannot_use_in_one_line(
        pg_server: PgServer, pg_clean: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    with pg_server.superuser() as conn:
        conn.execute("DROP ROLE IF EXISTS stranger")
        conn.execute("CREATE ROLE stranger LOGIN")
    code = main(["--database", pg_server.dsn("stranger", pg_clean), "--lang", "en", "quick"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "stranger" in err and "db grant" in err


def test_opening_a_draft_another_login_holds_names_them(
        pg_server: PgServer, pg_clean: str, example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    # Anna starts the follow-up in quick mode and pauses after the meeting date (Ctrl-C): still open
    Terminal(["IFO-2026-0117", "2026-11-18", CTRL_C]).install(monkeypatch)
    said_a: list[str] = []
    quick_a = QuickMode(anna, "en", "Anna", out=said_a.append)
    quick_a.start(quick_a.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick_a.ask_all()
    draft = quick_a.session.followup.id if quick_a.session else ""
    assert not [line for line in said_a if "also has this draft open" in line]
    # Bertil, another login, opens the same case's draft: one line naming Anna
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    said_b: list[str] = []
    quick_b = QuickMode(bertil, "en", "Bertil", out=said_b.append)
    quick_b.start(case)
    assert quick_b.session is not None and quick_b.session.followup.id == draft
    lines = [line for line in said_b if "also has this draft open" in line]
    assert len(lines) == 1 and lines[0].startswith("Note: Anna also has this draft open (since ")
    # ... and Anna, refreshing, now sees Bertil
    assert [h.name for h in anna.hold(draft)] == ["Bertil"]
    # Anna closes the draft: Bertil no longer sees her
    anna.release(draft)
    assert bertil.holders(draft) == []
    anna.close()
    bertil.close()


def test_a_lease_cannot_be_forged_taken_or_removed_by_another_login(
        pg_server: PgServer, pg_clean: str, example: Any) -> None:
    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    from casework.session import start_followup

    draft = start_followup(anna, case, "Anna").id
    assert anna.hold(draft) == []
    with psycopg.connect(pg_server.dsn("cw_a2", pg_clean), autocommit=True) as bertil:
        # in Anna's name, dated into the future: the server writes Bertil's login and its own clock
        bertil.execute("INSERT INTO uppfoljning.presence (followup_id, unit, login, since, seen) "
                       "VALUES (%s, 'A', 'cw_a', '2999-01-01', '2999-01-01')", (draft,))
        rows = bertil.execute("SELECT login, seen < now() + interval '1 minute' FROM uppfoljning.presence "
                              "ORDER BY login").fetchall()
        assert rows == [("cw_a", True), ("cw_a2", True)]
        assert bertil.execute("UPDATE uppfoljning.presence SET seen = '2999-01-01' "
                              "WHERE login = 'cw_a'").rowcount == 0
        assert bertil.execute("DELETE FROM uppfoljning.presence WHERE login = 'cw_a'").rowcount == 0
        # renaming his own lease to Anna's login: the server keeps his login on it
        bertil.execute("UPDATE uppfoljning.presence SET login = 'cw_a', since = '2000-01-01' "
                       "WHERE login = 'cw_a2'")
        rows = bertil.execute("SELECT login, since > now() - interval '1 hour' FROM uppfoljning.presence "
                              "ORDER BY login").fetchall()
        assert rows == [("cw_a", True), ("cw_a2", True)]
    # another unit's caseworker neither sees the leases nor can hold one on this draft
    with psycopg.connect(pg_server.dsn("cw_b", pg_clean), autocommit=True) as cecilia:
        assert cecilia.execute("SELECT count(*) FROM uppfoljning.presence").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cecilia.execute("INSERT INTO uppfoljning.presence (followup_id, unit) VALUES (%s, 'A')", (draft,))
    assert [h.login for h in anna.holders(draft)] == ["cw_a2"]
    anna.close()


def test_a_lease_not_refreshed_runs_out_and_a_final_followup_holds_none(
        pg_server: PgServer, pg_clean: str, example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from casework.session import start_followup

    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    draft = start_followup(anna, case, "Anna").id
    anna.hold(draft)
    assert [h.name for h in bertil.hold(draft)] == ["Anna"]
    # a crashed client: Anna's lease was last refreshed longer ago than a lease lasts
    with psycopg.connect(pg_server.dsn("postgres", pg_clean), autocommit=True) as su, su.transaction():
        su.execute("SET LOCAL session_replication_role = replica")  # past the stamping trigger
        su.execute("UPDATE uppfoljning.presence SET seen = now() - %s WHERE login = 'cw_a'",
                   (timedelta(seconds=repo_module.LEASE_SECONDS + 5),))
    assert bertil.holders(draft) == []
    # saving keeps a held lease fresh (at most once a REFRESH_SECONDS)
    monkeypatch.setattr(repo_module, "REFRESH_SECONDS", 0)
    anna.save_answer(draft, "meeting_date", "2026-11-18")
    assert [h.name for h in bertil.holders(draft)] == ["Anna"]
    anna.finalize(draft, "Anna", datetime(2026, 11, 18, tzinfo=UTC), {}, {})
    anna.release(draft)
    assert [h.login for h in anna.hold(draft)] == ["cw_a2"]  # a final one: no new lease of hers
    with psycopg.connect(pg_server.dsn("postgres", pg_clean)) as su:
        assert su.execute("SELECT login FROM uppfoljning.presence").fetchall() == [("cw_a2",)]
    anna.close()
    bertil.close()
    # erasing the case takes its leases with it
    sup = PostgresRepository(pg_server.dsn("sup_a", pg_clean))
    sup.erase_case(case.id)
    with psycopg.connect(pg_server.dsn("postgres", pg_clean)) as su:
        assert su.execute("SELECT count(*) FROM uppfoljning.presence").fetchone() == (0,)
    sup.close()


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_quick_mode_asks_about_a_same_answer_saved_meanwhile_and_stores_the_choice(
        pg_server: PgServer, pg_clean: str, example: Any, monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    said: list[str] = []
    quick = QuickMode(anna, "en", "Anna", out=said.append)
    quick.start(case)
    assert quick.session is not None
    draft = quick.session.followup.id
    # Bertil answers the meeting date after Anna opened the draft
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    _, seen = bertil.open_followup(draft)
    bertil.save_answer(draft, "meeting_date", "2026-11-17", expected_version=seen)
    terminal = Terminal(["2026-11-18", choice, CTRL_C])
    terminal.install(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    told = " ".join(" ".join(said).split())  # wrapped at the terminal width
    assert "Bertil saved" in told and "after you opened the draft" in told
    assert terminal.asked[1].startswith("Someone else changed the same answer")
    stored = bertil.get_followup(draft).answers["meeting_date"]
    assert stored == ("2026-11-18" if choice == "mine" else "2026-11-17")
    assert quick.session.followup.answers["meeting_date"] == stored
    anna.close()
    bertil.close()
