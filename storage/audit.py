"""The audit log: append-only JSON lines, each sealed (HMAC or hash) over itself and the line before."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.atomic import atomic_write
from storage.codec import Codec, PlainCodec
from storage.errors import StorageError

try:  # POSIX; the kernel releases the lock when the process dies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

GENESIS = "0" * 64
VERSION = 2  # 1: unkeyed, `prev` = SHA-256 of the previous raw line; 2: every line carries `mac`
ACTIONS = frozenset({
    "open_case", "create", "import", "save_answer", "finalize", "correct", "export", "pdf",
    "report", "erase", "failed_passphrase", "passphrase_changed", "restore", "update_case",
    "acknowledge_hint", "form_install", "form_default",
})  # fmt: skip
# The one action a process without the key writes (it failed to unlock): allowed unkeyed in a keyed log.
UNKEYED_ALLOWED = frozenset({"failed_passphrase"})
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_BINARY = getattr(os, "O_BINARY", 0)


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal_of(body: dict[str, Any], key: bytes | None) -> str:
    """The line's seal: HMAC-SHA256 under the workspace's audit key, else (no secret) plain SHA-256."""
    content = canonical(body)
    if body.get("k") == "hmac":
        if key is None:
            return ""
        return hmac.new(key, content, hashlib.sha256).hexdigest()
    return hashlib.sha256(content).hexdigest()


def link_of(raw: bytes, entry: dict[str, Any]) -> str:
    """What the next line's `prev` must hold: a sealed line's mac, an old line's SHA-256."""
    if entry.get("v") == VERSION:
        return str(entry.get("mac", ""))
    return line_hash(raw)


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    who: str
    action: str
    case: str | None
    followup: str | None
    detail: dict[str, Any]


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Every append, by every process, happens under this OS lock (released if the process dies)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | O_NOFOLLOW, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows: LK_LOCK retries for ten seconds, then appends anyway
            import msvcrt

            with contextlib.suppress(OSError):
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        yield
    finally:
        if fcntl is None:  # pragma: no cover - Windows wants an explicit unlock
            with contextlib.suppress(OSError):
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        os.close(fd)


HEAD_SIZE = 128  # heads are padded to one size, so a head is rewritten in place by one write


def _head(seq: int, link: str) -> bytes:
    return json.dumps({"seq": seq, "hash": link}).encode().ljust(HEAD_SIZE)


def _overwrite(path: Path, data: bytes) -> None:
    """Replace a head of unchanged size with one write in place (no temp file, no rename: this runs
    on every append); the first time, or if the size differs, atomically."""
    try:
        fd = os.open(path, os.O_WRONLY | O_NOFOLLOW | O_BINARY)
    except FileNotFoundError:
        atomic_write(path, data, durable=False)
        return
    try:
        if os.fstat(fd).st_size != len(data):
            os.close(fd)
            fd = -1
            atomic_write(path, data, durable=False)
            return
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
    finally:
        if fd >= 0:
            os.close(fd)


class AuditLog:
    """Records who did what to which ids, and when — never a case's free text or personal data.

    Each append takes the log's lock, reads the tail afresh (nothing is cached between appends, so
    concurrent processes never fork the chain), appends one fsynced line, and updates two heads:
    `audit.jsonl.head` (plain) and `audit.jsonl.seal` (the same, sealed through the workspace codec,
    so deleting the head together with the tail is still caught).
    """

    def __init__(
        self,
        path: Path,
        who: str,
        *,
        durable: bool = True,
        codec: Codec | None = None,
        write_seal: bool = True,
    ) -> None:
        self.path = path
        self.head_path = path.with_name(path.name + ".head")
        self.seal_path = path.with_name(path.name + ".seal")
        self.lock_path = path.with_name(path.name + ".lock")
        self.who = who
        self.durable = durable
        self.codec: Codec = codec or PlainCodec()
        # False for a process that could not unlock an encrypted workspace: it cannot seal.
        self.write_seal = write_seal
        self.last_seq = 0  # of this process's latest append
        self.last_end = 0  # the byte offset just after it

    def read_seal(self) -> dict[str, Any] | None:
        """The sealed head, or None if missing; StorageError if it does not open."""
        try:
            stored = self.seal_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(self.codec.open(stored, self.seal_path.name))
            return {"seq": int(data["seq"]), "hash": str(data["hash"])}
        except (ValueError, KeyError, TypeError):
            raise StorageError(f"{self.seal_path.name} is damaged or was altered") from None

    def _tail(self) -> tuple[int, str, int]:
        """(seq, link, size) of the log's last complete line; called under the lock."""
        seq, link, size = 0, GENESIS, 0
        sealed: dict[str, Any] | None = None
        with contextlib.suppress(StorageError):
            sealed = self.read_seal()
        try:
            # O_NOFOLLOW: a torn tail is truncated here, never in a file a link points at.
            with os.fdopen(os.open(self.path, os.O_RDWR | O_NOFOLLOW | O_BINARY), "rb+") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - 65536))
                tail = f.read()
                lines = tail.splitlines()
                last_seq = 0
                if tail.endswith(b"\n") and lines:
                    complete = lines[-1]
                elif len(lines) > 1:
                    complete = lines[-2]
                else:
                    complete = b""
                entry: dict[str, Any] = {}
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    entry = json.loads(complete) if complete else {}
                    last_seq = int(entry["seq"])
                if tail and not tail.endswith(b"\n"):
                    if sealed is None or int(sealed["seq"]) <= last_seq:
                        # A line torn by a crash mid-append was never acknowledged: drop it.
                        cut = tail.rfind(b"\n") + 1
                        f.truncate(size - len(tail) + cut)
                        size = size - len(tail) + cut
                    else:
                        # The sealed head counts it: the line was acknowledged and then cut by
                        # someone. Keep the evidence, end it, and go on from the sealed head.
                        f.write(b"\n")
                        size += 1
                if entry:
                    seq, link = last_seq, link_of(complete, entry)
        except FileNotFoundError:
            pass
        if sealed is not None and int(sealed["seq"]) > seq:
            # Lines the sealed head counts are gone: continue after them so the gap stays visible.
            seq, link = int(sealed["seq"]), str(sealed["hash"])
        return seq, link, size

    def append(
        self,
        action: str,
        *,
        case: str | None = None,
        followup: str | None = None,
        **detail: Any,
    ) -> int:
        """Append one entry; returns its sequence number."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        key = self.codec.audit_key
        with exclusive(self.lock_path):
            prev_seq, prev, size = self._tail()
            seq = prev_seq + 1
            body = {
                "v": VERSION,
                "k": "hmac" if key is not None else "sha256",
                "seq": seq,
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "who": self.who,
                "action": action,
                "case": case,
                "followup": followup,
                "detail": detail,
                "prev": prev,
            }
            mac = seal_of(body, key)
            line = canonical({**body, "mac": mac}) + b"\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | O_NOFOLLOW | O_BINARY, 0o600)
            try:
                os.write(fd, line)
                if self.durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            # The heads follow every append. No fsync: the line itself is durable, and a head that
            # lags after a power cut only checks less, never raises a false alarm.
            head = _head(seq, mac)
            _overwrite(self.head_path, head)
            if self.write_seal:
                _overwrite(self.seal_path, self.codec.seal(head, self.seal_path.name))
        self.last_seq, self.last_end = seq, size + len(line)
        return seq

    def start(self) -> None:
        """Seal an empty head for a new workspace: from now on a deleted log cannot pass for a new one."""
        if not self.seal_path.exists():
            head = _head(0, GENESIS)
            atomic_write(self.seal_path, self.codec.seal(head, self.seal_path.name))

    def close(self) -> None:
        """Nothing to do: the heads are written with every append."""

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        if not self.path.exists():
            return out
        for raw in self.path.read_bytes().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                d = json.loads(raw)
                out.append(Entry(d["seq"], d["at"], d["who"], d["action"], d.get("case"),
                                 d.get("followup"), d.get("detail") or {}))
        return out


def scan(path: Path, offset: int = 0) -> Iterator[tuple[dict[str, Any], bytes, int]]:
    """Each entry from `offset` on with its raw line and the offset after it (from 0 if `offset`
    is not a line start of this file)."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if offset > size:
                offset = 0
            if offset > 0:
                f.seek(offset - 1)
                if f.read(1) != b"\n":
                    offset = 0
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return
    pos = offset
    for raw in data.split(b"\n"):
        end = pos + len(raw) + 1
        if end > offset + len(data):
            break  # a torn last line
        pos = end
        with contextlib.suppress(ValueError):
            entry = json.loads(raw)
            if isinstance(entry, dict):
                yield entry, raw, end


def entry_ok(entry: dict[str, Any], key: bytes | None) -> bool:
    """Whether one sealed line's own seal holds (with the key, if it is keyed)."""
    if entry.get("v") != VERSION:
        return False
    body = {k: v for k, v in entry.items() if k != "mac"}
    if key is not None and entry.get("k") != "hmac":
        return False
    return hmac.compare_digest(seal_of(body, key), str(entry.get("mac", "")))


def verify(path: Path, codec: Codec | None = None, *, sealed_required: bool = False) -> list[str]:
    """Every break in the chain, one line each, naming the line and what happened there.

    Each entry carries its sequence number, the link of the entry before it and (format 2) its own
    seal over both: a gap in the numbers is a deletion, a number seen before is an insertion, a
    number lower than one already seen is a move, a seal that does not match is an edit, and a
    head (plain or sealed) beyond the last line is a deleted tail.
    """
    codec = codec or PlainCodec()
    key = codec.audit_key
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    problems: list[str] = []
    lines = data.splitlines()
    if data and not data.endswith(b"\n"):
        problems.append(f"line {len(lines)}: the last line is cut off (the log was truncated)")
    parsed: list[tuple[int, int | None, dict[str, Any]]] = []
    for n, raw in enumerate(lines, 1):
        try:
            entry = json.loads(raw)
            parsed.append((n, int(entry["seq"]), entry))
            str(entry["prev"])
        except (ValueError, KeyError, TypeError):
            if not (n == len(lines) and problems):
                problems.append(f"line {n}: not a valid entry (it was edited or damaged)")
            parsed.append((n, None, {}))
    present = [seq for _, seq, _ in parsed if seq is not None]
    seen: set[int] = set()
    highest = 0
    sealed_seen = False
    good_seq, good_link = 0, GENESIS  # the last entry known to be in its place
    links: dict[int, str] = {}
    for (n, seq, entry), raw in zip(parsed, lines, strict=True):
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
        if entry.get("v") == VERSION:
            sealed_seen = True
            if key is not None and entry.get("k") != "hmac" and entry.get("action") in UNKEYED_ALLOWED:
                ok = entry_ok(entry, None)
            else:
                ok = entry_ok(entry, key)
            if not ok:
                problems.append(f"line {n}: entry {seq} was edited or forged (its seal does not match)")
        elif sealed_seen:
            problems.append(f"line {n}: entry {seq} is unsealed among sealed entries (it was forged)")
        if seq == good_seq + 1 and str(entry["prev"]) != good_link:
            problems.append(f"line {n - 1}: entry {good_seq} was edited (the next line's link differs)")
        good_seq, good_link = seq, link_of(raw, entry)
        links[seq] = good_link
    missing = sorted(set(range(1, max(present, default=0) + 1)) - set(present))
    for run_start, run_end in _runs(missing):
        which = f"{run_start}" if run_start == run_end else f"{run_start}–{run_end}"
        problems.append(f"entry {which} is missing (lines were deleted)")
    heads: list[dict[str, Any]] = []
    head_path = path.with_name(path.name + ".head")
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
        head = json.loads(head_path.read_text())
        heads.append({"seq": int(head["seq"]), "hash": str(head["hash"])})
    log = AuditLog(path, "", codec=codec)
    try:
        sealed = log.read_seal()
    except StorageError as err:
        sealed = None
        problems.append(str(err))
    if sealed is not None:
        heads.append(sealed)
    elif (sealed_required or (key is not None and sealed_seen)) and not problems:
        problems.append(f"{log.seal_path.name} is missing (it was deleted)")
    last = max(present, default=0)
    for head in heads:
        if head["seq"] > last:
            problem = f"entries after {last} up to {head['seq']} are missing (lines were deleted)"
        elif links.get(head["seq"], head["hash"]) != head["hash"]:
            problem = f"entry {head['seq']} was edited (it differs from the head)"
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for x in numbers:
        if runs and runs[-1][1] == x - 1:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs
