"""The workspace folder: where it lives, its header (format version, settings) and its layout."""

from __future__ import annotations

import contextlib
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
# The header's second copy, wrapped keys included: losing workspace.json must not lose every case.
HEADER_COPY_NAME = "workspace.keys.json"
# Files and folders of the workspace that are written to: none may be a symbolic link, or a write
# would land (truncate, append, move cases) wherever the link points.
_NO_LINKS = (
    HEADER_NAME, HEADER_COPY_NAME, "lock", "audit.jsonl", "audit.jsonl.seal", "audit.jsonl.head",
    "audit.jsonl.lock", "index.json", "manifest.json", "case-keys", "case-keys.copy", "cases", "damaged",
    "forms",
)
_SEALED_MAGIC = b"UPFE"  # storage.crypto.MAGIC, not imported: cryptography is not needed here


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
    # The form new follow-ups are made with (its newest installed version); None: the standard form.
    default_form: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,63}$")

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

    @staticmethod
    def _case_files(path: Path) -> list[Path]:
        cases = path / "cases"
        if not cases.is_dir():
            return []
        return [p for p in cases.iterdir() if not p.name.startswith(".")]

    @classmethod
    def holds_data(cls, path: Path) -> bool:
        """Whether the folder holds a workspace's data (cases, a header copy, case keys) even if its
        header is gone: `init` there would make a new key and leave every case unreadable."""
        return bool(cls._case_files(path)) or any(
            (path / name).exists() for name in (HEADER_NAME, HEADER_COPY_NAME, "case-keys", "case-keys.copy")
        )

    @classmethod
    def check_can_create(cls, path: Path) -> None:
        if path.exists() and not path.is_dir():
            raise WorkspaceExists(f"{path} is a file, not a folder")
        if (path / HEADER_NAME).exists():
            raise WorkspaceExists(f"there is already a workspace in {path}")
        if cls.holds_data(path):
            raise WorkspaceExists(
                f"{path} already holds a workspace's cases; a new workspace there would make them "
                f"unreadable (restore {HEADER_NAME} from a backup instead)"
            )

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
        cls.check_can_create(path)
        if passphrase is not None:
            from storage.crypto import new_header

            settings = settings.model_copy(update={"encryption": new_header(passphrase, kdf)})
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask and ignored for existing folders
        (path / "cases").mkdir(mode=0o700, exist_ok=True)
        ws = cls(path, settings)
        ws.save_settings()
        ws.audit_log(codec=ws.codec(passphrase)).start()
        return ws

    @classmethod
    def open(cls, path: Path) -> Workspace:
        for name in _NO_LINKS:
            if (path / name).is_symlink():
                raise CorruptFile(
                    f"{path / name} is a symbolic link; the workspace is refused, since a write "
                    "would follow it (replace the link with the real file or folder)"
                )
        header = path / HEADER_NAME
        try:
            settings = cls._read_header(path, header)
        except (FileNotFoundError, CorruptFile) as err:
            copy = path / HEADER_COPY_NAME
            try:
                settings = cls._read_header(path, copy)
            except FileNotFoundError:
                if isinstance(err, CorruptFile):
                    raise
                if cls.holds_data(path):
                    raise CorruptFile(
                        f"{header} is missing, but {path} holds cases; restore {HEADER_NAME} from a "
                        "backup (do not run 'init' here: a new key would leave the cases unreadable)"
                    ) from None
                raise WorkspaceMissing(
                    f"there is no workspace in {path}; create one with 'uppfoljning init'"
                ) from None
            except CorruptFile:
                raise err from None
            if isinstance(err, FileNotFoundError):
                # The copy holds the same header: put it back (only the lost file is written).
                with contextlib.suppress(OSError):
                    atomic_write(header, settings.model_dump_json(indent=2).encode())
        ws = cls(path, settings)
        if settings.encryption is None:
            ws._refuse_plain_over_sealed()
        return ws

    @classmethod
    def _read_header(cls, path: Path, header: Path) -> WorkspaceSettings:
        raw = header.read_text(encoding="utf-8")
        try:
            data = json.loads(raw)
            fmt = data.get("format") if isinstance(data, dict) else None
            if isinstance(fmt, int) and fmt > FORMAT_VERSION:
                raise CorruptFile(
                    f"the workspace in {path} was made by a newer version (format {fmt}); "
                    "update uppfoljning"
                )
            return WorkspaceSettings.model_validate(data)
        except (ValueError, ValidationError, RecursionError):
            raise CorruptFile(f"{header} is damaged and cannot be read") from None

    def _refuse_plain_over_sealed(self) -> None:
        """The header is not authenticated: "encryption": null (or missing) must not make the next
        import plaintext in a workspace whose files are sealed. Refused loudly instead."""
        sealed = [p for p in (self.path / "case-keys", self.path / "case-keys.copy") if p.exists()]
        copy = self.path / HEADER_COPY_NAME
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if json.loads(copy.read_text(encoding="utf-8")).get("encryption"):
                sealed.append(copy)
        # A few files suffice (a workspace is sealed throughout or not at all); every open runs this.
        for f in [self.index_path, self.manifest_path, *self._case_files(self.path)[:3]]:
            if sealed:
                break
            with contextlib.suppress(OSError), f.open("rb") as fh:
                if fh.read(len(_SEALED_MAGIC)) == _SEALED_MAGIC:
                    sealed.append(f)
        if sealed:
            raise CorruptFile(
                f"{self.path / HEADER_NAME} says the workspace is not encrypted, but {sealed[0]} is "
                "encrypted; the header was altered or replaced (restore it from a backup)"
            )

    def save_settings(self) -> None:
        data = self.settings.model_dump_json(indent=2).encode()
        # The copy first: a crash between the two leaves the newer keys in at least one of them.
        atomic_write(self.path / HEADER_COPY_NAME, data)
        atomic_write(self.path / HEADER_NAME, data)

    def clean(self) -> int:
        """Remove leftover temp files from an interrupted write (doctor's damaged/ copies included:
        a half-written copy there would otherwise stay forever)."""
        return (clean_temp_files(self.cases_dir) + clean_temp_files(self.path)
                + clean_temp_files(self.path / "damaged") + clean_temp_files(self.path / "forms"))
