"""A writer for the crash test: saves answers in a loop, announcing each before and after."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

KEYS = ["assessment", "client_view", "goals.g1.comment", "goals.g2.comment", "meeting_date"]


def main() -> None:
    ws = Workspace.open(Path(sys.argv[1]))
    start = int(sys.argv[2])
    repo = TinyDBRepository(ws, codec=ws.codec(os.environ.get("UPPFOLJNING_PASSPHRASE")))
    fids = [s.id for s in repo.summaries()]
    print("READY", flush=True)
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


if __name__ == "__main__":
    main()
