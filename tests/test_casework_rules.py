"""The business rules the front ends share, tested without any UI: due, erasure, PDF export, opening."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from casework import due, erasure
from casework.documents import export_pdf, latest_followup, pdf_name
from casework.workspace import PassphraseNeeded, create_workspace, open_workspace, settings_of
from interview.case import Case, Client, Plan
from interview.followup import Addendum, FollowUp
from storage.crypto import WrongPassphrase
from storage.errors import StorageError
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 3, 31)


class Row(NamedTuple):
    status: str
    meeting_date: str | None
    next_followup: str | None


# --- the due rule ----------------------------------------------------------------------------------


def test_due_today_but_overdue_only_after_it() -> None:
    assert due.is_due("2026-03-31", TODAY) and not due.is_overdue("2026-03-31", TODAY)
    assert due.is_due("2026-03-30", TODAY) and due.is_overdue("2026-03-30", TODAY)
    assert not due.is_due("2026-04-01", TODAY) and not due.is_overdue("2026-04-01", TODAY)


@pytest.mark.parametrize("stored", [None, "", "snart", "2026-13-01", "31/3/2026", "2026-03-31T00:00"])
def test_a_stored_value_that_is_no_date_is_never_due_and_never_raises(stored: str | None) -> None:
    assert not due.is_due(stored, TODAY) and not due.is_overdue(stored, TODAY)


def test_the_due_date_is_set_by_the_latest_signed_followup_not_by_a_draft() -> None:
    rows = [
        Row("final", "2025-06-01", "2025-12-01"),
        Row("final", "2025-12-03", "2026-03-01"),  # the latest signed: its date is due
        Row("draft", "2026-03-20", "2026-09-20"),  # a draft of the next one settles nothing yet
    ]
    assert due.due_date(rows) == "2026-03-01"
    assert due.due_date(reversed(rows)) == "2026-03-01"  # stored order does not matter
    assert due.is_overdue(due.due_date(rows), TODAY)
    assert due.due_date([Row("draft", "2026-01-01", "2026-02-01")]) is None
    assert due.due_date([]) is None
    assert due.due_date([Row("final", "2026-01-01", None)]) is None


def test_a_signed_followup_without_a_meeting_date_does_not_outrank_a_dated_one() -> None:
    rows = [Row("final", "2026-01-10", "2026-07-10"), Row("final", None, "2020-01-01")]
    assert due.due_date(rows) == "2026-07-10"


class IdRow(NamedTuple):
    id: str
    case_id: str
    status: str
    meeting_date: str | None
    next_followup: str | None


def test_only_a_date_that_still_stands_is_overdue() -> None:
    """A follow-up whose next date a later signed one superseded is overdue no more (`list` marked
    "ovn0001a … (försenad)" beside the signed ovn0001b); the latest signed one's passed date is."""
    rows = [
        IdRow("a1", "A", "final", "2025-06-01", "2025-12-01"),  # superseded by a2
        IdRow("a2", "A", "final", "2025-12-03", "2026-09-01"),  # stands, not yet due
        IdRow("b1", "B", "final", "2025-06-01", "2026-03-01"),  # stands and has passed
        IdRow("b2", "B", "draft", "2026-03-20", "2020-01-01"),  # a draft's date counts for nothing
        IdRow("c1", "C", "draft", None, "2020-01-01"),
    ]
    assert due.overdue_ids(rows, TODAY) == {"b1"}
    assert due.overdue_ids(reversed(rows), TODAY) == {"b1"}


def test_the_list_marks_only_a_standing_date_overdue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="Anna"))
    repo = TinyDBRepository(ws)
    plan = Plan.model_validate({"start": "2025-01-01"})
    today = date.today()
    past, later = (today - timedelta(days=30)).isoformat(), (today + timedelta(days=60)).isoformat()
    case = Case(client=Client(case_ref="K-1"), plan=plan)
    old = FollowUp(id="fuold0000001", case_id=case.id, form="standard-uppfoljning", form_version=1,
                   plan=plan, status="final", answers={"meeting_date": "2025-01-10", "next_followup": past})
    new = FollowUp(id="funew0000001", case_id=case.id, form="standard-uppfoljning", form_version=1,
                   plan=plan, status="final",
                   answers={"meeting_date": (today - timedelta(days=1)).isoformat(), "next_followup": later})
    repo.add_case(case, [old, new])
    repo.close()
    assert main(["--workspace", str(tmp_path / "ws"), "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert past in lines["fuold0000001"] and "försenad" not in lines["fuold0000001"]
    assert "försenad" not in lines["funew0000001"]


# --- the erasure policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("5y", date(2021, 3, 31)),
        ("1m", date(2026, 2, 28)),  # no 31 February: the month's last day
        ("13m", date(2025, 2, 28)),
        ("30d", date(2026, 3, 1)),
        (" 18M ", date(2024, 9, 30)),
        ("0d", TODAY),
    ],
)
def test_the_cutoff_counts_back_whole_months_and_years(age: str, expected: date) -> None:
    assert erasure.cutoff(age, TODAY) == expected


@pytest.mark.parametrize("age", ["", "5", "y", "five years", "5 years", "-5y", "5w", "1e3d", "5y; rm -rf /"])
def test_a_bad_age_is_refused(age: str) -> None:
    with pytest.raises(erasure.BadAge):
        erasure.cutoff(age, TODAY)


def _workspace(path: Path) -> TinyDBRepository:
    return TinyDBRepository(Workspace.create(path, WorkspaceSettings(caseworker="Anna", unit="Enheten")))


def _case(ref: str, created: datetime) -> Case:
    return Case(
        client=Client(case_ref=ref), plan=Plan.model_validate({"start": "2020-01-01"}), created_at=created
    )


def test_only_cases_untouched_since_before_the_cutoff_are_old(tmp_path: Path) -> None:
    repo = _workspace(tmp_path / "ws")
    try:
        midnight = datetime(2021, 3, 31, tzinfo=UTC)
        old = _case("OLD-1", midnight - timedelta(microseconds=1))
        edge = _case("EDGE-1", midnight)  # written at the cutoff's first instant: not older than it
        fresh_addendum = _case("ADD-1", midnight - timedelta(days=400))
        repo.add_case(old)
        repo.add_case(edge)
        fu = FollowUp(
            case_id=fresh_addendum.id,
            form="standard-uppfoljning",
            form_version=1,
            plan=fresh_addendum.plan,
            created_at=fresh_addendum.created_at,
            updated_at=fresh_addendum.created_at,
            status="final",
            finalized_at=fresh_addendum.created_at,
            finalized_by="Anna",
            addenda=[Addendum(author="Anna", reason="r", text="t", date=midnight + timedelta(days=1))],
        )
        repo.add_case(fresh_addendum, [fu])
        found = erasure.old_cases(repo, erasure.cutoff("5y", TODAY))
        assert [o.case.client.case_ref for o in found] == ["OLD-1"]
        assert erasure.last_entry(repo, fresh_addendum.id) == midnight + timedelta(days=1)
        assert erasure.find(repo, "OLD-1") is not None and erasure.find(repo, old.id) is not None
        assert erasure.find(repo, "../OLD-1") is None
        erasure.erase(repo, old.id)
        assert old.id not in repo.case_ids() and erasure.find(repo, "OLD-1") is None
        assert sorted(repo.case_ids()) == sorted([edge.id, fresh_addendum.id])
    finally:
        repo.close()


# --- exporting the PDF -----------------------------------------------------------------------------


def _with_followup(path: Path, training: bool) -> tuple[TinyDBRepository, str]:
    settings = WorkspaceSettings(caseworker="Anna", organisation="Kommunen", training=training)
    repo = TinyDBRepository(Workspace.create(path, settings))
    case = _case("PDF-1", datetime(2026, 1, 1, tzinfo=UTC))
    fu = FollowUp(
        case_id=case.id,
        form="standard-uppfoljning",
        form_version=1,
        plan=case.plan,
        answers={"meeting_date": "2026-03-01"},
    )
    repo.add_case(case, [fu])
    return repo, fu.id


@pytest.mark.parametrize("training", [False, True])
def test_the_pdf_goes_to_the_documents_folder_and_practice_to_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, training: bool
) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_documents_path", lambda: tmp_path / "Documents")
    repo, fid = _with_followup(tmp_path / "ws", training)
    try:
        target = export_pdf(repo, settings_of(repo), fid, "sv")
    finally:
        repo.close()
    folder = tmp_path / "Documents" / "Uppföljning"
    assert target == (folder / "Övning" if training else folder) / f"uppfoljning-{fid}.pdf"
    assert target.read_bytes().startswith(b"%PDF")
    assert target.stat().st_mode & 0o777 == 0o600 and target.parent.stat().st_mode & 0o777 == 0o700


def test_a_hostile_followup_id_never_names_a_folder(tmp_path: Path) -> None:
    for hostile in ("../../etc/passwd", "a/b", "Testa Testsson 19800101-1234", ""):
        name = pdf_name(hostile)
        assert "/" not in name and "Testa" not in name and name.endswith(".pdf")
        assert (tmp_path / name).parent == tmp_path


def test_an_export_into_a_file_where_the_folder_should_be_is_an_error_not_a_stray_file(
    tmp_path: Path,
) -> None:
    repo, fid = _with_followup(tmp_path / "ws", False)
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    try:
        with pytest.raises(OSError):
            export_pdf(repo, settings_of(repo), fid, "sv", blocker)
        assert latest_followup(repo, repo.case_ids()[0]) == fid
    finally:
        repo.close()
    assert blocker.read_text() == "not a folder"


# --- opening a workspace ---------------------------------------------------------------------------


def test_an_encrypted_workspace_needs_its_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    create_workspace(path, "Anna", "Kommunen", "Enheten", "xx", "rätt lösenfras här")
    with pytest.raises(PassphraseNeeded):
        open_workspace(path, None)
    with pytest.raises(WrongPassphrase):
        open_workspace(path, "fel lösenfras här")
    opened = open_workspace(path, "rätt lösenfras här")
    try:
        assert not opened.readonly and opened.settings.lang == "sv"  # an unknown language is Swedish
        assert opened.settings.caseworker == "Anna" and not opened.training
    finally:
        opened.close()


def test_beside_another_writer_the_workspace_opens_read_only_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    create_workspace(path, "Anna", "", "", "sv", None)
    code = (
        "import sys, time\nfrom pathlib import Path\n"
        "from storage.tinydb_repo import TinyDBRepository\nfrom storage.workspace import Workspace\n"
        f"r = TinyDBRepository(Workspace.open(Path({str(path)!r})))\nprint('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        opened = open_workspace(path, None)
        try:
            assert opened.readonly and f"pid {proc.pid}" in opened.holder
            with pytest.raises(StorageError):
                opened.repo.add_case(_case("X-1", datetime(2026, 1, 1, tzinfo=UTC)))
        finally:
            opened.close()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
    again = open_workspace(path, None)
    again.close()
    assert not again.readonly  # the other program is gone: ours to write


def test_a_folder_that_is_no_workspace_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "x.json").write_text(json.dumps({}))
    with pytest.raises(StorageError):
        open_workspace(tmp_path, None)
    assert os.listdir(tmp_path) == ["cases"]
