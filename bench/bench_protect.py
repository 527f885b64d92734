"""The joint protection of a tiny population (the training workspace): seconds, linear programs, and the
ratio to compiling the same figures unprotected, measured in the same run. No design budget covers it:
the figures are printed, not judged. Run: python -m bench.bench_protect"""

from __future__ import annotations

import statistics
import sys
import time

from casework.training import seed
from forms.loader import bundled_form
from reporting.compile import compile_report
from reporting.output import _PROTECTED, protection
from reporting.selection import Selection
from storage.memory_repo import MemoryRepository

RUNS = 3


def once(repo: MemoryRepository) -> tuple[float, float, int, int, int]:
    form = bundled_form()
    _PROTECTED.clear()  # cached per system and process: every run protects again
    start, cpu = time.perf_counter(), time.process_time()
    report = compile_report(repo.records(), form, Selection())
    outcome = protection(report, form)
    return (time.perf_counter() - start, time.process_time() - cpu, outcome.lp_solves, outcome.cells,
            outcome.hidden)


def plain(repo: MemoryRepository) -> float:
    """The baseline: the same report compiled, without its protection."""
    form = bundled_form()
    start = time.perf_counter()
    compile_report(repo.records(), form, Selection())
    return time.perf_counter() - start


def main() -> int:
    repo = MemoryRepository()
    seed(repo)
    runs = [once(repo) for _ in range(RUNS)]
    seconds = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    _, _, solves, cells, hidden = runs[0]
    print(f"training workspace: {cells} figures, {hidden} hidden as '..', {solves} linear programs")
    # On a shared machine the wall clock counts the other programs too; the CPU time is this one's.
    print(f"compile and protect, median of {RUNS}: {seconds:.1f} s ({cpu:.1f} s CPU)")
    base = statistics.median(plain(repo) for _ in range(RUNS))
    print(f"unprotected compilation (baseline): {base * 1000:.0f} ms; protected: {seconds / base:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
