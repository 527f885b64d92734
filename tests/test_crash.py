"""Kill a writer with SIGKILL at random moments; every file stays readable, no acknowledged answer is lost."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.context
import os
import random
import signal
import time
from pathlib import Path

import pytest

from storage.codec import Codec
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests import crash_writer

SECRET = "krasch-test-fras"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}


def writer_context() -> multiprocessing.context.ForkServerContext:
    """Writers are forked from a fork server that has the storage stack imported once.

    The fork server is a fresh single-threaded interpreter (forking the test process itself, which
    pytest-xdist makes multi-threaded, can deadlock the child); each writer is a new process forked from
    it, so every round is still a separate process killed with SIGKILL, as a real crash is, without
    paying an interpreter start and the imports (≈ 0.5 s of CPU) four hundred times.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.crash_writer"])
    return ctx


def run_and_kill(ws: Path, start: int, rng: random.Random, passphrase: str | None) -> list[str]:
    ctx = writer_context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=crash_writer.run, args=(str(ws), start, passphrase, send), daemon=True)
    proc.start()
    send.close()  # only the writer holds the sending end now: its death ends the stream
    try:
        assert receive.poll(60), "the writer did not start"
        assert receive.recv_bytes() == b"READY"
        time.sleep(rng.uniform(0.0, 0.15))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        lines: list[str] = []
        while True:
            try:
                lines.append(receive.recv_bytes().decode())
            except EOFError:
                break
        proc.join()
        assert proc.exitcode == -signal.SIGKILL  # killed mid-work, not finished or failed on its own
        return lines
    finally:
        receive.close()


def check_readable(ws: Workspace, codec: Codec) -> None:
    json.loads((ws.path / "workspace.json").read_text())
    for path in ws.cases_dir.iterdir():
        if path.name.endswith(".tmp"):
            continue  # a temp file is never the only copy; opening the workspace removes it
        data = json.loads(codec.open(path.read_bytes(), path.name.removesuffix(".prev")))
        assert "case" in data, path


# 400 SIGKILLs in all: 100 on a plain workspace and 300 on an encrypted one. The 300 are three runs of
# 100 (each its own workspace and random kill times), so test workers (pytest -n) can run them side by
# side; every round starts a new writer process that opens the workspace afresh, as a real restart does.
@pytest.mark.parametrize(("encrypted", "kills", "seed"),
                         [(False, 100, 20261125), (True, 100, 20261125), (True, 100, 20261126),
                          (True, 100, 20261127)],
                         ids=["plain-100-kills", "encrypted-100-kills-a", "encrypted-100-kills-b",
                              "encrypted-100-kills-c"])
def test_sigkill_never_loses_an_acknowledged_answer(
    tmp_path: Path, encrypted: bool, kills: int, seed: int
) -> None:
    rng = random.Random(seed)
    ws_path = tmp_path / "ws"
    ws = Workspace.create(ws_path, passphrase=SECRET if encrypted else None, kdf=FAST_KDF)
    codec = ws.codec(SECRET)
    expected: dict[tuple[str, str], set[str]] = {}  # (fid, key) -> acceptable stored values
    acked_cases: set[str] = set()
    start = 0
    total_acks = 0
    for _ in range(kills):
        lines = run_and_kill(ws_path, start, rng, SECRET)
        for line in lines:
            parts = line.split()
            if parts[0] == "ACK":
                expected[(parts[1], parts[2])] = {parts[3]}
                total_acks += 1
            elif parts[0] == "BEGIN":
                # the write in flight when the kill came may or may not have landed
                expected.setdefault((parts[1], parts[2]), {"<absent>"}).add(parts[3])
            elif parts[0] == "ACK-CASE":
                acked_cases.add(parts[1])
        start += len(lines) + 1
        check_readable(ws, codec)
        repo = TinyDBRepository(Workspace.open(ws_path), writable=False, codec=codec)
        try:
            assert repo.damaged == []
            ids = {s.id for s in repo.summaries()}
            assert acked_cases <= ids
            for (fid, key), values in expected.items():
                if fid not in ids:
                    continue  # its case was being created at the kill and never acknowledged
                stored = repo.get_followup(fid).get(key)
                shown = stored if stored is not None else "<absent>"
                assert shown in values, (fid, key)
                expected[(fid, key)] = {shown}  # settled: the next round starts from here
        finally:
            repo.close()
    assert total_acks > kills  # the writer really got work done between kills
