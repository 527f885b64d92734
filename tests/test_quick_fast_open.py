"""Attacks on `quick --case REF`'s one-case open: whatever the full open refuses, it refuses too."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import storage.single
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.crypto import EncryptingCodec
from storage.lock import WorkspaceLock
from storage.maintenance import open_repository
from storage.single import OneCaseRepository, locate, open_one
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tui.cli import main as cli

SECRET = "snabb öppning 1"
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}


@pytest.fixture
def ws(tmp_path: Path, plan: Plan) -> Path:
    """Three cases (A-1, B-2, C-3), each with a draft holding one answer."""
    path = tmp_path / "ws"
    Workspace.create(path, passphrase=SECRET, kdf=FAST_KDF)
    repo = _full(path)
    for ref in ("A-1", "B-2", "C-3"):
        case = Case(client=Client(case_ref=ref), plan=plan)
        fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
        repo.add_case(case, [fu])
        repo.save_answer(fu.id, "assessment", f"bedömning {ref}")
    repo.close()
    return path


def _full(ws: Path) -> TinyDBRepository:
    return open_repository(ws, passphrase=lambda: SECRET, writable=True)


def _one(ws: Path, ref: str) -> OneCaseRepository | None:
    w = Workspace.open(ws)
    lock = WorkspaceLock(ws / "lock")
    lock.acquire()
    repo = open_one(w, w.codec(SECRET), lock, ref)
    if repo is None:
        lock.release()
    return repo


def _case_file(ws: Path, ref: str) -> Path:
    repo = _full(ws)
    try:
        case = repo.find_case(ref)
        assert case is not None
        return ws / "cases" / f"{case.id}.json"
    finally:
        repo.close()


class Paused(KeyboardInterrupt):
    """Ctrl-C where the walk would begin (or at the first question before it)."""


def _quick(monkeypatch: pytest.MonkeyPatch, ws: Path, ref: str | None, *, fast: bool = True,
           env: str | None = SECRET, typed: tuple[str, ...] = (), pick: str = "") -> dict[str, Any]:
    """Runs `quick --case ref` to where it would start the walk: which repository, which case, or
    the question it asked instead (a case it did not find)."""
    import getpass

    import questionary.question

    import tui.quick
    from tui import quick_start

    seen: dict[str, Any] = {"repo": None, "case": None, "asked": 0}

    def start(self: Any, case: Case) -> Any:
        seen["repo"], seen["case"] = type(self.repo).__name__, case.id
        raise Paused

    def ask(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen["asked"] += 1
        if pick and seen["asked"] == 1:
            return pick  # the case question (`quick` without --case)
        raise Paused

    answers = iter(typed)
    monkeypatch.setattr(tui.quick.QuickMode, "start", start)
    monkeypatch.setattr(questionary.question.Question, "unsafe_ask", ask)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    if not fast:
        monkeypatch.setattr(storage.single, "open_one", lambda *a: None)
        monkeypatch.setattr(storage.single, "case_labels", lambda *a: None)
    labels = storage.single.case_labels

    def spy(*args: Any) -> Any:
        seen["labels"] = labels(*args)
        return seen["labels"]

    monkeypatch.setattr(storage.single, "case_labels", spy)
    if env is None:
        monkeypatch.delenv("UPPFOLJNING_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", env)
    monkeypatch.setenv("HOME", str(ws.parent))
    seen["exit"] = quick_start.main(argparse.Namespace(workspace=str(ws), lang="sv", case=ref, database=None))
    monkeypatch.undo()
    return seen


def test_the_case_is_opened_alone_and_the_full_open_agrees_afterwards(
    monkeypatch: pytest.MonkeyPatch, ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _quick(monkeypatch, ws, "B-2")
    assert seen["repo"] == "OneCaseRepository" and seen["exit"] == 0
    repo = _one(ws, "B-2")
    assert repo is not None
    try:
        case = repo.find_case("B-2")
        assert case is not None
        fu = repo.followups_of(case.id)[0]
        repo.save_answer(fu.id, "assessment", "ändrad i snabbläget")
        repo.save_answer(fu.id, "client_view", "bra")
        codec = repo.codec
        assert isinstance(codec, EncryptingCodec) and codec.case_keys is not None
        assert codec.case_keys.entries is None  # the case-key table was never held whole
        assert set(codec.case_keys.found) == {next(iter(codec.case_keys.found))}  # one key looked up
    finally:
        repo.close()
    full = _full(ws)  # the real index's entry is stale now: re-read from the file, nothing flagged
    try:
        assert full.findings == [] and full.damaged == []
        assert full.get_followup(fu.id).answers["assessment"] == "ändrad i snabbläget"
    finally:
        full.close()
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert cli(["--workspace", str(ws), "audit", "verify"]) == 0
    again = _one(ws, "B-2")  # and the next one-case open finds everything in step again
    assert again is not None
    again.close()


@pytest.mark.parametrize("attack", ["prev_copied_back", "backup_put_back", "tampered", "removed", "swapped"])
def test_a_rolled_back_or_tampered_case_is_refused_as_by_the_full_open(
    monkeypatch: pytest.MonkeyPatch, ws: Path, attack: str
) -> None:
    path = _case_file(ws, "A-1")
    old = path.read_bytes()
    repo = _full(ws)
    fu = repo.followups_of(repo.find_case("A-1").id)[0]  # type: ignore[union-attr]
    repo.save_answer(fu.id, "assessment", "nyare svar")
    repo.close()
    if attack == "prev_copied_back":
        shutil.copy(path.with_name(path.name + ".prev"), path)
    elif attack == "backup_put_back":
        path.write_bytes(old)  # in place: the folder does not change, only the file's content
    elif attack == "tampered":
        data = bytearray(path.read_bytes())
        data[-5] ^= 1
        path.write_bytes(bytes(data))
    elif attack == "removed":
        path.unlink()
    else:  # another case's file under this case's name
        shutil.copy(_case_file(ws, "C-3"), path)
    assert _one(ws, "A-1") is None  # the one-case open declines...
    fast, full = _quick(monkeypatch, ws, "A-1"), _quick(monkeypatch, ws, "A-1", fast=False)
    assert fast == full  # ...and the quick mode then does exactly what the full open does
    assert fast["case"] is None and fast["asked"] == 1  # the case is not opened: "not found, create?"
    assert fast["repo"] is None


def test_a_wrong_passphrase_opens_nothing(
    monkeypatch: pytest.MonkeyPatch, ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in (ws / "cases").iterdir()}
    seen = _quick(monkeypatch, ws, "A-1", env="fel lösenfras")
    assert seen["exit"] == 1 and seen["case"] is None and seen["asked"] == 0
    assert capsys.readouterr().err.strip() == (
        "uppfoljning: Lösenfrasen i UPPFOLJNING_PASSPHRASE är fel; ingenting har ändrats.")
    seen = _quick(monkeypatch, ws, "A-1", env=None, typed=("fel 1", "fel 2", "fel 3"))
    assert seen["exit"] == 1 and seen["case"] is None
    assert {p.name: p.read_bytes() for p in (ws / "cases").iterdir()} == before
    lines = (ws / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum('"failed_passphrase"' in line for line in lines) == 4
    # A codec of another passphrase cannot read the index, so nothing is located with it either.
    other = Workspace.create(ws.parent / "other", passphrase="en annan fras", kdf=FAST_KDF)
    assert locate(Workspace.open(ws), other.codec("en annan fras"), "A-1") is None


def test_a_case_number_two_cases_carry_is_left_to_the_full_open(
    monkeypatch: pytest.MonkeyPatch, ws: Path, plan: Plan
) -> None:
    repo = _full(ws)
    twin = Case(client=Client(case_ref="B-2", name="Tvilling"), plan=plan)
    repo.add_case(twin)
    repo.close()
    assert locate(Workspace.open(ws), Workspace.open(ws).codec(SECRET), "B-2") is None
    # The full open never takes one of the two: it asks which (both offered by name), here the twin.
    fast = _quick(monkeypatch, ws, "B-2", pick=twin.id)
    full = _quick(monkeypatch, ws, "B-2", fast=False, pick=twin.id)
    assert fast == full and fast["repo"] == "TinyDBRepository" and fast["case"] == twin.id
    assert fast["asked"] == 1


def test_a_session_that_did_not_close_is_not_trusted_until_a_full_open(
    monkeypatch: pytest.MonkeyPatch, ws: Path
) -> None:
    repo = _full(ws)
    fu = repo.followups_of(repo.find_case("C-3").id)[0]  # type: ignore[union-attr]
    repo.save_answer(fu.id, "assessment", "sparat, sedan dog processen")
    repo._lock.release()  # type: ignore[union-attr]  # killed: no index, no manifest saved
    assert _one(ws, "C-3") is None  # change entries beyond the manifest: the index may be behind
    seen = _quick(monkeypatch, ws, "C-3")
    assert seen["repo"] == "TinyDBRepository" and seen["exit"] == 0
    again = _one(ws, "C-3")  # that full open brought the index and the manifest up to date
    assert again is not None
    try:
        assert again.get_followup(fu.id).answers["assessment"] == "sparat, sedan dog processen"
    finally:
        again.close()


@pytest.mark.parametrize("how", ["added", "index_lost", "index_foreign"])
def test_files_the_index_does_not_know_are_left_to_the_full_open(ws: Path, how: str) -> None:
    if how == "added":
        src = _case_file(ws, "C-3")
        shutil.copy(src, src.with_name("0123456789ab.json"))
    elif how == "index_lost":
        (ws / "index.json").unlink()
    else:
        (ws / "index.json").write_bytes(json.dumps({"format": 4, "cases": {}}).encode())
    assert _one(ws, "A-1") is None


def test_lazy_case_keys_give_what_the_whole_table_gives_and_never_write_a_part(ws: Path) -> None:
    w = Workspace.open(ws)
    whole = w.codec(SECRET)
    assert isinstance(whole, EncryptingCodec) and whole.case_keys is not None
    entries = dict(whole.case_keys.load(whole))
    name = next(iter(entries.values()))[0]
    # A crash between the two copies' writes: the copy alone holds a newer key of this case.
    whole.case_keys.entries = {**entries, "0badc0de": (name, b"k" * 32)}
    table = whole.case_keys.entries
    whole.case_keys.save(whole)
    keys_file = ws / "case-keys"
    whole.case_keys.entries = entries
    primary = keys_file.read_bytes()
    whole.case_keys.save(whole)
    (ws / "case-keys.copy").write_bytes(keys_file.read_bytes())
    keys_file.write_bytes(primary)
    del table
    lazy = w.codec(SECRET)
    assert isinstance(lazy, EncryptingCodec) and lazy.case_keys is not None
    lazy.case_keys.lazy = True
    full = w.codec(SECRET)
    assert isinstance(full, EncryptingCodec) and full.case_keys is not None
    union = full.case_keys.load(full)
    newest = next(k for k, (case, _) in reversed(union.items()) if case == name)
    assert lazy.case_keys.lookup(lazy, case=name) == newest
    for kid, (case, key) in union.items():
        assert lazy.case_keys.lookup(lazy, kid=kid) == kid and lazy.case_keys.found[kid] == (case, key)
    assert lazy.case_keys.lookup(lazy, kid="ffffffff") is None
    assert lazy.case_keys.entries is None
    # Anything that changes the table reads it whole first: no key is lost by the lazy lookups.
    lazy.rotate_case_keys()
    after = full.case_keys.load(full)
    assert set(union) <= set(after) and len(after) == len(union) + len({c for c, _ in union.values()})


def test_the_case_question_lists_from_the_index_and_opens_the_picked_case_alone(
    monkeypatch: pytest.MonkeyPatch, ws: Path
) -> None:
    fast = _quick(monkeypatch, ws, None, pick="B-2 – ")
    assert fast["repo"] == "OneCaseRepository" and fast["exit"] == 0
    repo = _full(ws)
    try:
        listed = sorted((c.case_ref, c.name) for c in repo.listing())
        b2 = repo.find_case("B-2")
    finally:
        repo.close()
    assert sorted(fast["labels"]) == listed and fast["case"] == b2.id  # type: ignore[union-attr]
    # A name, or a number typed in lower case, is found by the full open, as it always was.
    full = _quick(monkeypatch, ws, None, pick="b-2")
    assert full["repo"] == "TinyDBRepository" and full["case"] == fast["case"]
    # A rolled-back case: the full open decides (it is not opened), with or without the index's labels.
    path = _case_file(ws, "A-1")
    old = path.read_bytes()
    repo = _full(ws)
    repo.save_answer(repo.followups_of(repo.find_case("A-1").id)[0].id, "assessment", "ny")  # type: ignore[union-attr]
    repo.close()
    path.write_bytes(old)
    a, b = _quick(monkeypatch, ws, None, pick="A-1"), _quick(monkeypatch, ws, None, pick="A-1", fast=False)
    assert a["case"] is None and a["asked"] == 2 and (a["case"], a["asked"], a["exit"]) == (
        b["case"], b["asked"], b["exit"])
