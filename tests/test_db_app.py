"""The Textual app on the shared database, driven through Pilot as real logins: answers land in the
database as the login, a same-answer save on a stale version is a choice (never an overwrite), a
stale signature is refused and explained, and whoever else has the draft open is named."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Static

from casework.session import start_followup
from casework.shared import open_database
from interview.case import Case
from interview.casefile import load_text, parse_casefile
from interview.followup import FollowUp
from storage.postgres.repo import PostgresRepository
from tests.pgserver import PgServer
from tests.test_quick import DATA
from tests.tui_helpers import TODAY, keys_for
from tui.app import UppfoljningApp
from tui.cli import main
from tui.dialogs.conflict import ConflictDialog
from tui.screens.case import CaseScreen
from tui.screens.dashboard import Dashboard
from tui.screens.interview import InterviewScreen
from tui.screens.review import ReviewScreen
from tui.screens.worklist import WorkListScreen


@pytest.fixture
def example() -> Any:
    return parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))


def stored_case(server: PgServer, db: str, example: Any) -> Case:
    case = Case(client=example.client.model_copy(update={"unit": "A"}), plan=example.plan)
    repo = PostgresRepository(server.dsn("cw_a", db))
    repo.add_case(case)
    repo.close()
    return case


def app_as(server: PgServer, db: str, login: str, tmp: Path) -> UppfoljningApp:
    return UppfoljningApp(None, "en", today=TODAY, export_dir=tmp / "exports",
                          opened=open_database(server.dsn(login, db)))


def run(app: UppfoljningApp, scenario: Callable[[Pilot[None]], Awaitable[None]],
        size: tuple[int, int] = (100, 40)) -> None:
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            # The work list comes first on the database; these tests start from the dashboard below it.
            assert isinstance(app.screen, WorkListScreen)
            await pilot.press("d")
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(go())


def superuser_rows(server: PgServer, db: str, query: str, params: Any = None) -> list[Any]:
    with psycopg.connect(server.dsn("postgres", db)) as su:
        return su.execute(query, params).fetchall()


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def resume(pilot: Pilot[None]) -> InterviewScreen:
    """From the dashboard, the test case's draft, as a caseworker would open it."""
    assert isinstance(pilot.app.screen, Dashboard)
    await pilot.press("r")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, InterviewScreen)
    return screen


async def answer(pilot: Pilot[None], value: Any) -> None:
    await pilot.press(*keys_for(pilot.app.screen, value))
    await pilot.pause()


# --- answering as the login -------------------------------------------------------------------------


def test_the_app_on_the_database_saves_each_answer_as_the_login(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    case = stored_case(pg_server, pg_clean, example)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, Dashboard)
        assert "Signed in: Anna (A)" in text_of(app.screen, "#banner")  # the login, not a typed name
        assert "unencrypted" not in text_of(app.screen, "#banner").lower()
        await pilot.press("f")  # a new follow-up of the one case
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        fu_id = screen.session.followup.id
        assert screen.current_step() is not None and screen.current_step().key == "meeting_date"
        await answer(pilot, "2026-11-18")
        assert superuser_rows(pg_server, pg_clean, "SELECT data -> 'answers' ->> 'meeting_date', version "
                              "FROM uppfoljning.followups WHERE id = %s", (fu_id,)) == \
            [("2026-11-18", screen.session.version)]
        # this login holds the draft while the screen is open ...
        assert superuser_rows(pg_server, pg_clean, "SELECT login FROM uppfoljning.presence") == [("cw_a",)]
        await pilot.press("escape")
        await pilot.pause()
        # ... and gives it up on leaving
        assert superuser_rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.presence") == [(0,)]
        fu = PostgresRepository(pg_server.dsn("sup_a", pg_clean)).followups_of(case.id)[-1]
        assert fu.caseworker == "Anna" and fu.answers == {"meeting_date": "2026-11-18"}

    run(app, scenario)
    actors = superuser_rows(pg_server, pg_clean, "SELECT actor, action FROM uppfoljning.audit "
                            "WHERE case_id = %s ORDER BY at, seq", (case.id,))
    assert ("cw_a", "save_answer") in actors and ("cw_a", "open") in actors
    assert {a for a, _ in actors} == {"cw_a"}


# --- a same-answer save on a stale version: the caseworker chooses ------------------------------------


def draft_with_bertil(server: PgServer, db: str, example: Any) -> tuple[str, PostgresRepository, int]:
    case = stored_case(server, db, example)
    anna = PostgresRepository(server.dsn("cw_a", db))
    fu_id = start_followup(anna, case, "Anna").id
    anna.close()
    bertil = PostgresRepository(server.dsn("cw_a2", db))
    _, seen = bertil.open_followup(fu_id)
    assert seen is not None
    return fu_id, bertil, seen


def stored_answers(server: PgServer, db: str, fu_id: str) -> dict[str, Any]:
    rows = superuser_rows(server, db, "SELECT data -> 'answers' FROM uppfoljning.followups WHERE id = %s",
                          (fu_id,))
    return dict(rows[0][0])


@pytest.mark.parametrize("choice", ["mine", "theirs", "later"])
def test_a_stale_save_of_the_same_answer_shows_both_and_stores_the_choice(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path, choice: str) -> None:
    fu_id, bertil, seen = draft_with_bertil(pg_server, pg_clean, example)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await resume(pilot)
        version_seen = screen.session.version
        # Bertil, in his own session, answers the same question after Anna opened the draft
        bertil.save_answer(fu_id, "meeting_date", "2026-11-17", expected_version=seen)
        await answer(pilot, "2026-11-18")
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog), "a stale save must never overwrite silently"
        shown = " ".join(str(w.render()) for w in dialog.query(Static))
        assert "Bertil" in shown and "17 November 2026" in shown and "18 November 2026" in shown
        assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == "2026-11-17"  # nothing yet
        if choice == "later":
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and screen.session.version == version_seen
            assert "Not saved" in text_of(screen, "#answer-error")
            assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == "2026-11-17"
            assert screen.current_step().key == "meeting_date"  # type: ignore[union-attr]
            await pilot.press("ctrl+s")  # what was typed is still there: saving asks again
            await pilot.pause()
            assert isinstance(app.screen, ConflictDialog)
            await pilot.click("#keep-mine")
            await pilot.pause()
            assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == "2026-11-18"
            return
        await pilot.click("#keep-mine" if choice == "mine" else "#keep-theirs")
        await pilot.pause()
        assert app.screen is screen
        want = "2026-11-18" if choice == "mine" else "2026-11-17"
        assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == want
        assert screen.session.followup.answers["meeting_date"] == want
        # the session has read the follow-up as stored: the next save names its current version
        assert screen.session.version == superuser_rows(
            pg_server, pg_clean, "SELECT version FROM uppfoljning.followups WHERE id = %s", (fu_id,))[0][0]
        assert screen.current_step().key != "meeting_date"  # type: ignore[union-attr]  # moved on

    run(app, scenario)
    bertil.close()
    who = superuser_rows(pg_server, pg_clean, "SELECT actor FROM uppfoljning.audit WHERE followup_id = %s "
                         "AND action = 'save_answer' ORDER BY at, seq", (fu_id,))
    assert who == ([("cw_a2",)] if choice == "theirs" else [("cw_a2",), ("cw_a",)])


def test_answers_to_other_questions_merge_and_the_app_takes_them_in(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    fu_id, bertil, seen = draft_with_bertil(pg_server, pg_clean, example)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await resume(pilot)
        bertil.save_answer(fu_id, "client_view", "Bertils anteckning", expected_version=seen)
        await answer(pilot, "2026-11-18")
        assert not isinstance(app.screen, ConflictDialog)
        assert stored_answers(pg_server, pg_clean, fu_id) == {"meeting_date": "2026-11-18",
                                                              "client_view": "Bertils anteckning"}
        # a save after another's: the app read the draft again, so it claims no version it has not seen
        assert screen.session.followup.answers["client_view"] == "Bertils anteckning"
        # ... and Bertil's answer to the same question after THAT is still a conflict for Anna
        _, bertil_now = bertil.open_followup(fu_id)
        bertil.save_answer(fu_id, "client_view", "Bertil igen", expected_version=bertil_now)
        screen.editing = "client_view"
        await screen.show()
        await pilot.press(*"Anna", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictDialog)

    run(app, scenario)
    bertil.close()


# --- signing checks the version -----------------------------------------------------------------------


def test_signing_a_draft_changed_since_it_was_read_is_refused_and_explained(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=case.plan,
                  caseworker="Anna", answers=dict(example.followup.answers), goals=dict(example.followup.goals))
    anna.add_followup(fu)
    anna.close()
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)
    notices: list[str] = []

    async def scenario(pilot: Pilot[None]) -> None:
        await resume(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.session.missing() == []
        _, seen = bertil.open_followup(fu.id)
        bertil.save_answer(fu.id, "client_view", "Ändrad av Bertil", expected_version=seen)
        real_notify = app.notify

        def spy(message: str, **kw: Any) -> None:
            notices.append(message)
            real_notify(message, **kw)

        app.notify = spy  # type: ignore[method-assign]
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        status = superuser_rows(pg_server, pg_clean, "SELECT status FROM uppfoljning.followups WHERE id = %s",
                                (fu.id,))
        assert status == [("draft",)], "a signature on a version the signer never saw"
        assert any("has changed since you opened it" in n for n in notices), notices
        # the review now shows what Bertil wrote: what is signed next is what was looked at
        assert review.session.followup.answers["client_view"] == "Ändrad av Bertil"
        assert "Ändrad av Bertil" in " ".join(str(w.render()) for w in review.query(".review-row"))
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    run(app, scenario)
    bertil.close()
    rows = superuser_rows(pg_server, pg_clean, "SELECT status, finalized_by, signed_login, "
                          "data -> 'answers' ->> 'client_view' FROM uppfoljning.followups WHERE id = %s",
                          (fu.id,))
    assert rows == [("final", "Anna", "cw_a", "Ändrad av Bertil")]


# --- who else has the draft open -----------------------------------------------------------------------


def test_the_case_and_interview_screens_name_another_login_in_the_draft(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    fu_id, bertil, _ = draft_with_bertil(pg_server, pg_clean, example)
    bertil.hold(fu_id)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("enter")  # the case
        await pilot.pause()
        case_screen = app.screen
        assert isinstance(case_screen, CaseScreen)
        line = text_of(case_screen, "#presence")
        assert line.startswith("Note: Bertil also has this draft open (since ")
        assert case_screen.query_one("#presence", Static).display
        # looking at the case takes no lease of Anna's
        assert superuser_rows(pg_server, pg_clean, "SELECT login FROM uppfoljning.presence") == [("cw_a2",)]
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert text_of(screen, "#presence").startswith("Note: Bertil also has this draft open")
        assert [h.name for h in bertil.holders(fu_id)] == ["Anna"]
        # Bertil leaves: Anna's screen says so at its next refresh
        bertil.release(fu_id)
        screen.take_lease()
        assert not screen.query_one("#presence", Static).display
        await pilot.press("escape")
        await pilot.pause()
        assert bertil.holders(fu_id) == []

    run(app, scenario)
    bertil.close()


def test_the_timed_lease_refresh_asks_the_database_off_the_ui_thread_and_fails_silently(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every 20 s (0.3 s here) the draft's lease is refreshed in a worker thread, so a slow server never
    holds up the keys: Bertil leaving shows without a key, and a refresh the database refuses is no
    notice (the next save tells)."""
    import threading

    from storage.errors import StorageError
    from tui.screens import interview as interview_module

    monkeypatch.setattr(interview_module, "LEASE_REFRESH_S", 0.3)
    fu_id, bertil, _ = draft_with_bertil(pg_server, pg_clean, example)
    bertil.hold(fu_id)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)
    threads: list[str] = []

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await resume(pilot)
        assert text_of(screen, "#presence").startswith("Note: Bertil also has this draft open")
        hold = app.repo.hold  # type: ignore[attr-defined]

        def counted(followup_id: str) -> Any:
            threads.append(threading.current_thread().name)
            return hold(followup_id)

        app.repo.hold = counted  # type: ignore[attr-defined]
        bertil.release(fu_id)
        for _ in range(60):  # the timer, not a key, brings the change
            await pilot.pause(0.05)
            if not screen.query_one("#presence", Static).display:
                break
        assert not screen.query_one("#presence", Static).display
        assert threads and threading.main_thread().name not in threads
        seen = len(app._notifications)

        def refused(followup_id: str) -> Any:
            threads.append("refused")
            raise StorageError("the server went away")

        app.repo.hold = refused  # type: ignore[attr-defined]
        for _ in range(30):
            await pilot.pause(0.05)
            if "refused" in threads:
                break
        await pilot.pause(0.2)
        assert "refused" in threads and len(app._notifications) == seen
        assert isinstance(app.screen, InterviewScreen)

    run(app, scenario)
    bertil.close()


def test_the_interview_shows_no_presence_line_when_alone(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    _, bertil, _ = draft_with_bertil(pg_server, pg_clean, example)
    bertil.close()
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await resume(pilot)
        assert not screen.query_one("#presence", Static).display
        assert superuser_rows(pg_server, pg_clean, "SELECT login FROM uppfoljning.presence") == [("cw_a",)]

    run(app, scenario)
    # closing the app gives up the lease too
    assert superuser_rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.presence") == [(0,)]


# --- refused before the app starts: one line, exit 1 ----------------------------------------------------


def one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 1 and out.out == "" and "Traceback" not in out.err, out
    assert len(out.err.splitlines()) == 1, out.err
    return out.err


def test_a_database_the_app_cannot_use_is_one_line_before_it_starts(
        pg_server: PgServer, pg_clean: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pg_server.superuser() as conn:
        conn.execute("DROP ROLE IF EXISTS stranger")
        conn.execute("CREATE ROLE stranger LOGIN")
        conn.execute("DROP ROLE IF EXISTS halfway")
        conn.execute("CREATE ROLE halfway LOGIN")
    with pg_server.superuser(pg_clean) as conn:  # the group role, but no staff row: no unit
        conn.execute("GRANT uppfoljning_caseworker TO halfway")
    # no role at all: Swedish by default, English with --lang en
    err = one_line(capsys, "--database", pg_server.dsn("stranger", pg_clean))
    assert err == ("uppfoljning: fel: inloggningen 'stranger' har ingen roll i databasen; en administratör "
                   "ger den en med 'uppfoljning db grant'\n")
    err = one_line(capsys, "--database", pg_server.dsn("stranger", pg_clean), "--lang", "en")
    assert "the login 'stranger' has no role in this database" in err
    err = one_line(capsys, "--database", pg_server.dsn("halfway", pg_clean))
    assert "'halfway' har ingen roll" in err
    # an analyst sees no personal data: the app is not theirs
    err = one_line(capsys, "--database", pg_server.dsn("ana", pg_clean))
    assert "'ana' har rollen analyst" in err and "uppfoljning report" in err
    # nobody listening there
    bad = f"host={pg_server.socket_dir} port=1 dbname={pg_clean} user=cw_a"
    err = one_line(capsys, "--database", bad, "--lang", "en")
    assert err.startswith("uppfoljning: error: cannot connect to the database: ")
    # an address that is no address
    err = one_line(capsys, "--database", "host='unclosed", "--lang", "en")
    assert "the database address cannot be read" in err
    # another machine without TLS
    err = one_line(capsys, "--database", "host=db.kommun.se dbname=u")
    assert "vägrar okrypterad anslutning till db.kommun.se" in err


def test_a_staff_row_left_without_units_is_refused(
        pg_server: PgServer, pg_clean: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pg_server.superuser(pg_clean) as conn:
        try:
            conn.execute("UPDATE uppfoljning.staff SET units = '{}' WHERE login = 'cw_b'")
        except psycopg.Error:
            pytest.skip("the schema itself forbids a staff row without units")
    try:
        err = one_line(capsys, "--database", pg_server.dsn("cw_b", pg_clean), "--lang", "en")
        assert "the login 'cw_b' has no unit" in err
    finally:
        with pg_server.superuser(pg_clean) as conn:
            conn.execute("UPDATE uppfoljning.staff SET units = '{B}' WHERE login = 'cw_b'")


def test_the_conflict_dialog_defaults_to_keeping_the_other_answer(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    """Enter on the dialog keeps what is stored: a reflex never overwrites a colleague's answer."""
    fu_id, bertil, seen = draft_with_bertil(pg_server, pg_clean, example)
    app = app_as(pg_server, pg_clean, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume(pilot)
        bertil.save_answer(fu_id, "meeting_date", "2026-11-17", expected_version=seen)
        await answer(pilot, "2026-11-18")
        assert isinstance(app.screen, ConflictDialog)
        assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "keep-theirs"
        await pilot.press("enter")
        await pilot.pause()
        assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == "2026-11-17"

    run(app, scenario)
    bertil.close()


def test_a_draft_signed_by_another_login_meanwhile_is_shown_signed_and_can_be_left(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    """Bertil types in the review while Anna signs: his save is refused in one line, the review shows
    the signed record read-only, and Esc leaves it (his typing is no trap on a record that cannot change)."""
    from datetime import UTC, datetime

    case = stored_case(pg_server, pg_clean, example)
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=case.plan,
                  caseworker="Anna", answers=dict(example.followup.answers), goals=dict(example.followup.goals))
    anna.add_followup(fu)
    app = app_as(pg_server, pg_clean, "cw_a2", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        answers, goals = review.session.interview.final_answers()
        anna.finalize(fu.id, "Anna", datetime(2026, 11, 25, tzinfo=UTC), answers, goals)
        await pilot.press(*"Bertil ", "ctrl+s")
        await pilot.pause()
        assert "is final" in text_of(review, "#assessment-note") or "signed" in text_of(review, "#assessment-note")
        assert review.session.final
        assert review.query_one("#finalize", Button).disabled
        await pilot.press("escape")  # signed: past the interview too, where nothing can change now
        await pilot.pause()
        assert isinstance(app.screen, Dashboard)
        assert superuser_rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.presence") == [(0,)]

    run(app, scenario)
    anna.close()
    rows = superuser_rows(pg_server, pg_clean, "SELECT status, data -> 'answers' ->> 'assessment' "
                          "FROM uppfoljning.followups WHERE id = %s", (fu.id,))
    assert rows == [("final", example.followup.answers["assessment"])]


def test_two_apps_two_logins_the_second_save_on_a_stale_version_asks(
        pg_server: PgServer, pg_clean: str, example: Any, tmp_path: Path) -> None:
    """Anna's and Bertil's apps side by side on one draft: different answers merge, the same answer
    saved second on a stale version is Bertil's to choose, and each sees the other named."""
    fu_id, helper, _ = draft_with_bertil(pg_server, pg_clean, example)
    helper.close()
    anna_app = app_as(pg_server, pg_clean, "cw_a", tmp_path)
    bertil_app = app_as(pg_server, pg_clean, "cw_a2", tmp_path / "b")

    async def go() -> None:
        async with anna_app.run_test(size=(80, 24)) as anna, bertil_app.run_test(size=(80, 24)) as bertil:
            for pilot in (anna, bertil):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
                await pilot.press("d")  # from the work list to the dashboard
                await pilot.pause()
            a_screen = await resume(anna)
            b_screen = await resume(bertil)
            assert text_of(b_screen, "#presence").startswith("Note: Anna also has this draft open")
            # Anna's screen refreshes (its timer's call, run in her app: Textual finds "the app" by context)
            a_screen.call_later(a_screen.take_lease)
            await anna.pause()
            assert text_of(a_screen, "#presence").startswith("Note: Bertil also has this draft open")
            await answer(anna, "2026-11-18")
            await answer(bertil, "2026-11-17")
            assert isinstance(bertil_app.screen, ConflictDialog)
            assert not isinstance(anna_app.screen, ConflictDialog)
            await bertil.click("#keep-theirs")
            await bertil.pause()
            assert stored_answers(pg_server, pg_clean, fu_id)["meeting_date"] == "2026-11-18"
            assert b_screen.session.followup.answers["meeting_date"] == "2026-11-18"

    asyncio.run(go())
    assert superuser_rows(pg_server, pg_clean, "SELECT count(*) FROM uppfoljning.presence") == [(0,)]
