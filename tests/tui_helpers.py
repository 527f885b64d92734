"""Building a small, fixed workspace for the app's tests and snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tui.app import UppfoljningApp

TODAY = date(2026, 11, 25)
STAMP = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

PLAN = {
    "start": "2026-05-04",
    "goals": [
        {"id": "g1", "text": "Sköta sin tvätt själv", "life_area": "d6", "scale": "icf", "baseline": 3,
         "target": 1},
        {"id": "g1a", "text": "Sortera tvätten", "life_area": "d6", "parent": "g1"},
    ],
    "interventions": [{"id": "i1", "name": "Boendestöd", "provider": "Boendestödsteamet"}],
}


def make_workspace(path: Path, *, with_history: bool = False) -> Path:
    ws = Workspace.create(path, WorkspaceSettings(caseworker="Anna Handläggare",
                                                  organisation="Exempelby kommun", unit="Socialpsykiatri"))
    repo = TinyDBRepository(ws)
    plan = Plan.model_validate(PLAN)
    case = Case(id="case000001", client=Client(case_ref="IFO-2026-0117", name="Testa Testsson",
                                                gender="woman", unit="Socialpsykiatri",
                                                caseworker="Anna Handläggare"),
                plan=plan, created_at=STAMP)
    other = Case(id="case000002", client=Client(case_ref="IFO-2026-0042", unit="Missbruk",
                                                 gender="man"),
                 plan=Plan.model_validate({"start": "2026-01-10"}), created_at=STAMP)
    followups = []
    if with_history:
        old = FollowUp(id="fu0000000001", case_id=case.id, form="standard-uppfoljning", form_version=1,
                       plan=plan, caseworker="Anna Handläggare", created_at=STAMP, updated_at=STAMP,
                       status="final", finalized_at=STAMP, finalized_by="Anna Handläggare",
                       answers={"meeting_date": "2026-08-01", "next_followup": "2026-11-01"},
                       goals={"g1": {"attainment": "not_achieved", "level": 3}})
        followups.append(old)
    repo.add_case(case, followups)
    repo.add_case(other)
    repo.close()
    return path


def make_app(path: Path, tmp: Path, lang: str | None = None) -> UppfoljningApp:
    return UppfoljningApp(path, lang, today=TODAY, export_dir=tmp / "exports")


# --- pressing the real keys ---------------------------------------------------------------------

CHAR_KEYS = {" ": "space", "\n": "enter"}


def typed(text: str) -> list[str]:
    """The keys that type `text` (what a caseworker's fingers would send)."""
    return [CHAR_KEYS.get(ch, ch) for ch in text]


def keys_for(screen: Any, value: Any) -> list[str]:
    """The fewest keys that answer the interview screen's current question with `value`."""
    from forms.schema import (
        BoolQuestion,
        ChoiceQuestion,
        DateQuestion,
        LevelQuestion,
        MultiQuestion,
    )
    from interview.case import SCALE_RANGES

    step = screen.current_step()
    q = step.question
    widget = screen.widget()
    if value is None:
        return ["ctrl+k"]
    if isinstance(q, ChoiceQuestion):
        return [str([c.code for c in q.choices].index(value) + 1)]
    if isinstance(q, BoolQuestion):
        return ["1" if value else "2"]
    if isinstance(q, LevelQuestion):
        low, _ = SCALE_RANGES[step.goal.scale]
        return [str(value)] if step.goal.scale == "icf" else [str(value - low + 1)]
    if isinstance(q, MultiQuestion):
        codes = [c.code for c in q.choices]
        return [str(codes.index(v) + 1) for v in value] + ["enter"]
    if isinstance(q, DateQuestion):
        if widget.ctx.offers:
            values = [v for _, v in widget.offer_values()]
            if value in values:
                return [str(values.index(value) + 1)]
            return [str(len(values)), *typed(value), "enter"]
        if widget.value() == value:
            return ["enter"]
        return [*typed(value), "enter"]
    return [*typed(str(value)), "ctrl+s"]


async def burst(pilot: Any, keys: list[str]) -> None:
    """Send every key at once, as typed ahead, without waiting for any to be handled; then settle."""
    from textual import events
    from textual.app import _character_to_key  # type: ignore[attr-defined]

    driver = pilot.app._driver
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        char = key if len(key) == 1 else (" " if key == "space" else None)
        event = events.Key(name, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
