"""How a file's bytes are sealed on disk: plain JSON now; an encrypting codec plugs in here."""

from __future__ import annotations

from typing import Protocol


class Codec(Protocol):
    """Turns a file's plaintext into what is written, and back; `name` binds the file's identity."""

    # The key of the audit chain's HMAC; None where there is no secret (a plain workspace).
    audit_key: bytes | None

    def seal(self, plaintext: bytes, name: str) -> bytes: ...

    def open(self, stored: bytes, name: str) -> bytes: ...


class PlainCodec:
    """No transformation: for workspaces created with encryption turned off."""

    audit_key: bytes | None = None

    def seal(self, plaintext: bytes, name: str) -> bytes:
        return plaintext

    def open(self, stored: bytes, name: str) -> bytes:
        return stored
