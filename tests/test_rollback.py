"""Attacks on case files: rolled back, deleted, swapped or replaced by an old backup — each is caught."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interview.case import Case, Client, Plan
from interview.followup import Addendum, FollowUp
from storage.errors import RolledBack
from storage.maintenance import doctor, open_repository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tui.cli import main

SECRET = "återställning lösenfras"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}
SIGNED_AT = datetime(2026, 11, 20, tzinfo=UTC)


def _repo(ws: Path, writable: bool = True) -> TinyDBRepository:
    return open_repository(ws, passphrase=lambda: SECRET, writable=writable)


@pytest.fixture
def ws(tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two cases, each with one draft follow-up; the passphrase in the environment for the CLI."""
    path = tmp_path / "ws"
    Workspace.create(path, passphrase=SECRET, kdf=FAST_KDF)
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    repo = _repo(path)
    for ref in ("A-1", "B-2"):
        case = Case(client=Client(case_ref=ref), plan=plan)
        fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
        repo.add_case(case, [fu])
        repo.save_answer(fu.id, "assessment", f"bedömning {ref}")
    repo.close()
    return path


def _ids(ws: Path, ref: str) -> tuple[str, str]:
    repo = _repo(ws, writable=False)
    try:
        s = next(s for s in repo.summaries() if s.case_ref == ref)
        return s.case_id, s.id
    finally:
        repo.close()


def _sign(ws: Path, fid: str) -> None:
    repo = _repo(ws)
    repo.finalize(fid, "Anna", SIGNED_AT, {}, {})
    repo.close()


def _cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def test_prev_copied_back_after_signing_is_caught_and_refuses_new_answers(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, fid = _ids(ws, "A-1")
    _sign(ws, fid)
    path = ws / "cases" / f"{case_id}.json"
    shutil.copy(path.with_name(path.name + ".prev"), path)  # cp X.json.prev X.json: a draft again
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    err = capsys.readouterr().err
    assert f"Case {case_id}: the file is older than its latest known generation" in err
    repo = _repo(ws)
    try:
        with pytest.raises(RolledBack):
            repo.save_answer(fid, "assessment", "ett nytt svar på en signerad uppföljning")
    finally:
        repo.close()
    assert _cli(ws, "audit", "verify") == 1
    assert "rolled back" in capsys.readouterr().err
    assert _cli(ws, "doctor") == 1  # reported, and never "repaired" into the draft
    assert "older than its latest known generation" in capsys.readouterr().out


def test_cp_p_with_the_same_size_and_time_is_still_caught(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id, fid = _ids(ws, "A-1")
    path = ws / "cases" / f"{case_id}.json"
    old = path.read_bytes()
    repo = _repo(ws)
    repo.save_answer(fid, "assessment", "bedömning A-2")  # same length as before: same size
    repo.close()
    assert _cli(ws, "list") == 0  # the index now caches the new file's stamp
    st = path.stat()
    assert len(old) == st.st_size
    path.write_bytes(old)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # cp -p / touch -r: mtime and size equal
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    assert "older than its latest known generation" in capsys.readouterr().err


def test_a_case_file_and_its_prev_removed_are_reported(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id, _ = _ids(ws, "B-2")
    path = ws / "cases" / f"{case_id}.json"
    path.unlink()
    path.with_name(path.name + ".prev").unlink()
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    out = capsys.readouterr()
    assert f"Case {case_id}: the file is missing although the case was never erased" in out.err
    assert "B-2" not in out.out
    assert _cli(ws, "audit", "verify") == 1
    assert _cli(ws, "doctor") == 1
    # also when the manifest is deleted too: the keyed log alone knows the case
    (ws / "manifest.json").unlink()
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    assert "the file is missing" in capsys.readouterr().err


def test_an_erased_case_is_not_reported_missing(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(ws, "erase", "B-2", "--yes") == 0
    capsys.readouterr()
    assert _cli(ws, "audit", "verify") == 0
    assert _cli(ws, "doctor") == 0


def test_swapped_files_are_reported_and_doctor_swaps_them_back_without_unsigning(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, fa = _ids(ws, "A-1")
    b, fb = _ids(ws, "B-2")
    _sign(ws, fa)
    pa, pb = ws / "cases" / f"{a}.json", ws / "cases" / f"{b}.json"
    da, db = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(db)
    pb.write_bytes(da)
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    err = capsys.readouterr().err
    assert f"{a}.json is damaged" in err and f"{b}.json is damaged" in err
    assert _cli(ws, "audit", "verify") == 1
    assert _cli(ws, "doctor") == 0
    repo = _repo(ws, writable=False)
    try:
        assert repo.findings == [] and repo.damaged == []
        assert repo.get_followup(fa).status == "final"  # still signed
        assert repo.get_followup(fb).status == "draft"
        assert repo.get_case(a).client.case_ref == "A-1"
    finally:
        repo.close()
    kept = sorted(p.read_bytes() for p in (ws / "damaged").iterdir())
    assert kept == sorted([da, db])  # both damaged copies kept as they were (sealed)
    capsys.readouterr()
    assert _cli(ws, "audit", "verify") == 0


def test_swapped_plain_files_are_caught_by_the_case_id_inside(
    tmp_path: Path, plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.create(tmp_path / "plain")
    repo = TinyDBRepository(ws)
    cases = [Case(client=Client(case_ref=r), plan=plan) for r in ("P-1", "P-2")]
    for c in cases:
        repo.add_case(c, [FollowUp(case_id=c.id, form="standard-uppfoljning", form_version=1, plan=plan)])
    repo.close()
    pa, pb = (ws.cases_dir / f"{c.id}.json" for c in cases)
    da, db = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(db)
    pb.write_bytes(da)
    repo = TinyDBRepository(Workspace.open(ws.path), writable=False)
    assert sorted(repo.damaged) == sorted([pa.name, pb.name])
    repo.close()
    report = doctor(ws.path, Workspace.open(ws.path).codec(None))
    assert sorted(report.restored) == sorted([pa.name, pb.name]) and not report.findings
    repo = TinyDBRepository(Workspace.open(ws.path), writable=False)
    assert repo.damaged == [] and repo.get_case(cases[0].id).client.case_ref == "P-1"
    repo.close()


def test_doctor_never_restores_a_prev_that_drops_a_correction(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id, fid = _ids(ws, "A-1")
    _sign(ws, fid)
    repo = _repo(ws)
    repo.add_addendum(fid, Addendum(kind="correction", author="Bo", reason="Fel", text="Rättat"))
    repo.close()
    path = ws / "cases" / f"{case_id}.json"
    path.write_bytes(path.read_bytes()[:60])  # damaged; its .prev lacks the correction
    damaged = path.read_bytes()
    capsys.readouterr()
    assert _cli(ws, "doctor") == 1
    assert f"Not restored: {case_id}.json" in capsys.readouterr().out
    assert path.read_bytes() == damaged  # left as it is, for a person to decide


def test_an_older_backup_copy_put_back_is_reported(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id, fid = _ids(ws, "B-2")
    path = ws / "cases" / f"{case_id}.json"
    backup = path.read_bytes()
    repo = _repo(ws)
    for i in range(3):
        repo.save_answer(fid, "client_view", f"svar {i}")
    repo.close()
    path.write_bytes(backup)
    capsys.readouterr()
    assert _cli(ws, "list") == 0
    assert f"Case {case_id}: the file is older" in capsys.readouterr().err
    assert _cli(ws, "audit", "verify") == 1


def test_a_file_written_before_its_audit_entry_gets_a_recovered_entry(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.audit import AuditLog

    _, fid = _ids(ws, "A-1")
    repo = _repo(ws)
    real = AuditLog.append

    def crash(self: AuditLog, action: str, **kw: object) -> int:
        raise OSError("power cut")  # the file is written, the process dies before the entry

    monkeypatch.setattr(AuditLog, "append", crash)
    with pytest.raises(OSError):
        repo.finalize(fid, "Anna", SIGNED_AT, {}, {})
    monkeypatch.setattr(AuditLog, "append", real)
    repo.close()
    repo = _repo(ws)  # the next writable open records what the file shows
    repo.close()
    last = [json.loads(x) for x in (ws / "audit.jsonl").read_text().splitlines()][-1]
    assert last["action"] == "finalize" and last["detail"]["recovered"] is True
    assert _cli(ws, "audit", "verify") == 0


def test_an_erase_interrupted_after_its_entry_is_finished_on_open(
    ws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id, _ = _ids(ws, "B-2")
    repo = _repo(ws)

    def crash(self: TinyDBRepository, case_id: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(TinyDBRepository, "_delete_files", crash)
    with pytest.raises(OSError):
        repo.erase_case(case_id)
    repo.close()
    monkeypatch.undo()
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert (ws / "cases" / f"{case_id}.json").exists()
    _repo(ws).close()  # rolled forward
    assert not (ws / "cases" / f"{case_id}.json").exists()
    assert not (ws / "cases" / f"{case_id}.json.prev").exists()
    capsys.readouterr()
    assert _cli(ws, "audit", "verify") == 0
