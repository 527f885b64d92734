"""Kill a writer with SIGKILL at random moments; every file stays readable, no acknowledged answer is lost."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interview.followup import FollowUp
from storage.codec import Codec
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SECRET = "krasch-test-fras"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}


class WriterServer:
    """`python -m tests.crash_writer serve`: forks a writer per round from a process with its imports
    already loaded, so a round costs the writer's work and not an interpreter's start."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "UPPFOLJNING_PASSPHRASE": SECRET}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_writer", "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        )
        self._buffer = b""  # read from the pipe itself, so select() sees every byte not yet read

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def _line(self, timeout: float = 60.0) -> str:
        """The server's next line; a silent server fails the test instead of hanging it."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([fd], [], [], left)[0], f"no line: {self._buffer!r}"
            chunk = os.read(fd, 65536)
            assert chunk, "the writer server stopped"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode().strip()

    def run_and_kill(self, ws: Path, start: int, rng: random.Random) -> list[str]:
        """A writer started on `ws`, SIGKILLed at a random moment; every line it printed."""
        self._send(f"RUN {ws} {start}")
        ready = self._line().split()
        assert ready[0] == "READY", ready
        pid = int(ready[1])
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        self._send(f"REAP {pid}")
        lines = []
        while (line := self._line()) != f"DONE {pid} {int(signal.SIGKILL)}":
            assert not line.startswith(("DONE", "FAILED")), line  # killed, never finished or failed
            lines.append(line)
        return lines

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def check_readable(ws: Workspace, codec: Codec) -> None:
    json.loads((ws.path / "workspace.json").read_text())
    for path in ws.cases_dir.iterdir():
        if path.name.endswith(".tmp"):
            continue  # a temp file is never the only copy; opening the workspace removes it
        data = json.loads(codec.open(path.read_bytes(), path.name.removesuffix(".prev")))
        assert "case" in data, path


@pytest.mark.parametrize(("encrypted", "kills"), [(False, 100), (True, 300)],
                         ids=["plain-100-kills", "encrypted-300-kills"])
def test_sigkill_never_loses_an_acknowledged_answer(tmp_path: Path, encrypted: bool, kills: int) -> None:
    rng = random.Random(20261125)
    ws_path = tmp_path / "ws"
    ws = Workspace.create(ws_path, passphrase=SECRET if encrypted else None, kdf=FAST_KDF)
    codec = ws.codec(SECRET)
    expected: dict[tuple[str, str], set[str]] = {}  # (fid, key) -> acceptable stored values
    acked_cases: set[str] = set()
    start = 0
    total_acks = 0
    server = WriterServer()
    try:
        for _ in range(kills):
            lines = server.run_and_kill(ws_path, start, rng)
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
                read: dict[str, FollowUp] = {}  # each follow-up read once a round, all its keys checked
                for (fid, key), values in expected.items():
                    if fid not in ids:
                        continue  # its case was being created at the kill and never acknowledged
                    if fid not in read:
                        read[fid] = repo.get_followup(fid)
                    stored = read[fid].get(key)
                    shown = stored if stored is not None else "<absent>"
                    assert shown in values, (fid, key)
                    expected[(fid, key)] = {shown}  # settled: the next round starts from here
            finally:
                repo.close()
    finally:
        server.close()
    assert total_acks > kills  # the writer really got work done between kills
