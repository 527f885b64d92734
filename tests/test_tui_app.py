"""The app driven as a caseworker would, through Pilot; the stored record is checked at each step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, Static

from language import pgettext
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.tui_helpers import TODAY, burst, keys_for, make_app, make_workspace, typed
from tui.screens.case import CaseScreen
from tui.screens.dashboard import Dashboard
from tui.screens.interview import InterviewScreen, TranscriptAnswer
from tui.screens.review import ReviewScreen


def run(scenario: Callable[[Pilot[None]], Awaitable[None]], app: Any, size: tuple[int, int] = (120, 40)) -> None:
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await ready(pilot)
            await scenario(pilot)

    asyncio.run(go())


async def ready(pilot: Pilot[None]) -> None:
    """The first frame comes before the workspace is read (in a worker): wait for it."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def reply(pilot: Pilot[None], value: Any) -> None:
    """Answer the current question with the keys a caseworker would press."""
    await pilot.press(*keys_for(pilot.app.screen, value))
    await pilot.pause()


async def filter_to(pilot: Pilot[None], text: str) -> None:
    """Type into the dashboard's filter, as a caseworker looking for a case would."""
    pilot.app.screen.query_one("#filter", Input).value = text
    await pilot.pause()


async def resume_draft(pilot: Pilot[None]) -> None:
    """Find the test case on the dashboard and resume its draft, as a caseworker would."""
    await filter_to(pilot, "0117")
    await pilot.press("r")
    await pilot.pause()


def stored(ws: Path) -> Any:
    repo = TinyDBRepository(Workspace.open(ws), writable=False)
    try:
        case = repo.find_case("IFO-2026-0117")
        assert case is not None
        return repo.followups_of(case.id)
    finally:
        repo.close()


ANSWERS: dict[str, Any] = {
    "meeting_date": "2026-11-18", "participants": ["client", "provider"], "meeting_mode": "home_visit",
    "intervention_received": "yes", "goals.g1.attainment": "partly_achieved", "goals.g1.level": 2,
    "goals.g1.comment": "Klarar tvätten med påminnelse.", "goals.g1a.attainment": "achieved",
    "goals.g1a.comment": None, "still_in_need": "partly", "new_needs": "no", "other_principal_need": "no",
    "other_actors": ["none"], "sip_needed": "no", "client_participation": "yes",
    "client_view": "Tycker att stödet hjälper.",
    "client_satisfaction": "satisfied", "assessment": "Positiv utveckling.", "decision": "continue",
    "next_followup": "2027-05-18",
}


def test_every_binding_has_an_english_description() -> None:
    from tui.dialogs import case as case_dialogs
    from tui.dialogs import form, help, passphrase, pick, sign
    from tui.screens import case as case_screen
    from tui.screens import dashboard, interview, report, review, wizard

    descriptions: set[str] = set()
    modules = (dashboard, case_screen, interview, review, report, wizard, case_dialogs, form, help, passphrase,
               pick, sign)
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                descriptions.update(b.description for b in obj.__dict__.get("BINDINGS", []))
    assert descriptions
    # an empty description is a key the footer does not show
    assert [d for d in descriptions - {"PDF", ""} if pgettext("binding", d, "en") == d] == []


def test_every_screen_of_the_app_translates_its_keys() -> None:
    """A screen added later that forgets TranslatedBindings would show Swedish keys in English."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import tui.dialogs
    import tui.screens
    from tui.screens.base import TranslatedBindings

    screens = []
    for package in (tui.screens, tui.dialogs):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            screens += [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, Screen)
                        and obj.__module__ == module.__name__]
    assert len(screens) >= 12
    assert [s.__name__ for s in screens if not issubclass(s, TranslatedBindings)] == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_footer_help_and_palette_speak_one_language(tmp_path: Path, lang: str) -> None:
    """No rewriting of Textual's bindings: each screen's active bindings, which the footer, the help
    screen and the palette read, come out in the app's language, Textual's own keys included."""
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang)
    other = {"sv": {"Quit", "Keys", "Back", "Open", "palette", "Focus Next", "Theme", "Screenshot",
                    "Search for commands…"},
             "en": {"Avsluta", "Tangenter", "Tillbaka", "Öppna", "Nytt ärende", "Tema", "Skärmbild",
                    "Sök bland kommandona …"}}[lang]

    async def scenario(pilot: Pilot[None]) -> None:
        shown = {a.binding.description for a in app.screen.active_bindings.values()}
        assert shown and not shown & other, shown & other
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert commands and not commands & other, commands & other
        app.action_command_palette()
        await pilot.pause()
        from textual.command import CommandInput

        placeholder = app.screen.query_one(CommandInput).placeholder
        assert placeholder == ("Sök bland kommandona …" if lang == "sv" else "Search for commands…")
        app.pop_screen()
        app.search_themes()
        await pilot.pause()
        placeholder = app.screen.query_one(CommandInput).placeholder
        assert placeholder == ("Sök bland teman …" if lang == "sv" else "Search for themes…")

    run(scenario, app)


def test_a_whole_followup_from_the_dashboard_to_a_signed_record(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, Dashboard)
        # type to filter down to the case
        await filter_to(pilot, "0117")
        await pilot.press("f")  # new follow-up on the selected case
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        asked = []
        while (step := screen.current_step()) is not None:
            asked.append(step.key)
            if step.key == "meeting_mode":
                await pilot.press("down", "enter")  # arrows move, Enter chooses: the second, home_visit
            else:
                await reply(pilot, ANSWERS[step.key])
            saved = stored(ws)[-1]
            assert saved.has(step.key)  # saved the moment it was given
            assert saved.get(step.key) == ANSWERS[step.key]
        assert "new_needs_description" not in asked and "sip_status" not in asked
        # a new follow-up is made with form v2: other actors asked, the decision before the assessment
        assert asked[-3:] == ["decision", "next_followup", "assessment"] and "other_actors" in asked
        assert "client_view_missing_reason" not in asked
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")  # Enter signs in the signing dialog
        await pilot.pause()
        final = stored(ws)[-1]
        assert final.status == "final" and final.finalized_by == "Anna Handläggare"
        assert final.answers["assessment"] == "Positiv utveckling."
        assert final.goals["g1"]["level"] == 2

    run(scenario, app)


def _start_draft(ws: Path, tmp: Path, answers: list[tuple[str, Any]]) -> str:
    from casework.session import FollowUpSession, start_followup

    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    fu = start_followup(repo, case, "Anna Handläggare")
    session = FollowUpSession(repo, fu.id, today=TODAY)
    for key, value in answers:
        session.answer(key, value)
    repo.close()
    return fu.id


def test_quit_mid_interview_and_resume_at_the_same_question(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)
    seen: dict[str, str] = {}

    async def first(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        for key in ("meeting_date", "participants", "meeting_mode", "intervention_received"):
            await reply(pilot, ANSWERS[key])
        step = screen.current_step()
        assert step is not None
        seen["key"] = step.key
        await pilot.press("ctrl+q")  # quit in the middle

    run(first, app)
    assert seen["key"] == "goals.g1.attainment"
    assert stored(ws)[-1].get("intervention_received") == "yes"

    again = make_app(ws, tmp_path)

    async def second(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("r")  # resume the draft
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, InterviewScreen)
        step = screen.current_step()
        assert step is not None and step.key == seen["key"]
        question = screen.query_one("#question", Static)
        assert "Har målet uppnåtts?" in str(question.render())

    run(second, again)


def test_changing_an_earlier_answer_follows_the_branching(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    keys = [k for k in ANSWERS if k not in ("sip_needed",)][:11]
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in keys[:10]])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert screen.current_step().key == "new_needs"  # type: ignore[union-attr]
        await reply(pilot, "yes")
        assert screen.current_step().key == "new_needs_description"  # type: ignore[union-attr]
        await reply(pilot, "Vill träffa andra")
        assert stored(ws)[-1].get("new_needs_description") == "Vill träffa andra"
        # click the earlier answer in the transcript and change it back
        answer = next(w for w in screen.query(TranscriptAnswer) if w.key == "new_needs")
        answer.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current_step().key == "new_needs"  # type: ignore[union-attr]
        await reply(pilot, "no")
        step = screen.current_step()
        assert step is not None and step.key == "other_principal_need"
        transcript = [w.key for w in screen.query(TranscriptAnswer)]
        assert "new_needs_description" not in transcript  # gone from the conversation
        for key in ("other_principal_need", "other_actors", "sip_needed", "client_participation",
                    "client_view", "client_satisfaction", "decision", "next_followup", "assessment"):
            await reply(pilot, ANSWERS[key])
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        final = stored(ws)[-1]
        assert final.status == "final"
        assert "new_needs_description" not in final.answers  # not in the final record

    run(scenario, app)


def test_free_text_is_shown_verbatim(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:4]])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await reply(pilot, "partly_achieved")
        await reply(pilot, 2)
        await reply(pilot, "[bold red]viktigt[/] <b>x</b> \\[y]")
        answer = next(w for w in screen.query(TranscriptAnswer) if w.key == "goals.g1.comment")
        rendered = answer.render()
        assert isinstance(rendered, Content) and rendered.plain == "[bold red]viktigt[/] <b>x</b> \\[y]"

    run(scenario, app)


def test_invalid_answers_say_why_and_save_nothing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        screen.query_one(Input).value = "2030-01-01"
        await pilot.press("enter")
        await pilot.pause()
        error = str(screen.query_one("#answer-error", Static).render())
        assert "2030-01-01 is in the future" in error
        assert not stored(ws)[-1].has("meeting_date")

    run(scenario, app)


def test_case_view_and_pdf_export(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        plan = str(app.screen.query_one("#plan", Static).render())
        assert "Sköta sin tvätt själv" in plan and "↳ Sortera tvätten" in plan
        await pilot.press("p")
        await pilot.pause()
        assert (tmp_path / "exports" / "uppfoljning-fu0000000001.pdf").exists()

    run(scenario, app)


def test_a_second_instance_opens_read_only(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    holder = TinyDBRepository(Workspace.open(ws))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        banner = str(app.screen.query_one("#banner", Static).render())
        assert "Skrivskyddad" in banner
        await filter_to(pilot, "0117")
        await pilot.press("f")  # refused with a notice, nothing written, no crash
        await pilot.pause()
        assert isinstance(app.screen, Dashboard)

    try:
        run(scenario, app)
    finally:
        holder.close()


def test_first_run_wizard_creates_a_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "new"
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = app.screen
        screen.query_one("#caseworker", Input).value = "Bo Berg"
        screen.query_one("#pass1", Input).value = "en lång lösenfras"
        screen.query_one("#pass2", Input).value = "en lång lösenfras"
        await pilot.press("ctrl+s")
        await ready(pilot)
        assert isinstance(app.screen, Dashboard)

    run(scenario, app)
    workspace = Workspace.open(ws)
    assert workspace.encrypted and workspace.settings.caseworker == "Bo Berg"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_footer_speaks_the_language(tmp_path: Path, lang: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang=lang)

    async def scenario(pilot: Pilot[None]) -> None:
        descriptions = {a.binding.description for a in app.screen.active_bindings.values()}
        assert ("New case" in descriptions) == (lang == "en")
        assert ("Nytt ärende" in descriptions) == (lang == "sv")

    run(scenario, app)


def test_add_and_edit_a_goal_with_validation_beside_the_field(tmp_path: Path) -> None:
    from tui.dialogs.case import GoalDialog
    from tui.dialogs.pick import PickDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o", "a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GoalDialog)
        from textual.widgets import Select

        dialog.query_one("#field-text Input", Input).value = "Handla mat själv"
        dialog.query_one("#field-life_area Select", Select).value = "d6"
        dialog.query_one("#field-baseline Input", Input).value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = {w.id: str(w.render()) for w in dialog.query(".field-error") if w.display}
        assert "7 is outside the ICF scale, which runs from 0 to 4" in errors.get("err-baseline", ""), errors
        dialog.query_one("#field-baseline Input", Input).value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        repo = TinyDBRepository(Workspace.open(ws), writable=False)
        case = repo.find_case("IFO-2026-0117")
        repo.close()
        assert case is not None and [g.text for g in case.plan.goals][-1] == "Handla mat själv"
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        edit = app.screen
        assert isinstance(edit, GoalDialog) and edit.goal is not None and edit.goal.id == "g2"
        edit.query_one("#field-text Input", Input).value = "Handla mat två gånger i veckan"
        await pilot.press("ctrl+s")
        await pilot.pause()
        repo = TinyDBRepository(Workspace.open(ws), writable=False)
        case = repo.find_case("IFO-2026-0117")
        repo.close()
        assert case is not None and case.plan.goal("g2").text == "Handla mat två gånger i veckan"  # type: ignore[union-attr]

    run(scenario, app)


def test_report_screen_compiles_the_workspace(tmp_path: Path) -> None:
    from tui.screens.report import ReportScreen

    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        body = str(app.screen.query_one("#report-body", Static).render())
        assert "Uppföljningar: <5" in body and "Måluppfyllelse" in body

    run(scenario, app)


def test_training_shows_guidance_and_feedback(tmp_path: Path) -> None:
    from tui import training

    ws = tmp_path / "training"
    training.build(ws)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        banner = str(app.screen.query_one("#banner", Static).render())
        assert "ÖVNING – fiktiva uppgifter" in banner
        app.screen.query_one("#filter", Input).value = "ÖVN-0001"
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        guidance = str(screen.query_one("#guidance", Static).render())
        assert "Varför frågan ställs" in guidance and "Tänk på" in guidance
        await pilot.press("ctrl+r")
        await pilot.pause()
        checklist = str(app.screen.query_one("#checklist", Static).render())
        assert "✗ Det finns ett datum för nästa uppföljning" in checklist

    run(scenario, app)


def test_an_encrypted_workspace_asks_for_its_passphrase(tmp_path: Path) -> None:
    from storage.workspace import WorkspaceSettings
    from tui.dialogs.passphrase import PassphraseDialog

    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Anna"), passphrase="rätt lösenfras",
                     kdf={"name": "scrypt", "n": 2**12, "r": 8, "p": 1})
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, PassphraseDialog)
        app.screen.query_one("#passphrase", Input).value = "fel fras"
        await pilot.press("enter")
        await ready(pilot)
        dialog = app.screen
        assert isinstance(dialog, PassphraseDialog)
        assert "Fel lösenfras" in str(dialog.query_one(".field-error", Static).render())
        dialog.query_one("#passphrase", Input).value = "rätt lösenfras"
        await pilot.press("enter")
        await ready(pilot)
        assert isinstance(app.screen, Dashboard)
        banner = str(app.screen.query_one("#banner", Static).render())
        assert "inte krypterad" not in banner

    run(scenario, app)


def test_every_footer_key_is_in_the_command_palette(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        listed = [c.title for c in app.get_system_commands(app.screen)]
        titles = set(listed)
        assert {"Nytt ärende", "Ny uppföljning", "Fortsätt utkast", "PDF", "Sammanställning"} <= titles
        assert sorted(t for t in titles if listed.count(t) > 1) == []  # "Avsluta" once, not twice

    run(scenario, app)


def test_edit_an_intervention(tmp_path: Path) -> None:
    from tui.dialogs.case import InterventionDialog
    from tui.dialogs.pick import PickDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o", "t")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InterventionDialog) and dialog.item is not None
        dialog.query_one("#field-provider Input", Input).value = "Nya teamet"
        await pilot.press("ctrl+s")
        await pilot.pause()
        repo = TinyDBRepository(Workspace.open(ws), writable=False)
        case = repo.find_case("IFO-2026-0117")
        repo.close()
        assert case is not None
        assert [(i.id, i.name, i.provider) for i in case.plan.interventions] == [("i1", "Boendestöd", "Nya teamet")]

    run(scenario, app)


def test_back_from_the_review_the_interview_shows_the_current_question(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    keys = [k for k in ANSWERS if k not in ("assessment", "decision", "next_followup")]
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in keys])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        # form v2 asks the decision before the assessment; the assessment can still be written first
        assert interview.current_step().key == "decision"  # type: ignore[union-attr]
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        from textual.widgets import TextArea

        review.query_one("#assessment", TextArea).text = "Skrivet i granskningen."
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is interview
        assert "Hur går ni vidare?" in str(interview.query_one("#question", Static).render())
        assert stored(ws)[-1].get("assessment") == "Skrivet i granskningen."
        assert "assessment" in [w.key for w in interview.query(TranscriptAnswer)]

    run(scenario, app)


def test_pasted_terminal_escapes_are_removed_with_a_notice_and_never_scramble(tmp_path: Path) -> None:
    from textual import events
    from textual.widgets import TextArea

    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:4]])
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await reply(pilot, "partly_achieved")
        await reply(pilot, 2)
        area = screen.query_one(TextArea)
        area.focus()
        area.post_message(events.Paste("A\x1b[31mB\x1b]0;title\x07C\x9b1mD\x07E"))
        await pilot.pause()
        assert area.text == "ABCDE"  # in order, nothing of the sequences left, nothing lost
        assert "Control characters (terminal codes) were removed" in str(area.border_subtitle)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert stored(ws)[-1].get("goals.g1.comment") == "ABCDE"

    run(scenario, app)


def test_a_pasted_escape_in_the_clients_name_is_removed_once(tmp_path: Path) -> None:
    from textual import events

    from tui.clean import CleanInput

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("n")  # a new case: the client dialog
        await pilot.pause()
        field = app.screen.query(CleanInput).first()
        field.focus()
        field.post_message(events.Paste("A\x1b[31mB"))
        await pilot.pause()
        assert field.value == "AB"
        assert "Control characters" in str(field.border_subtitle)

    run(scenario, app)


# --- the conversation's promises, each through the real keys --------------------------------------

def test_going_back_keeps_the_current_answer_when_enter_is_pressed(tmp_path: Path) -> None:
    """Ctrl+B or a transcript answer highlights the answer given, so Enter keeps it (it used to
    save the first option: Nöjd → Mycket nöjd, Nej → Ja, level 2 → 0)."""
    ws = make_workspace(tmp_path / "ws")
    keys = [k for k in ANSWERS if k not in ("assessment", "decision", "next_followup")]
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in keys])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert screen.current_step().key == "decision"  # type: ignore[union-attr]  # form v2's order
        await pilot.press("ctrl+b")  # back to client_satisfaction, answered "satisfied" (the 2nd)
        await pilot.pause()
        assert screen.current_step().key == "client_satisfaction"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert stored(ws)[-1].get("client_satisfaction") == "satisfied"
        assert screen.current_step().key == "decision"  # type: ignore[union-attr]
        for key, kept in (("new_needs", "no"), ("goals.g1.level", 2), ("meeting_mode", "home_visit")):
            row = next(w for w in screen.query(TranscriptAnswer) if w.key == key)
            row.focus()  # Tab/Shift+Tab or a click gets here; Enter opens it
            await pilot.press("enter")
            await pilot.pause()
            assert screen.current_step().key == key  # type: ignore[union-attr]
            await pilot.press("enter")
            await pilot.pause()
            assert stored(ws)[-1].get(key) == kept, key
        assert "new_needs_description" not in [w.key for w in screen.query(TranscriptAnswer)]

    run(scenario, app)


# A fresh follow-up's first thirteen questions and the keys that answer them (meeting date: today).
QUICK = [
    ("meeting_date", TODAY.isoformat(), ["enter"]),
    ("participants", ["client", "provider"], ["1", "5", "enter"]),  # v2: custodian is the 3rd choice
    ("meeting_mode", "home_visit", ["2"]),
    ("intervention_received", "yes", ["1"]),
    ("goals.g1.attainment", "partly_achieved", ["2"]),
    ("goals.g1.level", 2, ["2"]),  # an ICF level's own digit picks it
    ("goals.g1.comment", "Tvättar själv", [*typed("Tvättar själv"), "ctrl+s"]),
    ("goals.g1a.attainment", "achieved", ["1"]),
    ("goals.g1a.comment", None, ["ctrl+k"]),
    ("still_in_need", "partly", ["2"]),
    ("new_needs", "no", ["2"]),
    ("other_principal_need", "no", ["2"]),
    ("other_actors", ["none"], ["4", "enter"]),  # form v2: 'Nej, ingen', the fourth choice
]


@pytest.mark.parametrize("how", ["press", "burst"])
def test_keys_typed_ahead_are_never_lost(tmp_path: Path, how: str) -> None:
    """Every key of thirteen questions sent with no pause (`burst`: all at once, before the first is
    handled): each answer is stored, in order, none dropped or given to the wrong question."""
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        keys = [k for _, _, ks in QUICK for k in ks]
        if how == "burst":
            await burst(pilot, keys)
        else:
            await pilot.press(*keys)
            await pilot.pause()
        saved = stored(ws)[-1]
        assert {key: saved.get(key) for key, _, _ in QUICK} == {key: value for key, value, _ in QUICK}
        step = app.screen.current_step()
        assert step is not None and step.key == "sip_needed"

    run(scenario, app)


def test_a_choice_made_the_moment_the_question_appears_is_saved(tmp_path: Path) -> None:
    """The old widget ignored a change in its first frame; then Enter said "svar krävs"."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:3]])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await burst(pilot, ["r", "3"])  # open the draft and answer "Nej" at once
        assert stored(ws)[-1].get("intervention_received") == "no"
        await burst(pilot, ["ctrl+b", "enter"])
        assert stored(ws)[-1].get("intervention_received") == "no"

    run(scenario, app)


@pytest.mark.parametrize("signed", [False, True])
def test_escape_from_the_review_of_a_complete_followup(tmp_path: Path, signed: bool) -> None:
    """Esc from the review used to crash (DuplicateIds 'to-review') once every question was answered."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and interview.current_step() is None
        below = app.screen_stack[-2]
        for _ in range(1 if signed else 2):
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            if signed:
                await pilot.press("ctrl+f")
                await pilot.pause()
                await pilot.press("enter")
                await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running
            if signed:  # nothing is left to change in the interview: back where it was opened from
                assert app.screen_stack[-1] is below and interview not in app.screen_stack
            else:
                assert app.screen_stack[-1] is interview
                assert len(interview.query("#to-review")) == 1
        assert (stored(ws)[-1].status == "final") == signed

    run(scenario, app)


def test_read_only_answering_is_refused_in_swedish_without_a_crash(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:3]])
    holder = TinyDBRepository(Workspace.open(ws))  # another program writes here
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await pilot.press("1")
        await pilot.pause()
        error = str(screen.query_one("#answer-error", Static).render())
        assert "skrivskyddad" in error and "inget sparades" in error
        assert screen.current_step().key == "intervention_received"  # type: ignore[union-attr]
        await pilot.press("ctrl+k", "ctrl+s")
        await pilot.pause()
        assert app.is_running and app.return_code is None

    try:
        run(scenario, app)
    finally:
        holder.close()
    assert not stored(ws)[-1].has("intervention_received")


def test_review_focuses_the_assessment_and_enter_signs(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    answers = dict(ANSWERS, still_in_need="no", decision="continue")  # a warning hint fires
    _start_draft(ws, tmp_path, list(answers.items()))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        from textual.widgets import Button, TextArea

        await filter_to(pilot, "0117")
        await pilot.press("r", "ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert isinstance(app.focused, TextArea) and app.focused.id == "assessment"
        assert review.query(".ack"), "the test needs a hint to acknowledge"
        await pilot.press("tab")
        assert isinstance(app.focused, Button) and "ack" not in app.focused.classes
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert stored(ws)[-1].status == "final"
        assert stored(ws)[-1].acknowledged_hints == []  # nothing acknowledged unread

    run(scenario, app)


def test_the_drafted_assessment_is_one_key_and_says_when_it_went_stale(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    keys = [k for k in ANSWERS if k != "assessment"]  # form v2 asks the decision before the assessment
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in keys])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await pilot.press("ctrl+d", "ctrl+s")  # one key: the assistant's draft in the field; saved
        await pilot.pause()
        text = stored(ws)[-1].get("assessment")
        assert "Inga nya behov har uppkommit." in text and "Brukaren har fått den planerade insatsen." in text
        assert "Tycker att stödet hjälper." in text  # the client's own view, quoted
        # asked before the assessment, the decision is in the draft
        assert "Insatsen fortsätter enligt planen och nästa uppföljning sker den 18 maj 2027." in text
        row = next(w for w in screen.query(TranscriptAnswer) if w.key == "new_needs")
        row.focus()
        await pilot.press("enter", "1")  # new needs: Nej → Ja
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        note = str(app.screen.query_one("#assessment-note", Static).render())
        assert "skrevs innan" in note and "Har nya behov uppkommit?" in note

    run(scenario, app)


@pytest.mark.parametrize("where", ["dashboard", "case", "interview", "review"])
def test_every_key_is_reachable_at_80_columns(tmp_path: Path, where: str) -> None:
    """The footer shows what fits; ? or F1 lists every key of the screen, also the hidden ones."""
    from tui.dialogs.help import HelpScreen

    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        path = {"dashboard": [], "case": ["o"], "interview": ["r"], "review": ["r", "ctrl+r"]}[where]
        for key in path:
            await pilot.press(key)
            await pilot.pause()
        screen = app.screen
        wanted = {b.description for b in type(screen).BINDINGS if isinstance(b, Binding) and b.description}
        enabled = {a.binding.description for a in screen.active_bindings.values() if a.enabled}
        await pilot.press("f1" if where == "review" else "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = str(app.screen.query_one("#help-keys", Static).render())
        missing = [d for d in wanted & enabled if d not in listed]
        assert missing == [] and "Kommandopaletten" in listed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

    run(scenario, app, size=(80, 24))


WALK: dict[str, Any] = {
    "meeting_date": TODAY.isoformat(), "participants": ["client", "provider"], "meeting_mode": "home_visit",
    "intervention_received": "yes", "still_in_need": "partly", "new_needs": "no",
    "other_principal_need": "no", "other_actors": ["none"], "sip_needed": "no", "client_participation": "yes",
    "client_view": "Bra stöd", "client_satisfaction": "satisfied", "decision": "continue",
}


def test_a_three_goal_followup_takes_at_most_one_and_a_half_keys_a_question(tmp_path: Path) -> None:
    """The standard follow-up walked with the fewest keys the screen offers; text typed is not counted,
    the key that saves it is. Signing (Ctrl+R, Ctrl+F, Enter) is counted too."""
    from interview.case import Goal

    ws = make_workspace(tmp_path / "ws", with_history=True)  # g1 was at level 3 last time
    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    plan = case.plan.model_copy(update={"goals": [*case.plan.goals, Goal(
        id="g2", text="Handla mat", life_area="d6", scale="icf", baseline=2, target=1)]})
    repo.update_case(case.model_copy(update={"plan": plan}))
    repo.close()
    app = make_app(ws, tmp_path)
    counted: list[str] = []

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        questions = 0
        while (step := screen.current_step()) is not None:
            questions += 1
            widget = screen.widget()
            assert widget is not None
            if step.key == "assessment":
                keys = ["ctrl+d", "ctrl+s"]  # the draft into the field, read, saved
            elif step.key.endswith(".attainment"):
                keys = ["2"]
            elif step.key.endswith(".level") or step.key == "next_followup":
                keys = ["enter"]  # unchanged since last time / the offered +6 months
            elif step.key.endswith(".comment"):
                keys = ["ctrl+k"]
            else:
                keys = keys_for(screen, WALK[step.key])
            counted.extend(k for k in keys if (len(k) > 1 and k != "space") or k.isdigit())
            await pilot.press(*keys)
            await pilot.pause()
            assert screen.current_step() != step or step.key == "?", step.key
        for key in ("ctrl+r", "ctrl+f", "enter"):
            counted.append(key)
            await pilot.press(key)
            await pilot.pause()
        final = stored(ws)[-1]
        assert final.status == "final"
        assert final.goals["g1"]["level"] == 3 and final.goals["g2"]["level"] == 2
        assert final.answers["next_followup"] == "2027-05-25"
        per_question = len(counted) / questions
        print(f"\nkeys: {len(counted)} for {questions} questions = {per_question:.2f} a question")
        assert questions == 23 and per_question <= 1.5  # form v2 adds other_actors

    run(scenario, app, size=(80, 24))


# --- plausibility: the quick mode's rules, said in the app too -------------------------------------

def _notices(app: Any) -> list[str]:
    """The warnings raised as notices (run_test draws no toasts; the app's list is what they show)."""
    return [n.message for n in app._notifications if n.severity == "warning"]


def test_implausible_dates_and_levels_are_said_in_the_app_without_blocking(tmp_path: Path) -> None:
    from interview.case import Goal

    ws = make_workspace(tmp_path / "ws")
    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    # A plan in force from a future day, and a GAS goal whose target is worse than its baseline.
    goal = Goal(id="g2", text="Handla själv", life_area="d6", scale="gas", baseline=2, target=-2)
    plan = case.plan.model_copy(update={"start": TODAY.replace(month=12), "goals": [*case.plan.goals, goal]})
    repo.update_case(case.model_copy(update={"plan": plan}))
    repo.close()
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        shown = " | ".join(_notices(app))
        assert "The plan is in force from 25 December 2026, a future date (today 25 November 2026)" in shown
        assert "Handla själv: The target level -2 is no better than the baseline +2" in shown
        app.clear_notifications()
        await pilot.pause()
        await reply(pilot, "2026-11-20")  # before the plan's start: said, and saved all the same
        shown = " | ".join(_notices(app))
        assert "The meeting (20 November 2026) cannot be before the plan's start 25 December 2026" in shown
        assert stored(ws)[-1].get("meeting_date") == "2026-11-20"
        step = screen.current_step()
        assert step is not None and step.key == "participants"  # not blocked: the next question
        app.clear_notifications()
        await pilot.pause()
        await reply(pilot, ANSWERS["participants"])
        assert _notices(app) == []  # a plausible answer says nothing
        screen.editing = "next_followup"  # the next follow-up, given as a day already past
        screen.shown_key = "?"
        await screen.show()
        await pilot.pause()
        await reply(pilot, "2026-11-24")
        shown = " | ".join(_notices(app))
        assert "The next follow-up (24 November 2026) is already past" in shown
        assert stored(ws)[-1].get("next_followup") == "2026-11-24"

    run(scenario, app)


def test_escape_from_the_review_keeps_the_typed_assessment_and_unanswered_is_not_not_applicable(
    tmp_path: Path,
) -> None:
    """Esc used to leave the review dropping what was typed in the assessment; and a section not yet
    answered said "Ej aktuellt" (not applicable) where it was merely unanswered."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:3]])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        from textual.widgets import TextArea

        await resume_draft(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        rows = [str(w.render()) for w in review.query(".review-row")]
        assert any("(ej besvarad)" in row for row in rows)  # applicable, not yet answered
        area = review.query_one("#assessment", TextArea)
        area.focus()
        await pilot.press(*"Ny bedömning")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
        assert stored(ws)[-1].answers.get("assessment") == "Ny bedömning"

    run(scenario, app)


def test_the_plan_shows_gas_levels_signed_and_no_question_marks_for_levels_not_set(tmp_path: Path) -> None:
    from interview.case import Goal

    ws = make_workspace(tmp_path / "ws")
    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    goals = [*case.plan.goals, Goal(id="g7", text="Handla själv", life_area="d6", scale="gas"),
             Goal(id="g8", text="Laga mat", life_area="d6", scale="gas", baseline=-1, target=1)]
    repo.update_case(case.model_copy(update={"plan": case.plan.model_copy(update={"goals": goals})}))
    repo.close()
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await pilot.pause()
        plan = str(app.screen.query_one("#plan", Static).render())
        # a GAS goal without a target aims at 0 (as the PDF prints it); nothing set before: "–"
        assert "Handla själv (" in plan and "[GAS – → 0]" in plan and "[GAS -1 → +1]" in plan
        assert "?" not in plan

    run(scenario, app)


def test_the_report_screen_says_it_is_working_while_it_protects(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A small group's protection can take minutes: the body says so meanwhile, never a blank screen
    with empty charts that looks like a crash."""
    import threading

    import casework.reports
    from tui.screens.report import ReportScreen

    release = threading.Event()
    real = casework.reports.form_report

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(casework.reports, "form_report", slow)
    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        body = str(app.screen.query_one("#report-body", Static).render())
        assert "Sammanställer och skyddar små tal" in body
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        body = str(app.screen.query_one("#report-body", Static).render())
        assert "Uppföljningar: <5" in body and "Sammanställer" not in body

    run(scenario, app)


def _endless_protection(monkeypatch: pytest.MonkeyPatch, limit: float = 25.0) -> list[float]:
    """The protection's rounds made endless (up to `limit` seconds), each passing the real
    checkpoint between rounds as the audit does between linear programs; returns when each started."""
    import time

    import reporting.disclosure
    import reporting.output
    from reporting.cancel import checkpoint

    started: list[float] = []

    def rounds(*args: Any) -> int:
        started.append(time.monotonic())
        while time.monotonic() - started[-1] < limit:
            checkpoint()
            time.sleep(0.01)
        return 0

    monkeypatch.setattr(reporting.output, "_PROTECTED", {})  # no system protected earlier in this process
    monkeypatch.setattr(reporting.disclosure, "_resolve", rounds)
    return started


def test_ctrl_s_while_the_report_compiles_starts_no_second_compilation(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import casework.reports
    from tui.screens.report import ReportScreen

    started = _endless_protection(monkeypatch, limit=3.0)
    calls: list[int] = []
    real = casework.reports.form_report

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(casework.reports, "form_report", counted)
    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)
    notes: list[str] = []
    real_notify = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        notes.append(str(message))
        real_notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", notify)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ReportScreen) and len(started) == 1
        for _ in range(3):
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
        await pilot.click("#compile")
        await pilot.pause(0.3)
        assert len(started) == 1 and len(calls) == 1  # one compilation, not four side by side
        assert any("Sammanställer redan" in n for n in notes), notes
        await app.workers.wait_for_complete()
        await pilot.pause()
        body = str(app.screen.query_one("#report-body", Static).render())
        assert "Uppföljningar: <5" in body  # the one run finished and was shown
        await pilot.press("ctrl+s")  # and once it is done, Ctrl+S compiles again (the protection cached)
        await app.workers.wait_for_complete()
        assert len(calls) == 2

    run(scenario, app)


def test_ctrl_q_while_the_report_compiles_quits_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from tui.screens.report import ReportScreen

    started = _endless_protection(monkeypatch, limit=25.0)
    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)
    pressed: list[float] = []

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ReportScreen) and len(started) == 1
        pressed.append(time.monotonic())
        await pilot.press("ctrl+q")

    run(scenario, app)  # returns only when the app and every thread it waits for have ended
    assert time.monotonic() - pressed[0] < 5, "quitting waited for the protection"


def test_the_sign_dialog_gives_the_organisations_time_as_the_pdf_does(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialog said "kl. 22.13 UTC" (the machine's zone) where the PDF said "kl. 23.13 CET"."""
    import time
    from datetime import UTC, datetime

    from casework.documents import render_followup
    from language.format import organisation_datetime
    from tui.dialogs.sign import SignDialog

    monkeypatch.setenv("TZ", "UTC")  # the machine's zone is not the organisation's (Europe/Stockholm)
    time.tzset()
    moment = datetime(2026, 11, 29, 22, 13, tzinfo=UTC)
    monkeypatch.setattr("tui.screens.review.now", lambda: moment)
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path)
    said: list[str] = []

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SignDialog)
        said.append(str(dialog.query_one(".dialog-note", Static).render()))
        await pilot.press("enter")
        await pilot.pause()

    try:
        run(scenario, app)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "29 november 2026 kl. 23.13 CET" in said[0] and "UTC" not in said[0], said
    final = stored(ws)[-1]
    assert final.status == "final" and final.finalized_at is not None
    workspace = Workspace.open(ws)
    pdf = render_followup(TinyDBRepository(workspace), workspace.settings, final.id, "sv")
    import io

    from pypdf import PdfReader
    printed = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert organisation_datetime(final.finalized_at, "Europe/Stockholm", "sv") in printed
