"""A TinyDB Storage that writes atomically and durably, through a codec, never in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from storage.atomic import atomic_write
from storage.codec import Codec, PlainCodec
from storage.errors import CorruptFile

META_TABLE = "_meta"  # {"1": {"gen": n}}: the file's generation, raised by one on every write


def generation_of(data: dict[str, Any]) -> int:
    try:
        return int(data[META_TABLE]["1"]["gen"])
    except (KeyError, TypeError, ValueError):
        return 0  # a file from before generations were kept


class AtomicJSONStorage(Storage):
    """TinyDB's JSONStorage rewrites the file in place; this one replaces it atomically instead."""

    def __init__(
        self, path: Path, codec: Codec | None = None, durable: bool = True, keep_previous: bool = True
    ) -> None:
        self.path = path if isinstance(path, Path) else Path(path)
        self.codec = codec or PlainCodec()
        self.durable = durable
        self.keep_previous = keep_previous
        # The generation last read or written; TinyDB reads before every write, and only the
        # workspace's one writer writes, so the next write is this plus one.
        self.gen = 0

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            stored = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(self.codec.open(stored, self.path.name))
        except (ValueError, UnicodeDecodeError) as err:
            raise CorruptFile(f"{self.path.name} cannot be read ({err.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise CorruptFile(f"{self.path.name} is not a case file")
        self.gen = generation_of(data)
        data.pop(META_TABLE, None)  # TinyDB never sees it; write() puts it back
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.gen += 1
        data = {**data, META_TABLE: {"1": {"gen": self.gen}}}
        plaintext = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write(
            self.path,
            self.codec.seal_case(plaintext, self.path.name),
            durable=self.durable,
            keep_previous=self.keep_previous,
        )

    def close(self) -> None:
        pass
