"""The app's first screen and memory with 10,000 follow-ups stored, beside a minimal Textual app,
measured the same way in one run: a fresh process that shows its first screen and exits.
Run: python -m bench.bench_tui [--followups N]"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import build_workspace

MINIMAL = """
import resource, sys
from textual.app import App
from textual.widgets import Footer, Static
class Minimal(App):
    def compose(self):
        yield Static("Hej")
        yield Footer()
import time
async def first_frame(pilot):
    print("FRAME", time.time(), flush=True)  # auto_pilot starts once the first screen is shown
    await pilot.pause()
    pilot.app.exit()
Minimal().run(headless=True, size=(120, 40), auto_pilot=first_frame)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

OURS = """
import resource, sys
from pathlib import Path
from tui.app import UppfoljningApp
import time
async def first_frame(pilot):
    print("FRAME", time.time(), flush=True)  # auto_pilot starts once the first screen is shown
    await pilot.pause()
    assert type(pilot.app.screen).__name__ == "Dashboard", pilot.app.screen
    # then the cases, read in a worker: the memory is measured with all of them loaded
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert pilot.app.screen.query_one("DataTable").row_count > 0
    print("LOADED", time.time(), flush=True)
    pilot.app.exit()
UppfoljningApp(Path(sys.argv[1])).run(headless=True, size=(120, 40), auto_pilot=first_frame)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

RUNS = 7


def measure(code: str, *args: str) -> tuple[float, float, float | None]:
    """Medians over fresh processes: ms from launch to the first frame, ms to the cases listed
    (None for the minimal app), and peak RSS in MiB."""
    frames, loads, rss = [], [], []
    for _ in range(RUNS):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        lines = out.stdout.strip().splitlines()
        marks = {ln.split()[0]: float(ln.split()[1]) for ln in lines if ln.startswith(("FRAME", "LOADED"))}
        frames.append((marks["FRAME"] - start) * 1000)
        if "LOADED" in marks:
            loads.append((marks["LOADED"] - start) * 1000)
        rss.append(int(lines[-1]) / 1024)
    return statistics.median(frames), statistics.median(loads) if loads else None, statistics.median(rss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        ws, _ = build_workspace(Path(tmp) / "ws", args.followups)
        measure(OURS, str(ws.path))  # the first open writes the index; time the steady state
        base_t, _, base_m = measure(MINIMAL)
        ours_t, ours_l, ours_m = measure(OURS, str(ws.path))
    print(f"{'what':36} {'first screen ms':>16} {'cases listed ms':>16} {'peak RSS MiB':>13}")
    print(f"{'minimal Textual app':36} {base_t:16.0f} {'':>16} {base_m:13.1f}")
    name = f"uppfoljning, {args.followups} follow-ups"
    print(f"{name:36} {ours_t:16.0f} {ours_l or 0:16.0f} {ours_m:13.1f}")
    t_ratio, m_ratio = ours_t / base_t, ours_m / base_m
    print(f"first screen: {t_ratio:.2f}× (budget ≤ 1.3×); memory: {m_ratio:.2f}× (budget ≤ 1.5×)")
    print(json.dumps({"first_screen_ratio": round(t_ratio, 2), "memory_ratio": round(m_ratio, 2)}))
    return 0 if t_ratio <= 1.3 and m_ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
