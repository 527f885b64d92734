"""The quick mode's first question (and its memory) beside a minimal questionary prompt, both as
fresh processes in a pseudo-terminal, measured the same way in one run.
Run: python -m bench.bench_quick [--followups N]"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import build_workspace

RUNS = 11
MINIMAL = "import questionary; questionary.text('Vilket ärende?').unsafe_ask()"


def first_prompt(
    argv: list[str], marker: bytes, env: dict[str, str], loaded: tuple[bytes, bytes] | None = None
) -> tuple[float, float, float | None]:
    """ms from launch until `marker` is on the terminal, the peak RSS (MiB) by then, and, with
    `loaded` = (keys to type, a pattern to wait for), the peak RSS once that text shows."""
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
        peak = _peak(pid)
        after = None
        if loaded is not None:
            # Typing part of a case number brings up completions once the case list has loaded.
            os.write(fd, loaded[0])
            deadline = time.perf_counter() + 30
            while not re.search(loaded[1], _plain(seen)) and time.perf_counter() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.5)
                if ready:
                    seen += os.read(fd, 65536)
                else:  # completions are asked for on a keystroke: retype the last one until they come
                    os.write(fd, b"\x7f" + loaded[0][-1:])
            after = _peak(pid) if re.search(loaded[1], _plain(seen)) else None
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed, peak, after


def _plain(output: bytes) -> bytes:
    """Terminal output without its escape sequences (a completion menu is drawn with many)."""
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]", b"", output)


def _peak(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def measure(
    argv: list[str], marker: bytes, env: dict[str, str], loaded: tuple[bytes, bytes] | None = None
) -> tuple[float, float, float | None]:
    results = [first_prompt(argv, marker, env, loaded) for _ in range(RUNS)]
    afters = [r[2] for r in results if r[2] is not None]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        statistics.median(afters) if afters else None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=10_000)
    args = parser.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path.cwd())}
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        ws, _ = build_workspace(Path(tmp) / "ws", args.followups)
        ours_argv = [sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "quick"]
        measure(ours_argv, b"Vilket", env)  # warm the disk cache for both alike
        base_t, base_m, _ = measure([sys.executable, "-c", MINIMAL], b"Vilket", env)
        typed = (b"IFO-00001", rb"IFO-00001\d  ")  # a completion menu shows once the list has loaded
        ours_t, ours_m, loaded_m = measure(ours_argv, b"Vilket", env, loaded=typed)
    print(f"{'what':40} {'first question ms':>18} {'peak RSS MiB':>13}")
    print(f"{'minimal questionary prompt':40} {base_t:18.0f} {base_m:13.1f}")
    print(f"{f'quick mode, {args.followups} follow-ups':40} {ours_t:18.0f} {ours_m:13.1f}")
    if loaded_m is not None:
        print(f"{'  … once the case list has loaded':40} {'':>18} {loaded_m:13.1f}")
    ratio = ours_t / base_t
    print(f"first question: {ratio:.2f}× (budget ≤ 1.3×); memory: {ours_m / base_m:.2f}×")
    return 0 if ratio <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
