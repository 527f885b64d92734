"""One contract suite, run against every repository implementation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.errors import Ambiguous, Conflict, FinalizedError, NotFound, WorkspaceLocked
from storage.memory_repo import MemoryRepository
from storage.repository import Repository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace


@pytest.fixture(params=["memory", "tinydb", "postgres"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    if request.param == "memory":
        yield MemoryRepository()
        return
    if request.param == "postgres":
        from storage.postgres.repo import PostgresRepository

        server = request.getfixturevalue("pg_server")
        db = request.getfixturevalue("pg_clean")
        # a caseworker of unit A, whose display name is the signer the contract expects
        pg = PostgresRepository(server.dsn("cw_a", db))
        yield pg
        pg.close()
        return
    r = TinyDBRepository(Workspace.create(tmp_path / "ws"))
    yield r
    r.close()


def make_case(plan: Plan, ref: str = "A-1") -> Case:
    return Case(client=Client(case_ref=ref, name="Test Testsson"), plan=plan)


def make_followup(case: Case, fid: str | None = None) -> FollowUp:
    extra = {"id": fid} if fid else {}
    return FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=case.plan,
                    **extra)


def test_case_and_followup_round_trip(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    assert repo.get_case(case.id) == case
    assert repo.get_followup(fu.id) == fu
    assert repo.find_case("A-1") == case
    assert repo.find_case("nope") is None
    assert [f.id for f in repo.followups_of(case.id)] == [fu.id]


def test_save_answer_is_visible_and_timestamped(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    at = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    repo.save_answer(fu.id, "meeting_date", "2026-11-18", at)
    repo.save_answer(fu.id, "goals.g1.level", 2, at)
    repo.save_answer(fu.id, "goals.g1.comment", None, at)  # a recorded skip
    got = repo.get_followup(fu.id)
    assert got.answers == {"meeting_date": "2026-11-18"}
    assert got.goals == {"g1": {"level": 2, "comment": None}}
    assert got.answered_at["goals.g1.level"] == at
    summary = next(s for s in repo.summaries() if s.id == fu.id)
    assert summary.meeting_date == "2026-11-18" and summary.case_ref == "A-1"


def test_final_followups_never_change(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    repo.save_answer(fu.id, "assessment", "utkast")
    repo.save_answer(fu.id, "new_needs_description", "stale")
    at = datetime(2026, 11, 20, tzinfo=UTC)
    final = repo.finalize(fu.id, "Anna", at, {"assessment": "utkast"}, {})
    assert final.status == "final" and final.finalized_by == "Anna" and final.finalized_at == at
    assert "new_needs_description" not in repo.get_followup(fu.id).answers
    with pytest.raises(FinalizedError):
        repo.save_answer(fu.id, "assessment", "ändrad")
    with pytest.raises(FinalizedError):
        repo.finalize(fu.id, "Anna", at, {}, {})
    assert repo.get_followup(fu.id).answers == {"assessment": "utkast"}


def test_conflicts_and_missing(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case, "abc123")
    repo.add_case(case, [fu])
    with pytest.raises(Conflict):
        repo.add_case(case)
    with pytest.raises(Conflict):
        repo.add_followup(make_followup(case, "abc123"))
    with pytest.raises(NotFound):
        repo.get_followup("zzz")
    with pytest.raises(NotFound):
        repo.save_answer("zzz", "meeting_date", "2026-01-01")
    other = make_case(plan, "B-2")
    with pytest.raises(NotFound):
        repo.add_followup(make_followup(other))


def test_resolve_by_prefix(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    repo.add_case(case, [make_followup(case, "abc111"), make_followup(case, "abd222")])
    assert repo.resolve("abc") == "abc111"
    assert repo.resolve("abd222") == "abd222"
    with pytest.raises(Ambiguous):
        repo.resolve("ab")
    with pytest.raises(NotFound):
        repo.resolve("x")


def test_update_case_keeps_followup_snapshots(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    changed = case.model_copy(deep=True)
    changed.plan.goals = changed.plan.goals[:1]
    repo.update_case(changed)
    assert len(repo.get_case(case.id).plan.goals) == 1
    assert len(repo.get_followup(fu.id).plan.goals) == 3


# --- the disk backend's own promises ---------------------------------------------------------------


def test_second_writer_is_refused_and_names_the_holder(tmp_path: Path, plan: Plan) -> None:
    ws = Workspace.create(tmp_path / "ws")
    first = TinyDBRepository(ws)
    try:
        with pytest.raises(WorkspaceLocked, match="open in another program"):
            TinyDBRepository(Workspace.open(ws.path))
        TinyDBRepository(Workspace.open(ws.path), writable=False).close()  # readers are fine
    finally:
        first.close()
    TinyDBRepository(Workspace.open(ws.path)).close()  # released


def test_index_heals_when_lost_or_stale(tmp_path: Path, plan: Plan) -> None:
    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    repo.close()
    ws.index_path.unlink()
    repo = TinyDBRepository(Workspace.open(ws.path))
    assert [s.id for s in repo.summaries()] == [fu.id]
    # a save whose index update never happened (a crash): the stamp no longer matches
    repo.save_answer(fu.id, "meeting_date", "2026-11-01")
    index = json.loads(ws.index_path.read_text())
    repo._lock.release()  # type: ignore[union-attr]  # simulate the process dying: no close()
    repo2 = TinyDBRepository(Workspace.open(ws.path))
    assert repo2.summaries()[0].meeting_date == "2026-11-01"
    assert index["cases"][case.id]["followups"][0][2] is None  # the meeting date, not yet indexed
    repo2.close()


def test_damaged_case_file_is_reported_and_left_alone(tmp_path: Path, plan: Plan) -> None:
    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    good, bad = make_case(plan, "A"), make_case(plan, "B")
    repo.add_case(good, [make_followup(good)])
    repo.add_case(bad, [make_followup(bad)])
    repo.close()
    broken = ws.cases_dir / f"{bad.id}.json"
    broken.write_bytes(b"{not json")
    repo = TinyDBRepository(Workspace.open(ws.path))
    assert repo.damaged == [broken.name]
    assert [s.case_ref for s in repo.summaries()] == ["A"]
    repo.close()
    assert broken.read_bytes() == b"{not json"


def test_leftover_temp_files_are_cleaned(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    leftover = ws.cases_dir / ".abc.json.1234abcd.tmp"
    leftover.write_bytes(b"partial")
    TinyDBRepository(ws).close()
    assert not leftover.exists()


def test_saving_touches_only_the_case_file(tmp_path: Path, plan: Plan) -> None:
    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    cases = [make_case(plan, f"C{i}") for i in range(3)]
    fus = [make_followup(c) for c in cases]
    for c, f in zip(cases, fus, strict=True):
        repo.add_case(c, [f])
    repo.close()
    repo = TinyDBRepository(Workspace.open(ws.path))
    before = {p.name: p.stat().st_mtime_ns for p in ws.path.rglob("*") if p.is_file()}
    repo.save_answer(fus[1].id, "meeting_date", "2026-11-01")
    after = {p.name: p.stat().st_mtime_ns for p in ws.path.rglob("*") if p.is_file()}
    changed = {n for n in after if after[n] != before.get(n)}
    # the case's file, its previous generation, one line in the audit log and the log's two
    # heads: nothing else (the index and the other cases are untouched)
    assert changed == {f"{cases[1].id}.json", f"{cases[1].id}.json.prev", "audit.jsonl",
                       "audit.jsonl.head", "audit.jsonl.seal"}
    repo.close()


def test_acknowledged_hints_are_kept_on_drafts_only(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    repo.acknowledge_hint(fu.id, "sip_not_started")
    repo.acknowledge_hint(fu.id, "sip_not_started")
    assert repo.get_followup(fu.id).acknowledged_hints == ["sip_not_started"]
    repo.finalize(fu.id, "Anna", datetime(2026, 11, 20, tzinfo=UTC), {}, {})
    with pytest.raises(FinalizedError):
        repo.acknowledge_hint(fu.id, "other")


def test_cases_without_followups_are_listed(repo: Repository, plan: Plan) -> None:
    lonely = make_case(plan, "L-1")
    busy = make_case(plan, "B-1")
    repo.add_case(lonely)
    repo.add_case(busy, [make_followup(busy)])
    assert repo.case_ids() == sorted([lonely.id, busy.id])
    assert repo.find_case("L-1") == lonely


def test_listing_shows_every_case_with_its_dates(repo: Repository, plan: Plan) -> None:
    lonely, busy = make_case(plan, "L-1"), make_case(plan, "B-1")
    repo.add_case(lonely)
    fu = make_followup(busy)
    repo.add_case(busy, [fu])
    repo.save_answer(fu.id, "next_followup", "2027-01-01")
    rows = {r.case_ref: r for r in repo.listing()}
    assert set(rows) == {"L-1", "B-1"}
    assert rows["L-1"].followups == () and rows["B-1"].name == "Test Testsson"
    assert rows["B-1"].followups[0].next_followup == "2027-01-01"
    assert rows["B-1"].followups[0].status == "draft"


def test_saving_works_where_hard_links_do_not(tmp_path: Path, plan: Plan,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])

    def no_links(*args: object) -> None:
        raise OSError("Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    repo.save_answer(fu.id, "assessment", "sparat ändå")
    assert repo.get_followup(fu.id).answers["assessment"] == "sparat ändå"
    repo.close()


def test_signing_snapshots_the_client_and_later_edits_leave_it(repo: Repository, plan: Plan) -> None:
    case = make_case(plan)
    fu = make_followup(case)
    repo.add_case(case, [fu])
    repo.finalize(fu.id, "Handläggare A", datetime(2026, 11, 18, 9, 30, tzinfo=UTC), {}, {})
    edited = case.model_copy(update={"client": Client(case_ref="A-1", name="Annat Namn",
                                                      caseworker="Någon Annan")})
    repo.update_case(edited)
    signed = repo.get_followup(fu.id)
    assert signed.client is not None
    assert signed.client.name == "Test Testsson"
    assert repo.get_case(case.id).client.name == "Annat Namn"
