"""Storage errors, each with a message a caseworker can act on."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; str() is one clear line."""


class WorkspaceMissing(StorageError):
    pass


class WorkspaceExists(StorageError):
    pass


class WorkspaceLocked(StorageError):
    """Another process holds the workspace; `holder` says who."""

    def __init__(self, message: str, holder: dict[str, object]) -> None:
        super().__init__(message)
        self.holder = holder


class NotFound(StorageError):
    pass


class Ambiguous(StorageError):
    pass


class FinalizedError(StorageError):
    """A finalized follow-up never changes; corrections are addenda."""


class CorruptFile(StorageError):
    pass


class Conflict(StorageError):
    pass


class RolledBack(StorageError):
    """A case file is older than its known generation, or gone: it was rolled back or removed."""
