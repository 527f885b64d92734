"""A writer process the crash test kills with SIGKILL: it prints each answer once it is committed."""

from __future__ import annotations

import sys
import time

from storage.postgres.repo import PostgresRepository


def main() -> None:
    dsn, fid, wid, mode = sys.argv[1:5]
    repo = PostgresRepository(dsn)
    if mode == "hang":
        # Inside a transaction that has changed the row and written an audit entry, then stuck.
        conn = repo._conn
        conn.execute("BEGIN")
        conn.execute("UPDATE uppfoljning.followups SET version = version + 1, "
                     "data = jsonb_set(data, '{answers,assessment}', '\"half-done\"') WHERE id = %s", (fid,))
        conn.execute("INSERT INTO uppfoljning.audit (case_id, followup_id, action) "
                     "SELECT case_id, id, 'save_answer' FROM uppfoljning.followups WHERE id = %s", (fid,))
        print("locked", flush=True)
        time.sleep(120)
        return
    i = 0
    while True:
        i += 1
        repo.save_answer(fid, f"goals.w{wid}.comment", str(i))
        print(i, flush=True)


if __name__ == "__main__":
    main()
