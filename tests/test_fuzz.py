"""The fuzzer: mutated case files, forms and stored hostile strings through the command line, in-process.

For every example: exit code 0 or 1 (never a traceback), every stderr line starts with
'uppfoljning:', no raw control character on stdout or stderr, no example over 5 s, the workspace
byte-for-byte unchanged when the import is refused, and an accepted file re-exports and re-imports
identically with no control character in any string. The number of examples follows the
Hypothesis profile (conftest.py: 'dev' locally, 'ci' when CI=true)."""

from __future__ import annotations

import random
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interview.case import Case, Client, Plan
from interview.followup import Addendum, FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.fuzzing import (
    CASE_FILES,
    check_form,
    check_import,
    mutated_case_file,
    mutated_form,
    output_problems,
    run_cli,
)

LIMIT_S = 5.0


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: float = LIMIT_S * 2) -> Iterator[None]:
    """Interrupt an example that hangs (Hypothesis's own deadline only reports slow ones after they
    end; this makes a real hang a failure instead of a stuck test run)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")  # once per test worker: the shards below need not share one
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace that already holds a case: a refused import has something to lose."""
    ws = tmp_path_factory.mktemp("fuzz") / "ws"
    assert run_cli(["--workspace", str(ws), "init", "--no-encryption"])[0] == 0
    assert run_cli(["--workspace", str(ws), "import", str(CASE_FILES[0])])[0] == 0
    return ws


# Each fuzz test's examples (the profile's number) are split over SHARDS parametrized runs, so test
# workers (pytest -n) share them: the same number of examples in all, each run its own random ones
# (Hypothesis seeds every run afresh and keeps a database entry per parametrized test).
SHARDS = 4
PER_SHARD = max(1, settings().max_examples // SHARDS)


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=PER_SHARD)
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_case_files(template: Path, shard: int, rng: random.Random) -> None:
    name, content = mutated_case_file(rng)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        ws = scratch / "ws"
        shutil.copytree(template, ws)
        with deadline():
            assert check_import(ws, scratch, name, content) == []


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=PER_SHARD)
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_forms(shard: int, rng: random.Random) -> None:
    content = mutated_form(rng)
    with tempfile.TemporaryDirectory() as tmp, deadline():
        assert check_form(Path(tmp), content) == []


# --- output: hostile strings already in a workspace (written past validation) never reach the terminal

HOSTILE_CHARS = st.sampled_from(
    ["\x1b", "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;http://x\x1b\\", "\x9b31m", "\x9d0;t\x9c",
     "\x85", "\u2028", "\x07", "\x08", "\r", "\n", "\x7f", "\x00", "[@click=app.quit]K", "x[/nope]", "a", "Å", " "]
)
HOSTILE = st.lists(HOSTILE_CHARS, min_size=1, max_size=6).map("".join)


def _store(ws: Path, fid: str, caseworker: str, signer: str, author: str, case_ref: str) -> None:
    """Hostile strings straight into the workspace, the way a file written by an older version or by
    hand would hold them: model_construct skips the checks an import makes."""
    workspace = Workspace.open(ws)
    repo = TinyDBRepository(workspace)
    try:
        plan = Plan.model_validate({"start": "2026-05-04"})
        client = Client.model_construct(case_ref=case_ref, name=None, personnummer=None, gender="unknown",
                                        birth_year=None, unit=caseworker, caseworker=caseworker)
        case = Case(client=client, plan=plan)
        addendum = Addendum.model_construct(kind="correction", date=case.created_at, author=author,
                                            reason=author, text=author)
        fu = FollowUp.model_construct(
            id=fid, case_id=case.id, form="standard-uppfoljning", form_version=1, caseworker=caseworker,
            status="final", plan=plan, answers={"meeting_date": "2026-11-18"}, goals={}, answered_at={},
            created_at=case.created_at, updated_at=case.created_at, finalized_at=case.created_at,
            finalized_by=signer, addenda=[addendum], acknowledged_hints=[], client=None, imported=None,
        )
        repo.add_case(case, [fu])
        repo.log("export", case=case.id, followup=fid, file=author)
    finally:
        repo.close()


@pytest.mark.parametrize("shard", range(SHARDS))
# Each example runs ten commands; the first also pays their one-time imports (seconds on a busy
# machine), so no per-example deadline: Hypothesis called that "flaky" under four test workers.
@settings(max_examples=max(1, PER_SHARD // 2), deadline=None)
@given(fid=HOSTILE, caseworker=HOSTILE, signer=HOSTILE, author=HOSTILE, who=HOSTILE, ref=HOSTILE)
def test_stored_hostile_strings_never_reach_the_terminal(
    shard: int, fid: str, caseworker: str, signer: str, author: str, who: str, ref: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        Workspace.create(ws, WorkspaceSettings(caseworker=who, organisation=who, unit=who))
        _store(ws, fid, caseworker, signer, author, ref)
        base = ["--workspace", str(ws), "--lang", "en"]
        # Ten commands, the first example paying their imports and `report` its linear programs: a
        # hang is still a failure, but not ten seconds on a machine running the suite on every core.
        with deadline(LIMIT_S * 4):
            for argv in (["list"], ["list", "--format", "json"], ["audit", "show"],
                         ["audit", "show", "--case", ref], ["export", fid], ["export", fid, "--format", "json"],
                         ["export", fid + "\x1b[2Jmissing"], ["pdf", fid + "\x9b", "-o", str(Path(tmp) / "x.pdf")],
                         ["erase", ref, "--dry-run"], ["report"]):
                code, out, err = run_cli(base + argv)
                assert output_problems(code, out, err) == [], argv
