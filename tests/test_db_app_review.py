"""Supervisor review and the work list in the Textual app, on a real PostgreSQL server, by real keys: a
caseworker submits, the supervisor returns with a comment on a question, the caseworker sees it beside
the question, revises and resubmits, the supervisor approves, the caseworker signs; each role's work list
holds exactly casework's rows; the database's refusals are one line in the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Static, TextArea

from casework import worklist
from casework.shared import open_database
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.postgres import admin
from storage.postgres.repo import PostgresRepository
from tests.helpers import complete_answers
from tests.pgserver import PgServer
from tests.tui_helpers import TODAY
from tui.app import UppfoljningApp
from tui.dialogs.review import ReturnDialog
from tui.dialogs.sign import SignDialog
from tui.screens.dashboard import Dashboard
from tui.screens.interview import InterviewScreen
from tui.screens.review import ReviewScreen
from tui.screens.worklist import WorkListScreen

NOTE = "Bedömningen är för vag skriv vad som har förändrats"
PLAN = Plan.model_validate({"start": "2026-05-04", "goals": [
    {"id": "g1", "text": "Sköta tvätten", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1}]})


@pytest.fixture
def db(pg_server: PgServer, pg_clean: str) -> str:
    """Unit A (cw_a Anna, sup_a Doris) requires review."""
    with pg_server.superuser(pg_clean) as conn:
        admin.set_unit(conn, "A", review=True, training=False)
    return pg_clean


def repo(server: PgServer, db: str, login: str) -> PostgresRepository:
    return PostgresRepository(server.dsn(login, db))


def draft(r: PostgresRepository, ref: str, *, complete: bool = True, signed_next: str | None = None) -> FollowUp:
    """A case of unit A with one follow-up: a complete draft, or (signed_next) a signed one in a unit
    without review whose next follow-up is that date."""
    case = Case(client=Client(case_ref=ref, name=f"Person {ref}", gender="woman", unit="A"), plan=PLAN)
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=PLAN)
    r.add_case(case, [fu])
    if complete:
        for k, v in complete_answers().items():
            r.save_answer(fu.id, k, v)
        r.save_answer(fu.id, "goals.g1.level", 2)
        r.save_answer(fu.id, "goals.g1.attainment", "partly_achieved")
    return fu


def state(server: PgServer, db: str, fid: str) -> tuple[Any, ...]:
    with server.superuser(db) as conn:
        row = conn.execute("SELECT review_state, approved_by, status, data -> 'answers' ->> 'assessment' "
                           "FROM uppfoljning.followups WHERE id = %s", (fid,)).fetchone()
    assert row is not None
    return tuple(row)


def app_as(server: PgServer, db: str, login: str, tmp: Path, lang: str = "sv") -> UppfoljningApp:
    return UppfoljningApp(None, lang, today=TODAY, export_dir=tmp / "exports",
                          opened=open_database(server.dsn(login, db)))


def run(app: UppfoljningApp, scenario: Callable[[Pilot[None]], Awaitable[None]],
        size: tuple[int, int] = (80, 24)) -> None:
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(go())


def table_rows(screen: WorkListScreen) -> list[list[str]]:
    table = screen.query_one("#worklist", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_row(pilot: Pilot[None], case_ref: str, what: str) -> None:
    """Move the work list's cursor to the line of `case_ref` saying `what`, and press Enter."""
    screen = pilot.app.screen
    assert isinstance(screen, WorkListScreen)
    rows = table_rows(screen)
    index = next(i for i, r in enumerate(rows) if r[1] == case_ref and r[0].strip() == what)
    for _ in range(index):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()


def keys(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


def screen_text(screen: Any) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static) if w.display)


def errors(app: UppfoljningApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def test_the_whole_review_round_by_keys_as_two_logins(pg_server: PgServer, db: str, tmp_path: Path) -> None:
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-1")
    cw.close()

    # 1. The caseworker: the work list is the first screen; the draft opens at the interview; the
    # review screen offers "Skicka för granskning" instead of signing.
    app = app_as(pg_server, db, "cw_a", tmp_path)

    async def submits(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, WorkListScreen)
        assert table_rows(app.screen) == [["utkast", "A-1", "2026-11-18", "Person A-1"]]
        await open_row(pilot, "A-1", "utkast")
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.query_one("#submit-review", Button).display
        assert not screen.query_one("#finalize", Button).display
        footer = {a.binding.description for a in screen.active_bindings.values()}
        assert "Skicka för granskning" in footer and "Signera" not in footer
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert state(pg_server, db, fu.id)[:3] == ("submitted", None, "draft")
        assert "väntar på arbetsledaren" in screen_text(screen)
        await pilot.press("ctrl+f")  # submitted: nothing more to do here, and nothing is signed
        await pilot.pause()
        assert state(pg_server, db, fu.id)[:3] == ("submitted", None, "draft")
        assert not errors(app)

    run(app, submits)

    # 2. The supervisor: "att granska" on the list, the review screen read-only, returned with a
    # comment on the assessment.
    app = app_as(pg_server, db, "sup_a", tmp_path)

    async def returns(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, WorkListScreen)
        assert table_rows(app.screen) == [["att granska", "A-1", "2026-11-18", "Person A-1 (Anna)"]]
        await open_row(pilot, "A-1", "att granska")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.query_one("#assessment", TextArea).read_only
        assert not screen.query_one("#finalize", Button).display
        footer = {a.binding.description for a in screen.active_bindings.values()}
        assert {"Återsänd med kommentar", "Godkänn"} <= footer and "Spara bedömningen" not in footer
        await pilot.press("a", "b")  # typing into the read-only assessment changes nothing
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert state(pg_server, db, fu.id)[3] == "Bra."
        await pilot.press("ctrl+r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReturnDialog)
        assert str(dialog.query_one("#save", Button).label) == "Återsänd med kommentar"
        asked = [k for k, _ in dialog.questions]
        await pilot.press(*keys(NOTE))
        await pilot.press("shift+tab", "enter")  # the question pick list, opened
        await pilot.pause()
        for _ in range(asked.index("assessment") + 1):
            await pilot.press("down")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, WorkListScreen)  # back to the list, where it no longer is
        assert table_rows(app.screen) == []
        assert state(pg_server, db, fu.id)[:3] == ("returned", None, "draft")

    run(app, returns)
    notes = repo(pg_server, db, "cw_a").review_comments(fu.id)
    assert [(n.question, n.body, n.author) for n in notes] == [("assessment", NOTE, "sup_a")]

    # 3. The caseworker sees the comment beside the question, revises the assessment and resubmits.
    app = app_as(pg_server, db, "cw_a", tmp_path)

    async def revises(pilot: Pilot[None]) -> None:
        assert table_rows(app.screen)[0][:2] == ["återlämnad – ändra", "A-1"]  # type: ignore[arg-type]
        await open_row(pilot, "A-1", "återlämnad – ändra")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        transcript = [w for w in interview.query_one("#transcript").children if hasattr(w, "entry")]
        at = next(i for i, w in enumerate(transcript) if w.entry == "a:assessment")
        assert NOTE in transcript[at + 1].text and "Doris" in transcript[at + 1].text  # type: ignore[attr-defined]
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        rows = [str(w.render()) for w in screen.query("#answers .review-row, #answers .review-note")
                .results(Static)]
        at = next(i for i, r in enumerate(rows) if r.startswith("Handläggarens samlade bedömning"))
        assert NOTE in rows[at + 1] and "Doris" in rows[at + 1]  # right below its question
        assert NOTE in str(screen.query_one("#assessment-review-notes", Static).render())  # and at its field
        assert sum(NOTE in r for r in rows) == 1
        assert "Återsänd av arbetsledaren" in screen_text(screen)
        area = screen.query_one("#assessment", TextArea)
        area.focus()
        area.clear()
        await pilot.press(*keys("Tydligare nu"))
        await pilot.press("ctrl+f")  # saves the changed assessment, then submits again
        await pilot.pause()
        assert state(pg_server, db, fu.id) == ("submitted", None, "draft", "Tydligare nu")
        assert not errors(app)

    run(app, revises)

    # 4. The supervisor approves.
    app = app_as(pg_server, db, "sup_a", tmp_path)

    async def approves(pilot: Pilot[None]) -> None:
        await open_row(pilot, "A-1", "att granska")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, WorkListScreen)
        assert state(pg_server, db, fu.id)[:3] == ("approved", "sup_a", "draft")

    run(app, approves)

    # 5. The caseworker: "godkänd – signera" opens at the review screen; Ctrl+F signs as usual.
    app = app_as(pg_server, db, "cw_a", tmp_path)

    async def signs(pilot: Pilot[None]) -> None:
        await open_row(pilot, "A-1", "godkänd – signera")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "Godkänd av arbetsledaren" in screen_text(screen)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, SignDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert state(pg_server, db, fu.id)[:3] == ("signed", "sup_a", "final")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WorkListScreen)
        assert table_rows(app.screen) == []  # next follow-up 2027-05-18: not due within 14 days
        assert not errors(app)

    run(app, signs)
    signed = repo(pg_server, db, "cw_a").get_followup(fu.id)
    assert signed.finalized_by == "Anna" and signed.approval is not None and signed.approval.by == "Doris"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_supervisor_is_not_offered_to_approve_their_own_submission(
        pg_server: PgServer, db: str, tmp_path: Path, lang: str) -> None:
    """The database refuses it; the app does not offer it (before, Ctrl+G and "Godkänn" were offered
    and the refusal came after): no key in the footer, the button disabled, the reason on the screen,
    whole at 80×24. Returning it stays possible, and the database still refuses a direct approval."""
    from casework import review
    from storage.postgres.repo import ReviewRefused
    from tests.test_tui_layout import drawn, footer_shown

    sup = repo(pg_server, db, "sup_a")
    fu = draft(sup, "A-2")
    sup.close()
    app = app_as(pg_server, db, "sup_a", tmp_path, lang)
    approve = {"sv": "Godkänn", "en": "Approve"}[lang]

    async def scenario(pilot: Pilot[None]) -> None:
        await open_row(pilot, "A-2", {"sv": "utkast", "en": "draft"}[lang])
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+f")  # submitted by the supervisor ...
        await pilot.pause()
        assert state(pg_server, db, fu.id)[0] == "submitted"
        await pilot.press("escape", "escape")
        await pilot.pause()
        # ... waiting on their list (casework lists nobody's own submission to review); opened, the
        # review screen offers to return it but not to approve it, and says why.
        await open_row(pilot, "A-2", {"sv": "väntar på granskning", "en": "awaiting review"}[lang])
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.view.action == "judge"
        shown = footer_shown(app)
        assert not [k for k in shown if approve in k], shown
        assert [k for k in shown if k.startswith("^r ")], shown  # returning it is still offered
        assert screen.query_one("#approve", Button).disabled
        said = {"sv": "du kan inte godkänna en uppföljning som du själv har skickat in",
                "en": "you cannot approve a follow-up you submitted yourself"}[lang]
        assert said in str(screen.query_one("#status-line", Static).render())  # at the top ...
        # ... and beside the buttons, at the foot of the review (it opens at its top): scrolled to,
        # it is on the screen, whole, at 80×24
        note = screen.query_one("#assessment-note", Static)
        note.scroll_visible(animate=False)
        await pilot.pause()
        assert said in " ".join(drawn(app, note).split())
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert errors(app) == []  # nothing was asked of the database: nothing to refuse
        assert state(pg_server, db, fu.id)[:2] == ("submitted", None)
        assert isinstance(app.screen, ReviewScreen)

    run(app, scenario)
    sup = repo(pg_server, db, "sup_a")
    try:
        assert review.approve_refusal(sup, fu.id) == "err_review_own"
        with pytest.raises(ReviewRefused) as own:  # the server's own check stands behind the app's
            review.approve(sup, fu.id)
        assert own.value.key == "err_review_own"
        cw = repo(pg_server, db, "cw_a")
        assert review.approve_refusal(cw, fu.id) == "err_review_not_supervisor"
        cw.close()
    finally:
        sup.close()
    assert state(pg_server, db, fu.id)[:2] == ("submitted", None)


def test_a_supervisor_is_offered_to_approve_a_colleagues_submission(
        pg_server: PgServer, db: str, tmp_path: Path) -> None:
    """The other side of the rule: Anna's submission, Doris's screen offers Godkänn, and casework says so."""
    from casework import review
    from tests.test_tui_layout import footer_shown

    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-3")
    review.submit(cw, fu.id)
    cw.close()
    app = app_as(pg_server, db, "sup_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await open_row(pilot, "A-3", "att granska")
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.view.approve_refused is None
        assert "^g Godkänn" in footer_shown(app)
        assert not screen.query_one("#approve", Button).disabled

    run(app, scenario)


def test_each_roles_work_list_is_casework_s_list_and_opens_its_rows(
        pg_server: PgServer, db: str, tmp_path: Path) -> None:
    cw = repo(pg_server, db, "cw_a")
    returned, submitted, incomplete = draft(cw, "A-10"), draft(cw, "A-11"), draft(cw, "A-12", complete=False)
    for fid in (returned.id, submitted.id):
        cw.review_submit(fid)
    sup = repo(pg_server, db, "sup_a")
    sup.review_return(returned.id, "Se över målen", "goals.g1.level")
    # A signed follow-up whose next date is overdue (signed before the unit required review).
    with pg_server.superuser(db) as conn:
        admin.set_unit(conn, "A", review=False, training=False)
    overdue = draft(cw, "A-13")
    cw.save_answer(overdue.id, "next_followup", (TODAY - timedelta(days=3)).isoformat())
    got = cw.get_followup(overdue.id)
    cw.finalize(overdue.id, "x", datetime.now(UTC), got.answers, got.goals)
    with pg_server.superuser(db) as conn:
        admin.set_unit(conn, "A", review=True, training=False)
    expected_cw = [(i.kind, i.row.case_ref) for i in worklist.my_list(cw.work_rows(), "cw_a", "caseworker", TODAY)]
    expected_sup = [(i.kind, i.row.case_ref) for i in worklist.my_list(sup.work_rows(), "sup_a", "supervisor",
                                                                         TODAY)]
    cw.close()
    sup.close()
    assert ("returned", "A-10") in expected_cw and ("overdue", "A-13") in expected_cw
    assert ("review", "A-11") in expected_sup and not any(k == "returned" for k, _ in expected_sup)
    words = {"returned": "återlämnad – ändra", "submitted": "väntar på granskning", "draft": "utkast",
             "overdue": "försenad", "review": "att granska", "due": "förfaller", "approved": "godkänd – signera"}

    app = app_as(pg_server, db, "cw_a", tmp_path)

    async def caseworker(pilot: Pilot[None]) -> None:
        screen = app.screen
        assert isinstance(screen, WorkListScreen)
        assert [(r[0], r[1]) for r in table_rows(screen)] == [(words[k], ref) for k, ref in expected_cw]
        shown = {a.binding.description for a in screen.active_bindings.values()}
        assert "Enheten" not in shown  # no unit view for a caseworker ...
        await pilot.press("u")
        assert [(r[0], r[1]) for r in table_rows(screen)] == [(words[k], ref) for k, ref in expected_cw]
        await open_row(pilot, "A-13", "försenad")  # an overdue case opens the case, to start the next one
        assert type(app.screen).__name__ == "CaseScreen"
        await pilot.press("escape")
        await pilot.pause()
        await open_row(pilot, "A-11", "väntar på granskning")  # read-only while it waits
        assert isinstance(app.screen, ReviewScreen) and app.screen.view.action == "wait"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")  # the full dashboard, and back with w
        await pilot.pause()
        assert isinstance(app.screen, Dashboard)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WorkListScreen)

    run(app, caseworker)

    app = app_as(pg_server, db, "sup_a", tmp_path)

    async def supervisor(pilot: Pilot[None]) -> None:
        screen = app.screen
        assert isinstance(screen, WorkListScreen)
        assert [(r[0], r[1]) for r in table_rows(screen)] == [(words[k], ref) for k, ref in expected_sup]
        await pilot.press("u")
        await pilot.pause()
        rows = table_rows(screen)
        assert rows[0][0] == "Anna" and rows[0][1:] == ["1 försenade", "0 gamla utkast", "1 att granska"]
        assert [r[1] for r in rows[1:]] == ["A-13", "A-11"]
        assert screen.targets[0] is None  # a caseworker's heading opens nothing
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        await open_row(pilot, "A-11", "att granska")
        assert isinstance(app.screen, ReviewScreen) and app.screen.view.action == "judge"

    run(app, supervisor)
    assert ("draft", "A-12") in expected_cw and incomplete.id


def test_every_key_of_the_work_list_and_the_review_is_shown_at_80x24(
        pg_server: PgServer, db: str, tmp_path: Path) -> None:
    """The footer shows each key it offers inside 80 columns; F1 lists every enabled key of the work
    list (both roles) and of a supervisor's review screen."""
    from textual.binding import Binding
    from textual.widgets._footer import FooterKey

    from tui.dialogs.help import HelpScreen

    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-20")
    cw.review_submit(fu.id)
    cw.close()

    async def check(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        wanted = {b.description for b in type(screen).BINDINGS if isinstance(b, Binding) and b.description}
        active = screen.active_bindings.values()
        enabled = {a.binding.description for a in active if a.enabled}
        in_footer = {a.binding.description for a in active if a.enabled and a.binding.show}
        keys = list(screen.query(FooterKey))
        assert len(in_footer & wanted) >= 3 and len(keys) >= 3  # not an empty footer passing by itself
        assert {k.description for k in keys} >= in_footer & wanted
        assert all(k.region.right <= 80 for k in keys if k.description in in_footer & wanted)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        listed = str(pilot.app.screen.query_one("#help-keys", Static).render())
        assert [d for d in wanted & enabled if d not in listed] == []
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen

    for login in ("cw_a", "sup_a"):
        app = app_as(pg_server, db, login, tmp_path)

        async def scenario(pilot: Pilot[None], login: str = login) -> None:
            assert isinstance(pilot.app.screen, WorkListScreen)
            await check(pilot)
            if login == "sup_a":
                await open_row(pilot, "A-20", "att granska")
                assert isinstance(pilot.app.screen, ReviewScreen)
                await check(pilot)

        run(app, scenario)


def test_a_hostile_comment_is_shown_as_its_characters(pg_server: PgServer, db: str, tmp_path: Path) -> None:
    """A comment is a supervisor's text: markup and control characters in it are shown, never run."""
    from casework import review

    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-30")
    review.submit(cw, fu.id)
    sup = repo(pg_server, db, "sup_a")
    hostile = "[@click=app.quit]klicka[/] [bold]x\x1b[2J"
    review.return_(sup, fu.id, hostile, "meeting_date")
    review.comment(sup, fu.id, "[red]hela[/red]")
    sup.close()
    cw.close()
    app = app_as(pg_server, db, "cw_a", tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await open_row(pilot, "A-30", "återlämnad – ändra")
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        texts = [str(w.render()) for w in interview.query("#transcript .review-note").results(Static)]
        assert any("[@click=app.quit]klicka[/] [bold]x" in t for t in texts)
        assert any("[red]hela[/red]" in t for t in texts)
        assert all("\x1b" not in t for t in texts)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "[red]hela[/red]" in str(app.screen.query_one("#review-notes", Static).render())
        assert app.is_running

    run(app, scenario)
