"""Typed text is never lost unasked: Esc or Ctrl+Q over unsaved text asks, each choice is stored as
said; the assistant's draft is shown in the field before it is saved. Through the real keys, 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from tests.test_tui_app import ANSWERS, _start_draft, resume_draft, run, stored
from tests.tui_helpers import burst, make_app, make_workspace, typed
from tui.dialogs.unsaved import UnsavedDialog
from tui.screens.case import CaseScreen
from tui.screens.dashboard import Dashboard
from tui.screens.interview import InterviewScreen
from tui.screens.review import ReviewScreen

SMALL = (80, 24)
UP_TO_COMMENT = [(k, ANSWERS[k]) for k in list(ANSWERS)[:6]]  # the next question: g1's comment, free text
COMMENT = "goals.g1.comment"


def _key(app: Any) -> str | None:
    step = app.screen.current_step() if isinstance(app.screen, InterviewScreen) else None
    return None if step is None else step.key


def _dialog_text(app: Any) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static, Button"))


@pytest.mark.parametrize(("key", "choice"), [("enter", "save"), ("x", "discard"), ("escape", "stay")])
def test_escape_over_typed_text_asks_and_each_choice_is_stored_as_said(
        tmp_path: Path, key: str, choice: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and _key(app) == COMMENT
        await pilot.press(*typed("Tvättar på tisdagar"), "escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, UnsavedDialog)  # asked, not thrown away
        shown = _dialog_text(app)
        for said in ("Spara texten (Enter)", "Släng texten (X)", "Stanna kvar (Esc)", "Tvättar på tisdagar"):
            assert said in shown, said
        from textual.widgets import Button

        inside = dialog.query_one("#unsaved").content_region
        for button in dialog.query(Button):  # each whole, its key in sight, at 80 columns
            assert button.region.right <= inside.right and button.content_region.width >= len(str(button.label))
        await pilot.press(key)
        await pilot.pause()
        saved = stored(ws)[-1]
        if choice == "save":
            assert saved.get(COMMENT) == "Tvättar på tisdagar"
            assert isinstance(app.screen, Dashboard)  # saved, then left as Esc asked
        elif choice == "discard":
            assert not saved.has(COMMENT)
            assert isinstance(app.screen, Dashboard)
        else:
            assert not saved.has(COMMENT)
            assert app.screen is interview and _key(app) == COMMENT
            assert interview.query_one("#answer-text", TextArea).text == "Tvättar på tisdagar"
            await pilot.press("ctrl+s")  # still there to be saved
            await pilot.pause()
            assert stored(ws)[-1].get(COMMENT) == "Tvättar på tisdagar"

    run(scenario, app, size=SMALL)


def test_keys_typed_ahead_after_escape_reach_the_dialog_and_the_next_screen(tmp_path: Path) -> None:
    """Text, Esc, Enter (save) and the dashboard's `o` sent at once, before any is handled: the text is
    saved, the interview left, and `o` opens the case — no key lost or given to a screen going away."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        assert _key(app) == COMMENT
        await burst(pilot, [*typed("Snabbt skrivet"), "escape", "enter", "o"])
        assert stored(ws)[-1].get(COMMENT) == "Snabbt skrivet"
        assert isinstance(app.screen, CaseScreen)

    run(scenario, app, size=SMALL)


def test_no_question_when_nothing_typed_differs_from_the_saved_answer(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [*UP_TO_COMMENT, (COMMENT, "Klarar tvätten.")])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        current = _key(app)
        await pilot.press("ctrl+b")  # back to the saved comment: its text in the field, unchanged
        await pilot.pause()
        assert _key(app) == COMMENT
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is interview and _key(app) == current  # no dialog: nothing to lose
        # A saved text changed while editing it: asked; saved, back at the current question.
        await pilot.press("ctrl+b", *typed(" Och viker."), "escape")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is interview and _key(app) == current
        assert stored(ws)[-1].get(COMMENT) == "Klarar tvätten. Och viker."
        # Esc on a question with nothing typed (a list): leaves at once.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Dashboard)

    run(scenario, app, size=SMALL)


def test_escape_while_changing_an_earlier_answer_discards_only_when_told(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [*UP_TO_COMMENT, (COMMENT, "Klarar tvätten.")])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        current = _key(app)
        await pilot.press("ctrl+b", *typed(" Ibland."), "escape")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("x")  # thrown away, as said: the edit is given up
        await pilot.pause()
        assert app.screen is interview and _key(app) == current
        assert stored(ws)[-1].get(COMMENT) == "Klarar tvätten."

    run(scenario, app, size=SMALL)


def test_saving_from_the_question_goes_through_the_same_checks_as_ctrl_s(tmp_path: Path) -> None:
    """A date typed into the future: Spara texten is refused with the reason, nothing stored, the
    screen and the text stay."""
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        from tests.test_tui_app import filter_to

        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and _key(app) == "meeting_date"
        await pilot.press(*typed("2030-01-01"), "escape")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen_stack[-1] is interview and _key(app) == "meeting_date"
        assert "2030-01-01" in str(interview.query_one("#answer-error", Static).render())
        assert not stored(ws)[-1].has("meeting_date")
        # The date offered (today), untouched: Esc leaves without asking.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)  # the typed date is still there: asked again
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Dashboard)

    run(scenario, app, size=SMALL)


@pytest.mark.parametrize("where", ["interview", "review"])
def test_ctrl_q_over_typed_text_asks_before_quitting(tmp_path: Path, where: str) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        if where == "review":
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            app.screen.query_one("#assessment", TextArea).focus()
        await pilot.press(*typed("Skrivet före Ctrl+Q"), "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog) and app.is_running
        await pilot.press("escape")  # stay: the app runs on, the text kept
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, UnsavedDialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("enter")  # save, then quit
        await pilot.pause()

    run(scenario, app, size=SMALL)
    key = COMMENT if where == "interview" else "assessment"
    assert stored(ws)[-1].get(key) == "Skrivet före Ctrl+Q"
    assert app.return_code == 0


def test_ctrl_q_with_nothing_typed_quits_at_once(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()

    run(scenario, app, size=SMALL)
    assert app.return_code == 0 and not app.is_running


def test_ctrl_d_puts_the_draft_in_the_field_and_ctrl_s_saves_it(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in ANSWERS if k != "assessment"])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and _key(app) == "assessment"
        await pilot.press("ctrl+d")
        await pilot.pause()
        area = interview.query_one("#answer-text", TextArea)
        draft = area.text
        assert "Inga nya behov har uppkommit." in draft  # shown to be read …
        assert not stored(ws)[-1].has("assessment")  # … and not saved unread
        assert area.cursor_location == area.document.end  # typing goes on after it
        assert "Ctrl+S" in str(interview.query_one("#answer-hint", Static).render())
        await pilot.press(*typed(" Tillagt."), "ctrl+s")
        await pilot.pause()
        assert stored(ws)[-1].get("assessment") == draft + " Tillagt."

    run(scenario, app, size=SMALL)


# --- the review opens at its top ------------------------------------------------------------------

def test_the_review_opens_at_the_top_with_the_keys_in_the_assessment(tmp_path: Path) -> None:
    """It opened scrolled to the bottom (the focused assessment), the first sections out of sight."""
    from textual.containers import VerticalScroll

    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        for _ in range(5):
            await pilot.pause()
        box = review.query_one("#review", VerticalScroll)
        assert box.max_scroll_y > 0, "at 80x24 the review must be taller than the screen for this test"
        assert box.scroll_y == 0
        first = review.query(".section-title").first()
        assert first.region.y < 24 and first.region.height > 0  # the first section is on screen
        area = review.query_one("#assessment", TextArea)
        assert app.focused is area  # the keys still start in the assessment
        await pilot.press(*typed("Tillägg"))
        await pilot.pause()
        assert box.scroll_y > 0 and area.region.height > 0  # typing brings the field into view
        assert area.text == ANSWERS["assessment"] + "Tillägg"  # added after what was there

    run(scenario, app, size=SMALL)


# --- the case view's GAS target, as the PDF prints it ---------------------------------------------

def test_the_case_view_shows_a_gas_target_as_the_pdf_prints_it(tmp_path: Path) -> None:
    """ÖVN-0001's GAS goal has no target set: the PDF prints its target 0 (GAS's expected outcome),
    the case view showed "–" in the plan and in the levels table."""
    import re

    from pypdf import PdfReader
    from textual.widgets import DataTable, Input

    from tui import training

    ws = tmp_path / "training"
    training.build(ws)
    app = make_app(ws, tmp_path)
    goal = "Delta i dagverksamhet två dagar i veckan"

    async def scenario(pilot: Pilot[None]) -> None:
        app.screen.query_one("#filter", Input).value = "ÖVN-0001"
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        case = app.screen
        assert isinstance(case, CaseScreen)
        plan = str(case.query_one("#plan", Static).render())
        assert re.search(re.escape(goal) + r" \([^)]*\) \[GAS -1 → 0\]", plan), plan
        table = case.query_one("#levels", DataTable)
        row = next(table.get_row_at(i) for i in range(table.row_count) if goal in str(table.get_row_at(i)[0]))
        assert str(row[-1]) == "0" and str(row[1]) == "-1"
        await pilot.press("p")  # the PDF of the selected (signed) follow-up
        await pilot.pause()

    run(scenario, app, size=SMALL)
    pdf = next((tmp_path / "exports").glob("*.pdf"))
    words = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Mål: 0 Förväntat resultat" in words  # the PDF's target for the same goal


# --- the digit shown is the key; ticks and the chosen answer read without colour -------------------

def _with_goal_scale(ws: Path, scale: str) -> None:
    from storage.tinydb_repo import TinyDBRepository
    from storage.workspace import Workspace

    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    goals = [g.model_copy(update={"scale": "gas", "baseline": -1, "target": 1}) if g.id == "g1" and scale == "gas"
             else g for g in case.plan.goals]
    repo.update_case(case.model_copy(update={"plan": case.plan.model_copy(update={"goals": goals})}))
    repo.close()


@pytest.mark.parametrize(("scale", "start"), [("gas", -1), ("icf", 3)])
def test_the_digit_shown_beside_a_level_picks_the_row_it_labels(tmp_path: Path, scale: str, start: int) -> None:
    """GAS levels −2..+2 are picked by 1..5: each row shows its key as "[n]", apart from the level, and
    pressing that key stores that row's level. The list still starts on the last level (the baseline)."""
    import re

    from textual.widgets import OptionList

    from forms.loader import bundled_form

    ws = make_workspace(tmp_path / "ws")
    _with_goal_scale(ws, scale)
    _start_draft(ws, tmp_path, [(k, ANSWERS[k]) for k in list(ANSWERS)[:5]])
    app = make_app(ws, tmp_path)
    form_scale = bundled_form().scale(scale)
    assert form_scale is not None
    words = {lv.label.get("sv"): lv.value for lv in form_scale.levels}

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and _key(app) == "goals.g1.level"
        rows = screen.query_one(OptionList)
        prompts = [str(rows.get_option_at_index(i).prompt) for i in range(rows.option_count)]
        assert len(prompts) == 5
        values = [v for _, v in screen.widget().options()]  # type: ignore[union-attr]
        assert rows.highlighted == values.index(start)  # begins on the last level, as before
        for line in prompts:
            found = re.fullmatch(r"(?:▸ |  )\[(\d)\] [○●] (.+)", line)
            assert found, line
            key, label = found.groups()
            if scale == "gas":  # the level printed on the row, signed with a true minus
                level_text, word = label.split("  ", 1)
                assert level_text != key and "-" not in level_text
                shown = int(level_text.replace("−", "-").replace("+", ""))
                assert words[word] == shown
            else:  # ICF: the key is the level, the words name it
                shown = words[label]
                assert int(key) == shown
            await pilot.press(key)
            await pilot.pause()
            assert stored(ws)[-1].get("goals.g1.level") == shown, line
            await pilot.press("ctrl+b")  # back to the level for the next row
            await pilot.pause()
            assert _key(app) == "goals.g1.level"

    run(scenario, app, size=SMALL)


def test_ticks_and_the_answer_opened_read_without_colour(tmp_path: Path) -> None:
    """A multi-select's tick was an "X" on every row, ticked or not, told apart by colour alone; the
    transcript answer Enter would open was marked by colour alone."""
    from textual.widgets import SelectionList

    from tui.screens.interview import TranscriptAnswer

    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, [("meeting_date", ANSWERS["meeting_date"])])
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and _key(app) == "participants"
        await pilot.press("2")  # tick the second
        await pilot.pause()
        box = screen.query_one(SelectionList)
        lines = [box.render_line(y).text for y in range(3)]
        assert "X" in lines[1][:4], lines  # ticked: the X is drawn
        assert "X" not in lines[0][:4] and "X" not in lines[2][:4], lines  # unticked: an empty box
        assert all(line.lstrip("▐▌ X").startswith(f"[{i + 1}]") for i, line in enumerate(lines)), lines
        row = next(w for w in screen.query(TranscriptAnswer) if w.key == "meeting_date")
        row.focus()
        await pilot.pause()
        assert str(row.render()).startswith("▶ ")  # the answer Enter would open, marked
        screen.widget().control().focus()  # type: ignore[union-attr]
        await pilot.pause()
        assert not str(row.render()).startswith("▶")
        # A list: the row Enter would choose is marked ▸, and the mark follows the arrows.
        await pilot.press("enter")  # participants saved; the meeting's form, a list, is next
        await pilot.pause()
        from textual.widgets import OptionList

        rows = screen.query_one(OptionList)

        def marked() -> list[int]:
            return [i for i in range(rows.option_count) if str(rows.get_option_at_index(i).prompt).startswith("▸")]

        assert marked() == [rows.highlighted]
        await pilot.press("down")
        await pilot.pause()
        assert marked() == [rows.highlighted] and rows.highlighted == 1
        await pilot.press("enter")
        await pilot.pause()
        assert stored(ws)[-1].get("meeting_mode") == "home_visit"  # the second of the list, as marked

    run(scenario, app, size=SMALL)


@pytest.mark.parametrize("key", ["ctrl+b", "ctrl+r"])
def test_going_back_or_to_the_review_over_typed_text_asks_too(tmp_path: Path, key: str) -> None:
    """Ctrl+B and Ctrl+R showed another screen and, coming back, the question anew: the typed text
    was gone. Now asked; Enter saves it, then goes where the key said."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        await pilot.press(*typed("Halvvägs skrivet"), key)
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert stored(ws)[-1].get(COMMENT) == "Halvvägs skrivet"
        if key == "ctrl+b":
            assert _key(app) == "goals.g1.level"  # the answer before the question typed in
        else:
            assert isinstance(app.screen, ReviewScreen)

    run(scenario, app, size=SMALL)


@pytest.mark.parametrize(("key", "choice"), [("enter", "save"), ("x", "discard"), ("escape", "stay")])
def test_ctrl_k_over_typed_text_asks_before_it_skips(tmp_path: Path, key: str, choice: str) -> None:
    """Ctrl+K (leave unanswered) threw typed text away without a word; now it asks like Esc does."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, UP_TO_COMMENT)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and _key(app) == COMMENT
        await pilot.press(*typed("Duschar med stöd"), "ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, UnsavedDialog)
        await pilot.press(key)
        await pilot.pause()
        saved = stored(ws)[-1]
        assert app.screen_stack[-1] is interview  # (the stack: mypy narrowed app.screen to the dialog)
        if choice == "save":  # saved as the answer, and on to the next question
            assert saved.get(COMMENT) == "Duschar med stöd" and _key(app) != COMMENT
        elif choice == "discard":  # thrown away as chosen, and the question skipped
            assert saved.get(COMMENT) is None and _key(app) != COMMENT
        else:
            assert not saved.has(COMMENT) and _key(app) == COMMENT
            assert interview.query_one("#answer-text", TextArea).text == "Duschar med stöd"

    run(scenario, app, size=SMALL)


def test_a_signed_followup_offers_no_change_and_refuses_one_in_words(tmp_path: Path) -> None:
    """Signed in the review, Esc went back to an interview still offering Spara/Hoppa över/Föregående;
    a changed answer went nowhere without a word. Now Esc goes back where the draft was opened, and the interview of
    a signed follow-up shows no such key and says why when asked to change."""
    ws = make_workspace(tmp_path / "ws")
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await resume_draft(pilot)
        interview = app.screen
        assert isinstance(interview, InterviewScreen)
        below = app.screen_stack[-2]  # where the draft was opened from
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert stored(ws)[-1].status == "final"
        # Under the review the interview is signed too: no key there offers a change ...
        assert [a for a in ("submit", "skip", "previous") if interview.check_action(a, ())] == []
        # ... and an attempt to change says why, in words
        await interview.edit_answer("client_view")
        said = str(interview.query_one("#answer-error", Static).render())
        assert "signerad och kan inte ändras" in said and "c på ärendet" in said
        await pilot.press("escape")  # from the review: back to the case, past the interview
        await pilot.pause()
        assert interview not in app.screen_stack and app.screen is below

    run(scenario, app, size=SMALL)
