"""Workspace-wide operations: opening with a passphrase, changing it, and repairing damaged files."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from storage.atomic import PREVIOUS_SUFFIX, atomic_write
from storage.audit import verify
from storage.codec import Codec
from storage.errors import StorageError
from storage.tinydb_repo import TinyDBRepository, parse_case_data, read_case_file
from storage.workspace import Workspace


def open_repository(
    path: Path, *, passphrase: Callable[[], str | None], writable: bool
) -> TinyDBRepository:
    """Open a workspace; the passphrase is asked for only when the workspace is encrypted."""
    ws = Workspace.open(path)
    codec = ws.codec(passphrase() if ws.encrypted else None)
    return TinyDBRepository(ws, writable=writable, codec=codec)


def _sealed_files(ws: Workspace) -> list[Path]:
    files = [ws.index_path] if ws.index_path.exists() else []
    files += sorted(p for p in ws.cases_dir.iterdir() if not p.name.startswith("."))
    return files


def _identity(path: Path) -> str:
    # A previous generation was sealed under the main file's name.
    return path.name.removesuffix(PREVIOUS_SUFFIX)


def change_passphrase(path: Path, old: str, new: str) -> int:
    """Re-encrypt every file under a fresh key wrapped by the new passphrase; returns the file count.

    Order makes an interruption safe: first the header gains the fresh key and keeps the old ones,
    all wrapped by the new passphrase (before that write the old passphrase opens the workspace,
    after it the new one does); then each file is resealed atomically; last the old keys are dropped.
    Running it again with the new passphrase as the old one completes an interrupted change.
    """
    from storage.crypto import EncryptingCodec, Keyring, rewrap, unlock

    ws = Workspace.open(path)
    if ws.settings.encryption is None:
        raise StorageError("this workspace is not encrypted; there is no passphrase to change")
    lock = ws.lock()
    lock.acquire()
    try:
        ring = unlock(ws.settings.encryption, old)
        header = rewrap(ws.settings.encryption, ring, new, new_key=True)
        ws.settings.encryption = header
        ws.save_settings()
        ring = unlock(header, new)
        codec = EncryptingCodec(ring)
        files = _sealed_files(ws)
        for f in files:
            stored = f.read_bytes()
            if codec.key_id_of(stored) == ring.current:
                continue
            plaintext = codec.open(stored, _identity(f))
            atomic_write(f, codec.seal(plaintext, _identity(f)))
        only_current = Keyring({ring.current: ring.keys[ring.current]}, ring.current)
        ws.settings.encryption = rewrap(header, only_current, new, new_key=False)
        ws.save_settings()
        ws.audit_log().append("passphrase_changed")
        return len(files)
    finally:
        lock.release()


@dataclass
class DoctorReport:
    damaged: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unrecoverable: list[str] = field(default_factory=list)
    audit_problems: list[str] = field(default_factory=list)


def doctor(path: Path, codec: Codec) -> DoctorReport:
    """Find case files that cannot be read; restore the previous generation where it is good.

    The damaged file is never deleted: it is moved to damaged/ beside the cases.
    """
    ws = Workspace.open(path)
    report = DoctorReport(audit_problems=verify(ws.audit_path))
    lock = ws.lock()
    lock.acquire()
    try:
        for f in sorted(ws.cases_dir.glob("*.json")):
            try:
                read_case_file(f, codec)
                continue
            except StorageError:
                report.damaged.append(f.name)
            prev = f.with_name(f.name + PREVIOUS_SUFFIX)
            try:
                prev_bytes = prev.read_bytes()
                parse_case_data(json.loads(codec.open(prev_bytes, f.name)), f.name)
            except (OSError, ValueError, StorageError):
                report.unrecoverable.append(f.name)
                continue
            keep = ws.path / "damaged"
            keep.mkdir(mode=0o700, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            f.replace(keep / f"{f.name}.{stamp}")
            atomic_write(f, prev_bytes)
            report.restored.append(f.name)
            ws.audit_log().append("restore", case=f.name.removesuffix(".json"))
    finally:
        lock.release()
    return report
