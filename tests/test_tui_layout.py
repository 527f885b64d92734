"""Every label, button and key of the app whole at 80×24: checked on the screen as drawn, widget by widget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label, Static

from tests.test_tui_app import ANSWERS, _start_draft, filter_to, run
from tests.test_tui_first_screen import screen_lines
from tests.tui_helpers import make_app, make_workspace

SIZE = (80, 24)


def drawn(app: Any, widget: Widget) -> str:
    """The text drawn in `widget`'s place, its lines joined by spaces; fails unless the whole widget is
    on the screen and nothing (a scroll container's edge, a scrollbar) clips any of it."""
    geometry = app.screen.find_widget(widget)
    region = geometry.region
    assert region.area > 0, f"{widget!r} takes no room"
    assert Region(0, 0, *app.size).contains_region(region), f"{widget!r} at {region} is off the screen"
    assert geometry.visible_region == region, f"{widget!r} at {region} is clipped to {geometry.clip}"
    lines = screen_lines(app)
    return " ".join(lines[y][region.x:region.right].strip() for y in range(region.y, region.bottom))


def shown_whole(app: Any, widget: Widget, label: str) -> None:
    assert " ".join(label.split()) in " ".join(drawn(app, widget).split()), (label, drawn(app, widget))


def footer_shown(app: Any) -> list[str]:
    """Every key of the footer, each asserted whole on the screen ("f1 Tangenter")."""
    from textual.widgets._footer import FooterKey

    out = []
    for key in app.screen.query(FooterKey):
        text = f"{key.key_display} {key.description}"
        shown_whole(app, key, text)
        out.append(text)
    return out


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# --- 1. the report's selection -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_reports_options_and_button_are_whole_at_80x24(tmp_path: Path, lang: str) -> None:
    """Before, "Alla uppföljningar (inte bara den senaste per brukare)" ran under the scrollbar and the
    Sammanställ button was beyond the 80th column."""
    from tui.screens.report import ReportScreen

    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        for box in screen.query(Checkbox):
            shown_whole(app, box, str(box.label))
        for label in screen.query(".report-selection Label").results(Label):
            shown_whole(app, label, str(label.render()))
        for field in screen.query(".report-selection Input"):
            drawn(app, field)  # the date and unit fields are on the screen too, none under the edge
        button = screen.query_one("#compile", Button)
        shown_whole(app, button, str(button.label))
        assert {"sv": "Alla uppföljningar", "en": "Every follow-up"}[lang] in str(screen.query_one("#all", Checkbox).label)
        # Where they are drawn, they answer a click: the box ticks, the button compiles again.
        await settle(pilot)
        before = screen.query_one("#all", Checkbox).value
        await pilot.click("#all")
        await pilot.pause()
        assert screen.query_one("#all", Checkbox).value is not before
        body = screen.query_one("#report-body", Static)
        body.update("")
        await pilot.click("#compile")
        await settle(pilot)
        assert str(body.render()).strip()

    run(scenario, app, size=SIZE)


# --- 2. the life areas of a goal ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_life_area_is_shown_whole_on_one_line_inside_the_goal_dialog(tmp_path: Path, lang: str) -> None:
    """The open list of life areas ends inside the dialog (before, it ran over the dialog's frame with
    its last option cut in half), and each option, walked to with the arrow keys, is drawn whole on one
    line (before, "Personligt stöd … en närstående" was split over two)."""
    from textual.widgets import OptionList
    from textual.widgets._select import SelectOverlay

    from interview.case import LIFE_AREAS
    from tui.dialogs.case import GoalDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o", "a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, GoalDialog)
        await pilot.press("tab", "enter")  # to the life area, and open it
        await pilot.pause()
        overlay = dialog.query_one(SelectOverlay)
        frame = dialog.query_one(".dialog")
        assert frame.content_region.contains_region(app.screen.find_widget(overlay).region)
        options = overlay.query_one(OptionList) if not isinstance(overlay, OptionList) else overlay
        seen = []
        for _ in range(len(LIFE_AREAS) + 1):  # the blank choice first
            await pilot.press("down")
            await pilot.pause()
            highlighted = options.highlighted
            assert highlighted is not None
            label = str(options.get_option_at_index(highlighted).prompt)
            lines = [ln[overlay.region.x:overlay.region.right] for ln in screen_lines(app)
                     [overlay.region.y:overlay.region.bottom]]
            assert any(label in ln for ln in lines), (label, lines)
            drawn(app, overlay)
            seen.append(label)
        assert len(set(seen)) == len(LIFE_AREAS) + 1  # and the blank choice

    run(scenario, app, size=SIZE)


# --- 3. the help box -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_case_screens_help_shows_its_title_and_close_line_and_scrolls_to_every_key(
        tmp_path: Path, lang: str) -> None:
    """The case screen has more keys than 24 rows hold: the list scrolls between a title and a closing
    line that stay on screen (before, the last keys and "Esc eller ? stänger" were cut off)."""
    from tui.dialogs.help import HelpScreen

    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        title, note = help_screen.query(".dialog-title").first(), help_screen.query(".dialog-note").first()
        keys = help_screen.query_one("#help-keys", Static)
        listed = str(keys.render()).splitlines()
        assert len(listed) > 15 and "ctrl+p" in listed[-1]
        seen: set[str] = set()
        for _ in range(len(listed)):
            shown_whole(app, title, str(title.render()))
            shown_whole(app, note, str(note.render()))
            body = help_screen.query_one(".dialog-body")
            assert app.screen.find_widget(body).visible_region == app.screen.find_widget(body).region
            seen |= {ln.strip() for ln in screen_lines(app)}
            await pilot.press("down")
            await pilot.pause()
        missing = [ln for ln in listed if not any(ln.strip() in s for s in seen)]
        assert missing == []

    run(scenario, app, size=SIZE)


# --- 4. every footer ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("where", ["dashboard", "case", "interview", "review", "report"])
def test_every_key_in_the_footer_is_whole_and_f1_is_among_them(tmp_path: Path, where: str, lang: str) -> None:
    """Before, the dashboard's footer ended "q Avsluta f1": the key that lists every other key had
    lost its label."""
    ws = make_workspace(tmp_path / "ws", with_history=True)
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        for key in {"dashboard": [], "case": ["o"], "interview": ["r"], "review": ["r", "ctrl+r"],
                    "report": ["escape", "g"]}[where]:
            await pilot.press(key)
            await settle(pilot)
        shown = footer_shown(app)
        assert f"f1 {({'sv': 'Tangenter', 'en': 'Keys'})[lang]}" in shown, shown

    run(scenario, app, size=SIZE)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_assessment_questions_footer_is_whole_and_ctrl_k_still_answers(tmp_path: Path, lang: str) -> None:
    """At the assessment Ctrl+D's key joins the footer, and "f1 Tangenter" fell off its end (found by a
    reviewer at 80x24): Ctrl+K leaves the footer there (the assessment must be answered, so it can only
    say so; F1 and the palette keep it) and still answers."""
    from tui.screens.interview import InterviewScreen

    ws = make_workspace(tmp_path / "ws", with_history=True)
    _start_draft(ws, tmp_path, [(k, v) for k, v in ANSWERS.items() if k != "assessment"])
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and screen.shown_key == "assessment"
        shown = footer_shown(app)  # every key drawn whole inside the 80 columns, or it fails
        assert f"f1 {({'sv': 'Tangenter', 'en': 'Keys'})[lang]}" in shown, shown
        assert [k for k in shown if k.startswith("^d ")], shown
        await pilot.press("ctrl+k")
        await settle(pilot)
        said = str(screen.query_one("#answer-error", Static).render())  # the key still answers
        assert said == {"sv": "Frågan måste besvaras.", "en": "an answer is required"}[lang], said
        assert screen.shown_key == "assessment"

    run(scenario, app, size=SIZE)


# --- 5. the conflict dialog ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(("key", "choice"), [("1", "theirs"), ("ctrl+o", "mine"), ("escape", None)])
def test_the_conflict_dialog_shows_its_keys_and_they_choose(
        tmp_path: Path, lang: str, key: str, choice: str | None) -> None:
    """Before, the dialog had no footer: nothing said that Esc decides later. Its keys are shown whole
    at 80×24, its buttons too, and each key makes its choice."""
    from tui.dialogs.conflict import ConflictDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang)
    chosen: list[str | None] = []

    async def scenario(pilot: Pilot[None]) -> None:
        dialog = ConflictDialog(lang, "Har insatsen getts enligt planen?", "Ja", "Delvis", "Bertil Berg",
                                "25 november 2026 kl. 10:02")
        app.push_screen(dialog, chosen.append)
        await settle(pilot)
        shown = footer_shown(app)
        wanted = {"sv": ["1 Behåll det sparade svaret", "^o Spara mitt svar", "esc Avbryt"],
                  "en": ["1 Keep the stored answer", "^o Save my answer", "esc Cancel"]}[lang]
        assert shown == wanted
        for button in dialog.query(Button):
            shown_whole(app, button, str(button.label))
        # Keys typed ahead for the next questions, or a reflex save, never choose "mine".
        await pilot.press("2", "3", "ctrl+s", "j", "a")
        await settle(pilot)
        assert app.screen is dialog and chosen == []
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is not dialog

    run(scenario, app, size=SIZE)
    assert chosen == [choice]


# --- 8. what the walk through every screen found ------------------------------------------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_case_screens_levels_table_shows_its_last_column_at_80_columns(tmp_path: Path, lang: str) -> None:
    """A long goal and two dated follow-ups: the table's last column ("Mål"/"Target") was beyond the 80th
    column (in English, "T" was all that showed). The goal's column now narrows and wraps instead."""
    from textual.widgets import DataTable

    from interview.case import Goal
    from storage.tinydb_repo import TinyDBRepository
    from storage.workspace import Workspace

    ws = make_workspace(tmp_path / "ws", with_history=True)
    r = TinyDBRepository(Workspace.open(ws))
    case = r.find_case("IFO-2026-0117")
    assert case is not None
    long_goal = Goal(id="g2", text="Delta i dagverksamhet två dagar i veckan och ta bussen dit själv",
                     life_area="d9", scale="gas", baseline=-1, target=0)
    r.update_case(case.model_copy(update={"plan": case.plan.model_copy(
        update={"goals": [*case.plan.goals, long_goal]})}))
    r.close()
    _start_draft(ws, tmp_path, [("meeting_date", "2026-11-18")])
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await settle(pilot)
        table = app.screen.query_one("#levels", DataTable)
        app.screen.query_one("#case-body").scroll_to_widget(table, animate=False, top=True)
        await settle(pilot)
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing to scroll to
        header = [str(c.label) for c in table.columns.values()]
        assert header[-1] == {"sv": "Mål", "en": "Target"}[lang] and len(header) == 5  # two dates
        region = app.screen.find_widget(table).region
        top = screen_lines(app)[region.y]
        assert all(h in top for h in header), top
        assert region.right <= 80 and top.rstrip().endswith(header[-1])
        assert "bussen dit själv" in drawn(app, table)  # the goal wrapped, not cut

    run(scenario, app, size=SIZE)


@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_a_dialog_is_never_wider_than_the_terminal(tmp_path: Path, width: int) -> None:
    """Widened to fit a life area on one line at 80 columns, a dialog still ends inside a narrower
    terminal and stays a dialog (at most 90 cells) on a wide one."""
    from tui.dialogs.case import GoalDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o", "a")
        await settle(pilot)
        assert isinstance(app.screen, GoalDialog)
        frame = app.screen.query_one(".dialog")
        region = app.screen.find_widget(frame).region
        assert Region(0, 0, *app.size).contains_region(region), region
        assert region.width == min(90, width * 98 // 100), region

    run(scenario, app, size=(width, 24))


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(("keys", "save"), [
    (["o", "e"], "Spara"), (["o", "a"], "Spara"), (["o", "i"], "Spara"), (["o", "c"], "Spara"),
    (["r", "ctrl+r", "ctrl+f"], "Signera"),
])
def test_every_form_dialog_shows_its_keys_whole(tmp_path: Path, lang: str, keys: list[str], save: str) -> None:
    """A form dialog's Ctrl+S and Esc were written nowhere (its buttons say Spara and Avbryt, not the
    keys): the footer shows them, whole, and what Ctrl+S does there (signing signs)."""
    from language import pgettext
    from tui.dialogs.form import FormDialog

    ws = make_workspace(tmp_path / "ws", with_history=True)
    _start_draft(ws, tmp_path, list(ANSWERS.items()))
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        assert isinstance(app.screen, FormDialog), app.screen
        shown = footer_shown(app)
        assert shown == [f"esc {pgettext('binding', 'Avbryt', lang)}", f"^s {pgettext('binding', save, lang)}"]

    run(scenario, app, size=SIZE)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_pick_list_shows_esc(tmp_path: Path, lang: str) -> None:
    from language import pgettext
    from tui.dialogs.pick import PickDialog

    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path, lang)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("m")  # which goal to edit (its worker waits on the dialog: no settle here)
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        assert footer_shown(app) == [f"esc {pgettext('binding', 'Avbryt', lang)}"]

    run(scenario, app, size=SIZE)
