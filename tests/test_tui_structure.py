"""The app's shape, attacked through its keys: a workspace not yet open, dialog chains given up midway."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input

from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.tui_helpers import make_app, make_workspace
from tui.app import UppfoljningApp
from tui.dialogs.case import GoalDialog, InterventionDialog
from tui.dialogs.form import FormDialog
from tui.dialogs.pick import PickDialog
from tui.screens.case import CaseScreen
from tui.screens.dashboard import Dashboard


def stored_plan(ws: Path) -> str:
    repo = TinyDBRepository(Workspace.open(ws), writable=False)
    try:
        case = repo.find_case("IFO-2026-0117")
        assert case is not None
        return case.plan.model_dump_json()
    finally:
        repo.close()


async def settled(pilot: Pilot[None]) -> None:
    """Every worker done within 10 s: a dialog chain left waiting would hold this up."""
    await pilot.pause()
    await asyncio.wait_for(pilot.app.workers.wait_for_complete(), 10)
    await pilot.pause()


def test_every_dashboard_key_before_the_workspace_is_open_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)
    monkeypatch.setattr(app, "open_workspace", lambda secret: None)  # held: it is never read

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            assert isinstance(app.screen, Dashboard) and not app.is_open
            for keys in (["n", "o", "f", "r", "p", "g", "enter", "down", "enter"], ["f1", "escape"],
                         ["f", "f", "r", "r"], ["slash", "0", "1", "enter", "o", "enter"]):
                await pilot.press(*keys)
                await settled(pilot)
                assert app.is_running and isinstance(app.screen, Dashboard), keys
            assert app.workspace is None
            with pytest.raises(UppfoljningApp.NotOpen):
                _ = app.repo
            # Now it opens: the same dashboard lists the cases.
            UppfoljningApp.open_workspace(app, None)
            await settled(pilot)
            assert app.is_open and app.repo.case_ids()
            assert app.screen.query_one("#cases", DataTable).row_count == 1  # the filter typed: 01

    asyncio.run(go())
    assert app.return_code in (None, 0)


@pytest.mark.parametrize(
    ("key", "first", "then"),
    [("m", PickDialog, GoalDialog), ("t", PickDialog, InterventionDialog)],
)
def test_a_chain_of_dialogs_given_up_midway_changes_nothing_and_leaves_nothing_waiting(
    tmp_path: Path, key: str, first: type, then: type
) -> None:
    ws = make_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)
    before = stored_plan(ws)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            app.screen.query_one("#filter", Input).value = "0117"
            await pilot.pause()
            await pilot.press("o")
            await settled(pilot)
            assert isinstance(app.screen, CaseScreen)
            # Esc on the pick list: back on the case, the worker ended.
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, first)
            await pilot.press("escape")
            await settled(pilot)
            assert isinstance(app.screen, CaseScreen)
            # Esc on the editor the pick led to: the same.
            await pilot.press(key)
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, then)
            await pilot.press("escape")
            await settled(pilot)
            assert isinstance(app.screen, CaseScreen)
            # Ctrl+S on the editor, unchanged: it saves what was there (the same plan).
            await pilot.press(key)
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await settled(pilot)
            assert isinstance(app.screen, CaseScreen) and not app.screen.query(first)

    asyncio.run(go())
    assert stored_plan(ws) == before


# --- each role in its folder, each dialog's result typed ---------------------------------------------


def _classes(package: str) -> list[type]:
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    out = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        out += [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    return out


def _result_types(cls: type) -> list[object]:
    """The type arguments a class gives its generic screen base (ModalScreen[X] or FormDialog[X])."""
    import typing

    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, (ModalScreen, FormDialog)):
                return list(typing.get_args(base))
    return []


def test_every_dialog_is_a_modal_screen_with_a_typed_result() -> None:
    import typing

    dialogs = [c for c in _classes("tui.dialogs") if issubclass(c, ModalScreen)]
    assert {c.__name__ for c in dialogs} >= {"ClientDialog", "GoalDialog", "InterventionDialog", "SignDialog",
                                             "CorrectionDialog", "PassphraseDialog", "PickDialog", "HelpScreen"}
    for cls in dialogs:
        if cls is FormDialog:
            continue  # the generic base the form dialogs name their result through
        args = _result_types(cls)
        assert args, cls
        for arg in args:
            assert arg is not typing.Any and not isinstance(arg, typing.TypeVar), (cls, arg)


def test_screens_dialogs_and_widgets_each_hold_their_own_role() -> None:
    from textual.screen import Screen
    from textual.widget import Widget

    for cls in _classes("tui.screens"):
        assert not issubclass(cls, ModalScreen), f"{cls.__name__} is a dialog: tui/dialogs/"
    for cls in _classes("tui.dialogs"):
        assert issubclass(cls, ModalScreen) or not issubclass(cls, (Screen, Widget)), cls
    for cls in _classes("tui.widgets"):
        assert issubclass(cls, Widget) and not issubclass(cls, Screen), cls


def test_every_form_dialog_defines_how_it_submits() -> None:
    """FormDialog.submit is abstract in all but name: a dialog without its own would fail on Ctrl+S."""
    import importlib
    import pkgutil

    import tui.dialogs
    from tui.dialogs.form import FormDialog

    dialogs = []
    for info in pkgutil.iter_modules(tui.dialogs.__path__):
        module = importlib.import_module(f"tui.dialogs.{info.name}")
        dialogs += [obj for obj in vars(module).values()
                    if isinstance(obj, type) and issubclass(obj, FormDialog) and obj is not FormDialog]
    assert len(dialogs) >= 5
    assert [d.__name__ for d in dialogs if "submit" not in d.__dict__] == []
