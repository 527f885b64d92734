"""How a file's bytes are sealed on disk: plain JSON now; an encrypting codec plugs in here."""

from __future__ import annotations

from typing import Protocol


class Codec(Protocol):
    """Turns a file's plaintext into what is written, and back; `name` binds the file's identity."""

    # The key of the audit chain's HMAC; None where there is no secret (a plain workspace).
    audit_key: bytes | None

    def seal(self, plaintext: bytes, name: str) -> bytes: ...

    def seal_case(self, plaintext: bytes, name: str) -> bytes:
        """Seal a case file; an encrypting codec uses the case's own key (crypto-shredding)."""
        ...

    def forget_case(self, name: str, alive: set[str] | None = None) -> None:
        """Destroy what opens case file `name` (and cases not in `alive`), where there is such a key."""
        ...

    def open(self, stored: bytes, name: str) -> bytes: ...


class PlainCodec:
    """No transformation: for workspaces created with encryption turned off."""

    audit_key: bytes | None = None

    def seal(self, plaintext: bytes, name: str) -> bytes:
        return plaintext

    def seal_case(self, plaintext: bytes, name: str) -> bytes:
        return plaintext

    def forget_case(self, name: str, alive: set[str] | None = None) -> None:
        return None

    def open(self, stored: bytes, name: str) -> bytes:
        return stored
