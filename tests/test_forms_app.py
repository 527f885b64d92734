"""The app on a form the organisation wrote: a new follow-up uses the workspace's default form, and
every question type of an XLSForm form (numbers included) is answered with real keys and saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.test_forms_xlsform import workbook
from tests.test_tui_app import filter_to, reply, run, stored
from tests.tui_helpers import make_app, make_workspace
from tui.cli import main
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
