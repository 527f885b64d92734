"""One writer per workspace: an OS file lock that dies with its process, naming who holds it."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from storage.errors import WorkspaceLocked

try:  # POSIX; the lock is released by the kernel when the process dies, so no lock goes stale.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _lock(fd: int) -> None:
    """Take the lock without waiting; OSError if another process has it."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    import msvcrt  # pragma: no cover - Windows

    # Windows locks are mandatory: lock one byte far past the holder's note, so the note stays
    # readable for the message a second program shows. Closing the file releases the lock.
    os.lseek(fd, 1 << 30, os.SEEK_SET)  # pragma: no cover
    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # pragma: no cover


def _holder() -> dict[str, object]:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "?"
    return {
        "pid": os.getpid(),
        "user": user,
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class WorkspaceLock:
    """Held while a process may write; a second process gets WorkspaceLocked saying who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        # O_NOFOLLOW: a `lock` symlink must not truncate whatever it points at.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            holder = self.holder()
            who = f"{holder.get('user', '?')} on {holder.get('host', '?')}"
            raise WorkspaceLocked(
                f"the workspace is open in another program ({who}, process "
                f"{holder.get('pid', '?')}, since {holder.get('since', '?')}); close it there first",
                holder, who=who, pid=holder.get("pid", "?"), since=holder.get("since", "?"),
            ) from None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(_holder()).encode())
        self._fd = fd

    def holder(self) -> dict[str, object]:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            if isinstance(data, dict):
                return data
        return {}

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
