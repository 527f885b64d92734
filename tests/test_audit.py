"""The audit log records who did what, never case text, and any tampering is found and located."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from storage.audit import AuditLog, verify
from tui.cli import main


@pytest.fixture
def ws(tmp_path: Path, example_text: str) -> Path:
    path = tmp_path / "ws"
    main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna Handläggare"])
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    assert main(["--workspace", str(path), "import", "--final", str(tmp_path / "c.yaml")]) == 0
    return path


def entries(ws: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (ws / "audit.jsonl").read_text().splitlines()]


def test_actions_are_logged_with_who_and_ids_but_no_case_text(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["--workspace", str(ws), "list", "--format", "json"])
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    main(["--workspace", str(ws), "export", fid])
    main(["--workspace", str(ws), "correct", fid, "--reason", "Fel datum", "--text", "Mötet var 17/11"])
    main(["--workspace", str(ws), "erase", "IFO-2026-0117", "--yes"])
    log = entries(ws)
    actions = [e["action"] for e in log]
    for action in ("create", "import", "finalize", "export", "correct", "erase"):
        assert action in actions
    assert all(e["who"] == "Anna Handläggare" for e in log)
    text = (ws / "audit.jsonl").read_text()
    for secret in ("IFO-2026-0117", "Fel datum", "Mötet var", "Tycker att", "Sköta sin tvätt"):
        assert secret not in text
    assert verify(ws / "audit.jsonl") == []


def test_save_answer_logs_the_question_not_the_answer(tmp_path: Path) -> None:
    from interview.case import Case, Client, Plan
    from interview.followup import FollowUp
    from storage.tinydb_repo import TinyDBRepository
    from storage.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    plan = Plan.model_validate({"start": "2026-01-01"})
    case = Case(client=Client(case_ref="A"), plan=plan)
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
    repo.add_case(case, [fu])
    repo.save_answer(fu.id, "client_view", "mycket privat")
    repo.close()
    last = entries(ws.path)[-1]
    assert last["action"] == "save_answer" and last["detail"] == {"key": "client_view", "gen": 2}
    assert "mycket privat" not in (ws.path / "audit.jsonl").read_text()


def _lines(ws: Path) -> list[str]:
    return (ws / "audit.jsonl").read_text().splitlines(keepends=True)


def _write(ws: Path, lines: list[str]) -> None:
    (ws / "audit.jsonl").write_text("".join(lines))


def tamper_edit(lines: list[str]) -> list[str]:
    lines[1] = lines[1].replace('"create"', '"export"')
    return lines


def tamper_delete(lines: list[str]) -> list[str]:
    del lines[2]
    return lines


def tamper_insert(lines: list[str]) -> list[str]:
    fake = json.loads(lines[1])
    fake["action"] = "export"
    lines.insert(2, json.dumps(fake) + "\n")
    return lines


def tamper_reorder(lines: list[str]) -> list[str]:
    lines[1], lines[2] = lines[2], lines[1]
    return lines


def tamper_truncate(lines: list[str]) -> list[str]:
    return lines[:-2]


def tamper_edit_last(lines: list[str]) -> list[str]:
    lines[-1] = lines[-1].replace('"who":"Anna Handläggare"', '"who":"Någon annan"')
    return lines


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (tamper_edit, "line 2: entry 2 was edited or forged (its seal does not match)"),
        (tamper_delete, "entry 3 is missing (lines were deleted)"),
        (tamper_insert, "line 3: entry 2 appears twice (a line was inserted)"),
        (tamper_reorder, "line 3: entry 2 is out of order"),
        (tamper_truncate, "are missing (lines were deleted)"),
        (tamper_edit_last, "was edited or forged (its seal does not match)"),
    ],
    ids=["edit", "delete", "insert", "reorder", "truncate", "edit-last"],
)
def test_every_kind_of_tampering_is_found(
    ws: Path, capsys: pytest.CaptureFixture[str], tamper: object, expected: str
) -> None:
    assert verify(ws / "audit.jsonl") == []
    _write(ws, tamper(_lines(ws)))  # type: ignore[operator]
    problems = verify(ws / "audit.jsonl")
    assert problems and any(expected in p for p in problems), problems
    capsys.readouterr()
    assert main(["--workspace", str(ws), "--lang", "en", "audit", "verify"]) == 1
    assert expected in capsys.readouterr().err
    assert len(problems) == 1, problems  # located precisely, without follow-on noise


def test_verify_and_show_commands(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--workspace", str(ws), "--lang", "en", "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["--workspace", str(ws), "audit", "show", "--case", "IFO-2026-0117"]) == 0
    out = capsys.readouterr().out
    assert "finalize" in out and "create" in out


def test_a_torn_last_line_is_dropped_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, "A")
    log.append("create", case="c1")
    log.append("export", case="c1")
    with path.open("ab") as f:
        f.write(b'{"seq":3,"act')  # a crash in the middle of an append
    log = AuditLog(path, "A")
    log.append("erase", case="c1")
    assert [e.action for e in log.entries()] == ["create", "export", "erase"]
    assert verify(path) == []


# --- an encrypted workspace: a keyed chain an attacker without the passphrase cannot rewrite ----------

SECRET = "granskning lösenfras"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}


@pytest.fixture
def sealed_ws(tmp_path: Path, example_text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    from storage.workspace import Workspace, WorkspaceSettings

    path = tmp_path / "sealed"
    Workspace.create(path, WorkspaceSettings(caseworker="Anna"), passphrase=SECRET, kdf=FAST_KDF)
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    assert main(["--workspace", str(path), "import", "--final", str(tmp_path / "c.yaml")]) == 0
    for _ in range(3):
        assert main(["--workspace", str(path), "export", _fid(path), "-o", str(tmp_path / "x")]) == 0
    assert len(_lines(path)) >= 7
    return path


def _fid(path: Path) -> str:
    from storage.maintenance import open_repository

    repo = open_repository(path, passphrase=lambda: SECRET, writable=False)
    try:
        return repo.summaries()[0].id
    finally:
        repo.close()


def _sha_rechain(lines: list[str], start: int, ws: Path, renumber: int = 0) -> list[str]:
    """What an attacker without the key can do: recompute every seal from `start` on with SHA-256
    (keeping or dropping the 'hmac' mark) and the plain head to match."""
    from storage.audit import canonical, link_of

    out = lines[:start]
    prev = link_of(out[-1].rstrip("\n").encode(), json.loads(out[-1])) if out else "0" * 64
    for raw in lines[start:]:
        entry = json.loads(raw)
        entry["seq"] -= renumber
        entry["prev"] = prev
        entry.pop("mac")
        entry["mac"] = hashlib.sha256(canonical(entry)).hexdigest()
        prev = entry["mac"]
        out.append(canonical(entry).decode() + "\n")
    (ws / "audit.jsonl.head").write_text(json.dumps({"seq": json.loads(out[-1])["seq"], "hash": prev}))
    return out


def t_delete_last(ws: Path, lines: list[str]) -> list[str]:
    return lines[:-1]


def t_delete_last_and_head(ws: Path, lines: list[str]) -> list[str]:
    (ws / "audit.jsonl.head").unlink()
    return lines[:-1]


def t_delete_middle(ws: Path, lines: list[str]) -> list[str]:
    return lines[:3] + lines[4:]


def t_delete_middle_rechain(ws: Path, lines: list[str]) -> list[str]:
    return _sha_rechain(lines[:3] + lines[4:], 3, ws, renumber=1)


def t_edit_middle(ws: Path, lines: list[str]) -> list[str]:
    lines[3] = lines[3].replace('"who":"Anna"', '"who":"Bo"')
    return lines


def t_edit_last(ws: Path, lines: list[str]) -> list[str]:
    lines[-1] = lines[-1].replace('"who":"Anna"', '"who":"Bo"')
    return lines


def t_edit_all_rechain(ws: Path, lines: list[str]) -> list[str]:
    return _sha_rechain([x.replace('"who":"Anna"', '"who":"Bo"') for x in lines], 0, ws)


def t_insert(ws: Path, lines: list[str]) -> list[str]:
    fake = json.loads(lines[2])
    fake["action"] = "export"
    return [*lines[:3], json.dumps(fake) + "\n", *lines[3:]]


def t_swap(ws: Path, lines: list[str]) -> list[str]:
    lines[2], lines[3] = lines[3], lines[2]
    return lines


def t_truncate_last_line(ws: Path, lines: list[str]) -> list[str]:
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    return lines


def t_empty(ws: Path, lines: list[str]) -> list[str]:
    return []


def t_empty_and_head(ws: Path, lines: list[str]) -> list[str]:
    (ws / "audit.jsonl.head").unlink()
    return []


TAMPERINGS = [t_delete_last, t_delete_last_and_head, t_delete_middle, t_delete_middle_rechain,
              t_edit_middle, t_edit_last, t_edit_all_rechain, t_insert, t_swap, t_truncate_last_line,
              t_empty, t_empty_and_head]


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=[f.__name__[2:] for f in TAMPERINGS])
def test_every_tampering_of_an_encrypted_log_is_found(
    sealed_ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: object
) -> None:
    from storage.maintenance import sealed_required
    from storage.workspace import Workspace

    ws = Workspace.open(sealed_ws)
    codec = ws.codec(SECRET)
    assert verify(ws.audit_path, codec, sealed_required=sealed_required(ws, codec)) == []
    fid = _fid(sealed_ws)
    _write(sealed_ws, tamper(sealed_ws, _lines(sealed_ws)))  # type: ignore[operator]
    assert verify(ws.audit_path, codec, sealed_required=True)
    capsys.readouterr()
    assert main(["--workspace", str(sealed_ws), "--lang", "en", "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
    # a later append (here a reader's export) neither hides nor "repairs" the tampering
    assert main(["--workspace", str(sealed_ws), "export", fid, "-o", str(tmp_path / "y")]) == 0
    assert main(["--workspace", str(sealed_ws), "--lang", "en", "audit", "verify"]) == 1
    capsys.readouterr()


def test_verifying_an_encrypted_log_needs_the_passphrase(
    sealed_ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--workspace", str(sealed_ws), "--lang", "en", "audit", "verify"]) == 0
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", "fel fras")
    capsys.readouterr()
    assert main(["--workspace", str(sealed_ws), "--lang", "en", "audit", "verify"]) == 1
    assert "passphrase is wrong" in capsys.readouterr().err
    # the failed attempt is logged unkeyed, and that one unkeyed kind of entry is accepted
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert main(["--workspace", str(sealed_ws), "--lang", "en", "audit", "verify"]) == 0
    assert json.loads(_lines(sealed_ws)[-1])["action"] == "failed_passphrase"


def test_a_forged_unkeyed_entry_in_a_keyed_log_is_found(sealed_ws: Path) -> None:
    from storage.audit import AuditLog
    from storage.workspace import Workspace

    AuditLog(sealed_ws / "audit.jsonl", "Mallory").append("export", case="x")  # no key: forged
    ws = Workspace.open(sealed_ws)
    problems = verify(ws.audit_path, ws.codec(SECRET), sealed_required=True)
    assert any("seal does not match" in p for p in problems), problems


def test_an_old_unkeyed_log_still_verifies_and_new_entries_are_keyed(sealed_ws: Path) -> None:
    from storage.audit import line_hash
    from storage.workspace import Workspace

    # a log written by the previous version: no "v", no "mac", prev = SHA-256 of the raw line
    (sealed_ws / "audit.jsonl.seal").unlink()
    (sealed_ws / "audit.jsonl.head").unlink()
    old, prev = [], "0" * 64
    for seq in (1, 2, 3):
        raw = json.dumps({"seq": seq, "at": "2026-01-01T00:00:00.000+00:00", "who": "A",
                          "action": "export", "case": None, "followup": None, "detail": {},
                          "prev": prev}, sort_keys=True, separators=(",", ":"))
        prev = line_hash(raw.encode())
        old.append(raw + "\n")
    _write(sealed_ws, old)
    ws = Workspace.open(sealed_ws)
    codec = ws.codec(SECRET)
    assert verify(ws.audit_path, codec) == []
    ws.audit_log(codec=codec).append("export", case="c")
    assert verify(ws.audit_path, codec, sealed_required=True) == []
    last = json.loads(_lines(sealed_ws)[-1])
    assert last["v"] == 2 and last["k"] == "hmac" and last["seq"] == 4 and last["prev"] == prev
    # an old-format line after keyed ones is a forgery
    _write(sealed_ws, [*_lines(sealed_ws), old[0].replace('"seq":1', '"seq":5')])
    assert any("unsealed among sealed" in p for p in verify(ws.audit_path, codec))


# --- concurrency: many processes append at once while a writer holds the workspace ------------------

def _direct_appends(path: str, n: int) -> None:
    from storage.workspace import Workspace

    ws = Workspace.open(Path(path))
    log = ws.audit_log(codec=ws.codec(SECRET))
    for _ in range(n):
        log.append("report")


def test_forty_processes_appending_at_once_never_fork_the_chain(sealed_ws: Path) -> None:
    import multiprocessing
    import os
    import subprocess
    import sys

    from storage.maintenance import sealed_required
    from storage.workspace import Workspace

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "UPPFOLJNING_PASSPHRASE": SECRET, "PYTHONPATH": str(root)}
    before = len(_lines(sealed_ws))
    holder = subprocess.Popen(  # the app: holds the workspace and saves answers all along
        [sys.executable, "-c", (
            "import sys, time\nfrom pathlib import Path\n"
            "from storage.maintenance import open_repository\n"
            f"r = open_repository(Path({str(sealed_ws)!r}), passphrase=lambda: {SECRET!r}, writable=True)\n"
            "print('held', flush=True)\n"
            "for i in range(30):\n    r.log('open_case', case='c')\n    time.sleep(0.05)\n"
            "sys.stdin.readline()\nr.close()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=root,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    fid = _fid(sealed_ws)
    clis = [
        subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "--workspace", str(sealed_ws), command, fid,
             "-o", str(sealed_ws.parent / f"out{i}.{command}")],
            env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        for i, command in enumerate(["export"] * 16 + ["pdf"] * 4)
    ]
    # Forked from a fresh, preloaded fork server: twenty separate processes, without twenty interpreter starts.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["storage.workspace"])
    direct = [ctx.Process(target=_direct_appends, args=(str(sealed_ws), 5)) for _ in range(20)]
    for p in direct:
        p.start()
    for p in direct:
        p.join(120)
        assert p.exitcode == 0
    for c in clis:
        _, err = c.communicate(timeout=120)
        assert c.returncode == 0, err
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(60) == 0
    entries = [json.loads(x) for x in _lines(sealed_ws)]
    added = entries[before:]
    actions = [e["action"] for e in added]
    assert actions.count("report") == 100
    assert actions.count("export") == 16 and actions.count("pdf") == 4
    assert actions.count("open_case") == 30
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(1, len(entries) + 1))  # every entry exactly once, in order
    ws = Workspace.open(sealed_ws)
    codec = ws.codec(SECRET)
    assert verify(ws.audit_path, codec, sealed_required=sealed_required(ws, codec)) == []


def test_the_keyed_chain_survives_a_passphrase_change_and_an_old_header(sealed_ws: Path) -> None:
    from storage.maintenance import change_passphrase, open_repository, sealed_required
    from storage.workspace import Workspace

    change_passphrase(sealed_ws, SECRET, "ny fras 2026")
    ws = Workspace.open(sealed_ws)
    codec = ws.codec("ny fras 2026")
    assert verify(ws.audit_path, codec, sealed_required=sealed_required(ws, codec)) == []
    # a header from before the keyed log (no wrapped audit root): the same root is derived, and a
    # writable open stores it wrapped again
    header = json.loads((sealed_ws / "workspace.json").read_text())
    del header["encryption"]["audit"]
    (sealed_ws / "workspace.json").write_text(json.dumps(header))
    ws = Workspace.open(sealed_ws)
    assert verify(ws.audit_path, ws.codec("ny fras 2026")) != []  # rotated: the derived root differs
    # the upgrade path: a workspace whose data key was never rotated
    fresh = sealed_ws.parent / "fresh"
    Workspace.create(fresh, passphrase=SECRET, kdf=FAST_KDF)
    header = json.loads((fresh / "workspace.json").read_text())
    del header["encryption"]["audit"]
    (fresh / "workspace.json").write_text(json.dumps(header))
    repo = open_repository(fresh, passphrase=lambda: SECRET, writable=True)
    repo.log("report")
    repo.close()
    assert "audit" in json.loads((fresh / "workspace.json").read_text())["encryption"]
    ws = Workspace.open(fresh)
    assert verify(ws.audit_path, ws.codec(SECRET), sealed_required=True) == []
