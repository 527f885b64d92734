"""Encryption at rest: nothing readable on disk, wrong passphrases refused, passphrase changes safe."""

from __future__ import annotations

import contextlib
import json
import stat
from pathlib import Path

import pytest
import yaml

from storage import atomic, maintenance
from storage.crypto import EncryptingCodec, WrongPassphrase, unlock
from storage.errors import CorruptFile
from storage.maintenance import change_passphrase, open_repository
from storage.workspace import Workspace
from tui.cli import main

SECRET = "korrekt häst batteri"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}  # tests only: the default is 2**15


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)


@pytest.fixture
def sensitive_file(tmp_path: Path, example_text: str) -> tuple[Path, list[str]]:
    data = yaml.safe_load(example_text)
    data["client"].update(name="Łucja Şahin-Nguyễn", personnummer="19811228-9874")
    del data["client"]["birth_year"]
    data["followup"]["answers"]["client_view"] = "Hemligt: vill inte att grannen vet"
    data["followup"]["goals"]["g1"]["comment"] = "Tvättstugan på lördagar"
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    needles = ["Łucja", "Şahin", "19811228", "811228-9874", "198112289874", "Hemligt",
               "Tvättstugan", "Sköta sin tvätt", "Positiv utveckling", "IFO-2026-0117"]
    return path, needles


def test_init_refuses_without_a_passphrase_and_names_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPPFOLJNING_PASSPHRASE", raising=False)
    assert main(["--workspace", str(tmp_path / "ws"), "--lang", "en", "init"]) == 1
    err = capsys.readouterr().err
    assert "UPPFOLJNING_PASSPHRASE" in err and "terminal" in err and "--no-encryption" in err
    assert not (tmp_path / "ws").exists()


def test_no_plaintext_of_a_case_reaches_the_disk(
    tmp_path: Path, secret_env: None, sensitive_file: tuple[Path, list[str]]
) -> None:
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    path, needles = sensitive_file
    assert main(["--workspace", str(ws), "import", "--final", str(path)]) == 0
    assert main(["--workspace", str(ws), "list"]) == 0
    files = snapshot(ws)
    assert any(name.startswith("cases/") for name in files)
    for name, content in files.items():
        for needle in needles:
            for encoded in (needle.encode("utf-8"), json.dumps(needle).encode()[1:-1]):
                assert encoded not in content, f"{needle!r} found in {name}"
    # and it all reads back
    repo = open_repository(ws, passphrase=lambda: SECRET, writable=False)
    assert repo.summaries()[0].name == "Łucja Şahin-Nguyễn"
    repo.close()


def test_folder_and_file_permissions(tmp_path: Path, secret_env: None, example_text: str) -> None:
    ws = tmp_path / "deep" / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    assert main(["--workspace", str(ws), "import", str(tmp_path / "c.yaml")]) == 0
    assert stat.S_IMODE(ws.stat().st_mode) == 0o700
    assert stat.S_IMODE((ws / "cases").stat().st_mode) == 0o700
    for p in ws.rglob("*"):
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_wrong_passphrase_is_a_clear_error_and_changes_no_data(
    tmp_path: Path, secret_env: None, example_text: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init"])
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    main(["--workspace", str(ws), "import", str(tmp_path / "c.yaml")])
    before = snapshot(ws)
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", "fel fel fel")
    capsys.readouterr()
    for command in (["list"], ["import", str(tmp_path / "c.yaml")], ["export", "x"]):
        assert main(["--workspace", str(ws), "--lang", "en", *command]) == 1
        err = capsys.readouterr().err
        assert "passphrase is wrong" in err and "Traceback" not in err
    after = snapshot(ws)
    # only the log and its plain head and lock change (the sealed head needs the key)
    assert {k: v for k, v in after.items() if k not in {"audit.jsonl", "audit.jsonl.head"}} == {
        k: v for k, v in before.items() if k not in {"audit.jsonl", "audit.jsonl.head"}}
    log = [json.loads(line) for line in after["audit.jsonl"].splitlines()]
    assert [e["action"] for e in log[-3:]] == ["failed_passphrase"] * 3


def test_every_write_uses_a_fresh_nonce_and_binds_the_file_name(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws", passphrase=SECRET, kdf=FAST_KDF)
    codec = EncryptingCodec(unlock(ws.settings.encryption or {}, SECRET))
    one, two = codec.seal(b"samma text", "a.json"), codec.seal(b"samma text", "a.json")
    assert one != two
    assert codec.open(one, "a.json") == b"samma text"
    with pytest.raises(CorruptFile, match="fails its integrity check"):
        codec.open(one, "b.json")  # a file moved under another case's name does not open
    tampered = one[:-1] + bytes([one[-1] ^ 1])
    with pytest.raises(CorruptFile):
        codec.open(tampered, "a.json")


def _populated(tmp_path: Path, example_text: str) -> Path:
    ws = Workspace.create(tmp_path / "ws", passphrase=SECRET, kdf=FAST_KDF)
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    data = yaml.safe_load(example_text)
    for i in range(3):
        data["client"]["case_ref"] = f"IFO-{i}"
        (tmp_path / f"c{i}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    import os

    os.environ["UPPFOLJNING_PASSPHRASE"] = SECRET
    try:
        assert main(["--workspace", str(ws.path), "import",
                     *(str(tmp_path / f"c{i}.yaml") for i in range(3))]) == 0
    finally:
        del os.environ["UPPFOLJNING_PASSPHRASE"]
    return ws.path


def _refs(ws: Path, secret: str) -> list[str]:
    repo = open_repository(ws, passphrase=lambda: secret, writable=False)
    try:
        return sorted(s.case_ref for s in repo.summaries())
    finally:
        repo.close()


def test_change_passphrase_reseals_every_file(tmp_path: Path, example_text: str) -> None:
    ws = _populated(tmp_path, example_text)
    before = snapshot(ws)
    assert change_passphrase(ws, SECRET, "ny lösenfras 2026") >= 4
    assert _refs(ws, "ny lösenfras 2026") == ["IFO-0", "IFO-1", "IFO-2"]
    with pytest.raises(WrongPassphrase):
        _refs(ws, SECRET)
    after = snapshot(ws)
    header = json.loads(after["workspace.json"])["encryption"]
    assert len(header["keys"]) == 1
    current = header["keys"][0]["id"]
    # Case files are sealed with their case's own key, rotated by the change; the table holding
    # those keys is sealed with the one workspace key left.
    codec = Workspace.open(ws).codec("ny lösenfras 2026")
    assert isinstance(codec, EncryptingCodec)
    assert codec.case_keys is not None
    case_keys = codec.case_keys.load(codec)
    old_case_keys = {EncryptingCodec.key_id_of(c) for n, c in before.items() if n.startswith("cases/")}
    assert len(case_keys) == 3 and not old_case_keys & set(case_keys)
    for name, content in after.items():
        if name.startswith("cases/"):
            assert content != before.get(name)
            assert EncryptingCodec.has_own_key(content), name
            assert EncryptingCodec.key_id_of(content) in case_keys, name
        if name in ("index.json", "case-keys", "case-keys.copy"):
            assert content != before.get(name)
            assert EncryptingCodec.key_id_of(content) == current, name


@pytest.mark.parametrize("fail_after", [0, 1, 3])
def test_an_interrupted_change_leaves_a_workspace_one_passphrase_opens(
    tmp_path: Path, example_text: str, monkeypatch: pytest.MonkeyPatch, fail_after: int
) -> None:
    ws = _populated(tmp_path, example_text)
    real = atomic.atomic_write  # what maintenance calls, until replaced below
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> None:
        if calls["n"] >= fail_after:
            raise OSError("power cut")
        calls["n"] += 1
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(maintenance, "atomic_write", failing)
    with pytest.raises(OSError, match="power cut"):
        change_passphrase(ws, SECRET, "ny lösenfras 2026")
    monkeypatch.setattr(maintenance, "atomic_write", real)
    opened = []
    for secret in (SECRET, "ny lösenfras 2026"):
        with contextlib.suppress(WrongPassphrase):
            opened.append((secret, _refs(ws, secret)))
    assert len(opened) == 1 and opened[0][1] == ["IFO-0", "IFO-1", "IFO-2"]
    # running the change again with whichever passphrase opens it completes it
    change_passphrase(ws, opened[0][0], "tredje lösenfrasen")
    assert _refs(ws, "tredje lösenfrasen") == ["IFO-0", "IFO-1", "IFO-2"]


def test_passphrase_command(tmp_path: Path, example_text: str, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    ws = _populated(tmp_path, example_text)
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    monkeypatch.setenv("UPPFOLJNING_NEW_PASSPHRASE", "en helt ny fras")
    assert main(["--workspace", str(ws), "--lang", "en", "passphrase"]) == 0
    assert "re-encrypted" in capsys.readouterr().out
    assert _refs(ws, "en helt ny fras") == ["IFO-0", "IFO-1", "IFO-2"]
