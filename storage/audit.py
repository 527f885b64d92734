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
    """Every break in the chain, one line each, naming the line and what happened there.

    Each entry carries its sequence number and the hash of the entry before it: a gap in the numbers
    is a deletion, a number seen before is an insertion, a number lower than one already seen is a
    move, and a wrong hash between consecutive entries means the earlier one was edited.
    """
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        lines = []
    parsed: list[tuple[int, int | None, str | None]] = []  # line number, seq, prev hash
    problems: list[str] = []
    for n, raw in enumerate(lines, 1):
        try:
            entry = json.loads(raw)
            parsed.append((n, int(entry["seq"]), str(entry["prev"])))
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {n}: not a valid entry (it was edited or damaged)")
            parsed.append((n, None, None))
    present = [seq for _, seq, _ in parsed if seq is not None]
    seen: set[int] = set()
    highest = 0
    good_seq, good_hash = 0, GENESIS  # the last entry known to be in its place
    hashes: dict[int, str] = {}
    for (n, seq, link), raw in zip(parsed, lines, strict=True):
        if seq is None:
            continue
        if seq in seen:
            problems.append(f"line {n}: entry {seq} appears twice (a line was inserted)")
            continue
        seen.add(seq)
        if seq < highest:
            problems.append(f"line {n}: entry {seq} is out of order (lines were inserted or reordered)")
            continue
        highest = seq
        if seq == good_seq + 1 and link != good_hash:
            problems.append(f"line {n - 1}: entry {good_seq} was edited (the next line's hash differs)")
        good_seq, good_hash = seq, line_hash(raw)
        hashes[seq] = good_hash
    missing = sorted(set(range(1, max(present, default=0) + 1)) - set(present))
    for run_start, run_end in _runs(missing):
        which = f"{run_start}" if run_start == run_end else f"{run_start}–{run_end}"
        problems.append(f"entry {which} is missing (lines were deleted)")
    head_path = path.with_name(path.name + ".head")
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
        head = json.loads(head_path.read_text())
        last = max(present, default=0)
        if int(head["seq"]) > last:
            problems.append(f"entries after {last} up to {head['seq']} are missing (lines were deleted)")
        elif hashes.get(int(head["seq"]), head["hash"]) != head["hash"]:
            problems.append(f"entry {head['seq']} was edited (it differs from the head)")
    return problems


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for x in numbers:
        if runs and runs[-1][1] == x - 1:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs
