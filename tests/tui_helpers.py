"""Building a small, fixed workspace for the app's tests and snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

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
