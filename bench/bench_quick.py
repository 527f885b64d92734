"""The quick mode's first question (and its memory) beside a minimal questionary prompt, both as
fresh processes in a pseudo-terminal, measured the same way in one run.
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
MINIMAL = "import questionary; questionary.text('Vilket ärende?').unsafe_ask()"


def first_prompt(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, float]:
    """ms from launch until `marker` is on the terminal, and the peak RSS (MiB) by then."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the measured program, on the pseudo-terminal
        os.execve(argv[0], argv, env)  # noqa: S606 - the measured program, by absolute path
    seen = b""
    try:
        while marker not in seen:
            ready, _, _ = select.select([fd], [], [], 20)
            if not ready:
                raise RuntimeError(f"no prompt from {argv}: {seen[-300:]!r}")
            seen += os.read(fd, 65536)
        elapsed = (time.perf_counter() - start) * 1000
        status = Path(f"/proc/{pid}/status").read_text()
        peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed, peak


def measure(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, float]:
    results = [first_prompt(argv, marker, env) for _ in range(RUNS)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=10_000)
    args = parser.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path.cwd())}
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        ws, _ = build_workspace(Path(tmp) / "ws", args.followups)
        ours_argv = [sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "quick"]
        measure(ours_argv, b"Vilket", env)  # warm the disk cache for both alike
        base_t, base_m = measure([sys.executable, "-c", MINIMAL], b"Vilket", env)
        ours_t, ours_m = measure(ours_argv, b"Vilket", env)
    print(f"{'what':40} {'first question ms':>18} {'peak RSS MiB':>13}")
    print(f"{'minimal questionary prompt':40} {base_t:18.0f} {base_m:13.1f}")
    print(f"{f'quick mode, {args.followups} follow-ups':40} {ours_t:18.0f} {ours_m:13.1f}")
    ratio = ours_t / base_t
    print(f"first question: {ratio:.2f}× (budget ≤ 1.3×); memory: {ours_m / base_m:.2f}×")
    return 0 if ratio <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
