"""Encryption at rest: AES-256-GCM data keys, wrapped by a key derived from the passphrase (scrypt)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from storage.errors import CorruptFile, StorageError

MAGIC = b"UPFE"  # every encrypted file starts with this, then a format byte, key id and nonce
FORMAT = 1
KEY_ID_BYTES = 4
NONCE_LEN = 12
# scrypt's cost: about 0.1 s and 32 MiB on a thin client; stored in the header so it can be raised.
DEFAULT_KDF = {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}


class WrongPassphrase(StorageError):
    """The passphrase does not open this workspace; nothing was written."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def hkdf(key: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 (RFC 5869) with an empty salt: one independent key per purpose from one secret."""
    prk = hmac.new(b"\0" * 32, key, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


AUDIT_INFO = b"uppfoljning/audit-root/v1"
AUDIT_ID = "audit"  # the wrapped audit root's id in the header: it survives passphrase changes


def derive_key(passphrase: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "scrypt":
        raise StorageError(f"unknown key derivation '{kdf.get('name')}'")
    n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=32
    )


def _aesgcm(key: bytes) -> Any:
    # Imported where used: cryptography is heavy and not needed for plain workspaces or --help.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _wrap(kek: bytes, key_id: str, data_key: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(NONCE_LEN)
    sealed = _aesgcm(kek).encrypt(nonce, data_key, b"uppfoljning/key/" + key_id.encode())
    return {"id": key_id, "nonce": _b64(nonce), "wrapped": _b64(sealed)}


def new_header(passphrase: str, kdf: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `encryption` block of a new workspace header, holding one wrapped data key."""
    kdf = dict(kdf or DEFAULT_KDF)
    salt = secrets.token_bytes(16)
    kek = derive_key(passphrase, salt, kdf)
    key_id = secrets.token_hex(KEY_ID_BYTES)
    data_key = secrets.token_bytes(32)
    return {
        "cipher": "AES-256-GCM",
        "kdf": {**kdf, "salt": _b64(salt)},
        "keys": [_wrap(kek, key_id, data_key)],
        # The audit chain's root key, derived from the first data key and wrapped on its own, so it
        # outlives key rotation; its presence also says this workspace keeps a keyed, sealed log.
        AUDIT_ID: _wrap(kek, AUDIT_ID, hkdf(data_key, AUDIT_INFO)),
    }


@dataclass
class Keyring:
    """The unwrapped data keys of a workspace; the first is used for writing."""

    keys: dict[str, bytes]
    current: str
    audit_root: bytes  # the audit chain's root key; kept through every passphrase change
    audit_wrapped: bool  # False: an older header; the root is derived, not yet stored


def unlock(header: dict[str, Any], passphrase: str) -> Keyring:
    kdf = dict(header["kdf"])
    salt = _unb64(kdf.pop("salt"))
    kek = derive_key(passphrase, salt, kdf)
    keys: dict[str, bytes] = {}
    from cryptography.exceptions import InvalidTag

    for entry in header["keys"]:
        try:
            keys[entry["id"]] = _aesgcm(kek).decrypt(
                _unb64(entry["nonce"]), _unb64(entry["wrapped"]), b"uppfoljning/key/" + entry["id"].encode()
            )
        except InvalidTag:
            raise WrongPassphrase("the passphrase is wrong; nothing was changed") from None
    current = header["keys"][0]["id"]
    entry = header.get(AUDIT_ID)
    if isinstance(entry, dict):
        try:
            root = _aesgcm(kek).decrypt(
                _unb64(entry["nonce"]), _unb64(entry["wrapped"]), b"uppfoljning/key/" + AUDIT_ID.encode()
            )
        except (InvalidTag, KeyError, ValueError):
            raise WrongPassphrase("the passphrase is wrong; nothing was changed") from None
        return Keyring(keys, current, root, True)
    # A header from before the keyed audit log: derive the root from the current data key; the
    # next passphrase change (or writable open) stores it wrapped, so it survives rotation.
    return Keyring(keys, current, hkdf(keys[current], AUDIT_INFO), False)


def rewrap(header: dict[str, Any], ring: Keyring, passphrase: str, *, new_key: bool) -> dict[str, Any]:
    """A header for `passphrase` holding the ring's keys (and a fresh current key if `new_key`)."""
    kdf = {k: v for k, v in header["kdf"].items() if k != "salt"}
    salt = secrets.token_bytes(16)
    kek = derive_key(passphrase, salt, kdf)
    keys = dict(ring.keys)
    order = [ring.current, *(k for k in keys if k != ring.current)]
    if new_key:
        fresh = secrets.token_hex(KEY_ID_BYTES)
        keys[fresh] = secrets.token_bytes(32)
        order.insert(0, fresh)
    return {
        "cipher": header["cipher"],
        "kdf": {**kdf, "salt": _b64(salt)},
        "keys": [_wrap(kek, kid, keys[kid]) for kid in order],
        AUDIT_ID: _wrap(kek, AUDIT_ID, ring.audit_root),
    }


class EncryptingCodec:
    """Seals each file with a fresh random nonce; the file's name is associated data, so a file moved
    or swapped under another name fails to open instead of showing another case's data."""

    def __init__(self, ring: Keyring) -> None:
        self.ring = ring
        self._ciphers: dict[str, Any] = {}
        # The audit chain's HMAC key: without the passphrase nobody can rewrite the log consistently.
        self.audit_key: bytes | None = hkdf(ring.audit_root, b"uppfoljning/audit-chain/v2")

    def _cipher(self, key_id: str) -> Any:
        if key_id not in self._ciphers:
            self._ciphers[key_id] = _aesgcm(self.ring.keys[key_id])
        return self._ciphers[key_id]

    def seal(self, plaintext: bytes, name: str) -> bytes:
        kid = self.ring.current
        nonce = secrets.token_bytes(NONCE_LEN)
        head = MAGIC + bytes([FORMAT]) + bytes.fromhex(kid)
        sealed: bytes = self._cipher(kid).encrypt(nonce, plaintext, head + name.encode())
        return head + nonce + sealed

    @staticmethod
    def key_id_of(stored: bytes) -> str | None:
        """The id of the key a file is sealed with (None for a file that is not sealed)."""
        return stored[5 : 5 + KEY_ID_BYTES].hex() if stored.startswith(MAGIC) else None

    def open(self, stored: bytes, name: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        kid_len = KEY_ID_BYTES
        if not stored.startswith(MAGIC) or len(stored) < 5 + kid_len + NONCE_LEN + 16:
            raise CorruptFile(f"{name} is not an encrypted workspace file")
        head = stored[: 5 + kid_len]
        kid = head[5:].hex()
        if kid not in self.ring.keys:
            raise CorruptFile(f"{name} is sealed with a key this workspace does not have")
        nonce = stored[5 + kid_len : 5 + kid_len + NONCE_LEN]
        try:
            plaintext: bytes = self._cipher(kid).decrypt(
                nonce, stored[5 + kid_len + NONCE_LEN :], head + name.encode()
            )
        except InvalidTag:
            raise CorruptFile(f"{name} is damaged or was altered (it fails its integrity check)") from None
        return plaintext
