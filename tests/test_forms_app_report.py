"""The app's report screen over any installed form: a key opens the choice of form, and the chosen
form's report is the command line's (the same published figures, small cells hidden), its versions
named and no other form's question in it; one form installed, nothing to choose; Esc changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from tests.test_forms_report import FORM_ID, population, version_2
from tests.test_forms_xlsform import workbook
from tests.test_tui_app import run
from tests.tui_helpers import make_app, make_workspace
from tui.cli import main
from tui.dialogs.pick import PickDialog
from tui.screens.report import ReportScreen


@pytest.fixture(scope="module")
def custom_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A workspace with the workbook's form installed in two versions (the second the workspace's
    default for new follow-ups), a population of its follow-ups and 40 standard-form ones."""
    tmp = tmp_path_factory.mktemp("custom")
    ws = make_workspace(tmp / "ws")
    for name, book in (("v1.xlsx", workbook()), ("v2.xlsx", version_2())):
        (tmp / name).write_bytes(book)
        assert main(["--workspace", str(ws), "forms", "install", str(tmp / name)]) == 0
    assert main(["--workspace", str(ws), "forms", "default", FORM_ID]) == 0
    made = population(ws, 90)
    return ws, made


def cli_json(ws: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["--workspace", str(ws), "report", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def body(screen: Any) -> str:
    return str(screen.query_one("#report-body", Static).render())


def footer_keys(app: Any) -> list[str]:
    """What the footer shows, key by key, with where each ends on the screen."""
    from textual.widgets._footer import FooterKey

    return [f"{k.description}@{k.region.right}" for k in app.screen.query(FooterKey) if k.region.width]


async def open_report(pilot: Pilot[None]) -> ReportScreen:
    await pilot.press("g")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReportScreen)
    return screen


def test_the_report_screen_shows_the_chosen_forms_report_as_the_cli_does(
    custom_ws: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reporting.output import to_table
    from storage.maintenance import open_repository

    ws, made = custom_ws
    standard = cli_json(ws, capsys=capsys)
    custom = cli_json(ws, "--form", FORM_ID, capsys=capsys)
    repo = open_repository(ws, passphrase=lambda: None, writable=False)
    try:
        form = repo.form(FORM_ID)
    finally:
        repo.close()
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        # The standard form first, whatever the default for new follow-ups is.
        before = body(screen)
        assert f"Uppföljningar: {standard['followups']}" in before and "Vilka substanser?" not in before
        assert "standard-uppfoljning v2" in str(screen.query_one("#report-form", Static).render())
        # The key is in the footer at 80×24, inside the screen.
        keys = footer_keys(app)
        shown = [k for k in keys if k.startswith("Formulär@")]
        assert shown and int(shown[0].split("@")[1]) <= 80, keys
        # Typing in the unit field, the key still opens the choice (not an "o" in the field).
        screen.query_one("#unit", Input).focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        pick = app.screen
        assert isinstance(pick, PickDialog)
        assert str(pick.query_one(".dialog-title", Static).render()) == "Vilket formulär ska sammanställas?"
        options = pick.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["Uppföljning (standard-uppfoljning v2)", "Uppföljning missbruk (missbruk-xls v2)"]
        await pilot.press("down", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#unit", Input).value == ""
        after = body(screen)
        # Exactly the command line's report of the form: the same published figures, the same words.
        assert after == to_table(custom, form, "sv")
        for label in ("Vilka substanser?", "Stöd för målet", "Centralstimulantia",
                      "Formulärversioner: 1, 2 (redovisat enligt version 2)", f"Uppföljningar: {custom['followups']}"):
            assert label in after, label
        assert custom["followups"] == 90 and standard["followups"] == 40
        assert "Mötesform" in before and "Mötesform" not in after  # no standard-form question
        assert "missbruk-xls v2" in str(screen.query_one("#report-form", Static).render())
        # At 80 columns no row is wrapped (a bar would become a line of its own): the report scrolls.
        widest = max(len(line) for line in after.splitlines())
        assert widest > 78 and screen.query_one("#report-body", Static).size.width >= widest
        assert screen.query_one("#report").max_scroll_x > 0
        # Two clients used opioids and three goals had medication: the hidden mark, never the count.
        assert made["opioids"] == 2 and made["medication"] == 3
        for label, cell in (("Opioider", custom["questions"]["substances"]["opioids"]),
                            ("Läkemedel", custom["questions"]["support"]["medication"])):
            line = next(x for x in after.splitlines() if x.strip().startswith(label))
            assert not isinstance(cell, int) and line[40:47].strip() == str(cell), line
            assert line.split()[1] not in ("2", "3")
        # The charts are this form's: the age bands' bars are the shares of its 90 follow-ups.
        ages = screen.query_one("#chart-ages")
        expected = [100 * p["followups"] / 90 if isinstance(p["followups"], int) else 0.0
                    for p in custom["by_age_band"].values()]
        assert ages.values == [expected]  # type: ignore[attr-defined]
        attainment = screen.query_one("#chart-attainment")
        # Bars for the form's own attainment classes only, in its words (no bare standard codes).
        names = [label.split(" [")[0] for label in attainment.labels]  # type: ignore[attr-defined]
        assert names == ["Uppnått", "Inte uppnått"], names

    run(scenario, app, size=(80, 24))


def test_esc_from_the_choice_of_form_leaves_the_standard_report(
    custom_ws: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    ws, _ = custom_ws
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        before = body(screen)
        shown = str(screen.query_one("#report-form", Static).render())
        ages = list(screen.query_one("#chart-ages").values)  # type: ignore[attr-defined]
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        await pilot.press("down", "escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen_stack[-1] is screen  # Esc closed the choice, not the report
        assert body(screen) == before and "Vilka substanser?" not in before
        assert str(screen.query_one("#report-form", Static).render()) == shown
        assert screen.query_one("#chart-ages").values == ages  # type: ignore[attr-defined]

    run(scenario, app)


def test_with_only_the_standard_form_no_choice_is_offered(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        before = body(screen)
        assert not [k for k in footer_keys(app) if k.startswith("Formulär@")]
        await pilot.press("ctrl+o")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.screen is screen and not isinstance(app.screen, PickDialog)
        assert body(screen) == before and "Måluppfyllelse" in before

    run(scenario, app, size=(80, 24))


def test_the_key_and_the_choice_in_english(custom_ws: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    ws, _ = custom_ws
    app = make_app(ws, tmp_path, lang="en")

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        assert [k for k in footer_keys(app) if k.startswith("Form@")]
        assert str(screen.query_one("#report-form", Static).render()) == \
            "Form: Follow-up (standard-uppfoljning v2)"
        await pilot.press("ctrl+o")
        await pilot.pause()
        pick = app.screen
        assert isinstance(pick, PickDialog)
        assert str(pick.query_one(".dialog-title", Static).render()) == "Which form is the report made over?"
        await pilot.press("down", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Which substances?" in body(screen)
        assert str(screen.query_one("#report-form", Static).render()).endswith("(missbruk-xls v2)")

    run(scenario, app, size=(80, 24))


def test_the_chosen_form_is_compiled_over_the_selection_on_the_screen(
    custom_ws: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The unit typed on the screen stays when the form is chosen: the figures are the command
    line's for that form and unit (a unit of about 18 follow-ups: more of its cells are hidden)."""
    from reporting.output import to_table
    from storage.maintenance import open_repository

    ws, _ = custom_ws
    unit = cli_json(ws, "--form", FORM_ID, "--unit", "Mottagningen", capsys=capsys)
    whole = cli_json(ws, "--form", FORM_ID, capsys=capsys)
    assert unit["followups"] != whole["followups"]
    repo = open_repository(ws, passphrase=lambda: None, writable=False)
    try:
        form = repo.form(FORM_ID)
    finally:
        repo.close()
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        screen.query_one("#unit", Input).focus()
        await pilot.press(*"Mottagningen")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#unit", Input).value == "Mottagningen"
        assert body(screen) == to_table(unit, form, "sv")

    run(scenario, app)


def test_a_damaged_installed_form_is_not_offered_and_the_screen_still_reports(
    custom_ws: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """A form file that cannot be read (damaged, tampered with) is left out of the choice, as for a
    new follow-up: with only the standard form left, nothing to choose, and no traceback."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(custom_ws[0], ws)
    (ws / "forms" / f"{FORM_ID}-v2.json").write_bytes(b'{"not": "a sealed form"')
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        screen = await open_report(pilot)
        assert not [k for k in footer_keys(app) if k.startswith("Formulär@")]
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen_stack[-1] is screen
        assert "Uppföljningar: 40" in body(screen)

    run(scenario, app, size=(80, 24))
