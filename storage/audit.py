"""The audit log: append-only JSON lines, each holding the SHA-256 of the line before it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.atomic import atomic_write

GENESIS = "0" * 64
ACTIONS = frozenset({
    "open_case", "create", "import", "save_answer", "finalize", "correct", "export", "pdf",
    "report", "erase", "failed_passphrase", "passphrase_changed", "restore", "update_case",
})  # fmt: skip


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    who: str
    action: str
    case: str | None
    followup: str | None
    detail: dict[str, Any]


class AuditLog:
    """Records who did what to which ids, and when — never a case's free text or personal data.

    A head file (`audit.head`, written on close) holds the last sequence number and hash, so deleting
    or editing the newest lines is caught too, not only breaks inside the chain.
    """

    def __init__(self, path: Path, who: str, *, durable: bool = True) -> None:
        self.path = path
        self.head_path = path.with_name(path.name + ".head")
        self.who = who
        self.durable = durable
        self._prev: str | None = None
        self._seq = 0

    def _load_tail(self) -> None:
        # Only the last line is needed to continue the chain; the log itself can be large.
        self._prev, self._seq = GENESIS, 0
        try:
            with self.path.open("rb+") as f:
                size = f.seek(0, os.SEEK_END)
                if size == 0:
                    return
                f.seek(max(0, size - 65536))
                tail = f.read()
                if not tail.endswith(b"\n"):
                    # A line torn by a crash mid-append was never acknowledged: drop it.
                    cut = tail.rfind(b"\n") + 1
                    f.truncate(size - len(tail) + cut)
                    tail = tail[:cut]
                lines = tail.splitlines()
                if lines:
                    last = lines[-1]
                    self._prev = line_hash(last)
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        self._seq = int(json.loads(last)["seq"])
        except FileNotFoundError:
            return

    def append(
        self,
        action: str,
        *,
        case: str | None = None,
        followup: str | None = None,
        **detail: Any,
    ) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        if self._prev is None:
            self._load_tail()
        self._seq += 1
        entry = {
            "seq": self._seq,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "who": self.who,
            "action": action,
            "case": case,
            "followup": followup,
            "detail": detail,
            "prev": self._prev,
        }
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line + b"\n")
            if self.durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        self._prev = line_hash(line)

    def close(self) -> None:
        if self._prev is not None:
            head = json.dumps({"seq": self._seq, "hash": self._prev}).encode()
            atomic_write(self.head_path, head)

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        if not self.path.exists():
            return out
        for raw in self.path.read_bytes().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                d = json.loads(raw)
                out.append(Entry(d["seq"], d["at"], d["who"], d["action"], d.get("case"),
                                 d.get("followup"), d.get("detail") or {}))
        return out


def verify(path: Path) -> list[str]:
    """Every break in the chain, one line each, naming the line and what happened there."""
    problems: list[str] = []
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        lines = []
    prev_hash, prev_seq = GENESIS, 0
    hashes: dict[int, str] = {}
    for n, raw in enumerate(lines, 1):
        try:
            entry = json.loads(raw)
            seq, link = int(entry["seq"]), str(entry["prev"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {n}: not a valid entry (it was edited or damaged)")
            prev_hash, prev_seq = line_hash(raw), prev_seq + 1
            continue
        if seq <= prev_seq:
            problems.append(
                f"line {n}: entry {seq} comes after entry {prev_seq} (lines were inserted or reordered)"
            )
        elif seq > prev_seq + 1:
            missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}–{seq - 1}"
            problems.append(f"line {n}: entry {missing} is missing (lines were deleted)")
        elif link != prev_hash:
            problems.append(f"line {n - 1}: entry {prev_seq} was edited (the next line's hash differs)")
        prev_hash, prev_seq = line_hash(raw), seq
        hashes[seq] = prev_hash
    head_path = path.with_name(path.name + ".head")
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
        head = json.loads(head_path.read_text())
        if int(head["seq"]) > prev_seq:
            problems.append(f"entries after {prev_seq} up to {head['seq']} are missing (lines were deleted)")
        elif hashes.get(int(head["seq"]), head["hash"]) != head["hash"]:
            problems.append(f"entry {head['seq']} was edited (it differs from the head)")
    return problems
