"""Snapshots of the dashboard, the interview and the review at 80x24 and 120x40."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.tui_helpers import TODAY, make_app, make_workspace

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def plain_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TEXTUAL_COLOR_SYSTEM"):
        monkeypatch.delenv(name, raising=False)


def with_draft(tmp_path: Path, answers: dict[str, Any]) -> Path:
    from casework.session import FollowUpSession
    from interview.followup import FollowUp

    ws = make_workspace(tmp_path / "ws", with_history=True)
    repo = TinyDBRepository(Workspace.open(ws))
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    fu = FollowUp(id="fu0000000002", case_id=case.id, form="standard-uppfoljning", form_version=1,
                  plan=case.plan, caseworker="Anna Handläggare")
    repo.add_followup(fu)
    session = FollowUpSession(repo, fu.id, today=TODAY)
    for key, value in answers.items():
        session.answer(key, value)
    repo.close()
    return ws


EARLY = {"meeting_date": "2026-11-18", "participants": ["client", "provider"], "meeting_mode": "home_visit",
         "intervention_received": "partly", "intervention_gap_reason": "Väntetid hos utföraren i augusti."}
ALL = {**EARLY, "goals.g1.attainment": "partly_achieved", "goals.g1.level": 2,
       "goals.g1.comment": "Klarar tvätten med påminnelse.", "goals.g1a.attainment": "achieved",
       "goals.g1a.comment": None, "still_in_need": "partly", "new_needs": "no",
       "other_principal_need": "yes", "other_principals": ["primary_care"], "guided": "yes",
       "sip_needed": "no", "client_participation": "yes", "client_view": "Tycker att stödet hjälper.",
       "client_satisfaction": "satisfied", "assessment": "Positiv utveckling.", "decision": "continue",
       "next_followup": "2027-05-18"}


async def steady(pilot: Pilot[None]) -> None:
    """A blinking cursor is on in one frame and off in the next: keep it on, so a snapshot is a
    picture of the screen and not of the moment it was taken."""
    screen = pilot.app.screen
    target = screen.query(screen.AUTO_FOCUS).first() if screen.AUTO_FOCUS else None
    for _ in range(200):  # under load the screen may still be settling its focus: wait for it
        await pilot.pause()
        if target is None or pilot.app.focused is target:
            break
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # type: ignore[attr-defined]
        # Turning the blink off freezes whichever phase the cursor was in (under load it was off in
        # one run and on in the next): show it, as a focused field shows it between blinks.
        field._cursor_visible = True  # type: ignore[attr-defined]
        # TextArea caches its lines under a key that, with blinking off, no longer says whether the
        # cursor is drawn: a line cached in a blink's off phase (a slow, loaded run) would be shown
        # without the cursor. Drop the cache so the line is drawn as it is now.
        cache = getattr(field, "_line_cache", None)
        if cache is not None:
            cache.clear()
            field.refresh()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def loaded(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await steady(pilot)


async def open_case_draft(pilot: Pilot[None], key: str) -> None:
    await loaded(pilot)
    pilot.app.screen.query_one("#filter", Input).value = "0117"
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    await steady(pilot)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_dashboard(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    ws = make_workspace(tmp_path / "ws", with_history=True)
    assert snap_compare(make_app(ws, tmp_path), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_interview(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    ws = with_draft(tmp_path, EARLY)

    async def resume(pilot: Pilot[None]) -> None:
        await open_case_draft(pilot, "r")

    assert snap_compare(make_app(ws, tmp_path), terminal_size=size, run_before=resume)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_review(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    ws = with_draft(tmp_path, ALL)

    async def review(pilot: Pilot[None]) -> None:
        await open_case_draft(pilot, "r")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(make_app(ws, tmp_path), terminal_size=size, run_before=review)
