"""The app's first screen: what it imports (nothing the dashboard does not need) and that every column
and the training banner fit at 80 columns."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.tui_helpers import STAMP, TODAY, make_app, make_workspace
from tui.screens.dashboard import COLUMNS, fit

# What the first screen must not import: the charts, the language layer's formatting (Babel), PDFs,
# the models and storage (read by the worker after the first frame), the multi-line text field.
HEAVY = ["plotext", "textual_plotext", "babel", "reportlab", "pydantic", "tinydb", "casework", "forms",
         "storage.workspace", "interview.case", "textual.widgets._text_area"]

# Started as a caseworker starts it (the CLI), headless: at the first frame (auto_pilot starts once the
# first screen is shown) it writes which of HEAVY are loaded. The workspace is never read, so nothing a
# worker imports meanwhile can hide in, or leak into, what the first screen imported.
PROBE = """
import json, sys
from textual.app import App
from tui.app import UppfoljningApp

UppfoljningApp.open_workspace = lambda self, secret: None
original_run = App.run

async def first_frame(pilot):
    seen = {"screen": type(pilot.app.screen).__name__,
            "loaded": [m for m in json.loads(sys.argv[2]) if m in sys.modules]}
    pilot.app.exit()
    print("SEEN", json.dumps(seen), flush=True)

def run(self, **kwargs):
    return original_run(self, headless=True, size=(80, 24), auto_pilot=first_frame)

App.run = run
from tui.cli import main
sys.exit(main(["--workspace", sys.argv[1]] + sys.argv[3:]))
"""


def first_screen_imports(ws: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(ws), json.dumps(HEAVY), *args],
                         capture_output=True, text=True, timeout=120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("SEEN ")), None)
    assert line is not None, out.stdout + out.stderr
    seen: dict[str, Any] = json.loads(line[5:])
    return seen


def test_the_heavy_modules_exist() -> None:
    """The promise below holds only if each name is a real module (a typo would pass it vacuously)."""
    missing = [m for m in HEAVY if importlib.util.find_spec(m) is None]
    assert missing == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_first_screen_imports_nothing_it_does_not_show(tmp_path: Path, lang: str) -> None:
    """With a workspace holding cases, the dashboard's first frame imports no charts, Babel, PDFs,
    pydantic, storage or TextArea: each cost the first screen time before any case is read."""
    ws = make_workspace(tmp_path / "ws", with_history=True)
    seen = first_screen_imports(ws, "--lang", lang)
    assert seen == {"screen": "Dashboard", "loaded": []}


def test_an_encrypted_workspace_first_screen_imports_nothing_heavy(tmp_path: Path) -> None:
    """An encrypted workspace (the passphrase is asked by the worker after the first frame): the same."""
    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Anna"), passphrase="rätt häst batteri häftklammer")
    seen = first_screen_imports(ws)
    assert seen == {"screen": "Dashboard", "loaded": []}


def test_a_missing_header_still_looks_for_cases(tmp_path: Path) -> None:
    """The lazy import did not skip the check it guarded: a folder whose header is gone but which holds
    cases never gets the first-run wizard (a new key would leave the cases unreadable)."""
    ws = make_workspace(tmp_path / "ws", with_history=True)
    (ws / "workspace.json").unlink()
    seen = first_screen_imports(ws)
    assert seen["screen"] == "Dashboard"
    empty = tmp_path / "new"
    assert first_screen_imports(empty)["screen"] == "Wizard"


# --- every column at 80 columns --------------------------------------------------------------------

LONG_NAME = "Maria-Josefina Andersdotter Lindqvist-Håkansson"
LONG_UNIT = "Socialpsykiatri och missbruk, öppenvård"


def crowded_workspace(path: Path) -> Path:
    """Cases with long names and units, one overdue with a draft: the widest rows a dashboard shows."""
    ws = make_workspace(path, with_history=True)  # IFO-2026-0117: next 2026-11-01, overdue on TODAY
    repo = TinyDBRepository(Workspace.open(ws))
    plan = Plan.model_validate({"start": "2026-01-10"})
    for i, (nxt, draft) in enumerate([("2027-03-15", True), ("2026-12-24", False)]):
        case = Case(id=f"case00010{i}", client=Client(case_ref=f"IFO-2026-{900 + i}", name=LONG_NAME,
                                                       unit=LONG_UNIT, gender="woman"),
                    plan=plan, created_at=STAMP)
        done = FollowUp(id=f"fu00000001{i}0", case_id=case.id, form="standard-uppfoljning", form_version=1,
                        plan=plan, created_at=STAMP, updated_at=STAMP, status="final", finalized_at=STAMP,
                        finalized_by="Anna", answers={"meeting_date": "2026-09-15", "next_followup": nxt})
        items = [done]
        if draft:
            items.append(FollowUp(id=f"fu00000001{i}1", case_id=case.id, form="standard-uppfoljning",
                                  form_version=1, plan=plan, created_at=STAMP, updated_at=STAMP))
        repo.add_case(case, items)
    repo.close()
    return ws


def screen_lines(app: Any) -> list[str]:
    """The screen as drawn, line by line (what the terminal shows)."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def shown_at(ws: Path, tmp: Path, lang: str, size: tuple[int, int]) -> list[str]:
    app = make_app(ws, tmp, lang)
    lines: list[str] = []

    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            lines.extend(screen_lines(app))

    asyncio.run(go())
    return lines


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for _ in range(5):
        await pilot.pause()


def row_of(lines: list[str], case_ref: str) -> str:
    found = [ln for ln in lines if case_ref in ln]
    assert len(found) == 1, lines
    return found[0]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_row_shows_its_next_follow_up_in_full_at_80_columns(tmp_path: Path, lang: str) -> None:
    """At 80×24 each row shows its case number, its next follow-up date in full (with "overdue"), its
    last follow-up and its drafts; the training banner and the warnings are shown whole. (Before, the
    date column was cut off at the right edge and the drafts column was not on screen at all.)"""
    ws = crowded_workspace(tmp_path / "ws")
    header = ws / "workspace.json"
    data = json.loads(header.read_text(encoding="utf-8"))
    header.write_text(json.dumps({**data, "training": True}), encoding="utf-8")
    lines = shown_at(ws, tmp_path, lang, (80, 24))
    overdue = {"sv": "2026-11-01 (försenad)", "en": "2026-11-01 (overdue)"}[lang]
    assert overdue in row_of(lines, "IFO-2026-0117")
    assert "2027-03-15" in row_of(lines, "IFO-2026-900") and "2026-12-24" in row_of(lines, "IFO-2026-901")
    assert "2026-09-15" in row_of(lines, "IFO-2026-900")  # the last follow-up stays too
    assert row_of(lines, "IFO-2026-900").rstrip().endswith("1")  # its draft, in the last column
    assert all(len(ln) <= 80 for ln in lines)
    drafts = {"sv": "Utkast", "en": "Drafts"}[lang]
    assert any(drafts in ln for ln in lines)
    text = "\n".join(lines)
    training = {"sv": "ÖVNING – fiktiva uppgifter", "en": "TRAINING – fictitious data"}[lang]
    unencrypted = {"sv": "Arbetsytan är inte krypterad", "en": "The workspace is not encrypted"}[lang]
    assert training in text and unencrypted in text


def test_at_120_columns_every_column_is_shown_with_names_in_full(tmp_path: Path) -> None:
    """Only a screen too narrow for them drops the unit and shortens names: at 120 columns a usual
    workspace shows them all."""
    ws = make_workspace(tmp_path / "ws", with_history=True)
    lines = shown_at(ws, tmp_path, "sv", (120, 40))
    row = row_of(lines, "IFO-2026-0117")
    assert "Testa Testsson" in row and "Socialpsykiatri" in row and "2026-11-01 (försenad)" in row
    assert "Missbruk" in row_of(lines, "IFO-2026-0042")


def test_a_resize_fits_the_columns_again(tmp_path: Path) -> None:
    """Made narrow after the cases are listed (a terminal made smaller), then wide again."""
    ws = crowded_workspace(tmp_path / "ws")
    app = make_app(ws, tmp_path)

    async def go() -> None:
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            assert LONG_UNIT in row_of(screen_lines(app), "IFO-2026-900")
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            assert "2027-03-15" in row_of(screen_lines(app), "IFO-2026-900")
            assert "2026-11-01 (försenad)" in row_of(screen_lines(app), "IFO-2026-0117")
            await pilot.resize_terminal(160, 30)
            await settle(pilot)
            assert LONG_NAME in row_of(screen_lines(app), "IFO-2026-900")
            table = app.screen.query_one(DataTable)
            assert str(table.get_row_at(0)[0]) == "IFO-2026-0117"  # overdue first

    asyncio.run(go())


def test_fit_keeps_the_essential_columns_at_any_width() -> None:
    """The layout rule alone, at every width from 40 to 140: the columns it keeps always fit when
    they can, and the case number, the next follow-up and the drafts are never dropped."""
    headers = {key: len(key) for key in COLUMNS}
    rows = [(13, 47, 39, 10, 21, 1), (8, 5, 8, 1, 10, 0)]
    for room in range(40, 141):
        keys, name = fit(headers, rows, room, 2)
        assert {"col_case", "col_next", "col_drafts", "col_name"} <= set(keys)
        need = {k: max(headers[k], *(r[COLUMNS.index(k)] for r in rows)) for k in keys}
        if name is not None:
            assert name < need["col_name"]
            need["col_name"] = name
        essential = sum(need[k] + 2 for k in ("col_case", "col_next", "col_drafts")) + headers["col_name"] + 2
        if essential <= room:
            assert sum(w + 2 for w in need.values()) <= room, (room, keys, name)
        if room >= sum(max(headers[k], *(r[i] for r in rows)) + 2 for i, k in enumerate(COLUMNS)):
            assert (keys, name) == (COLUMNS, None)
    assert TODAY.isoformat() == "2026-11-25"  # IFO-2026-0117's 2026-11-01 is overdue in these tests


def test_the_banner_leaves_out_only_the_organisation_and_never_splits_a_part() -> None:
    """At every width the training marking and the warnings are shown whole; the organisation is
    what a narrow screen leaves out first, and a part is never cut in two over lines."""
    from rich.cells import cell_len

    from tui.widgets.banner import SEP, lay_out

    parts = [("Uppföljning", False), ("Exempelby kommun · Socialpsykiatri", True), ("IFO-2026-0117", False),
             ("ÖVNING – fiktiva uppgifter", False), ("Arbetsytan är inte krypterad", False)]
    assert lay_out(parts, 200) == SEP.join(t for t, _ in parts)
    for width in range(28, 200):
        shown = lay_out(parts, width)
        lines = shown.split("\n")
        for text, spare in parts:
            assert text in shown or spare, (width, shown)
        assert all(cell_len(ln) <= width for ln in lines), (width, shown)
    assert lay_out(parts, 20).split("\n")[-1] == "Arbetsytan är inte krypterad"  # whole, wider or not
    assert "Exempelby" not in lay_out(parts, 100)  # one line without it, rather than two with it
