"""Group compilation over 10,000 follow-ups beside just reading and parsing the same files, in one run.
Run: python -m bench.bench_report [--followups N]"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import build_workspace
from forms.loader import bundled_form
from reporting.compile import compile_report
from reporting.output import _PROTECTED, to_data
from reporting.selection import Selection
from storage.codec import PlainCodec
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

RUNS = 5


def floor(ws: Workspace) -> float:
    codec = PlainCodec()
    start = time.perf_counter()
    for path in sorted(ws.cases_dir.glob("*.json")):
        json.loads(codec.open(path.read_bytes(), path.name))
    return (time.perf_counter() - start) * 1000


def ours(ws: Workspace) -> float:
    form = bundled_form()
    _PROTECTED.clear()  # the protection is cached per system and process: every run must do it again
    start = time.perf_counter()
    repo = TinyDBRepository(Workspace.open(ws.path), writable=False)
    data = to_data(compile_report(repo.records(), form, Selection()), form)
    repo.close()
    if not data["followups"]:
        raise RuntimeError("the benchmark workspace should have final follow-ups")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        ws, _ = build_workspace(Path(tmp) / "ws", args.followups, final=True)
        floor(ws), ours(ws)  # warm the page cache for both alike
        base = statistics.median(floor(ws) for _ in range(RUNS))
        mine = statistics.median(ours(ws) for _ in range(RUNS))
    ratio = mine / base
    print(f"{'what':52} {'median ms':>10} {'× floor':>8}")
    print(f"{'floor: read and parse every case file':52} {base:10.0f} {1.0:8.2f}")
    name = f"compile {args.followups} follow-ups (open, select, measure)"
    print(f"{name:52} {mine:10.0f} {ratio:8.2f}")
    print("budget (≤ 2× floor):", "met" if ratio <= 2 else "NOT met")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
