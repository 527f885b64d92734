"""The training workspace: built from shipped data, reset, marked PDFs, guidance, feedback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.documents import render_followup
from forms.loader import bundled_form
from forms.training_data import guidance, practice_files
from interview.case import Plan
from interview.checklist import checklist
from interview.engine import Interview
from storage.errors import StorageError
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.helpers import complete_answers
from tui import training
from tui.cli import main


def test_the_training_workspace_is_built_from_the_shipped_cases(tmp_path: Path) -> None:
    path = tmp_path / "training"
    assert training.build(path) == len(practice_files())
    ws = Workspace.open(path)
    assert ws.settings.training and not ws.encrypted
    repo = TinyDBRepository(ws, writable=False)
    try:
        cases = [repo.get_case(cid) for cid in repo.case_ids()]
        summaries = repo.summaries()
    finally:
        repo.close()
    assert len(cases) >= 8
    units = {c.client.unit for c in cases}
    for unit in ("Socialpsykiatri", "Missbruk och beroende", "Äldreomsorg", "Funktionsstöd LSS",
                 "Ekonomiskt bistånd", "Barn och unga", "Familjestöd"):
        assert unit in units
    assert {c.client.gender for c in cases} >= {"woman", "man"}
    goals = [g for c in cases for g in c.plan.goals]
    assert {g.scale for g in goals} == {"icf", "gas", "none"}
    assert any(g.parent for g in goals)
    assert any(len(c.plan.interventions) >= 2 for c in cases)
    per_case: dict[str, int] = {}
    for s in summaries:
        per_case[s.case_id] = per_case.get(s.case_id, 0) + 1
    assert max(per_case.values()) >= 2  # earlier follow-ups, so trends show
    assert any(s.status == "draft" for s in summaries)  # open drafts to practise on
    assert all("Fiktiv" in (c.client.name or "") or "Påhitt" in (c.client.name or "")
               or "Övning" in (c.client.name or "") or "Test" in (c.client.name or "")
               or "Exempl" in (c.client.name or "") or "Låtsas" in (c.client.name or "")
               or "Fejk" in (c.client.name or "") for c in cases)


def test_reset_restores_it_and_never_touches_a_real_workspace(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "training"
    assert main(["--workspace", str(path), "training", "--reset"]) == 0
    before = sorted(p.name for p in (path / "cases").iterdir())
    repo = TinyDBRepository(Workspace.open(path))
    case = repo.find_case("ÖVN-0008")
    assert case is not None
    repo.erase_case(case.id)
    repo.close()
    assert main(["--workspace", str(path), "training", "--reset"]) == 0
    assert len(sorted(p.name for p in (path / "cases").iterdir())) == len(before)
    real = tmp_path / "real"
    main(["--workspace", str(real), "init", "--no-encryption"])
    capsys.readouterr()
    assert main(["--workspace", str(real), "--lang", "en", "training", "--reset"]) == 1
    assert "not a training workspace" in capsys.readouterr().err
    assert (real / "workspace.json").exists()
    with pytest.raises(StorageError):
        training.reset(real)


def test_pdfs_made_in_training_are_marked_on_every_page(tmp_path: Path) -> None:
    path = tmp_path / "training"
    training.build(path)
    ws = Workspace.open(path)
    repo = TinyDBRepository(ws, writable=False)
    try:
        final = next(s for s in repo.summaries() if s.status == "final")
        pdf = render_followup(repo, ws.settings, final.id, "sv")
    finally:
        repo.close()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert pages and all("ÖVNING – fiktiva uppgifter" in p for p in pages)


def test_every_question_has_guidance_in_both_languages() -> None:
    notes = guidance()
    for _, question in bundled_form().questions():
        entry = notes.get(question.id)
        assert entry is not None, question.id
        for key in ("why", "consider"):
            assert entry[key]["sv"].strip() and entry[key]["en"].strip(), (question.id, key)
            assert entry[key]["sv"] != entry[key]["en"]


PLAN = Plan.model_validate({"start": "2026-01-01", "goals": [
    {"id": "g1", "text": "Tvätt", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1}]})


def items(answers: dict[str, object], goals: dict[str, dict[str, object]]) -> dict[str, bool]:
    iv = Interview(bundled_form(), PLAN, answers, goals)
    return {i.id: i.done for i in checklist(iv)}


def test_checklist_marks_what_is_done_and_what_is_missing() -> None:
    full = {**complete_answers(), "client_view": "Bra."}
    assert items(full, {"g1": {"attainment": "achieved", "level": 1}}) == {
        "goals_assessed": True, "reasons_given": True, "client_view": True, "next_or_end": True}
    gaps = {**full, "intervention_received": "no", "client_view": None}
    del gaps["next_followup"]
    result = items(gaps, {"g1": {"attainment": "not_assessable"}})
    assert result == {"goals_assessed": True, "reasons_given": False, "client_view": False,
                      "next_or_end": False}
    assert items(full, {})["goals_assessed"] is False
    ending = {**full, "decision": "end_goals_met"}
    del ending["next_followup"]
    assert items(ending, {"g1": {"attainment": "achieved"}})["next_or_end"] is True
