"""Storage errors, each with a message a caseworker can act on."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; str() is one clear line (English, for logs). `key` and `params`
    name the same message in the catalogue, so a front end says it in the user's language
    (language.describe)."""

    def __init__(self, *args: object, key: str | None = None, **params: object) -> None:
        super().__init__(*args)
        self.key = key
        self.params = params


class WorkspaceMissing(StorageError):
    pass


class WorkspaceExists(StorageError):
    pass


class WorkspaceLocked(StorageError):
    """Another process holds the workspace; `holder` says who."""

    def __init__(self, message: str, holder: dict[str, object], **params: object) -> None:
        super().__init__(message, key="err_locked" if params else None, **params)
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


class AnswerConflict(Conflict):
    """Someone else saved the same answer after the version this caller saw: both values and who
    and when, for the caseworker to choose (never silently overwritten)."""

    def __init__(self, followup_id: str, key: str, mine: object, theirs: object, by: str, at: str,
                 version: int) -> None:
        super().__init__(f"{key} in follow-up {followup_id} was changed by {by} at {at} after you "
                         "opened it; choose which answer to keep")
        self.followup_id, self.key = followup_id, key
        self.mine, self.theirs, self.by, self.at, self.version = mine, theirs, by, at, version
