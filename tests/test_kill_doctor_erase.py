"""SIGKILL a real `uppfoljning doctor` and `erase --older-than` at random moments: no case is lost,
no erasure goes without its audit entry, and the audit log verifies after every kill."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.audit import scan, verify
from storage.codec import Codec
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.fuzzing import run_cli
from tui.cli import main

SECRET = "doda-test-fras"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}
# Where the kills land depends on the machine being as fast as when the run was timed: run alone.
pytestmark = pytest.mark.serial

KILLS = 100  # runs killed before they finished, per command
MAX_RUNS = 300


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # The forked commands read the passphrase from the environment, as a user's script would.
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    path = tmp_path / "ws"
    Workspace.create(path, passphrase=SECRET, kdf=FAST_KDF)
    yield path


def _codec(ws: Path) -> Codec:
    return Workspace.open(ws).codec(SECRET)


def _repo(ws: Path, codec: Codec, *, durable: bool = True) -> TinyDBRepository:
    return TinyDBRepository(Workspace.open(ws), codec=codec, durable=durable)


def _plan() -> Plan:
    return Plan.model_validate({"start": "2026-01-01", "goals": [
        {"id": "g1", "text": "Sköta tvätten", "life_area": "d6"},
        {"id": "g2", "text": "Dagverksamhet", "life_area": "d8"}]})


def _add_cases(repo: TinyDBRepository, n: int, first: int, *, days_old: int) -> list[str]:
    at = datetime.now(UTC) - timedelta(days=days_old)
    ids = []
    for i in range(first, first + n):
        plan = _plan()
        case = Case(client=Client(case_ref=f"K-{i}"), plan=plan, created_at=at)
        fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan,
                      created_at=at, updated_at=at)
        repo.add_case(case, [fu])
        ids.append(case.id)
    return ids


def _run(ws: Path, args: list[str], delay: float | None) -> tuple[bool, float]:
    """Fork the real CLI from this process (imports already loaded, so a run starts in about a
    millisecond) and SIGKILL it after `delay` seconds; (killed before it finished, seconds run)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns into pytest
        code = 70
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            code = main(["--workspace", str(ws), "--lang", "en", *args])
        finally:
            os._exit(code)
    if delay is not None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    if os.WIFSIGNALED(status):
        return True, elapsed
    assert os.WEXITSTATUS(status) in (0, 1), f"{args} crashed with {os.WEXITSTATUS(status)}"
    return False, elapsed


def _audit_clean(ws: Path) -> None:
    # In this process, after every round: run_cli reuses one argparse parser (the forked runs
    # under test still build their own, as a started command does).
    assert run_cli(["--workspace", str(ws), "--lang", "en", "audit", "verify"])[0] == 0


def _erase_entries(ws: Path) -> set[str]:
    return {str(e["case"]) for e, _raw, _end in scan(ws / "audit.jsonl") if e.get("action") == "erase"}


def _readable(repo: TinyDBRepository, case_id: str, signed: bool = False) -> None:
    assert repo.get_case(case_id).id == case_id
    followups = repo.followups_of(case_id)
    assert followups
    if signed:
        assert all(fu.status == "final" for fu in followups), f"case {case_id} lost its signature"


# --- doctor ---------------------------------------------------------------------------------------

CASES = 4
DAMAGED = 3


def _damage(ws: Path, codec: Codec, ids: list[str], rng: random.Random, swap: bool = False) -> list[str]:
    """A new generation of each chosen case (its .prev then holds a good one), then the file torn;
    or (swap) two signed cases' files swapped, with no draft change whose loss doctor may accept."""
    if swap:
        a, b = (ws / "cases" / f"{c}.json" for c in rng.sample(ids, 2))
        first, second = a.read_bytes(), b.read_bytes()
        a.write_bytes(second)
        b.write_bytes(first)
        return [a.stem, b.stem]
    chosen = rng.sample(ids, DAMAGED)
    repo = _repo(ws, codec, durable=False)  # setup, not under test: no fsync wait
    try:
        for case_id in chosen:
            repo.update_case(repo.get_case(case_id))
    finally:
        repo.close()
    for case_id in chosen:
        path = ws / "cases" / f"{case_id}.json"
        data = path.read_bytes()
        path.write_bytes(data[: rng.randrange(0, len(data) // 2)])
    return chosen


def _check_doctor_round(ws: Path, codec: Codec, ids: list[str]) -> int:
    """After a kill: every case has its file (whole, or damaged and restorable), a full doctor then
    restores every one, and the log verifies. Returns how many cases were already whole."""
    for case_id in ids:
        assert (ws / "cases" / f"{case_id}.json").exists(), f"case {case_id} lost its file"
    repo = _repo(ws, codec)  # the writable open records a restore whose entry the kill cut off
    try:
        assert [f for f in repo.findings if f.kind == "missing"] == []
        whole = [c for c in ids if f"{c}.json" not in repo.damaged]
        assert [p.name for p in (ws / "damaged").glob("*.tmp")] == []  # a cut-off copy is cleaned up
        for case_id in whole:
            _readable(repo, case_id)
    finally:
        repo.close()
    # The chain itself verifies now; `audit verify` also names damaged files, so it waits for doctor.
    assert verify(ws / "audit.jsonl", codec, sealed_required=True) == []
    killed, _ = _run(ws, ["doctor"], None)
    assert not killed
    repo = TinyDBRepository(Workspace.open(ws), codec=codec, writable=False)
    try:
        assert repo.damaged == [] and repo.findings == [], (repo.damaged, repo.findings)
        assert sorted(repo.case_ids()) == sorted(ids)
        for case_id in ids:
            _readable(repo, case_id, signed=True)
    finally:
        repo.close()
    _audit_clean(ws)
    return len(whole)


def test_sigkill_during_doctor_never_loses_a_case(ws: Path) -> None:
    rng = random.Random(20261129)
    codec = _codec(ws)
    repo = _repo(ws, codec)
    ids = _add_cases(repo, CASES, 0, days_old=0)
    for case_id in ids:  # signed records: a restore may never fall back behind the signature
        repo.finalize(repo.followups_of(case_id)[0].id, "Anna", datetime.now(UTC), {}, {})
    repo.close()
    # How long a whole doctor takes here: the kills land anywhere within it.
    runs = []
    for _ in range(3):
        _damage(ws, codec, ids, rng)
        killed, elapsed = _run(ws, ["doctor"], None)
        assert not killed
        runs.append(elapsed)
        _check_doctor_round(ws, codec, ids)
    duration = min(runs)  # the fastest whole run: kills land within the work
    kills = mid = runs_done = 0
    while kills < KILLS and runs_done < MAX_RUNS:
        runs_done += 1
        swap = runs_done % 3 == 0  # two files swapped: doctor swaps them back with two renames
        _damage(ws, codec, ids, rng, swap)
        killed, _ = _run(ws, ["doctor"], rng.uniform(0.0, duration))
        kills += killed
        whole = _check_doctor_round(ws, codec, ids)
        mid += killed and CASES - (2 if swap else DAMAGED) < whole
    print(f"doctor: {duration:.3f}s a run, {kills} kills in {runs_done} runs, {mid} between restores")
    assert kills >= 100, f"only {kills} runs were killed before they finished (doctor {duration:.3f}s)"
    # The kills really land mid-repair: some cases already restored, others not yet.
    assert mid >= 10, f"only {mid} kills fell between two restores"


# --- erase ----------------------------------------------------------------------------------------

OLD = 6


def _check_erase_round(ws: Path, codec: Codec, before: set[str], young: set[str]) -> set[str]:
    """After a kill: each case is either whole or erased with its entry; returns the ones left."""
    repo = _repo(ws, codec)  # a writable open finishes an erasure whose entry is written
    try:
        assert repo.damaged == [] and repo.findings == [], (repo.damaged, repo.findings)
        present = set(repo.case_ids())
        for case_id in present:
            _readable(repo, case_id)
    finally:
        repo.close()
    logged = _erase_entries(ws)
    assert young <= present, "a case younger than the limit was erased"
    gone = before - present
    assert gone <= logged, f"erased without an audit entry: {sorted(gone - logged)}"
    assert not (present & logged), f"an erase entry but the case is still there: {present & logged}"
    for case_id in logged:
        assert not (ws / "cases" / f"{case_id}.json").exists()
        assert not (ws / "cases" / f"{case_id}.json.prev").exists()
    _audit_clean(ws)
    return present


def test_sigkill_during_erase_never_erases_without_its_entry(ws: Path) -> None:
    rng = random.Random(20261130)
    codec = _codec(ws)
    repo = _repo(ws, codec)
    young = set(_add_cases(repo, 2, 0, days_old=0))
    repo.close()
    counter = 100
    present = set(young)

    def refill() -> set[str]:
        nonlocal counter
        repo = _repo(ws, codec, durable=False)  # setup, not under test: no fsync wait
        try:
            old = len(present - young)
            _add_cases(repo, OLD - old, counter, days_old=30)
            counter += OLD - old
            return set(repo.case_ids())
        finally:
            repo.close()

    runs = []
    for _ in range(3):
        before = refill()
        killed, elapsed = _run(ws, ["erase", "--older-than", "1d", "--yes"], None)
        assert not killed
        runs.append(elapsed)
        present = _check_erase_round(ws, codec, before, young)
        assert present == young
    duration = min(runs)  # the fastest whole run: kills land within the work
    kills = partial = runs_done = 0
    while kills < KILLS and runs_done < MAX_RUNS:
        runs_done += 1
        before = refill()
        killed, _ = _run(ws, ["erase", "--older-than", "1d", "--yes"], rng.uniform(0.0, duration))
        kills += killed
        present = _check_erase_round(ws, codec, before, young)
        partial += killed and young < present < before
    print(f"erase: {duration:.3f}s a run, {kills} kills in {runs_done} runs, {partial} between erasures")
    assert kills >= 100, f"only {kills} runs were killed before they finished (erase {duration:.3f}s)"
    assert partial >= 10, f"only {partial} kills fell between two erasures"
