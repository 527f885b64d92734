"""The quick mode's first prompt on both paths (`quick`, `quick --case REF`) and the peak memory of a
whole short session, beside a minimal questionary prompt, all as fresh processes in a pseudo-terminal on
an encrypted workspace of N follow-ups, measured the same way in one run.

Two ways to give the passphrase, both timed: UPPFOLJNING_PASSPHRASE (the first prompt is the first
question), and typed (the first prompt is the passphrase's; then what the person waits for after Enter
until the first question, the passphrase typed TYPING_S after its prompt appeared).
Run: python -m bench.bench_quick [--followups N] [--copy-of DIR]"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import build_workspace

RUNS = 7
TYPING_S = 1.0  # a passphrase of 16 characters takes a person longer than this to type
PASS_MARKER = "Lösenfras".encode()
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
        _pause(pid, fd)


def _pause(pid: int, fd: int) -> None:
    """Ctrl-C, as a person leaves, and the program's own exit: a SIGKILL would leave the index and the
    manifest unsaved, which the next start then repairs (a cost no real session leaves behind)."""
    with contextlib.suppress(OSError):
        os.write(fd, b"\x03")
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        try:
            if ready and not os.read(fd, 65536):
                break
        except OSError:  # the program ended
            break
    else:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)


def typed_passphrase(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, float]:
    """ms from launch until the passphrase prompt, and from Enter after it until `marker`."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)  # noqa: S606 - the measured program, by absolute path
    try:
        seen = _read_until(fd, b"", PASS_MARKER)
        prompt = (time.perf_counter() - start) * 1000
        time.sleep(TYPING_S)
        os.write(fd, f"{SECRET}\r".encode())
        entered = time.perf_counter()
        _read_until(fd, seen, marker)
        return prompt, (time.perf_counter() - entered) * 1000
    finally:
        _pause(pid, fd)


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
    parser.add_argument("--copy-of", metavar="DIR",
                        help="a workspace built before by bench.common.build_workspace with this "
                        "passphrase and --followups (building 10,000 takes minutes); copied, never changed")
    args = parser.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path.cwd()),
           "UPPFOLJNING_PASSPHRASE": SECRET}
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        if args.copy_of:
            shutil.copytree(args.copy_of, Path(tmp) / "ws")
            ws_path = Path(tmp) / "ws"
        else:
            ws_path = build_workspace(Path(tmp) / "ws", args.followups, passphrase=SECRET)[0].path
        ref = f"IFO-{args.followups // 2:06d}"
        env["HOME"] = tmp  # a PDF never lands in the real documents folder
        quick = [sys.executable, "-m", "tui.cli", "--workspace", str(ws_path), "quick"]
        resume = [*quick, "--case", ref]
        minimal = [sys.executable, "-c", MINIMAL]
        typed_env = {k: v for k, v in env.items() if k != "UPPFOLJNING_PASSPHRASE"}
        first_prompt(quick, b"Vilket", env)  # warm the disk cache for all alike
        times: dict[str, list[float]] = {k: [] for k in ("minimal", "quick", "resume", "quick_pass",
                                                          "quick_enter", "resume_pass", "resume_enter")}
        for _ in range(RUNS):  # interleaved, so a busy moment falls on all alike
            times["minimal"].append(first_prompt(minimal, b"Vilket", env))
            times["quick"].append(first_prompt(quick, b"Vilket", env))
            times["resume"].append(first_prompt(resume, b"Deltagare", env))
            prompt, enter = typed_passphrase(quick, b"Vilket", typed_env)
            times["quick_pass"].append(prompt)
            times["quick_enter"].append(enter)
            prompt, enter = typed_passphrase(resume, b"Deltagare", typed_env)
            times["resume_pass"].append(prompt)
            times["resume_enter"].append(enter)

        def other(i: int) -> str:
            return f"IFO-{args.followups // 2 + i:06d}"

        answer = [(b"Deltagare", b" \r"), (b"Form f", b"\r"), (b"Har individen", b"\x03")]
        typed = [(PASS_MARKER, f"{SECRET}\r".encode())]
        # A fresh draft each time (sessions answer their questions): the cases after `ref`.
        peaks = {
            "minimal": median([session_peak(minimal, [(b"Vilket", b"x\r")], env) for _ in range(3)]),
            "quick": median([session_peak(quick, [(b"Vilket", f"{other(i)}\r".encode()), *answer], env)
                             for i in (1, 2, 3)]),
            "resume": median([session_peak([*quick, "--case", other(i)], answer, env) for i in (4, 5, 6)]),
            "quick_typed": median([session_peak(
                quick, [*typed, (b"Vilket", f"{other(i)}\r".encode()), *answer], typed_env)
                for i in (7, 8, 9)]),
            "resume_typed": median([session_peak([*quick, "--case", other(i)], [*typed, *answer], typed_env)
                                    for i in (10, 11, 12)]),
        }
    base_t, base_m = median(times["minimal"]), peaks["minimal"]
    print(f"encrypted workspace, {args.followups} follow-ups; medians of {RUNS} runs (time), 3 (memory)")
    print(f"{'what':44} {'ms':>6} {'×':>6}")
    rows = (
        ("minimal", "minimal questionary prompt", True),
        ("quick", "quick, env passphrase: case question", True),
        ("resume", f"--case {ref}, env passphrase: 1st question", True),
        ("quick_pass", "quick, typed: passphrase prompt", True),
        ("quick_enter", "quick, typed: Enter → case question", False),
        ("resume_pass", f"--case {ref}, typed: passphrase prompt", True),
        ("resume_enter", f"--case {ref}, typed: Enter → 1st question", False),
    )
    ok = True
    for key, what, first in rows:
        t = median(times[key])
        print(f"{what:44} {t:6.0f} {t / base_t:6.2f}{'' if first else '  (after Enter)'}")
        ok = ok and (not first or t / base_t <= 1.3)
    print(f"\n{'whole session peak (max RSS)':44} {'MiB':>6} {'×':>6}")
    for key, what in (("minimal", "minimal questionary prompt"), ("quick", "quick, env passphrase"),
                      ("resume", "quick --case, env passphrase"), ("quick_typed", "quick, typed passphrase"),
                      ("resume_typed", "quick --case, typed passphrase")):
        m = peaks[key]
        print(f"{what:44} {m:6.1f} {m / base_m:6.2f}")
    print(f"budgets: first prompt ≤ 1.3×, session peak ≤ 1.5× (the session: open, two answers saved, "
          f"pause; key derivation included); the passphrase typed {TYPING_S} s after its prompt")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
