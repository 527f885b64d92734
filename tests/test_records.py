"""Final records, corrections, erasure, two processes and damaged files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from storage.errors import WorkspaceLocked
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def ws(tmp_path: Path, example_text: str) -> Path:
    path = tmp_path / "ws"
    main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna"])
    data = yaml.safe_load(example_text)
    for ref in ("IFO-1", "IFO-2"):
        data["client"]["case_ref"] = ref
        (tmp_path / f"{ref}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["--workspace", str(path), "import", "--final", str(tmp_path / "IFO-1.yaml"),
                 str(tmp_path / "IFO-2.yaml")]) == 0
    return path


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def followups(ws: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    capsys.readouterr()
    cli(ws, "list", "--format", "json")
    rows: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return rows


def test_a_correction_is_an_addendum_and_the_original_stays(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fid = followups(ws, capsys)[0]["id"]
    cli(ws, "export", fid)
    original = yaml.safe_load(capsys.readouterr().out)
    assert cli(ws, "correct", fid, "--reason", "Fel datum angavs", "--text", "Mötet hölls 17 nov.",
               "--author", "Bo B") == 0
    capsys.readouterr()
    cli(ws, "export", fid)
    corrected = yaml.safe_load(capsys.readouterr().out)
    assert corrected["followup"]["answers"] == original["followup"]["answers"]
    [addendum] = corrected["followup"]["addenda"]
    assert addendum["author"] == "Bo B" and addendum["reason"] == "Fel datum angavs"
    assert addendum["kind"] == "correction" and addendum["text"] == "Mötet hölls 17 nov."


def test_drafts_are_not_corrected_and_finals_not_changed(
    ws: Path, tmp_path: Path, example_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(example_text)
    data["client"]["case_ref"] = "IFO-3"
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    cli(ws, "import", str(tmp_path / "d.yaml"))
    draft = next(r for r in followups(ws, capsys) if r["case_ref"] == "IFO-3")
    assert cli(ws, "correct", draft["id"], "--reason", "x", "--text", "y") == 1
    assert "is a draft" in capsys.readouterr().err
    final = next(r for r in followups(ws, capsys) if r["case_ref"] == "IFO-1")
    repo = TinyDBRepository(Workspace.open(ws))
    from storage.errors import FinalizedError

    with pytest.raises(FinalizedError):
        repo.save_answer(final["id"], "assessment", "ändrat i efterhand")
    repo.close()


def test_erase_needs_confirmation_and_leaves_no_trace_of_the_case(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = followups(ws, capsys)
    case_id = next(r["case_id"] for r in before if r["case_ref"] == "IFO-1")
    assert cli(ws, "erase", "IFO-1") == 1  # not a terminal, no --yes
    assert "--yes" in capsys.readouterr().err
    assert cli(ws, "erase", "IFO-1", "--yes") == 0
    assert [r["case_ref"] for r in followups(ws, capsys)] == ["IFO-2"]
    assert not list((ws / "cases").glob(f"{case_id}*"))
    assert cli(ws, "erase", "IFO-1", "--yes") == 1
    assert "no case 'IFO-1'" in capsys.readouterr().err
    log = (ws / "audit.jsonl").read_text()
    assert '"action":"erase"' in log and "IFO-1" not in log


def test_erase_older_than(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Age one case by rewriting its timestamps, as if its last entry were six years ago.
    rows = followups(ws, capsys)
    old_case = next(r["case_id"] for r in rows if r["case_ref"] == "IFO-2")
    path = ws / "cases" / f"{old_case}.json"
    data = json.loads(path.read_text())
    long_ago = (datetime.now(UTC) - timedelta(days=6 * 366)).isoformat()
    data["case"]["1"]["created_at"] = long_ago
    for fu in data["followups"].values():
        fu["updated_at"] = fu["created_at"] = long_ago
    path.write_text(json.dumps(data))
    assert cli(ws, "erase", "--older-than", "5y", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Would erase IFO-2" in out and "IFO-1" not in out
    assert [r["case_ref"] for r in followups(ws, capsys)] == ["IFO-1", "IFO-2"]
    assert cli(ws, "erase", "--older-than", "5y", "--yes") == 0
    assert [r["case_ref"] for r in followups(ws, capsys)] == ["IFO-1"]
    assert cli(ws, "erase", "--older-than", "five years") == 1
    assert "5y, 18m or 30d" in capsys.readouterr().err


def test_a_second_writer_is_told_who_holds_the_workspace(ws: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    holder = TinyDBRepository(Workspace.open(ws))
    try:
        capsys.readouterr()
        assert cli(ws, "erase", "IFO-1", "--yes") == 1
        err = capsys.readouterr().err
        assert "open in another program" in err and str(os.getpid()) in err
        assert cli(ws, "list") == 0  # reading still works
    finally:
        holder.close()


def test_a_stale_lock_from_a_killed_process_is_taken_over(ws: Path) -> None:
    code = (
        "import sys, time\nfrom pathlib import Path\n"
        "from storage.tinydb_repo import TinyDBRepository\nfrom storage.workspace import Workspace\n"
        f"r = TinyDBRepository(Workspace.open(Path({str(ws)!r})))\nprint('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    with pytest.raises(WorkspaceLocked):
        TinyDBRepository(Workspace.open(ws))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.05)
    TinyDBRepository(Workspace.open(ws)).close()  # the dead holder's lock is gone with it


def test_a_damaged_case_is_named_skipped_and_restored_by_doctor(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = followups(ws, capsys)
    case_id = rows[0]["case_id"]
    repo = TinyDBRepository(Workspace.open(ws))
    repo.update_case(repo.get_case(case_id))  # a second generation whose loss un-signs nothing
    repo.close()
    path = ws / "cases" / f"{case_id}.json"
    path.write_bytes(path.read_bytes()[:50])  # a torn / damaged file
    damaged = path.read_bytes()
    capsys.readouterr()
    assert cli(ws, "list") == 0
    captured = capsys.readouterr()
    assert f"{case_id}.json is damaged and was skipped" in captured.err
    assert rows[1]["case_ref"] in captured.out and rows[0]["case_ref"] not in captured.out
    assert path.read_bytes() == damaged  # never overwritten
    assert cli(ws, "doctor") == 0
    assert "Restored from the previous generation" in capsys.readouterr().out
    assert [r["case_ref"] for r in followups(ws, capsys)] == ["IFO-1", "IFO-2"]
    kept = list((ws / "damaged").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert cli(ws, "doctor") == 0
    assert "No damaged files" in capsys.readouterr().out
