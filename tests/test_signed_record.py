"""A signed record you can trust: its document never changes after signing, whatever is added, edited,
re-imported or whichever time zone prints it; imports are idempotent, all-or-nothing and mark the
signatures they bring in."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from casework.documents import render_followup
from storage.audit import AuditLog
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tui.cli import main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna A"]) == 0
    return path


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def example(**answers: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    data["followup"]["answers"].update(answers)
    return data


def signed(data: dict[str, Any], at: str = "2026-11-19T09:30:00+00:00", by: str = "Anna Andersson") -> Any:
    data["followup"].update(status="final", finalized_at=at, finalized_by=by)
    return data


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def ids(ws: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert cli(ws, "list", "--format", "json") == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def pdf(ws: Path, fid: str, out: Path) -> bytes:
    assert cli(ws, "pdf", fid, "-o", str(out)) == 0
    return out.read_bytes()


def text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def files(folder: Path) -> dict[str, bytes]:
    """Every file of the workspace but the lock and the listing cache, which a first open creates."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in ("lock", "index.json")}


# --- 1. a signed document changes after signing ------------------------------------------------------


def test_a_signed_document_ignores_later_drafts_and_later_signatures(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", signed(example(meeting_date="2026-10-14"))))) == 0
    [first] = ids(ws, capsys)
    before = pdf(ws, first["id"], tmp_path / "a.pdf")

    # A draft dated before it, with other levels: it must not become a column of the signed one.
    draft = example(meeting_date="2026-08-01")
    draft["followup"]["goals"]["g1"]["level"] = 4
    draft["followup"]["status"] = "draft"
    assert cli(ws, "import", str(write(tmp_path, "b.yaml", draft))) == 0
    assert pdf(ws, first["id"], tmp_path / "a2.pdf") == before

    # A follow-up signed later, though its meeting was earlier: not part of the first's history either.
    late = signed(example(meeting_date="2026-09-01"), at="2026-11-20T08:00:00+00:00")
    late["followup"]["goals"]["g1"]["level"] = 3
    assert cli(ws, "import", str(write(tmp_path, "c.yaml", late))) == 0
    assert pdf(ws, first["id"], tmp_path / "a3.pdf") == before

    # The later signed one does show the earlier signed one, and never the draft.
    rows = {r["meeting_date"]: r["id"] for r in ids(ws, capsys)}
    later = text(pdf(ws, rows["2026-09-01"], tmp_path / "c.pdf"))
    assert "2026-10-14" in later
    assert "2026-08-01" not in later


def test_editing_the_client_leaves_the_signed_document_as_signed(ws: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = signed(example())
    data["client"]["name"] = "Eva Exempel"
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", data))) == 0
    [row] = ids(ws, capsys)
    before = pdf(ws, row["id"], tmp_path / "a.pdf")
    repo = TinyDBRepository(Workspace.open(ws))
    try:
        case = repo.get_case(row["case_id"])
        case.client.name = "Helt Annan"
        case.client.caseworker = "Någon Annan"
        repo.update_case(case)
        after = render_followup(repo, repo.workspace.settings, row["id"], "en")
    finally:
        repo.close()
    assert "Eva Exempel" in text(after) and "Helt Annan" not in text(after)
    assert pdf(ws, row["id"], tmp_path / "b.pdf") == before


# --- 2. the signing time depends on the machine's time zone -------------------------------------------


def test_signing_time_is_the_organisations_whatever_the_machine(ws: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", signed(example())))) == 0
    [row] = ids(ws, capsys)
    outputs = []
    for zone in ("UTC", "America/New_York", "Asia/Tokyo", "Europe/Stockholm"):
        out = tmp_path / f"{zone.replace('/', '_')}.pdf"
        env = {**os.environ, "TZ": zone}
        subprocess.run([sys.executable, "-m", "tui.cli", "--workspace", str(ws), "--lang", "en", "pdf",
                        row["id"], "-o", str(out)], check=True, env=env, cwd=ROOT, capture_output=True)
        outputs.append(out.read_bytes())
    assert len(set(outputs)) == 1, "the same signed follow-up printed differently by time zone"
    # 09:30 UTC on 19 November is 10:30 in Stockholm (CET), and the zone is named.
    assert "10:30 CET" in text(outputs[0])


# --- 3. and 11. imports: idempotent, all or nothing --------------------------------------------------


def test_the_same_signed_file_imported_twice_is_stored_once(ws: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.yaml", signed(example()))
    assert cli(ws, "import", str(path)) == 0
    before = files(ws)
    assert cli(ws, "import", str(path)) == 0
    assert "already imported" in capsys.readouterr().out
    assert files(ws) == before
    assert len(ids(ws, capsys)) == 1
    assert cli(ws, "report", "--all-followups", "--threshold", "1", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["followups"] == 1


def test_an_export_reimported_is_recognised_and_a_changed_one_refused(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "import", "--final", str(write(tmp_path, "a.yaml", example()))) == 0
    [row] = ids(ws, capsys)
    out = tmp_path / "x.yaml"
    assert cli(ws, "export", row["id"], "-o", str(out)) == 0
    before = files(ws)
    assert cli(ws, "import", str(out)) == 0
    assert files(ws) == before

    changed = yaml.safe_load(out.read_text(encoding="utf-8"))
    changed["followup"]["answers"]["assessment"] = "Något helt annat."
    changed["followup"]["finalized_by"] = "Enhetschef Christina"
    capsys.readouterr()
    assert cli(ws, "import", str(write(tmp_path, "y.yaml", changed))) == 1
    err = capsys.readouterr().err
    assert "already signed here and cannot be replaced" in err
    assert "followup.answers.assessment" in err and "followup.finalized_by" in err
    assert files(ws) == before


def test_a_draft_with_the_same_id_and_other_content_is_an_error_naming_what_differs(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = example()
    data["followup"]["id"] = "fu-0001"
    data["followup"]["status"] = "draft"
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", data))) == 0
    before = files(ws)
    data["followup"]["goals"]["g2"]["level"] = -1
    capsys.readouterr()
    assert cli(ws, "import", str(write(tmp_path, "b.yaml", data))) == 1
    err = capsys.readouterr().err
    assert "followup.goals.g2.level" in err and "nothing was replaced" in err
    assert files(ws) == before


def test_a_batch_with_one_id_twice_stores_nothing(ws: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    a, b = example(), example(assessment="Annan text.")
    for d in (a, b):
        d["followup"]["id"] = "fu-0002"
    before = files(ws)
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", a)), str(write(tmp_path, "b.yaml", b))) == 1
    err = capsys.readouterr().err
    assert "b.yaml: followup.id: follow-up fu-0002 is also in" in err
    assert files(ws) == before


def test_a_batch_giving_one_case_two_personnummer_stores_nothing(ws: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a, b = example(), example(meeting_date="2026-11-01")
    for d, pnr in ((a, "19121212-1212"), (b, "19811228-9874")):
        del d["client"]["birth_year"]
        d["client"]["personnummer"] = pnr
    before = files(ws)
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", a)), str(write(tmp_path, "b.yaml", b))) == 1
    assert "two people cannot share a case" in capsys.readouterr().err
    assert files(ws) == before


# --- 10. signatures brought in by a file are marked --------------------------------------------------


def test_an_imported_signature_is_marked_in_record_audit_and_document(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = signed(example(), at="2025-01-02T08:00:00+00:00", by="Enhetschef Christina")
    forged["followup"]["addenda"] = [{"kind": "client_objection", "date": "2025-01-03T08:00:00+00:00",
                                      "author": "Enhetschef Christina", "reason": "Invänder",
                                      "text": "Brukaren invänder."}]
    path = write(tmp_path, "forged.yaml", forged)
    assert cli(ws, "import", str(path)) == 0
    [row] = ids(ws, capsys)
    repo = TinyDBRepository(Workspace.open(ws), writable=False)
    try:
        fu = repo.get_followup(row["id"])
    finally:
        repo.close()
    assert fu.finalized_by == "Enhetschef Christina"  # what the file claims is kept …
    assert fu.imported is not None and fu.imported.signature_from_file  # … and marked as imported
    assert fu.imported.by == "Anna A" and fu.imported.file == "forged.yaml"
    entries = AuditLog(ws / "audit.jsonl", "").entries()
    finalize = [e for e in entries if e.action == "finalize" and e.followup == fu.id]
    assert [(e.who, e.detail.get("imported")) for e in finalize] == [("Anna A", True)]
    shown = " ".join(text(pdf(ws, row["id"], tmp_path / "f.pdf")).split())
    assert "The signature above comes from the imported file" in shown
    assert "Imported" in shown and "by Anna A from the file forged.yaml" in shown


def test_a_signature_made_here_on_import_is_not_called_imported(ws: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(ws, "import", "--final", str(write(tmp_path, "a.yaml", example()))) == 0
    [row] = ids(ws, capsys)
    shown = " ".join(text(pdf(ws, row["id"], tmp_path / "a.pdf")).split())
    assert "Signed by Anna A" in shown
    assert "comes from the imported file" not in shown


# --- a naive timestamp once made every later command fail (hostile-input issue) --------------------


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("created_at", "2026-11-18T10:00:00", "has no time zone"),
    ("finalized_at", "1850-01-01T10:00:00+00:00", "is not a plausible date"),
    ("updated_at", "2999-01-01T10:00:00+00:00", "is not a plausible date"),
])
def test_a_second_followup_with_an_unzoned_or_implausible_time_is_refused_and_bricks_nothing(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, expected: str
) -> None:
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", example()))) == 0
    second = signed(example(meeting_date="2026-11-01"))
    second["followup"][key] = value
    before = files(ws)
    capsys.readouterr()
    assert cli(ws, "import", str(write(tmp_path, "b.yaml", second))) == 1
    err = capsys.readouterr().err
    assert f"followup.{key}: " in err and expected in err, err
    assert files(ws) == before
    for command in (["list"], ["report", "--format", "json"], ["doctor"]):
        assert cli(ws, *command) == 0, command


def test_a_correction_tied_to_an_answer_is_marked_there_and_unknown_answers_are_refused(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "import", "--final", str(write(tmp_path, "a.yaml", example()))) == 0
    [row] = ids(ws, capsys)
    before = files(ws)
    assert cli(ws, "correct", row["id"], "--reason", "Fel", "--text", "Rätt text.", "--question", "nope") == 1
    assert "nope is not a question answered in the follow-up" in capsys.readouterr().err
    assert files(ws) == before
    assert cli(ws, "correct", row["id"], "--reason", "Fel", "--text", "Rätt text.",
               "--question", "assessment") == 0
    assert cli(ws, "correct", row["id"], "--reason", "Fel nivå", "--text", "Nivån var 3.",
               "--question", "goals.g1.level") == 0
    shown = " ".join(text(pdf(ws, row["id"], tmp_path / "c.pdf")).split())
    assert "Positiv utveckling. (see correction 1)" in shown
    assert "Sköta sin tvätt själv (see correction 2)" in shown
    out = tmp_path / "x.yaml"
    assert cli(ws, "export", row["id"], "-o", str(out)) == 0
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [a.get("refers_to") for a in exported["followup"]["addenda"]] == ["assessment", "goals.g1.level"]
