"""The training workspace: built from shipped data, reset, marked PDFs, guidance, feedback."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from casework.documents import render_followup
from forms.loader import bundled_form
from forms.training_data import guidance, practice_files
from interview.case import Plan
from interview.casefile import load_text, parse_casefile
from interview.checklist import checklist
from interview.engine import Interview
from interview.errors import ProblemsError
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


# --- reset and build only ever touch a training workspace (issue 12) ------------------------------

ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under `folder`: what "left untouched" means."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def ordinary_folder(path: Path) -> Path:
    (path / "Brev").mkdir(parents=True)
    (path / "Brev" / "till-klient.txt").write_text("Hej!\n", encoding="utf-8")
    (path / "Brev" / "arkiv" / "2025").mkdir(parents=True)
    (path / "Brev" / "arkiv" / "2025" / "protokoll.pdf").write_bytes(b"%PDF-1.4 " + bytes(range(256)))
    (path / "cases").mkdir()  # even a folder named like a workspace's is not one
    (path / "anteckningar.md").write_text("# Viktigt\n", encoding="utf-8")
    return path


def real_workspace(path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A real workspace holding a case, made through the command line as a user would."""
    assert main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna"]) == 0
    case = path.parent / "case.yaml"
    case.write_text(practice_files()[0][1].replace("ÖVN-0001", "2026-0042"), encoding="utf-8")
    assert main(["--workspace", str(path), "import", str(case)]) == 0
    assert any((path / "cases").iterdir())
    capsys.readouterr()
    return path


def refused_reset(path: Path, capsys: pytest.CaptureFixture[str], lang: str = "sv") -> str:
    before = snapshot(path)
    assert main(["--workspace", str(path), "--lang", lang, "training", "--reset"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(path) == before  # every file and folder still there, byte for byte
    return err


def test_reset_refuses_an_ordinary_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = ordinary_folder(tmp_path / "Dokument")
    assert "ingen övningsmiljö" in refused_reset(folder, capsys)
    assert "not a training workspace" in refused_reset(folder, capsys, "en")
    with pytest.raises(StorageError):
        training.reset(folder)
    assert (folder / "Brev" / "arkiv" / "2025" / "protokoll.pdf").exists()


def test_reset_refuses_a_folder_with_cases_but_no_header(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    ws = real_workspace(tmp_path / "real", capsys)
    (ws / "workspace.json").unlink()  # a real workspace whose header was lost
    refused_reset(ws, capsys)
    assert main(["--workspace", str(ws), "--lang", "en", "training"]) == 1  # nor built into
    assert "not empty" in capsys.readouterr().err
    assert not (ws / "workspace.json").exists() and any((ws / "cases").iterdir())


@pytest.mark.parametrize("header", [None, '"false"', "0", "damaged"])
def test_reset_refuses_a_real_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        header: str | None) -> None:
    ws = real_workspace(tmp_path / "real", capsys)
    if header == "damaged":
        (ws / "workspace.json").write_text('{"training": true', encoding="utf-8")
    elif header is not None:  # hand-edited: only the JSON value true marks a training workspace
        text = (ws / "workspace.json").read_text(encoding="utf-8")
        (ws / "workspace.json").write_text(text.replace('"training": false', f'"training": {header}'),
                                           encoding="utf-8")
    err = refused_reset(ws, capsys, "en")
    assert "not a training workspace" in err, err


HOLD = """
import sys, time
from pathlib import Path
from typing import Any
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
repo = TinyDBRepository(Workspace.open(Path(sys.argv[1])))  # as the open app does: writable, locked
print("ready", flush=True)
time.sleep(120)
"""


def test_reset_refuses_while_another_process_holds_the_workspace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "training"
    training.build(path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        err = refused_reset(path, capsys)
        assert "öppen i ett annat program" in err and str(holder.pid) in err
        assert "open in another program" in refused_reset(path, capsys, "en")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert main(["--workspace", str(path), "training", "--reset"]) == 0  # the kernel freed the lock


def test_reset_refuses_files_that_are_not_part_of_a_training_workspace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "training"
    training.build(path)
    for extra in ("riktig-klient.yaml", "cases/anteckning.txt"):
        (path / extra).write_text("verkliga uppgifter\n", encoding="utf-8")
        assert extra.split("/")[-1] in refused_reset(path, capsys)
        (path / extra).unlink()
    (path / "export").symlink_to(tmp_path, target_is_directory=True)
    refused_reset(path, capsys)
    (path / "export").unlink()
    assert main(["--workspace", str(path), "training", "--reset"]) == 0


def test_training_never_builds_into_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.app

    opened: list[Path] = []
    def run(path: Path, lang: str | None, **kw: Any) -> int:
        opened.append(path)
        return 0

    monkeypatch.setattr(tui.app, "run", run)
    folder = ordinary_folder(tmp_path / "Dokument")
    before = snapshot(folder)
    assert main(["--workspace", str(folder), "training"]) == 1
    assert "inte tom" in capsys.readouterr().err
    assert snapshot(folder) == before and opened == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["--workspace", str(empty), "training"]) == 0
    assert training.is_training(empty) and opened == [empty]
    assert main(["--workspace", str(empty), "training"]) == 0  # opened again, not rebuilt
    assert opened == [empty, empty]
    assert sum(1 for _ in (empty / "cases").glob("*.json")) == 8


RACE = """
import sys
import time
from pathlib import Path
from typing import Any
from storage.errors import StorageError
from tui import training
try:
    getattr(training, sys.argv[2])(Path(sys.argv[1]))
    print("ok")
except StorageError as err:
    print("refused", err)
"""


@pytest.mark.parametrize("action", ["ensure", "reset"])
def test_many_processes_building_or_resetting_at_once_leave_one_whole_workspace(
        tmp_path: Path, action: str) -> None:
    path = tmp_path / "training"
    if action == "reset":
        training.build(path)
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(path), action], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert any(out.startswith("ok") for out, _ in outs)
    repo = TinyDBRepository(Workspace.open(path), writable=False)
    try:
        assert not repo.damaged
        assert sorted(s.id for s in repo.summaries()) == sorted(
            str(yaml.safe_load(text)["followup"]["id"]) for _, text in practice_files())
    finally:
        repo.close()
    assert [p.name for p in tmp_path.iterdir()] == ["training"]  # no scratch folder left behind


# --- what leaves a training workspace is marked ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_practice_case_file_is_refused_by_a_real_workspace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    path = tmp_path / "training"
    training.build(path)
    out = tmp_path / f"ovning.{fmt}"
    assert main(["--workspace", str(path), "export", "ovn0001a", "--format", fmt, "-o", str(out)]) == 0
    data = load_text(out.read_text(encoding="utf-8"))
    assert data["training"] is True and next(iter(data)) == "training"
    assert parse_casefile(data).training is True

    real = tmp_path / "real"
    assert main(["--workspace", str(real), "init", "--no-encryption"]) == 0
    capsys.readouterr()
    before = snapshot(real)
    for lang, words in (("sv", "övningsmiljön"), ("en", "training workspace")):
        for extra in ([], ["--final", "--by", "Anna"]):
            assert main(["--workspace", str(real), "--lang", lang, "import", str(out), *extra]) == 1
            err = capsys.readouterr().err
            assert words in err and "Traceback" not in err
    assert snapshot(real) == before  # nothing stored, not even an audit line

    # The training workspace itself takes it back.
    assert main(["--workspace", str(path), "erase", "ÖVN-0001", "--yes"]) == 0
    assert main(["--workspace", str(path), "import", str(out)]) == 0


def test_the_training_marker_must_be_true_or_false() -> None:
    data = load_text(practice_files()[0][1])
    assert parse_casefile({**data, "training": False}).training is False
    with pytest.raises(ProblemsError) as err:
        parse_casefile({**data, "training": "yes"}, lang="en")
    assert err.value.problems == ["training: give true or false"]


def report_outputs(path: Path, lang: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for fmt in ("json", "csv", "table", "pdf"):
        target = path.parent / f"report-{path.name}-{lang}.{fmt}"
        assert main(["--workspace", str(path), "--lang", lang, "report", "--include-drafts",
                     "--threshold", "1", "--format", fmt, "-o", str(target)]) == 0
        out[fmt] = target.read_bytes()
    return out


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_group_report_from_training_is_marked_in_every_format(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "training"
    training.build(path)
    mark = "ÖVNING – fiktiva uppgifter" if lang == "sv" else "TRAINING – fictitious data"
    out = report_outputs(path, lang)
    assert json.loads(out["json"])["training"] is True
    rows = list(csv.reader(io.StringIO(out["csv"].decode("utf-8"))))
    assert rows[0] == ["measure", "group", "code", "value"]
    assert rows[1] == ["training", "all", mark, "true"]
    assert out["table"].decode("utf-8").splitlines()[0] == mark
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(out["pdf"])).pages]
    assert len(pages) >= 2 and all(mark in p for p in pages)

    real = tmp_path / "real"
    training.build(real)
    text = (real / "workspace.json").read_text(encoding="utf-8").replace('"training": true',
                                                                          '"training": false')
    (real / "workspace.json").write_text(text, encoding="utf-8")
    plain = report_outputs(real, lang)  # the same cases in a real workspace: no marking anywhere
    assert "training" not in json.loads(plain["json"])
    assert b"training" not in plain["csv"] and mark.encode() not in plain["table"]
    assert all(mark not in p.extract_text() for p in PdfReader(io.BytesIO(plain["pdf"])).pages)


def test_pdfs_of_every_practice_follow_up_are_marked_on_every_page(tmp_path: Path) -> None:
    path = tmp_path / "training"
    training.build(path)
    ws = Workspace.open(path)
    repo = TinyDBRepository(ws, writable=False)
    try:
        pdfs = [render_followup(repo, ws.settings, s.id, "en") for s in repo.summaries()]
    finally:
        repo.close()
    pages = [[p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages] for pdf in pdfs]
    assert max(len(p) for p in pages) >= 2
    assert all("TRAINING – fictitious data" in page for doc in pages for page in doc)


def test_the_app_puts_training_pdfs_in_a_folder_of_their_own(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import platformdirs

    from tui.app import UppfoljningApp
    from tui.screens.base import AppScreen

    monkeypatch.setattr(platformdirs, "user_documents_path", lambda: tmp_path / "Documents")
    path = tmp_path / "training"
    training.build(path)
    written: list[Path | None] = []

    async def go(app: UppfoljningApp) -> None:
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, AppScreen)
            written.append(app.screen.write_pdf("ovn0001a"))

    asyncio.run(go(UppfoljningApp(path, "sv")))
    real = tmp_path / "real"
    training.build(real)
    (real / "workspace.json").write_text((real / "workspace.json").read_text(encoding="utf-8")
                                         .replace('"training": true', '"training": false'), encoding="utf-8")
    asyncio.run(go(UppfoljningApp(real, "sv")))
    docs = tmp_path / "Documents" / "Uppföljning"
    assert written == [docs / "Övning" / "uppfoljning-ovn0001a.pdf", docs / "uppfoljning-ovn0001a.pdf"]
    assert all(p is not None and p.exists() for p in written)


def test_a_reset_killed_at_any_moment_is_simply_run_again(tmp_path: Path) -> None:
    path = tmp_path / "training"
    training.build(path)
    expected = sorted(str(yaml.safe_load(text)["followup"]["id"]) for _, text in practice_files())
    for delay in (0.0, 0.15, 0.3, 0.45, 0.6, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", RACE, str(path), "reset"], cwd=ROOT,
                                stdout=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert training.is_training(path)  # the header is replaced, never removed
        assert training.reset(path) == len(expected)
        repo = TinyDBRepository(Workspace.open(path), writable=False)
        try:
            assert not repo.damaged and sorted(s.id for s in repo.summaries()) == expected
        finally:
            repo.close()


class Crash(BaseException):
    """A crash between two file operations (BaseException: no handler in the code catches it)."""


def test_a_reset_cut_short_between_any_two_file_operations_is_simply_run_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "training"
    training.build(path)
    expected = sorted(str(yaml.safe_load(text)["followup"]["id"]) for _, text in practice_files())
    ops = {name: getattr(Path, name) for name in ("unlink", "rmdir", "replace")}
    budget = [0]

    def counted(name: str) -> Any:
        def op(self: Path, *args: Any, **kwargs: Any) -> Any:
            inside = str(path) + "/"
            if str(self).startswith(inside) or (args and str(args[0]).startswith(inside)):
                # a deletion in, or a move into, the workspace (the scratch build's own are not counted)
                budget[0] -= 1
                if budget[0] < 0:
                    raise Crash
            return ops[name](self, *args, **kwargs)
        return op

    cut = 0
    while True:
        budget[0] = cut
        for name in ops:
            monkeypatch.setattr(Path, name, counted(name))
        try:
            training.reset(path)
            finished = True
        except Crash:
            finished = False
        monkeypatch.undo()
        assert training.is_training(path), cut  # the header is replaced, never removed
        assert training.reset(path) == len(expected)
        repo = TinyDBRepository(Workspace.open(path), writable=False)
        try:
            assert not repo.damaged and sorted(s.id for s in repo.summaries()) == expected
        finally:
            repo.close()
        if finished:
            break
        cut += 1
    assert cut >= 19  # each of the 14 deletions and 5 moves in the workspace was a point of failure
