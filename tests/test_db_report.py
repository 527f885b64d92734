"""The ISU report compiled by aggregate SQL gives the SAME published figures as the local compilation:
one random population stored both in a local workspace and in PostgreSQL, `report --format json`
compared byte for byte under many selections (threshold 1 shows every raw count)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from forms.loader import bundled_form
from interview import personnummer
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from reporting.compile import choice_questions
from storage.postgres.repo import PostgresRepository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.pgserver import PgServer
from tui.cli import main

GENDERS = ("woman", "man", "other", "unknown")


def pnr(rng: random.Random) -> str:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 90))
    serial = f"{rng.randrange(0, 1000):03d}"
    for check in range(10):
        body = f"{born:%y%m%d}{serial}{check}"
        if personnummer.luhn_ok(body):
            return f"{born:%Y%m%d}-{serial}{check}"
    raise AssertionError("unreachable")


def population(n_cases: int, seed: int) -> list[tuple[Case, list[FollowUp]]]:
    rng = random.Random(seed)
    form = bundled_form()
    questions = choice_questions(form)
    out = []
    for i in range(n_cases):
        kind = rng.random()
        client = Client(
            case_ref=f"P-{i:04d}", gender=rng.choice(GENDERS), unit=rng.choice(("A", "A", "B")),
            caseworker=rng.choice(("Anna", "Bertil", "")),
            personnummer=pnr(rng) if kind < 0.5 else None,
            birth_year=rng.randrange(1930, 2020) if 0.5 <= kind < 0.85 else None,
        )
        goals: list[dict[str, Any]] = []
        for gi in range(rng.randrange(0, 4)):
            scale = rng.choice(("icf", "gas", "none"))
            lo, hi = (0, 4) if scale == "icf" else (-2, 2)
            goals.append({"id": f"g{gi}", "text": "Mål", "life_area": rng.choice(("d1", "d6", "d8", "safety")),
                          "scale": scale, "weight": rng.choice((1.0, 2.0, 0.5)) if scale == "gas" else 1.0,
                          "baseline": rng.randrange(lo, hi + 1) if scale != "none" and rng.random() < 0.8
                          else None})
        plan = Plan.model_validate({"type": rng.choice(("genomforandeplan", "vardplan")), "start": "2024-01-01",
                                    "goals": goals})
        case = Case(client=client, plan=plan)
        fus = []
        for _ in range(rng.randrange(0, 4)):
            fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan,
                          caseworker=rng.choice(("", "Anna", "Cecilia")))
            if rng.random() < 0.95:
                fu.answers["meeting_date"] = (date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))).isoformat()
            for q in questions:
                if rng.random() < 0.8:
                    codes = [c.code for c in q.choices]
                    fu.answers[q.id] = (rng.sample(codes, rng.randrange(0, len(codes) + 1))
                                        if q.type == "multi" else rng.choice(codes))
            for g in goals:
                if rng.random() < 0.85:
                    lo, hi = (0, 4) if g["scale"] == "icf" else (-2, 2)
                    fu.goals[str(g["id"])] = {
                        "attainment": rng.choice(("achieved", "partly_achieved", "not_achieved",
                                                  "not_assessable", None)),
                        "level": rng.randrange(lo, hi + 1) if g["scale"] != "none" and rng.random() < 0.9
                        else None}
            fu.status = "final" if rng.random() < 0.75 else "draft"
            fus.append(fu)
        out.append((case, fus))
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


SELECTIONS = [
    [], ["--threshold", "1"], ["--threshold", "1", "--all-followups"],
    ["--threshold", "1", "--include-drafts"], ["--threshold", "1", "--include-drafts", "--all-followups"],
    ["--threshold", "1", "--unit", "A"], ["--threshold", "3", "--unit", "B", "--all-followups"],
    ["--threshold", "1", "--from", "2024-06-01", "--to", "2025-03-31"],
    ["--threshold", "1", "--caseworker", "Anna", "--include-drafts"],
    ["--threshold", "1", "--plan-type", "vardplan", "--all-followups"], ["--threshold", "2"],
]


def test_sql_report_equals_the_local_report(pg_server: PgServer, pg_clean: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cases = population(400, seed=19)
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(unit="A"), passphrase=None)
    local = TinyDBRepository(ws, durable=False)
    # the superuser stores both units' cases (RLS lets a caseworker store only their own)
    db = PostgresRepository(pg_server.dsn("postgres", pg_clean))
    for case, fus in cases:
        local.add_case(case, fus)
        db.add_case(case, fus)
    local.close()
    db.close()
    su = pg_server.dsn("postgres", pg_clean)
    seen = set()
    for extra in SELECTIONS:
        code, mine, err = run(capsys, "--workspace", str(ws.path), "report", "--format", "json", *extra)
        assert code == 0, err
        code, theirs, err = run(capsys, "--database", su, "report", "--format", "json", *extra)
        assert code == 0, err
        assert theirs == mine, extra
        data = json.loads(mine)
        seen.add(data["followups"])
        assert data["followups"] > 0
    assert len(seen) > 5  # the selections really select different follow-ups
    # row-level security applies to the aggregates: unit B's caseworker counts only unit B
    code, only_b, _ = run(capsys, "--database", pg_server.dsn("cw_b", pg_clean), "report", "--format", "json",
                          "--threshold", "1")
    code, b_local, _ = run(capsys, "--workspace", str(ws.path), "report", "--format", "json",
                           "--threshold", "1", "--unit", "B")
    assert json.loads(only_b) | {"selection": None} == json.loads(b_local) | {"selection": None}
