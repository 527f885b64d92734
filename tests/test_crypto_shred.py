"""Attacks on the workspace's keys: erased cases that must stay unreadable, a lost or forged header,
symbolic links that writes must not follow, key derivation and passphrase length."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage import crypto
from storage.crypto import (
    DEFAULT_KDF,
    MAGIC,
    NONCE_LEN,
    EncryptingCodec,
    PassphraseTooShort,
    unlock,
)
from storage.errors import CorruptFile, StorageError, WorkspaceExists
from storage.maintenance import change_passphrase, doctor, open_repository
from storage.workspace import HEADER_COPY_NAME, Workspace
from tui.cli import main

SECRET = "radera på riktigt 2026"
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}
NAME = "Zlatan Raderasson"
PNR = "19880412-1234"
SECRET_TEXT = "hemlig berättelse om tvätten"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    monkeypatch.delenv("UPPFOLJNING_NEW_PASSPHRASE", raising=False)
    return monkeypatch


def _case_yaml(tmp_path: Path, example_text: str, ref: str, day: int, text: str) -> Path:
    data = yaml.safe_load(example_text)
    data["client"]["case_ref"] = ref
    data["followup"]["answers"]["meeting_date"] = f"2026-11-{day:02d}"
    data["followup"]["answers"]["client_view"] = text
    path = tmp_path / f"{ref}-{day}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _import(ws: Path, *files: Path) -> None:
    assert main(["--workspace", str(ws), "import", *map(str, files)]) == 0


def _workspace(tmp_path: Path, example_text: str) -> tuple[Path, str]:
    """An encrypted workspace with a victim case (two generations: a .prev exists) and a bystander."""
    ws = tmp_path / "ws"
    Workspace.create(ws, passphrase=SECRET, kdf=FAST_KDF)
    victim = f"{NAME} {PNR} {SECRET_TEXT}"
    _import(ws, _case_yaml(tmp_path, example_text, "IFO-OFFER", 10, victim),
            _case_yaml(tmp_path, example_text, "IFO-KVAR", 10, "annan text"))
    _import(ws, _case_yaml(tmp_path, example_text, "IFO-OFFER", 20, victim))
    repo = open_repository(ws, passphrase=lambda: SECRET, writable=False)
    try:
        case = repo.find_case("IFO-OFFER")
        assert case is not None
        return ws, case.id
    finally:
        repo.close()


def _every_key(ws: Path) -> list[bytes]:
    """Every AES key an attacker with the passphrase gets from what the workspace still holds."""
    keys: list[bytes] = []
    for header_name in ("workspace.json", HEADER_COPY_NAME):
        enc = json.loads((ws / header_name).read_text(encoding="utf-8"))["encryption"]
        ring = unlock(enc, SECRET)
        keys += [*ring.keys.values(), ring.audit_root]
        codec = EncryptingCodec(ring, ws)
        assert codec.case_keys is not None
        keys += [key for _, key in codec.case_keys.load(codec).values()]
    return keys


def _try_open(stored: bytes, name: str, keys: list[bytes]) -> bytes | None:
    head, nonce, body = stored[:9], stored[9 : 9 + NONCE_LEN], stored[9 + NONCE_LEN :]
    assert head.startswith(MAGIC)
    for key in keys:
        for aad in (head + name.encode(), head, b""):
            try:
                return AESGCM(key).decrypt(nonce, body, aad)
            except InvalidTag:
                continue
    return None


def test_a_copy_taken_before_the_erase_opens_with_nothing_the_workspace_holds(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    ws, case_id = _workspace(tmp_path, example_text)
    name = f"{case_id}.json"
    main_file, prev = ws / "cases" / name, ws / "cases" / f"{name}.prev"
    assert prev.exists()
    copies = {name: main_file.read_bytes(), f"{name}.prev": prev.read_bytes()}
    keys_before = _every_key(ws)
    # The copy is readable before the erase (so the attack below is a real one).
    assert all(_try_open(c, name, keys_before) is not None for c in copies.values())
    # doctor's kept copy of the case: erase must purge it too.
    (ws / "damaged").mkdir()
    (ws / "damaged" / f"{name}.20260101T000000").write_bytes(copies[name])
    assert main(["--workspace", str(ws), "erase", "IFO-OFFER", "--yes"]) == 0

    keys_after = _every_key(ws)
    for stored in copies.values():
        assert _try_open(stored, name, keys_after) is None
        assert EncryptingCodec.has_own_key(stored)
        codec = Workspace.open(ws).codec(SECRET)
        with pytest.raises(CorruptFile):
            codec.open(stored, name)
    assert not list((ws / "damaged").iterdir())
    # Nothing of the case in any file of the workspace, sealed or not, nor in the audit log.
    for f in ws.rglob("*"):
        if f.is_file():
            raw = f.read_bytes()
            for secret in (NAME, PNR, SECRET_TEXT, "IFO-OFFER"):
                assert secret.encode() not in raw, f
    # Every sealed file left opens, and none of them holds the case.
    codec = Workspace.open(ws).codec(SECRET)
    for f in [*(ws / "cases").iterdir(), ws / "index.json"]:
        plain = codec.open(f.read_bytes(), f.name.removesuffix(".prev"))
        assert NAME.encode() not in plain and b"IFO-OFFER" not in plain
    assert main(["--workspace", str(ws), "list"]) == 0


def test_a_passphrase_change_gives_every_case_a_new_key(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    old_table = (ws / "case-keys").read_bytes()
    old_header = (ws / "workspace.json").read_bytes()
    change_passphrase(ws, SECRET, "ny och längre fras")
    # The old passphrase with the old header and the old table opens none of today's files.
    old_ring = unlock(json.loads(old_header)["encryption"], SECRET)
    old_codec = EncryptingCodec(old_ring, None)
    table = json.loads(old_codec.open(old_table, "case-keys"))
    old_keys = [base64.b64decode(v["key"]) for v in table["keys"].values()]
    for f in (ws / "cases").glob("*.json"):
        assert _try_open(f.read_bytes(), f.name, [*old_keys, *old_ring.keys.values()]) is None


def test_new_workspaces_use_argon2id_and_old_scrypt_headers_are_upgraded(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    fresh = Workspace.create(tmp_path / "new", passphrase=SECRET)
    assert fresh.settings.encryption is not None
    kdf = dict(fresh.settings.encryption["kdf"])  # type: ignore[call-overload]
    assert {k: kdf[k] for k in DEFAULT_KDF} == {"name": "argon2id", "m": 19456, "t": 2, "p": 1}
    ws, _ = _workspace(tmp_path, example_text)
    # The import above opened it writable: the scrypt header is now argon2id, and still opens.
    for name in ("workspace.json", HEADER_COPY_NAME):
        assert json.loads((ws / name).read_text())["encryption"]["kdf"]["name"] == "argon2id"
    assert main(["--workspace", str(ws), "list"]) == 0


@pytest.mark.parametrize("kdf", [
    {"name": "argon2id", "m": 2**40, "t": 2, "p": 1}, {"name": "argon2id", "m": 19456, "t": 10**9, "p": 1},
    {"name": "scrypt", "n": 2**40, "r": 8, "p": 1}, {"name": "argon2id", "m": "x", "t": 2, "p": 1},
])
def test_a_forged_key_derivation_cost_is_refused_not_run(
    tmp_path: Path, kdf: dict[str, object], env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.create(tmp_path / "ws", passphrase=SECRET, kdf=FAST_KDF)
    header = json.loads((ws.path / "workspace.json").read_text())
    header["encryption"]["kdf"] = {**kdf, "salt": header["encryption"]["kdf"]["salt"]}
    (ws.path / "workspace.json").write_text(json.dumps(header))
    assert main(["--workspace", str(ws.path), "list"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_short_passphrase_is_refused_on_every_path(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(PassphraseTooShort):
        Workspace.create(tmp_path / "core", passphrase="kort")
    env.setenv("UPPFOLJNING_PASSPHRASE", "x")
    assert main(["--workspace", str(tmp_path / "init"), "init"]) == 1
    assert not (tmp_path / "init" / "workspace.json").exists()
    env.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    ws, _ = _workspace(tmp_path, example_text)
    before = {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()}
    env.setenv("UPPFOLJNING_NEW_PASSPHRASE", "1")
    assert main(["--workspace", str(ws), "--lang", "en", "passphrase"]) == 1
    assert "at least 8" in capsys.readouterr().err
    assert {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()} == before
    with pytest.raises(PassphraseTooShort):
        change_passphrase(ws, SECRET, "1234567")
    from tui.passphrase import problem

    assert problem("1234567", "en") is not None and problem("12345678", "en") is None


def test_a_lost_header_is_restored_from_its_copy_and_init_is_refused(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    (ws / "workspace.json").unlink()
    assert main(["--workspace", str(ws), "list"]) == 0
    assert "IFO-OFFER" in capsys.readouterr().out
    assert (ws / "workspace.json").exists()
    # Both gone: a loud error that does not advise init, and init refuses the folder.
    (ws / "workspace.json").unlink()
    (ws / HEADER_COPY_NAME).unlink()
    before = {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()}
    assert main(["--workspace", str(ws), "--lang", "en", "list"]) == 1
    err = capsys.readouterr().err
    assert "holds cases" in err and "Traceback" not in err
    assert main(["--workspace", str(ws), "--lang", "en", "init"]) == 1
    assert "unreadable" in capsys.readouterr().err
    with pytest.raises(WorkspaceExists):
        Workspace.create(ws, passphrase=SECRET)
    assert {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()} == before


@pytest.mark.parametrize("how", ["null", "missing", "copy-too"])
def test_an_altered_header_cannot_switch_encryption_off(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    names = ["workspace.json", HEADER_COPY_NAME] if how == "copy-too" else ["workspace.json"]
    for name in names:
        header = json.loads((ws / name).read_text())
        if how == "missing":
            del header["encryption"]
        else:
            header["encryption"] = None
        (ws / name).write_text(json.dumps(header))
    before = {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()}
    new = _case_yaml(tmp_path, example_text, "IFO-NY", 11, "ny text i klartext")
    assert main(["--workspace", str(ws), "--lang", "en", "import", str(new)]) == 1
    err = capsys.readouterr().err
    assert "not encrypted" in err and "Traceback" not in err
    assert {f: f.read_bytes() for f in ws.rglob("*") if f.is_file()} == before
    with pytest.raises(CorruptFile):
        Workspace.open(ws)


def test_a_lock_symlink_is_never_truncated(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    ws = Workspace.create(tmp_path / "ws", passphrase=SECRET, kdf=FAST_KDF)
    target = tmp_path / "precious.txt"
    target.write_text("viktigt innehåll")
    (ws.path / "lock").unlink(missing_ok=True)
    (ws.path / "lock").symlink_to(target)
    with pytest.raises(StorageError):
        Workspace.open(ws.path)
    with pytest.raises(OSError):
        ws.lock().acquire()  # even a lock taken without opening the workspace does not follow it
    assert main(["--workspace", str(ws.path), "list"]) == 1
    assert target.read_text() == "viktigt innehåll"


@pytest.mark.parametrize("name", ["audit.jsonl", "index.json", "workspace.json", "case-keys"])
def test_a_symlinked_workspace_file_is_refused_and_its_target_untouched(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch, name: str
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    target = tmp_path / "outside"
    target.write_bytes((ws / name).read_bytes())
    (ws / name).unlink()
    (ws / name).symlink_to(target)
    before = target.read_bytes()
    for command in (["list"], ["import", str(_case_yaml(tmp_path, example_text, "IFO-L", 12, "x"))]):
        assert main(["--workspace", str(ws), *command]) == 1
    assert target.read_bytes() == before


def test_a_damaged_symlink_never_moves_cases_out(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    ws, case_id = _workspace(tmp_path, example_text)
    outside = tmp_path / "outside"
    outside.mkdir()
    (ws / "damaged").symlink_to(outside, target_is_directory=True)
    f = ws / "cases" / f"{case_id}.json"
    f.write_bytes(f.read_bytes()[:-1] + b"\0")  # damaged: doctor would keep a copy in damaged/
    with pytest.raises(CorruptFile, match="symbolic link"):
        doctor(ws, crypto.EncryptingCodec(unlock(json.loads(
            (ws / HEADER_COPY_NAME).read_text())["encryption"], SECRET), ws))
    assert main(["--workspace", str(ws), "doctor"]) == 1
    assert not list(outside.iterdir())


def test_the_audit_chain_key_is_stable_through_upgrade_and_passphrase_change(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    first = Workspace.open(ws).codec(SECRET).audit_key
    change_passphrase(ws, SECRET, "ännu en lång fras")
    assert Workspace.open(ws).codec("ännu en lång fras").audit_key == first
    env.setenv("UPPFOLJNING_PASSPHRASE", "ännu en lång fras")
    assert main(["--workspace", str(ws), "audit", "verify"]) == 0


def test_a_one_key_workspace_keeps_opening_and_moves_to_case_keys(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    # A workspace written before case keys: every case file sealed with the one workspace key.
    real_codec = Workspace.codec

    def legacy(self: Workspace, passphrase: str | None) -> object:
        codec = real_codec(self, passphrase)
        assert isinstance(codec, EncryptingCodec)
        codec.case_keys = None
        return codec

    env.setattr(Workspace, "codec", legacy)
    ws, case_id = _workspace(tmp_path, example_text)
    env.setattr(Workspace, "codec", real_codec)
    name = f"{case_id}.json"
    old_copy = (ws / "cases" / name).read_bytes()
    assert not EncryptingCodec.has_own_key(old_copy) and not (ws / "case-keys").exists()
    assert main(["--workspace", str(ws), "list"]) == 0
    # A new write of the case seals it with its own key; the bystander stays as it was.
    _import(ws, _case_yaml(tmp_path, example_text, "IFO-OFFER", 25, "tredje"))
    assert EncryptingCodec.has_own_key((ws / "cases" / name).read_bytes())
    # Documented limit: a copy sealed with the shared key opens until the passphrase is changed,
    # which reseals every case under its own key and drops the shared key.
    change_passphrase(ws, SECRET, "en ny lång fras")
    assert all(EncryptingCodec.has_own_key(f.read_bytes()) for f in (ws / "cases").iterdir())
    env.setenv("UPPFOLJNING_PASSPHRASE", "en ny lång fras")
    assert main(["--workspace", str(ws), "erase", "IFO-OFFER", "--yes"]) == 0
    ring = unlock(json.loads((ws / "workspace.json").read_text())["encryption"], "en ny lång fras")
    codec = EncryptingCodec(ring, ws)
    assert codec.case_keys is not None
    keys = [*ring.keys.values(), *(k for _, k in codec.case_keys.load(codec).values())]
    assert _try_open(old_copy, name, keys) is None
    assert main(["--workspace", str(ws), "list"]) == 0


def test_one_lost_or_damaged_key_table_loses_no_case(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, _ = _workspace(tmp_path, example_text)
    capsys.readouterr()
    for damaged, kept in (("case-keys", "case-keys.copy"), ("case-keys.copy", "case-keys")):
        saved = (ws / damaged).read_bytes()
        (ws / damaged).write_bytes(saved[:-1] + bytes([saved[-1] ^ 1]))
        assert main(["--workspace", str(ws), "list"]) == 0
        out = capsys.readouterr().out
        assert "IFO-OFFER" in out and "IFO-KVAR" in out
        (ws / damaged).unlink()
        assert main(["--workspace", str(ws), "list"]) == 0
        assert "IFO-OFFER" in capsys.readouterr().out
        (ws / damaged).write_bytes(saved)
        assert (ws / kept).exists()


def test_a_key_left_by_an_interrupted_erase_goes_with_the_next_erase(
    tmp_path: Path, example_text: str, env: pytest.MonkeyPatch
) -> None:
    ws, case_id = _workspace(tmp_path, example_text)
    name = f"{case_id}.json"
    copy = (ws / "cases" / name).read_bytes()
    env.setattr(EncryptingCodec, "forget_case", lambda self, name, alive=None: None)  # killed here
    assert main(["--workspace", str(ws), "erase", "IFO-OFFER", "--yes"]) == 0
    env.undo()
    env.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert _try_open(copy, name, _every_key(ws)) is not None  # the key outlived the files
    assert main(["--workspace", str(ws), "erase", "IFO-KVAR", "--yes"]) == 0
    assert _try_open(copy, name, _every_key(ws)) is None


def test_the_audit_log_never_writes_through_a_link_even_past_the_open_check(
    tmp_path: Path, env: pytest.MonkeyPatch
) -> None:
    ws = Workspace.create(tmp_path / "ws", passphrase=SECRET, kdf=FAST_KDF)
    log = ws.audit_log(codec=ws.codec(SECRET))
    target = tmp_path / "outside.log"
    target.write_bytes(b'{"seq": 1}\nen avsliten rad utan radslut')  # a torn tail would be cut
    ws.audit_path.unlink(missing_ok=True)
    ws.audit_path.symlink_to(target)
    before = target.read_bytes()
    with pytest.raises(OSError):
        log.append("import", case="abc")
    assert target.read_bytes() == before
