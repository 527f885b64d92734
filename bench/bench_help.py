"""`uppfoljning --help` beside `python -c pass`, both as fresh processes in one run.
Run: python -m bench.bench_help"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

RUNS = 15


def median_ms(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    script = shutil.which("uppfoljning")
    ours_argv = [script, "--help"] if script else [sys.executable, "-m", "tui.cli", "--help"]
    floor = median_ms([sys.executable, "-c", "pass"])
    ours = median_ms(ours_argv)
    budget = 2 * floor + 60
    print(
        f"python -c pass: {floor:.0f} ms; uppfoljning --help: {ours:.0f} ms; "
        f"budget 2× + 60 ms = {budget:.0f} ms: {'met' if ours <= budget else 'NOT met'}"
    )
    return 0 if ours <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
