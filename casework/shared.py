"""Working on the shared database from a front end: who may open it, who else has a draft open.

The app opens the database here before it starts (so a refusal is one line, not a screen), and asks
here who else holds a draft; the rules (which roles work on cases, what a lease is) live here, not in
the screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casework.workspace import OpenWorkspace
from storage.errors import StorageError
from storage.repository import Repository

CASE_ROLES = frozenset({"caseworker", "supervisor"})  # the roles whose work is cases and follow-ups


class NotForCases(StorageError):
    """The login may use the database but not to work on cases (no unit, or an analyst or admin)."""


@dataclass(frozen=True)
class OtherHolder:
    """Another login that has the draft open: its display name and since when."""

    name: str
    since: datetime


def open_database(conninfo: str) -> OpenWorkspace:
    """The shared database as the logged-in login, for working on cases: a StorageError (with a
    catalogue key) when it cannot be reached, the login has no role, or its role or units give it no
    cases to work on. The login's display name is the caseworker; its units are said in the banner."""
    from storage.postgres.repo import PostgresRepository

    repo = PostgresRepository(conninfo)
    try:
        if repo.role not in CASE_ROLES:
            raise NotForCases(f"the login '{repo.login}' is {repo.role}: the app is for caseworkers and "
                              "supervisors (analysts use 'uppfoljning report')",
                              key="err_db_app_role", login=repo.login, role=repo.role)
        if not repo.units:
            raise NotForCases(f"the login '{repo.login}' has no unit; an admin gives it one with "
                              "'uppfoljning db grant'", key="err_db_no_unit", login=repo.login)
    except BaseException:
        repo.close()
        raise
    return OpenWorkspace(repo, repo.settings, user=repo.display_name, units=tuple(repo.units))


def hold_draft(repo: Repository, followup_id: str) -> list[OtherHolder]:
    """This login has the draft open (its lease taken or refreshed, on a shared database); the other
    logins holding it. A local workspace has one writer, held by its lock: nobody else."""
    hold: Any = getattr(repo, "hold", None)
    if hold is None:
        return []
    return [OtherHolder(h.name, h.since) for h in hold(followup_id)]


def others_holding(repo: Repository, followup_id: str) -> list[OtherHolder]:
    """The other logins holding the draft, without taking a lease (looking at a case is not editing)."""
    holders: Any = getattr(repo, "holders", None)
    if holders is None:
        return []
    return [OtherHolder(h.name, h.since) for h in holders(followup_id)]


def release_draft(repo: Repository, followup_id: str) -> None:
    """This login has left the draft: its lease goes at once (else it lapses by itself)."""
    release: Any = getattr(repo, "release", None)
    if release is not None:
        release(followup_id)
