"""A writer for the crash test: saves answers in a loop, announcing each before and after.

Run as `python -m tests.crash_writer serve`, it is a fork server: it loads every import once, then
for each `RUN <workspace> <start>` line forks a writer (which prints `READY <pid>` and starts), and
for each `REAP <pid>` line waits for that writer and prints `DONE <pid>`. A writer's lines go to the
same stdout, so everything the killed writer printed comes before its `DONE`. A forked writer does
exactly what a freshly started one does (open the workspace, derive the key, save) minus loading
Python and the imports, which took most of each round.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

KEYS = ["assessment", "client_view", "goals.g1.comment", "goals.g2.comment", "meeting_date"]


def write(ws_path: Path, start: int) -> None:
    ws = Workspace.open(ws_path)
    repo = TinyDBRepository(ws, codec=ws.codec(os.environ.get("UPPFOLJNING_PASSPHRASE")))
    fids = [s.id for s in repo.summaries()]
    print(f"READY {os.getpid()}", flush=True)
    n = start
    while True:
        if n % 7 == 0 or not fids:
            plan = Plan.model_validate({"start": "2026-01-01", "goals": [
                {"id": "g1", "text": "a", "life_area": "d1"},
                {"id": "g2", "text": "b", "life_area": "d2"}]})
            case = Case(client=Client(case_ref=f"K{n}"), plan=plan)
            fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
            print(f"BEGIN-CASE {fu.id}", flush=True)
            repo.add_case(case, [fu])
            print(f"ACK-CASE {fu.id}", flush=True)
            fids.append(fu.id)
        fid = fids[n % len(fids)]
        key = KEYS[n % len(KEYS)]
        value = f"v{n}"
        print(f"BEGIN {fid} {key} {value}", flush=True)
        repo.save_answer(fid, key, value)
        print(f"ACK {fid} {key} {value}", flush=True)
        n += 1


def serve() -> None:
    for line in sys.stdin:
        command, *args = line.split()
        if command == "RUN":
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the writer runs until it is killed
                try:
                    os.close(0)  # the server's commands are not the writer's
                    write(Path(args[0]), int(args[1]))
                except BaseException as err:  # said, so the test fails rather than waits
                    os.write(1, f"FAILED {os.getpid()} {err!r}\n".encode())
                finally:
                    os._exit(70)
        elif command == "REAP":
            pid = int(args[0])
            _, status = os.waitpid(pid, 0)
            print(f"DONE {pid} {status}", flush=True)


def main() -> None:
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        write(Path(sys.argv[1]), int(sys.argv[2]))


if __name__ == "__main__":
    main()
