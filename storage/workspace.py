"""The workspace folder: where it lives, its header (format version, settings) and its layout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storage.atomic import atomic_write, clean_temp_files
from storage.audit import AuditLog
from storage.codec import Codec, PlainCodec
from storage.errors import CorruptFile, WorkspaceExists, WorkspaceMissing
from storage.lock import WorkspaceLock

FORMAT_VERSION = 1
HEADER_NAME = "workspace.json"


class WorkspaceSettings(BaseModel):
    """The workspace header: what format it is in and who works in it."""

    model_config = ConfigDict(extra="forbid")
    format: int = Field(default=FORMAT_VERSION, ge=1)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    organisation: str = ""
    unit: str = ""
    caseworker: str = ""
    lang: Literal["sv", "en"] = "sv"
    training: bool = False
    encryption: dict[str, object] | None = None
    # Signing and correction times print in the organisation's zone, never the printing machine's.
    timezone: str = "Europe/Stockholm"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Workspace:
    """A workspace folder: header, one file per case under cases/, a rebuildable index, a lock."""

    def __init__(self, path: Path, settings: WorkspaceSettings) -> None:
        self.path = path
        self.settings = settings

    @property
    def cases_dir(self) -> Path:
        return self.path / "cases"

    @property
    def index_path(self) -> Path:
        return self.path / "index.json"

    @property
    def audit_path(self) -> Path:
        return self.path / "audit.jsonl"

    @property
    def encrypted(self) -> bool:
        return self.settings.encryption is not None

    def lock(self) -> WorkspaceLock:
        return WorkspaceLock(self.path / "lock")

    def who(self) -> str:
        """Who acts, for the audit log: the workspace's caseworker, else the system user."""
        if self.settings.caseworker:
            return self.settings.caseworker
        import getpass

        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "?"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def audit_log(self, *, durable: bool = True, codec: Codec | None = None) -> AuditLog:
        """The log, keyed and sealed through `codec` (an encrypted workspace's entries need it)."""
        return AuditLog(
            self.audit_path, self.who(), durable=durable, codec=codec,
            write_seal=codec is not None or not self.encrypted,
        )

    def codec(self, passphrase: str | None) -> Codec:
        """The codec that opens this workspace's files; WrongPassphrase (logged) if it does not."""
        if self.settings.encryption is None:
            return PlainCodec()
        from storage.crypto import EncryptingCodec, WrongPassphrase, unlock

        if not passphrase:
            raise WrongPassphrase("this workspace is encrypted; a passphrase is needed to open it")
        try:
            return EncryptingCodec(unlock(self.settings.encryption, passphrase), self.path)
        except WrongPassphrase:
            self.audit_log().append("failed_passphrase")  # unkeyed: this process has no key
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            # A header whose encryption section lacks or mangles its fields ("keys": [], {}).
            raise CorruptFile(
                f"{self.path / HEADER_NAME}: its encryption section is damaged and cannot be read"
            ) from None

    @classmethod
    def create(
        cls,
        path: Path,
        settings: WorkspaceSettings | None = None,
        *,
        passphrase: str | None = None,
        kdf: dict[str, object] | None = None,
    ) -> Workspace:
        settings = settings or WorkspaceSettings()
        if (path / HEADER_NAME).exists():
            raise WorkspaceExists(f"there is already a workspace in {path}")
        if passphrase is not None:
            from storage.crypto import new_header

            settings = settings.model_copy(update={"encryption": new_header(passphrase, kdf)})
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask and ignored for existing folders
        (path / "cases").mkdir(mode=0o700, exist_ok=True)
        header = settings.model_dump_json(indent=2).encode()
        atomic_write(path / HEADER_NAME, header)
        ws = cls(path, settings)
        ws.audit_log(codec=ws.codec(passphrase)).start()
        return ws

    @classmethod
    def open(cls, path: Path) -> Workspace:
        header = path / HEADER_NAME
        try:
            raw = header.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WorkspaceMissing(
                f"there is no workspace in {path}; create one with 'uppfoljning init'"
            ) from None
        try:
            data = json.loads(raw)
            fmt = data.get("format") if isinstance(data, dict) else None
            if isinstance(fmt, int) and fmt > FORMAT_VERSION:
                raise CorruptFile(
                    f"the workspace in {path} was made by a newer version (format {fmt}); "
                    "update uppfoljning"
                )
            settings = WorkspaceSettings.model_validate(data)
        except (ValueError, ValidationError):
            raise CorruptFile(f"{header} is damaged and cannot be read") from None
        return cls(path, settings)

    def save_settings(self) -> None:
        atomic_write(self.path / HEADER_NAME, self.settings.model_dump_json(indent=2).encode())

    def clean(self) -> int:
        """Remove leftover temp files from an interrupted write."""
        return clean_temp_files(self.cases_dir) + clean_temp_files(self.path)
