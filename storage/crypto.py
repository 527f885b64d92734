"""Encryption at rest: AES-256-GCM data keys, wrapped by a key derived from the passphrase (argon2id)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.errors import CorruptFile, StorageError

MAGIC = b"UPFE"  # every encrypted file starts with this, then a format byte, key id and nonce
FORMAT = 1
KEY_ID_BYTES = 4
NONCE_LEN = 12
FORMAT_CASE = 2  # a case file sealed with its own data key (crypto-shredding), kept in the case-key table
# OWASP's argon2id minimum (RFC 9106's second choice): 19 MiB, 2 passes, 1 lane; about 0.07 s. Stored
# in the header; an older or weaker header is rewrapped with it on the next writable open.
DEFAULT_KDF: dict[str, Any] = {"name": "argon2id", "m": 19456, "t": 2, "p": 1}
MIN_PASSPHRASE = 8  # characters; every path that sets a passphrase goes through check_new_passphrase


class PassphraseTooShort(StorageError):
    """A new passphrase shorter than MIN_PASSPHRASE; nothing was written."""


def check_new_passphrase(value: str) -> str:
    """The one rule every new passphrase meets (init prompt, environment, wizard, passphrase change)."""
    if len(value) < MIN_PASSPHRASE:
        raise PassphraseTooShort(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")
    return value


def kdf_is_current(kdf: dict[str, Any]) -> bool:
    """Whether a header's key derivation is at least today's default (else it is upgraded)."""
    try:
        return (
            kdf.get("name") == "argon2id"
            and int(kdf["m"]) >= DEFAULT_KDF["m"]
            and int(kdf["t"]) >= DEFAULT_KDF["t"]
        )
    except (KeyError, TypeError, ValueError):
        return False


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
    # The header is not authenticated: its costs are bounded so a forged one cannot exhaust memory.
    if kdf.get("name") == "argon2id":
        from argon2.low_level import Type, hash_secret_raw

        m, t, p = int(kdf["m"]), int(kdf["t"]), int(kdf["p"])
        if not (1 <= p <= 16 and 8 * p <= m <= 4 * 2**20 and 1 <= t <= 64) or len(salt) < 8:
            raise ValueError("argon2id parameters out of range")
        return hash_secret_raw(
            passphrase.encode("utf-8"), salt, time_cost=t, memory_cost=m, parallelism=p,
            hash_len=32, type=Type.ID,
        )
    if kdf.get("name") != "scrypt":
        raise StorageError(f"unknown key derivation '{kdf.get('name')}'")
    n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ValueError("scrypt parameters out of range")
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
    check_new_passphrase(passphrase)
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
    """A header for `passphrase` holding the ring's keys (and a fresh current key if `new_key`);
    a key derivation weaker than today's default is replaced by it."""
    kdf = {k: v for k, v in header["kdf"].items() if k != "salt"}
    if not kdf_is_current(kdf):
        kdf = dict(DEFAULT_KDF)
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


# One entry of the case-key table as save() writes it: "<key id>":{"case":"<file>","key":"<base64>"}
_KID = re.compile(r"[0-9a-f]{8}")
_ENTRY = re.compile(rb'"([0-9a-f]{8})":\{"case":("(?:[^"\\]|\\.)*"),"key":"([A-Za-z0-9+/=]{1,64})"\}')
CASE_KEYS = "case-keys"  # the sealed table of per-case data keys, at the workspace's top
CASE_KEYS_COPY = "case-keys.copy"  # its second copy: one damaged file must not lose every case


class CaseKeys:
    """The sealed table of per-case data keys. Erasing a case deletes its key here (both copies),
    so any copy of its files, taken before or after, can no longer be opened with the workspace key.

    Both copies are sealed under one name with the workspace key; reading takes the union (a crash
    between the two writes loses no key), and keys of cases whose files are gone are pruned on the
    next erase, so an interrupted erase is completed then."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[str, bytes]] | None = None  # key id -> (case file name, key)
        # `lazy`: look up only the keys asked for (one case opened: `quick --case`), instead of
        # holding the whole table (10,000 cases: megabytes). What is found is kept in `found`, never
        # in `entries`: only a table read in full is ever written back.
        self.lazy = False
        self.found: dict[str, tuple[str, bytes]] = {}
        self.newest: dict[str, str] = {}  # case file name -> its newest key's id, as looked up

    def _paths(self) -> list[Path]:
        return [self.folder / CASE_KEYS, self.folder / CASE_KEYS_COPY]

    def load(self, codec: EncryptingCodec) -> dict[str, tuple[str, bytes]]:
        import json

        entries: dict[str, tuple[str, bytes]] = {}
        problems = 0
        for path in self._paths():
            try:
                stored = path.read_bytes()
            except FileNotFoundError:
                continue
            try:
                data = json.loads(codec.open(stored, CASE_KEYS))
                for kid, item in data["keys"].items():
                    key = _unb64(item["key"])
                    if len(key) == 32 and isinstance(item["case"], str):
                        entries[str(kid)] = (item["case"], key)
            except (CorruptFile, ValueError, KeyError, TypeError, AttributeError):
                problems += 1  # the other copy may still hold every key
        self.entries = entries
        return entries

    def _plaintexts(self, codec: EncryptingCodec) -> Iterator[bytes]:
        """Each readable copy's plaintext, as load() reads them (a damaged copy is passed over)."""
        for path in self._paths():
            try:
                yield codec.open(path.read_bytes(), CASE_KEYS)
            except (FileNotFoundError, CorruptFile):
                continue

    def lookup(self, codec: EncryptingCodec, kid: str | None = None, case: str | None = None) -> str | None:
        """Without reading the table into memory: the key `kid`, or the newest key of case file `case`
        (as load() would give them: the copies' union, the later copy's value winning); its id, the
        key itself in `found`. None when the table does not say (the caller then loads it whole)."""
        import json
        import re

        if kid is not None and not _KID.fullmatch(kid):
            return None
        order: list[str] = []
        for text in self._plaintexts(codec):
            if kid is not None:
                # `"<kid>":{"case":` cannot occur inside a JSON string (a quote there is escaped).
                hits = [m.start() for m in re.finditer(re.escape(f'"{kid}":{{"case":'.encode()), text)]
            else:
                needle = b'{"case":' + json.dumps(case).encode() + b',"key":'
                hits, at = [], text.find(needle)
                while at >= 0:
                    hits.append(text.rfind(b'"', 0, at - 2))  # the key id's opening quote
                    at = text.find(needle, at + 1)
            for start in hits:
                m = _ENTRY.match(text, start)
                if m is None:
                    return None  # not the layout save() writes: let load() judge it
                try:
                    key = _unb64(m[3].decode("ascii"))
                    name = json.loads(m[2])
                except ValueError:
                    return None
                if len(key) != 32 or not isinstance(name, str):
                    continue
                found = m[1].decode("ascii")
                self.found[found] = (name, key)
                if found not in order:
                    order.append(found)
        return order[-1] if order else None

    def save(self, codec: EncryptingCodec) -> None:
        import json

        from storage.atomic import atomic_write

        data = {"keys": {kid: {"case": case, "key": _b64(key)} for kid, (case, key) in
                         (self.entries or {}).items()}}
        plaintext = json.dumps(data, separators=(",", ":")).encode()
        for path in self._paths():
            # Never a .prev: a previous generation would keep an erased case's key.
            atomic_write(path, codec.seal(plaintext, CASE_KEYS))


class EncryptingCodec:
    """Seals each file with a fresh random nonce; the file's name is associated data, so a file moved
    or swapped under another name fails to open instead of showing another case's data. Case files
    are sealed with their case's own key (FORMAT_CASE) when the codec knows the workspace folder."""

    def __init__(self, ring: Keyring, folder: Path | None = None) -> None:
        self.ring = ring
        self._ciphers: dict[str, Any] = {}
        # The audit chain's HMAC key: without the passphrase nobody can rewrite the log consistently.
        self.audit_key: bytes | None = hkdf(ring.audit_root, b"uppfoljning/audit-chain/v2")
        self.case_keys = CaseKeys(folder) if folder is not None else None

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

    def _case_entries(self, *, fresh: bool = False) -> dict[str, tuple[str, bytes]]:
        if self.case_keys is None:
            return {}
        if self.case_keys.entries is None or fresh:
            return self.case_keys.load(self)
        return self.case_keys.entries

    def seal_case(self, plaintext: bytes, name: str) -> bytes:
        """Seal a case file (`<id>.json`) with its case's own key, made and stored on first use."""
        if self.case_keys is None:
            return self.seal(plaintext, name)
        if self.case_keys.entries is None and self.case_keys.lazy:
            # Remembered: only this codec changes the table (its writer holds the lock), and any
            # change reads the table whole first, which ends the lazy lookups.
            kid = self.case_keys.newest.get(name) or self.case_keys.lookup(self, case=name)
            if kid is not None:
                self.case_keys.newest[name] = kid  # the case's newest key, found without holding the table
                return self._seal_with(kid, self.case_keys.found[kid][1], plaintext, name)
        entries = self._case_entries()
        # The newest key of the case writes (a passphrase change appends a fresh one).
        kid = next((k for k, (case, _) in reversed(entries.items()) if case == name), None)
        if kid is None:
            kid = secrets.token_hex(KEY_ID_BYTES)
            while kid in entries or kid in self.ring.keys:
                kid = secrets.token_hex(KEY_ID_BYTES)
            entries[kid] = (name, secrets.token_bytes(32))
            self.case_keys.save(self)  # the key is stored before any file depends on it
        return self._seal_with(kid, entries[kid][1], plaintext, name)

    @staticmethod
    def _seal_with(kid: str, key: bytes, plaintext: bytes, name: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_LEN)
        head = MAGIC + bytes([FORMAT_CASE]) + bytes.fromhex(kid)
        sealed: bytes = _aesgcm(key).encrypt(nonce, plaintext, head + name.encode())
        return head + nonce + sealed

    def rotate_case_keys(self) -> list[str]:
        """Give every case a fresh key, kept beside the old ones; returns the old ids to drop once
        every file is resealed (a passphrase change: an old table and passphrase then open nothing new)."""
        if self.case_keys is None:
            return []
        entries = self._case_entries(fresh=True)
        old = list(entries)
        for name in {case for case, _ in entries.values()}:
            kid = secrets.token_hex(KEY_ID_BYTES)
            while kid in entries or kid in self.ring.keys:
                kid = secrets.token_hex(KEY_ID_BYTES)
            entries[kid] = (name, secrets.token_bytes(32))
        self.case_keys.save(self)
        return old

    def drop_case_keys(self, ids: list[str]) -> None:
        if self.case_keys is None or not ids:
            return
        entries = self._case_entries()
        for kid in ids:
            entries.pop(kid, None)
        self.case_keys.save(self)

    def forget_case(self, name: str, alive: set[str] | None = None) -> None:
        """Destroy the key of case file `name` (and of any case not in `alive`): crypto-shredding."""
        if self.case_keys is None:
            return
        entries = self._case_entries(fresh=True)
        drop = [k for k, (case, _) in entries.items()
                if case == name or (alive is not None and case not in alive)]
        if drop:
            for kid in drop:
                del entries[kid]
            self.case_keys.save(self)

    def _lazy_key(self, kid: str) -> str | None:
        """A case key looked up alone, when the table is not held and the codec is `lazy`."""
        keys = self.case_keys
        if keys is None or keys.entries is not None or not keys.lazy:
            return None
        return kid if kid in keys.found or keys.lookup(self, kid=kid) == kid else None

    @staticmethod
    def key_id_of(stored: bytes) -> str | None:
        """The id of the key a file is sealed with (None for a file that is not sealed)."""
        return stored[5 : 5 + KEY_ID_BYTES].hex() if stored.startswith(MAGIC) else None

    @staticmethod
    def has_own_key(stored: bytes) -> bool:
        """Whether a file is sealed with a case's own key (not a workspace data key)."""
        return stored.startswith(MAGIC) and len(stored) > 4 and stored[4] == FORMAT_CASE

    def open(self, stored: bytes, name: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        kid_len = KEY_ID_BYTES
        if not stored.startswith(MAGIC) or len(stored) < 5 + kid_len + NONCE_LEN + 16:
            raise CorruptFile(f"{name} is not an encrypted workspace file",
                              key="err_not_encrypted_file", name=name)
        head = stored[: 5 + kid_len]
        kid = head[5:].hex()
        if stored[4] == FORMAT_CASE and self._lazy_key(kid) is not None:
            cipher = _aesgcm(self.case_keys.found[kid][1])  # type: ignore[union-attr]
        elif stored[4] == FORMAT_CASE:
            entries = self._case_entries()
            if kid not in entries:
                entries = self._case_entries(fresh=True)
            if kid not in entries:
                raise CorruptFile(f"{name} is sealed with a case key this workspace no longer has")
            cipher = _aesgcm(entries[kid][1])
        elif stored[4] == FORMAT and kid in self.ring.keys:
            cipher = self._cipher(kid)
        else:
            raise CorruptFile(f"{name} is sealed with a key this workspace does not have")
        nonce = stored[5 + kid_len : 5 + kid_len + NONCE_LEN]
        try:
            plaintext: bytes = cipher.decrypt(nonce, stored[5 + kid_len + NONCE_LEN :], head + name.encode())
        except InvalidTag:
            raise CorruptFile(f"{name} is damaged or was altered (it fails its integrity check)",
                              key="err_tampered", name=name) from None
        return plaintext
