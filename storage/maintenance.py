"""Workspace-wide operations: opening with a passphrase, changing it, and repairing damaged files."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.atomic import PREVIOUS_SUFFIX, TEMP_SUFFIX, atomic_write
from storage.audit import verify
from storage.codec import Codec
from storage.errors import StorageError
from storage.integrity import Finding, compare, load_known, save_manifest
from storage.tinydb_repo import TinyDBRepository, parse_case_data
from storage.tinydb_storage import META_TABLE, generation_of
from storage.workspace import Workspace


def open_repository(
    path: Path, *, passphrase: Callable[[], str | None], writable: bool
) -> TinyDBRepository:
    """Open a workspace; the passphrase is asked for only when the workspace is encrypted."""
    ws = Workspace.open(path)
    secret = passphrase() if ws.encrypted else None
    codec = ws.codec(secret)
    repo = TinyDBRepository(ws, writable=writable, codec=codec)
    if writable and secret:
        upgrade_header(ws, secret)
    return repo


def upgrade_header(ws: Workspace, secret: str, ring: Any = None) -> bool:
    """Rewrap an outdated header; call only with the workspace's lock held (a writable repository).

    A header from before the keyed log gets the audit root stored wrapped, so it outlives key
    rotation and marks the sealed head as required from now on. A header whose key derivation is
    weaker than today's (scrypt, or argon2id below OWASP's costs) is rewrapped with argon2id; the
    data keys stay the same, so nothing else is rewritten. Returns whether the header was rewritten.
    `ring`: the keys already unlocked with `secret` (a codec's), so the old derivation is not repeated."""
    from storage.crypto import kdf_is_current, rewrap, unlock

    enc: dict[str, Any] | None = ws.settings.encryption
    if enc is None:
        return False
    kdf = enc.get("kdf")
    if "audit" in enc and kdf_is_current(kdf if isinstance(kdf, dict) else {}):
        return False
    try:
        ring = ring if ring is not None else unlock(enc, secret)
        ws.settings.encryption = rewrap(enc, ring, secret, new_key=False)
        ws.save_settings()
    except (StorageError, OSError, ValueError, KeyError, TypeError):
        return False  # the next writable open tries again; the old header still opens
    return True


def _sealed_files(ws: Workspace) -> list[Path]:
    files = [p for p in (ws.index_path, ws.manifest_path, ws.audit_path.with_name("audit.jsonl.seal"))
             if p.exists()]
    files += sorted(p for p in ws.cases_dir.iterdir() if not p.name.startswith("."))
    forms = ws.path / "forms"  # installed forms are sealed too, under the workspace key
    if forms.is_dir():
        files += sorted(p for p in forms.iterdir() if not p.name.startswith("."))
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
    from storage.crypto import EncryptingCodec, Keyring, check_new_passphrase, rewrap, unlock

    check_new_passphrase(new)
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
        codec = EncryptingCodec(ring, ws.path)
        # Every case gets a fresh key too (the table is resealed under the fresh workspace key), so
        # an old passphrase with an old copy of the table opens nothing written from now on.
        old_case_keys = codec.rotate_case_keys()
        table = codec.case_keys.entries if codec.case_keys is not None else None
        fresh_case_keys = set(table or {}) - set(old_case_keys)
        files = _sealed_files(ws)
        for f in files:
            stored = f.read_bytes()
            in_cases = f.parent == ws.cases_dir
            kid = codec.key_id_of(stored)
            if kid in fresh_case_keys or (kid == ring.current and not in_cases):
                continue  # already resealed by an interrupted run
            plaintext = codec.open(stored, _identity(f))
            # A case file still under the shared key moves to its own key here.
            seal = codec.seal_case if in_cases else codec.seal
            atomic_write(f, seal(plaintext, _identity(f)))
        codec.drop_case_keys(old_case_keys)
        only_current = Keyring(
            {ring.current: ring.keys[ring.current]}, ring.current, ring.audit_root, True
        )
        ws.settings.encryption = rewrap(header, only_current, new, new_key=False)
        ws.save_settings()
        ws.audit_log(codec=codec).append("passphrase_changed")
        return len(files)
    finally:
        lock.release()


@dataclass
class DoctorReport:
    damaged: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unrecoverable: list[str] = field(default_factory=list)
    audit_problems: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why no generation fits)


# A change whose loss cannot un-sign anything: restoring the generation before it is allowed.
_DRAFT_CHANGES = frozenset({"save_answer", "acknowledge_hint", "update_case"})


def sealed_required(ws: Workspace, codec: Codec) -> bool:
    """Whether the sealed head must exist: an encrypted workspace whose header holds the audit key."""
    return codec.audit_key is not None and bool(
        ws.settings.encryption and "audit" in ws.settings.encryption
    )


def _parse(plaintext: bytes, name: str) -> tuple[dict[str, Any], str, int] | None:
    """(data, case id, generation) of a case file's plaintext, or None if it is not one."""
    try:
        data = json.loads(plaintext)
        case, _ = parse_case_data(data, name)
    except (ValueError, StorageError):
        return None
    return data, case.id, generation_of(data)


def _kept_copies(keep: Path, name: str, case_id: str, codec: Codec) -> list[tuple[dict[str, Any], int]]:
    """Every copy in damaged/ that opens as this case under its own file name, newest first."""
    found: list[tuple[dict[str, Any], int]] = []
    if not keep.is_dir():
        return found
    for f in sorted(keep.glob("*.json.*")):
        if f.name.endswith(TEMP_SUFFIX):
            continue
        try:
            parsed = _parse(codec.open(f.read_bytes(), name), name)
        except (OSError, StorageError):
            continue
        if parsed is not None and parsed[1] == case_id:
            found.append((parsed[0], parsed[2]))
    return sorted(found, key=lambda c: c[1], reverse=True)


def doctor(path: Path, codec: Codec) -> DoctorReport:
    """Check the audit log and every case file; put back what can be put back without loss.

    A damaged or misplaced file is restored from the file that really holds its case (two swapped
    files are swapped back) or from its previous generation, but only when that cannot un-sign a
    record: never a generation older than known, unless the one change lost was an answer to a
    draft. The restored file replaces the damaged one in one rename; the damaged copy is kept in
    damaged/ as it was (sealed). Rolled-back and deleted cases are reported, never "repaired".
    """
    ws = Workspace.open(path)
    lock = ws.lock()
    lock.acquire()
    try:
        report = DoctorReport(
            audit_problems=verify(ws.audit_path, codec, sealed_required=sealed_required(ws, codec))
        )
        ws.clean()
        known = load_known(ws.manifest_path, ws.audit_path, codec)
        log = ws.audit_log(codec=codec)
        files: dict[str, int] = {}
        damaged: dict[str, bytes] = {}
        for f in sorted(ws.cases_dir.glob("*.json")):
            stored = f.read_bytes()
            try:
                parsed = _parse(codec.open(stored, f.name), f.name)
            except StorageError:
                parsed = None
            if parsed is not None and parsed[1] == f.stem:
                files[f.stem] = parsed[2]
                continue
            report.damaged.append(f.name)
            damaged[f.name] = stored
        # Where each damaged file's content really belongs (two files swapped, or one moved).
        belongs: dict[str, tuple[dict[str, Any], int]] = {}
        for name, stored in damaged.items():
            for target in damaged:
                if target == name:
                    continue
                try:
                    parsed = _parse(codec.open(stored, target), target)
                except StorageError:
                    continue
                if parsed is not None and parsed[1] == target.removesuffix(".json"):
                    belongs[target] = (parsed[0], parsed[2])
        plan: dict[str, tuple[dict[str, Any], int]] = {}
        for name in damaged:
            case_id = name.removesuffix(".json")
            expected = known.gens.get(case_id, 0)
            candidates = []
            if name in belongs:
                candidates.append(belongs[name])
            prev = ws.cases_dir / (name + PREVIOUS_SUFFIX)
            try:
                parsed = _parse(codec.open(prev.read_bytes(), name), name)
            except (OSError, StorageError):
                parsed = None
            if parsed is not None and parsed[1] == case_id:
                candidates.append((parsed[0], parsed[2]))
            if all(gen < expected for _, gen in candidates):
                # A doctor killed between the two renames of a swap back leaves this case's newest
                # generation only in the kept copy of the other file: prefer it to an older .prev.
                candidates = _kept_copies(ws.path / "damaged", name, case_id, codec) + candidates
            choice = None
            for data, gen in candidates:
                lost_only_draft = gen == expected - 1 and known.last_action.get(case_id) in _DRAFT_CHANGES
                if gen >= expected or lost_only_draft:
                    choice = (data, gen)
                    break
            if choice is not None:
                plan[name] = choice
            elif candidates:
                report.refused.append((name, f"generation {max(g for _, g in candidates)} < {expected}"))
                report.unrecoverable.append(name)
            else:
                report.unrecoverable.append(name)
        keep = ws.path / "damaged"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for name, (data, gen) in plan.items():
            case_id = name.removesuffix(".json")
            keep.mkdir(mode=0o700, exist_ok=True)
            atomic_write(keep / f"{name}.{stamp}", damaged[name])  # kept as it was, still sealed
            new_gen = max(gen, known.gens.get(case_id, 0)) + 1
            data = {**data, META_TABLE: {"1": {"gen": new_gen}}}
            plaintext = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            atomic_write(ws.cases_dir / name, codec.seal_case(plaintext, name))  # one rename
            files[case_id] = new_gen
            report.restored.append(name)
            log.append("restore", case=case_id, gen=new_gen)
            known.gens[case_id] = new_gen
            known.last_action[case_id] = "restore"
            known.seq, known.offset = log.last_seq, log.last_end
        unreadable = [n for n in damaged if n not in plan]
        report.findings = compare(known, files, unreadable)
        with contextlib.suppress(OSError):
            save_manifest(ws.manifest_path, codec, known)
    finally:
        lock.release()
    return report
