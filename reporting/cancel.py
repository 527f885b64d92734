"""Stopping a running protection from another thread: a check the audit makes between linear programs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Cancelled(Exception):
    """The caller asked the compilation to stop; nothing was published (and nothing was cached)."""


_local = threading.local()  # per thread: the app's report worker asks, the command line never does


@contextmanager
def stop_when(asked: Callable[[], bool] | None) -> Iterator[None]:
    """Within the block, checkpoint() raises Cancelled once asked() is true (in this thread)."""
    before = getattr(_local, "asked", None)
    _local.asked = asked
    try:
        yield
    finally:
        _local.asked = before


def checkpoint() -> None:
    """Raises Cancelled if this thread's compilation was asked to stop; cheap enough to call per LP."""
    asked = getattr(_local, "asked", None)
    if asked is not None and asked():
        raise Cancelled
