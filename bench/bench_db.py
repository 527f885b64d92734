"""Shared database benchmark: saving one answer against a bare single-row UPDATE commit on the same
server (budget <= 2x), and 50 concurrent writers (throughput, p50/p95, lost updates)."""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PLAN
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.postgres.repo import PostgresRepository
from tests.pgserver import PgServer, create_database, start_server


def _timed(fn: Any, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def _new_followups(repo: PostgresRepository, n: int, prefix: str) -> list[str]:
    plan = Plan.model_validate(PLAN)
    ids = []
    for i in range(n):
        case = Case(client=Client(case_ref=f"{prefix}-{i}", unit="A"), plan=plan)
        fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
        repo.add_case(case, [fu])
        ids.append(fu.id)
    return ids


def single(server: PgServer, db: str, n: int) -> tuple[float, float]:
    with server.superuser(db) as conn:
        conn.execute("CREATE TABLE bare (id integer PRIMARY KEY, v text)")
        conn.execute("INSERT INTO bare VALUES (1, '')")
    with server.superuser(db) as conn:
        bare = _timed(lambda i: conn.execute("UPDATE bare SET v = %s WHERE id = 1", (str(i),)), n)
    repo = PostgresRepository(server.dsn("cw_a", db))
    fid = _new_followups(repo, 1, "S")[0]
    version = repo.open_followup(fid)[1]

    def save(i: int) -> None:
        nonlocal version
        version = repo.save_answer(fid, "assessment", f"svar {i}", expected_version=version)

    saves = _timed(save, n)
    repo.close()
    return statistics.median(bare), statistics.median(saves)


def _writer(dsn: str, fids: list[str], wid: int, seconds: float, start: Any, out: Any) -> None:
    repo = PostgresRepository(dsn)
    lat, acked = [], 0
    fid = fids[wid % len(fids)]
    start.wait()
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        _, seen = repo.open_followup(fid)
        t0 = time.perf_counter()
        repo.save_answer(fid, f"goals.w{wid}.comment", str(i), expected_version=seen)
        lat.append(time.perf_counter() - t0)
        acked += 1
    repo.close()
    out.put((lat, acked, fid, i))


def concurrent(server: PgServer, db: str, writers: int, seconds: float) -> dict[str, float]:
    repo = PostgresRepository(server.dsn("cw_a", db))
    fids = _new_followups(repo, 10, "C")
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(server.dsn("cw_a", db), fids, w, seconds, start, out))
             for w in range(writers)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[0])
    acked = sum(r[1] for r in results)
    per_fu: dict[str, int] = {}
    for _, n, fid, _ in results:
        per_fu[fid] = per_fu.get(fid, 0) + n
    lost = sum(per_fu[f] - (repo.open_followup(f)[1] or 0) + 1 for f in per_fu)
    repo.close()
    return {"saves": acked, "per_second": acked / seconds, "p50_ms": lat[len(lat) // 2] * 1000,
            "p95_ms": lat[int(len(lat) * 0.95)] * 1000, "lost": lost}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=500, help="single saves timed")
    ap.add_argument("--writers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    server = start_server(fast=False, max_connections=args.writers + 20)  # fsync on: real commits
    if isinstance(server, str):
        print(f"no server: {server}", file=sys.stderr)
        return 1
    try:
        db = create_database(server, "bench")
        bare, save = single(server, db, args.n)
        ratio = save / bare
        print(f"bare UPDATE commit median {bare * 1000:.3f} ms; "
              f"save_answer median {save * 1000:.3f} ms; ratio {ratio:.2f} (budget <= 2.0) "
              f"{'OK' if ratio <= 2 else 'OVER'}")
        r = concurrent(server, db, args.writers, args.seconds)
        print(f"{args.writers} writers x {args.seconds:.0f} s: {r['saves']:.0f} saves, "
              f"{r['per_second']:.0f}/s, p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
              f"(budget 20 ms), lost updates {r['lost']:.0f}")
        return 0 if ratio <= 2 and r["lost"] == 0 else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
