"""What the app's fast paths keep: the filter's incremental table shows exactly what a full filter
would, after any sequence of keys and after the cases change; the footer that skips redraws still
shows a key the moment it is enabled."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from interview.case import Case, Client, Plan
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.tui_helpers import make_app, make_workspace
from tui.footer import SteadyFooter
from tui.screens.dashboard import MAX_ROWS

NAMES = ["Åsa Öberg", "åsa Berg", "ÅSA LUND", "Per Olsson", "Sara Li", "Örjan Åström", ""]
UNITS = ["Socialpsykiatri", "Missbruk", "Äldreomsorg", "LSS"]


def _many_cases(path: Path, n: int) -> list[tuple[str, str, str]]:
    """A workspace with `n` cases (refs, names and units that overlap in case and in letters)."""
    make_workspace(path)
    repo = TinyDBRepository(Workspace.open(path), durable=False)
    plan = Plan.model_validate({"start": "2026-01-01"})
    rows = []
    for i in range(n):
        ref, name, unit = f"IFO-{i * 7 % 1000:04d}-{i}", NAMES[i % len(NAMES)], UNITS[i % len(UNITS)]
        case = Case(client=Client(case_ref=ref, name=name or None, unit=unit), plan=plan)
        repo.add_case(case)
        rows.append((ref, name, unit))
    repo.close()
    return rows


def _expected(cases: list[tuple[str, str, str]], needle: str) -> list[str]:
    """The case numbers a filter must list, in order, found the slow, obvious way. No case here has
    a signed follow-up (no due date), so the order is the case number's."""
    folded = needle.strip().casefold()
    hits = sorted(ref for ref, name, unit in cases
                  if any(folded in f.casefold() for f in (ref, name, unit)))
    return hits[:MAX_ROWS]


def _shown(table: DataTable[Any]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def test_the_filter_shows_exactly_the_matching_cases_after_any_keys(tmp_path: Path) -> None:
    cases = _many_cases(tmp_path / "ws", 500)
    cases += [("IFO-2026-0117", "Testa Testsson", "Socialpsykiatri"), ("IFO-2026-0042", "", "Missbruk")]
    rng = random.Random(14)
    alphabet = "0123456789-IFOåÅsaSAöÖrLmM "

    async def go() -> None:
        app = make_app(tmp_path / "ws", tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("slash")
            box = app.screen.query_one("#filter", Input)
            table = app.screen.query_one(DataTable)
            typed = ""
            # First two filters that each match more cases than are listed, but not the same ones;
            # then typing and erasing at random: narrowing, widening, no match, everything.
            script = ["s", "backspace", "m", "backspace"]
            for step in range(130):
                if script:
                    key = script.pop(0)
                    typed = typed[:-1] if key == "backspace" else typed + key
                    await pilot.press(key)
                elif typed and rng.random() < 0.4:
                    typed = typed[:-1]
                    await pilot.press("backspace")
                else:
                    char = rng.choice(alphabet)
                    typed += char
                    await pilot.press("space" if char == " " else char)
                await pilot.pause()
                assert box.value == typed
                want = _expected(cases, typed)
                assert step > 3 or len(want) == MAX_ROWS  # the script's filters fill the table
                assert _shown(table) == want, typed

    asyncio.run(go())


def test_the_dashboard_shows_a_changed_case_again_after_the_filter_kept_its_rows(tmp_path: Path) -> None:
    """The filter keeps its rows between keys; a case that changed meanwhile (a draft started) must
    still show its change when the dashboard comes back, with the same rows and the same filter."""

    async def go() -> None:
        ws = make_workspace(tmp_path / "ws")
        app = make_app(ws, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.query_one("#filter", Input).value = "0117"
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            assert [str(c) for c in table.get_row_at(0)][-1] == ""  # no draft yet
            await pilot.press("f")  # a new follow-up: a draft of this case
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            assert table.row_count == 1
            assert [str(c) for c in table.get_row_at(0)][-1] == "1"  # its draft, counted

    asyncio.run(go())


def _footer_keys(pilot: Pilot[None]) -> set[str]:
    footer = pilot.app.screen.query_one(SteadyFooter)
    return {str(getattr(k, "key", "")) for k in footer.query("FooterKey")}


def test_the_footer_shows_the_draft_key_exactly_at_the_assessment(tmp_path: Path) -> None:
    """The footer skips redraws when its keys are unchanged; the draft key (enabled only at the
    assessment) must still appear there and go again after it."""
    from tests.test_tui_snapshots import with_draft

    answers: dict[str, Any] = {
        "meeting_date": "2026-11-18", "participants": ["client"], "meeting_mode": "home_visit",
        "intervention_received": "yes", "goals.g1.attainment": "achieved", "goals.g1.level": 1,
        "goals.g1.comment": None, "goals.g1a.attainment": "achieved", "goals.g1a.comment": None,
        "still_in_need": "no", "new_needs": "no", "other_principal_need": "no", "sip_needed": "no",
        "client_participation": "yes", "client_view": "Bra.", "client_satisfaction": "satisfied",
    }
    ws = with_draft(tmp_path, answers)

    async def go() -> None:
        app = make_app(ws, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.query_one("#filter", Input).value = "0117"
            await pilot.pause()
            await pilot.press("r")
            for _ in range(5):
                await pilot.pause()
            screen: Any = app.screen
            assert screen.current_step().key == "assessment"
            assert "ctrl+d" in _footer_keys(pilot)
            await pilot.press("ctrl+b")  # back to the client's satisfaction: no draft there
            for _ in range(5):
                await pilot.pause()
            assert screen.current_step().key == "client_satisfaction"
            assert "ctrl+d" not in _footer_keys(pilot)
            await pilot.press("enter")  # kept: on to the assessment again
            for _ in range(5):
                await pilot.pause()
            assert screen.current_step().key == "assessment"
            assert "ctrl+d" in _footer_keys(pilot)

    asyncio.run(go())
