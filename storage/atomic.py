"""Atomic, durable file writes: temp file, fsync, rename, directory fsync; and temp-file cleanup."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    # The rename is only durable once the directory entry itself reaches the disk.
    if os.name == "nt":  # pragma: no cover - Windows cannot open a folder; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


PREVIOUS_SUFFIX = ".prev"


def atomic_write(
    path: Path, data: bytes, *, durable: bool = True, mode: int = 0o600, keep_previous: bool = False
) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file, whole.

    With keep_previous, the file being replaced stays as `<name>.prev`: the generation that
    `doctor` restores if the current one is ever damaged.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if keep_previous and path.exists():
            # A hard link costs no copy; renaming it over the old .prev is atomic like the main file.
            link = path.with_name(f".{path.name}.{secrets.token_hex(4)}.prev{TEMP_SUFFIX}")
            try:
                os.link(path, link)
                linked = True
            except OSError:  # no hard links here (some network shares): the save matters more
                linked = False
            if linked:
                link.replace(path.with_name(path.name + PREVIOUS_SUFFIX))
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)


def clean_temp_files(folder: Path) -> int:
    """Remove temp files a crash left behind (they never hold the only copy of anything)."""
    removed = 0
    if not folder.is_dir():
        return 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    Path(entry.path).unlink()
                    removed += 1
    return removed
