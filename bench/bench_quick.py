"""The quick mode's first question on both paths (`quick`, `quick --case REF`) and the peak memory of a
whole short session, beside a minimal questionary prompt, all as fresh processes in a pseudo-terminal on
an encrypted workspace of N follow-ups, measured the same way in one run.
Run: python -m bench.bench_quick [--followups N]"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import build_workspace

RUNS = 7
SECRET = "bänk-lösenfras-1"  # noqa: S105 - a throwaway workspace
MINIMAL = "import questionary; questionary.text('Vilket ärende?').unsafe_ask()"
# The whole session's peak: the launcher runs the program on the terminal and reports its children's
# largest resident set once it has exited (key derivation, reading, answering and saving included).
LAUNCHER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
    "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _read_until(fd: int, seen: bytes, marker: bytes, timeout: float = 60) -> bytes:
    deadline = time.perf_counter() + timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            raise RuntimeError(f"waited for {marker!r}: {seen[-400:]!r}")
        try:
            seen += os.read(fd, 65536)
        except OSError:  # the program ended
            raise RuntimeError(f"ended before {marker!r}: {seen[-400:]!r}") from None
    return seen


def first_prompt(argv: list[str], marker: bytes, env: dict[str, str]) -> float:
    """ms from launch until `marker` is on the terminal."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)  # noqa: S606 - the measured program, by absolute path
    try:
        _read_until(fd, b"", marker)
        return (time.perf_counter() - start) * 1000
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def session_peak(argv: list[str], script: list[tuple[bytes, bytes]], env: dict[str, str]) -> float:
    """The peak RSS (MiB) of a whole session: wait for each marker, type its keys, until it exits."""
    pid, fd = pty.fork()
    if pid == 0:
        launcher = [sys.executable, "-c", LAUNCHER, *argv]
        os.execve(launcher[0], launcher, env)  # noqa: S606
    seen = b""
    try:
        for marker, keys in script:
            seen = _read_until(fd, seen, marker)
            time.sleep(0.05)
            os.write(fd, keys)
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:  # to the end of the launcher's output
            ready, _, _ = select.select([fd], [], [], 1)
            try:
                chunk = os.read(fd, 65536) if ready else b""
            except OSError:
                break
            if ready and not chunk:
                break
            seen += chunk
        return int(seen.split(b"PEAK ")[1].split()[0]) / 1024
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.waitpid(pid, 0)
        os.close(fd)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=10_000)
    args = parser.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path.cwd()),
           "UPPFOLJNING_PASSPHRASE": SECRET}
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        ws, _ = build_workspace(Path(tmp) / "ws", args.followups, passphrase=SECRET)
        ref = f"IFO-{args.followups // 2:06d}"
        env["HOME"] = tmp  # a PDF never lands in the real documents folder
        quick = [sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "quick"]
        resume = [*quick, "--case", ref]
        minimal = [sys.executable, "-c", MINIMAL]
        first_prompt(quick, b"Vilket", env)  # warm the disk cache for all alike
        times: dict[str, list[float]] = {"minimal": [], "quick": [], "resume": []}
        for _ in range(RUNS):  # interleaved, so a busy moment falls on all three alike
            times["minimal"].append(first_prompt(minimal, b"Vilket", env))
            times["quick"].append(first_prompt(quick, b"Vilket", env))
            times["resume"].append(first_prompt(resume, b"Deltagare", env))
        def other(i: int) -> str:
            return f"IFO-{args.followups // 2 + i:06d}"

        answer = [(b"Deltagare", b" \r"), (b"Form f", b"\r"), (b"Har individen", b"\x03")]
        peaks = {
            "minimal": median([session_peak(minimal, [(b"Vilket", b"x\r")], env) for _ in range(3)]),
            # A fresh draft each time (sessions answer their questions): the cases after `ref`.
            "quick": median([session_peak(quick, [(b"Vilket", f"{other(i)}\r".encode()), *answer], env)
                             for i in (1, 2, 3)]),
            "resume": median([session_peak([*quick, "--case", other(i)], answer, env) for i in (4, 5, 6)]),
        }
    base_t, base_m = median(times["minimal"]), peaks["minimal"]
    print(f"encrypted workspace, {args.followups} follow-ups; medians of {RUNS} runs (time), 3 (memory)")
    print(f"{'what':34} {'first prompt ms':>16} {'×':>6} {'session peak MiB':>17} {'×':>6}")
    ok = True
    for key, what in (("minimal", "minimal questionary prompt"), ("quick", "quick"),
                      ("resume", f"quick --case {ref}")):
        t, m = median(times[key]), peaks[key]
        print(f"{what:34} {t:16.0f} {t / base_t:6.2f} {m:17.1f} {m / base_m:6.2f}")
        ok = ok and t / base_t <= 1.3
    print("budgets: first prompt ≤ 1.3×, session peak ≤ 1.5× (the session: open, two answers saved, "
          "pause; key derivation included)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
