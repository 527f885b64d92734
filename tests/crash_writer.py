"""A writer for the crash test: saves answers in a loop, announcing each before and after."""

from __future__ import annotations

from multiprocessing.connection import Connection
from pathlib import Path

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace

KEYS = ["assessment", "client_view", "goals.g1.comment", "goals.g2.comment", "meeting_date"]


def run(ws_path: str, start: int, passphrase: str | None, out: Connection) -> None:
    """Open the workspace as the app does and save answers until killed; every line goes to `out`.

    Each line is one small message, written to the pipe in a single write, so a kill mid-announcement
    loses that whole line and never leaves half of one (the test then treats the write as in flight).
    """
    def say(line: str) -> None:
        out.send_bytes(line.encode())

    ws = Workspace.open(Path(ws_path))
    repo = TinyDBRepository(ws, codec=ws.codec(passphrase))
    fids = [s.id for s in repo.summaries()]
    say("READY")
    n = start
    while True:
        if n % 7 == 0 or not fids:
            plan = Plan.model_validate({"start": "2026-01-01", "goals": [
                {"id": "g1", "text": "a", "life_area": "d1"},
                {"id": "g2", "text": "b", "life_area": "d2"}]})
            case = Case(client=Client(case_ref=f"K{n}"), plan=plan)
            fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
            say(f"BEGIN-CASE {fu.id}")
            repo.add_case(case, [fu])
            say(f"ACK-CASE {fu.id}")
            fids.append(fu.id)
        fid = fids[n % len(fids)]
        key = KEYS[n % len(KEYS)]
        value = f"v{n}"
        say(f"BEGIN {fid} {key} {value}")
        repo.save_answer(fid, key, value)
        say(f"ACK {fid} {key} {value}")
        n += 1
