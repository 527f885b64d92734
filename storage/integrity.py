"""Rollback and deletion detection: the latest known generation of every case, from a sealed manifest
plus the audit entries after it, compared with the generations the case files hold."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.atomic import atomic_write
from storage.audit import scan
from storage.codec import Codec
from storage.errors import StorageError

MANIFEST_FORMAT = 1
# Audit actions that record a change of a case file; each carries the file's new generation.
CHANGES = frozenset({"create", "save_answer", "finalize", "correct", "update_case", "acknowledge_hint",
                     "restore"})


@dataclass
class Known:
    """What the sealed record says: each case's latest generation, the erased ids, and how far
    into the audit log that knowledge reaches (seq and byte offset)."""

    gens: dict[str, int] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    erase_lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_action: dict[str, str] = field(default_factory=dict)  # case -> action of its latest change
    seq: int = 0
    offset: int = 0
    manifest_ok: bool = True
    manifest_erased: set[str] = field(default_factory=set)  # erasures the sealed manifest vouches for
    dirty: bool = False  # changed since the manifest was read: save it (a refused command saves nothing)
    from_manifest: bool = False  # a sealed manifest was read (not only the audit log)
    # Changes (and erasures) the audit log holds beyond the manifest: a session that did not close
    # cleanly, whose index may be behind its files (the one-case open then reads everything instead).
    tail_changes: int = 0

    def record(self, entry: dict[str, Any]) -> None:
        case = entry.get("case")
        detail = entry.get("detail") or {}
        action = entry.get("action")
        if not isinstance(case, str) or not isinstance(detail, dict):
            return
        if action == "erase":
            self.erased.add(case)
            self.erase_lines[case] = entry
            self.gens.pop(case, None)
        elif (
            action in CHANGES
            and isinstance(detail.get("gen"), int)
            and case not in self.erased
            and detail["gen"] >= self.gens.get(case, 0)
        ):
            self.gens[case] = detail["gen"]
            self.last_action[case] = str(action)


def load_known(manifest_path: Path, audit_path: Path, codec: Codec) -> Known:
    """The manifest, then every audit entry after the seq it covers (read from its byte offset)."""
    known = Known()
    try:
        data = json.loads(codec.open(manifest_path.read_bytes(), manifest_path.name))
        if data.get("format") == MANIFEST_FORMAT:
            known.gens = {str(k): int(v) for k, v in data["gens"].items()}
            known.erased = set(data["erased"])
            known.manifest_erased = set(known.erased)
            known.last_action = {str(k): str(v) for k, v in data.get("last_action", {}).items()}
            known.seq, known.offset = int(data["seq"]), int(data["offset"])
            known.from_manifest = True
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError, AttributeError, StorageError):
        # A damaged or forged manifest: the audit log alone still holds every generation.
        known = Known(manifest_ok=False)
    covered = known.seq
    for entry, _raw, end in scan(audit_path, known.offset):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            seq = int(entry["seq"])
            if seq > covered:
                known.record(entry)
                detail = entry.get("detail")
                changed_file = entry.get("action") in CHANGES and isinstance(detail, dict) and isinstance(
                    detail.get("gen"), int)
                # Only an entry that changed a file (a generation) or erased one says a session
                # may not have closed; a marker such as an imported follow-up's "finalize" (no
                # generation, logged after the write) does not, and must not make a later no-op
                # command rewrite the manifest.
                if changed_file or entry.get("action") == "erase":
                    known.tail_changes += 1
            known.seq, known.offset = max(known.seq, seq), end
    return known


def save_manifest(path: Path, codec: Codec, known: Known) -> None:
    data = {
        "format": MANIFEST_FORMAT,
        "seq": known.seq,
        "offset": known.offset,
        "gens": known.gens,
        "erased": sorted(known.erased),
        "last_action": known.last_action,
    }
    atomic_write(path, codec.seal(json.dumps(data, separators=(",", ":")).encode(), path.name))


@dataclass(frozen=True)
class Finding:
    """A case whose file does not match what is known: rolled back, deleted, or misplaced."""

    kind: str  # "rolled_back" | "missing"
    case_id: str
    file_gen: int
    known_gen: int


def compare(known: Known, files: dict[str, int], damaged: list[str]) -> list[Finding]:
    """Files behind their known generation, and known cases with no file (not erased, not damaged)."""
    out: list[Finding] = []
    unreadable = {name.removesuffix(".json") for name in damaged}
    for case_id, gen in sorted(files.items()):
        expected = known.gens.get(case_id)
        if expected is not None and gen < expected:
            out.append(Finding("rolled_back", case_id, gen, expected))
    for case_id, expected in sorted(known.gens.items()):
        if case_id not in files and case_id not in unreadable and case_id not in known.erased:
            out.append(Finding("missing", case_id, 0, expected))
    return out
