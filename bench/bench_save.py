"""Saving one answer: per-case atomic files vs the floor (one small atomic write) and vs TinyDB's
default JSONStorage holding the same data. Run: python -m bench.bench_save [--large N]."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from tinydb import Query, TinyDB

from bench.common import build_workspace, median_ms
from storage.atomic import atomic_write
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

SAVES = 200


def save_median(ws: Workspace, ids: list[str], rng: random.Random, passphrase: str | None = None) -> float:
    ws = Workspace.open(ws.path)
    repo = TinyDBRepository(ws, codec=ws.codec(passphrase))
    try:
        return median_ms(lambda i: repo.save_answer(rng.choice(ids), "client_view", f"svar {i}"), SAVES)
    finally:
        repo.close()


def floor_median(folder: Path, size: int) -> float:
    payload = b"x" * size
    target = folder / "floor.json"
    return median_ms(lambda i: atomic_write(target, payload), SAVES)


def tinydb_default_median(folder: Path, ws: Workspace, ids: list[str], rng: random.Random) -> float:
    """Every follow-up in one TinyDB file with the default JSONStorage (no fsync, rewritten whole)."""
    docs = [json.loads(p.read_text())["followups"]["1"] for p in ws.cases_dir.glob("*.json")]
    db = TinyDB(folder / "default.json")
    db.table("followups").insert_multiple(docs)
    table = db.table("followups")
    q = Query()
    result = median_ms(lambda i: table.update({"client_view": f"svar {i}"}, q.id == rng.choice(ids)), 20)
    db.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        small_ws, small_ids = build_workspace(root / "small", args.small)
        large_ws, large_ids = build_workspace(root / "large", args.large)
        secret = "bänkprov lösenfras"  # noqa: S105 - a throwaway workspace
        sealed_ws, sealed_ids = build_workspace(root / "sealed", args.large, secret)
        case_size = next(large_ws.cases_dir.glob("*.json")).stat().st_size
        floor = floor_median(root, case_size)
        small = save_median(small_ws, small_ids, rng)
        large = save_median(large_ws, large_ids, rng)
        sealed = save_median(sealed_ws, sealed_ids, rng, secret)
        default = tinydb_default_median(root, large_ws, large_ids, rng)
    rows = [
        ("floor: one atomic write of a case-sized file", floor, 1.0),
        (f"save one answer, {args.small} follow-ups", small, small / floor),
        (f"save one answer, {args.large} follow-ups", large, large / floor),
        (f"save one answer, {args.large} follow-ups, encrypted", sealed, sealed / floor),
        (f"TinyDB default JSONStorage, {args.large} follow-ups (no fsync)", default, default / floor),
    ]
    print(f"{'what':62} {'median ms':>10} {'× floor':>8}")
    for name, ms, ratio in rows:
        print(f"{name:62} {ms:10.3f} {ratio:8.2f}")
    growth = large / small
    print(f"growth from {args.small} to {args.large} follow-ups: {growth:.2f}×")
    print(f"cost of encryption per save: {sealed / large:.2f}× the unencrypted save")
    ok = large / floor <= 3 and growth <= 1.5
    print("budget (≤ 3× floor, ≤ 1.5× growth):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
