"""Opening and creating a workspace for a front end: unlock, index, read-only beside another writer.

The app (and any other front end that keeps a workspace open) gets an `OpenWorkspace` or a
StorageError saying why not; what it means that another program holds the lock is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.errors import StorageError, WorkspaceLocked
from storage.repository import Repository
from storage.workspace import Workspace, WorkspaceSettings


class PassphraseNeeded(StorageError):
    """The workspace is encrypted and no passphrase was given: ask for one."""


@dataclass(frozen=True)
class OpenWorkspace:
    """A workspace this program has open: its repository, its settings, and who else writes in it."""

    repo: Repository
    settings: WorkspaceSettings
    holder: str = ""  # "user@host (pid n)" of the program that writes meanwhile; "" if we may write
    user: str = ""  # on the shared database: the login's display name ("" for a local workspace)
    units: tuple[str, ...] = ()  # ... and the units it works in

    @property
    def readonly(self) -> bool:
        return bool(self.holder)

    @property
    def shared(self) -> bool:
        """The shared database (many logins, versions, leases) rather than a local workspace."""
        return bool(self.user)

    @property
    def training(self) -> bool:
        return self.settings.training

    def close(self) -> None:
        self.repo.close()


def holder_text(holder: dict[str, Any]) -> str:
    return f"{holder.get('user', '?')}@{holder.get('host', '?')} (pid {holder.get('pid')})"


def open_workspace(path: Path, secret: str | None) -> OpenWorkspace:
    """Read, unlock and index the workspace. PassphraseNeeded when it is encrypted and `secret` is
    empty, WrongPassphrase when it does not open it, another StorageError when the folder cannot be
    used. Another program writing in it: opened read-only, never overwriting its work."""
    from storage.tinydb_repo import TinyDBRepository

    ws = Workspace.open(path)
    if ws.encrypted and not secret:
        raise PassphraseNeeded("this workspace is encrypted; a passphrase is needed to open it")
    codec = ws.codec(secret)
    try:
        repo = TinyDBRepository(ws, codec=codec)
    except WorkspaceLocked as err:
        return OpenWorkspace(
            TinyDBRepository(ws, codec=codec, writable=False), ws.settings, holder_text(err.holder)
        )
    if secret:
        from storage.maintenance import upgrade_header

        try:
            upgrade_header(ws, secret)  # the lock is held: an outdated key derivation is raised
        except BaseException:
            repo.close()  # the lock goes with the refusal
            raise
    return OpenWorkspace(repo, ws.settings)


def create_workspace(
    path: Path, caseworker: str, organisation: str, unit: str, lang: str, passphrase: str | None
) -> None:
    """A new workspace with the first-run answers; encrypted unless `passphrase` is None."""
    settings = WorkspaceSettings(
        caseworker=caseworker, organisation=organisation, unit=unit, lang="en" if lang == "en" else "sv"
    )
    Workspace.create(path, settings, passphrase=passphrase)


def settings_of(repo: Any) -> WorkspaceSettings:
    """A repository's settings: a workspace's header, or the shared database's (organisation, the
    login's unit and name)."""
    ws = getattr(repo, "workspace", None)
    settings = ws.settings if ws is not None else getattr(repo, "settings", None)
    if not isinstance(settings, WorkspaceSettings):
        raise StorageError("the repository has no settings")
    return settings
