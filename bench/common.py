"""Shared helpers for the benchmarks: timing, medians and building workspaces of a given size."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

PLAN = {
    "start": "2026-01-01",
    "goals": [
        {
            "id": f"g{i}",
            "text": f"Mål nummer {i} i planen",
            "life_area": "d6",
            "scale": "icf",
            "baseline": 3,
            "target": 1,
        }
        for i in range(1, 4)
    ],
    "interventions": [{"id": "i1", "name": "Boendestöd", "provider": "Boendestödsteamet"}],
}


def median_ms(fn: Callable[[int], object], n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


FINAL_ANSWERS = {
    "meeting_date": "2026-10-15",
    "participants": ["client", "provider"],
    "meeting_mode": "home_visit",
    "intervention_received": "yes",
    "still_in_need": "partly",
    "new_needs": "yes",
    "new_needs_description": "Ensamhet på kvällarna.",
    "new_needs_areas": ["d7", "safety"],
    "new_needs_response": ["new_goals"],
    "other_principal_need": "no",
    "sip_needed": "no",
    "client_participation": "yes",
    "client_view": "Tycker att stödet hjälper.",
    "client_satisfaction": "satisfied",
    "assessment": "Positiv utveckling. " * 10,
    "decision": "continue",
    "next_followup": "2027-04-15",
}


def build_workspace(
    path: Path, followups: int, passphrase: str | None = None, *, final: bool = False
) -> tuple[Workspace, list[str]]:
    """A workspace of `followups` cases with one follow-up each (a draft, or a complete final one);
    built without fsync (setup only)."""
    ws = Workspace.create(path, passphrase=passphrase)
    repo = TinyDBRepository(ws, durable=False, codec=ws.codec(passphrase))
    plan = Plan.model_validate(PLAN)
    ids = []
    for i in range(followups):
        case = Case(
            client=Client(
                case_ref=f"IFO-{i:06d}",
                gender=("woman", "man")[i % 2],
                birth_year=1940 + i % 70,
                unit="Socialpsykiatri",
            ),
            plan=plan,
        )
        fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
        if final:
            fu.answers = dict(FINAL_ANSWERS)
            fu.goals = {
                f"g{n}": {"attainment": ("achieved", "partly_achieved")[(i + n) % 2], "level": 1 + i % 3}
                for n in range(1, 4)
            }
            fu.status = "final"
        else:
            fu.set("meeting_date", "2026-11-18")
            fu.set("assessment", "Positiv utveckling. " * 10)
        repo.add_case(case, [fu])
        ids.append(fu.id)
    repo.close()
    return ws, ids
