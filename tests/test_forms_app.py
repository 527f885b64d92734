"""The app on a form the organisation wrote: a new follow-up uses the workspace's default form, and
every question type of an XLSForm form (numbers included) is answered with real keys and saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tests.test_forms_xlsform import workbook
from tests.test_tui_app import filter_to, reply, run, stored
from tests.tui_helpers import make_app, make_workspace
from tui.cli import main
from tui.dialogs.pick import PickDialog
from tui.screens.interview import InterviewScreen

ANSWERS: dict[str, Any] = {
    "meeting_date": "2026-11-18", "age": 42, "uses": "yes", "substances": ["alcohol"], "units": 2.5,
    "goals.g1.attainment": "not_achieved", "goals.g1.goal_comment": "Mer stöd behövs.",
    "goals.g1a.attainment": "achieved", "assessment": "Stabilt.",
}


def test_a_followup_in_the_app_on_the_default_xlsform_form(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    assert main(["--workspace", str(ws), "forms", "install", str(path)]) == 0
    assert main(["--workspace", str(ws), "forms", "default", "missbruk-xls"]) == 0
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        # Two forms installed (the standard form and the workbook's): a choice, the default first.
        pick = app.screen
        assert isinstance(pick, PickDialog)
        options = pick.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "Uppföljning missbruk (missbruk-xls v1) – standardval"
        assert labels[1:] == ["Uppföljning (standard-uppfoljning v2)"]
        assert options.highlighted == 0
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        asked = []
        while (step := screen.current_step()) is not None:
            asked.append(step.key)
            if step.key == "age":
                await reply(pilot, 7)  # the form's rule refuses it, and nothing is saved
                assert not stored(ws)[-1].has("age")
                widget = screen.widget()
                assert widget is not None
                widget.query_one("Input", Input).value = ""
            await reply(pilot, ANSWERS[step.key])
            assert stored(ws)[-1].get(step.key) == ANSWERS[step.key]
        assert asked == list(ANSWERS)  # minor_contact is not asked at 42, g1a's comment not when achieved

    run(scenario, app)
    fu = stored(ws)[-1]
    assert (fu.form, fu.form_version) == ("missbruk-xls", 1)
    assert fu.answers["age"] == 42 and isinstance(fu.answers["age"], int) and fu.answers["units"] == 2.5


def test_the_standard_form_is_chosen_in_the_app_beside_the_default(tmp_path: Path) -> None:
    """The choice is per follow-up: the workbook's form is the default, the standard form is picked
    for this one; Esc starts nothing."""
    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    assert main(["--workspace", str(ws), "forms", "install", str(path)]) == 0
    assert main(["--workspace", str(ws), "forms", "default", "missbruk-xls"]) == 0
    app = make_app(ws, tmp_path)
    before = len(stored(ws))

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PickDialog | InterviewScreen)
        assert len(stored(ws)) == before  # nothing started
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)

    run(scenario, app)
    fu = stored(ws)[-1]
    assert len(stored(ws)) == before + 1
    assert (fu.form, fu.form_version) == ("standard-uppfoljning", 2)


def test_a_forms_declared_hint_is_shown_in_the_apps_review(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tests.test_forms_hints import HINTS, with_hints
    from tui.screens.review import ReviewScreen

    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(with_hints(HINTS))
    assert main(["--workspace", str(ws), "forms", "install", str(path)]) == 0
    assert main(["--workspace", str(ws), "forms", "default", "missbruk-xls"]) == 0
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")  # the default form
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        while (step := screen.current_step()) is not None:
            await reply(pilot, ANSWERS[step.key])
        await pilot.press("ctrl+r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        shown = [str(w.render()) for w in review.query(".hint-text").results(Static)]
        # g1 is not achieved while the use goes on (uses = yes); 2.5 drinks raise no warning
        assert shown == ["ℹ Sköta sin tvätt själv: Målet är inte uppnått och bruket fortsätter."]

    run(scenario, app)
