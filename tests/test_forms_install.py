"""Installed forms: immutable versions, code meanings kept across versions, sealed, logged, race-free,
and follow-ups that keep their own version."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms.loader import load_form_text, parse_form
from storage.audit import AuditLog
from storage.errors import CorruptFile
from storage.maintenance import change_passphrase, open_repository
from tui.cli import main

SECRET = "korrekt häst batteri"
FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}
ROOT = Path(__file__).resolve().parent.parent


def text(sv: str, en: str | None = None) -> dict[str, str]:
    return {"sv": sv, "en": en or sv}


def q(qid: str, qtype: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": qtype, "label": text(label), "help": text(f"Hjälp: {label}"), **extra}


def choices(*codes: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"code": c, "label": text(w)} for c, w in codes]


def custom_form(version: int = 1) -> dict[str, Any]:
    """A small substance-abuse follow-up: branching, a multi-choice and a per-goal section."""
    return {
        "id": "missbruk",
        "version": version,
        "title": text("Uppföljning missbruk", "Substance-abuse follow-up"),
        "sections": [
            {"id": "meeting", "title": text("Mötet"), "questions": [
                q("meeting_date", "date", "Datum för mötet", required=True, not_future=True),
            ]},
            {"id": "use", "title": text("Bruk"), "questions": [
                q("uses", "choice", "Använder klienten substanser?", required=True,
                  choices=choices(("yes", "Ja"), ("no", "Nej"), ("partly", "Ibland"))),
                q("substances", "multi", "Vilka substanser?", when={"in": {"question": "uses",
                  "values": ["yes", "partly"]}},
                  choices=choices(("alcohol", "Alkohol"), ("cannabis", "Cannabis"), ("opioids", "Opioider"))),
            ]},
            {"id": "goals", "title": text("Mål"), "per_goal": True, "questions": [
                q("attainment", "choice", "Har målet uppnåtts?", required=True,
                  choices=choices(("achieved", "Uppnått"), ("not_achieved", "Inte uppnått"))),
            ]},
            {"id": "outcome", "title": text("Bedömning"), "questions": [
                q("assessment", "text", "Samlad bedömning", required=True),
            ]},
        ],
    }


def write_form(tmp_path: Path, data: dict[str, Any], name: str = "form.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "lock"}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna A"]) == 0
    return path


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def audit_actions(ws: Path) -> list[str]:
    return [e.action for e in AuditLog(ws / "audit.jsonl", "").entries()]


def test_install_list_show_export_round_trip(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    assert "form missbruk version 1 is installed (5 questions)" in capsys.readouterr().out
    assert cli(ws, "forms", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert "missbruk  v1  Substance-abuse follow-up" in listed
    assert any(line.startswith("standard-uppfoljning  v1, 2") and "(default)" in line for line in listed)
    assert cli(ws, "forms", "show", "missbruk") == 0
    shown = capsys.readouterr().out
    assert "substances (multi): Vilka substanser? {alcohol, cannabis, opioids}  when uses in (yes, partly)" in shown
    assert "[goals] Mål (per goal)" in shown
    out = tmp_path / "out.yaml"
    assert cli(ws, "forms", "export", "missbruk", "--format", "yaml", "-o", str(out)) == 0
    assert load_form_text(out.read_text(encoding="utf-8")) == parse_form(custom_form())
    assert audit_actions(ws).count("form_install") == 1


def test_identical_content_is_already_installed_and_changes_nothing(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    before = snapshot(ws)
    # Other YAML layout, same content: key order and comments never count.
    data = custom_form()
    reordered = {k: data[k] for k in reversed(list(data))}
    path = tmp_path / "again.yaml"
    path.write_text("# a comment\n" + yaml.safe_dump(reordered, allow_unicode=True), encoding="utf-8")
    capsys.readouterr()
    assert cli(ws, "forms", "install", str(path)) == 0
    assert "already installed with the same content" in capsys.readouterr().out
    assert snapshot(ws) == before


def test_same_version_with_other_content_is_refused_naming_what_differs(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    before = snapshot(ws)
    changed = custom_form()
    changed["sections"][1]["questions"][0]["label"] = text("Brukar klienten substanser?")
    changed["sections"][3]["questions"].append(q("plan", "text", "Fortsatt plan"))
    capsys.readouterr()
    assert cli(ws, "forms", "install", str(write_form(tmp_path, changed))) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("uppfoljning: form missbruk version 1 is already installed with other content; an "
                      "installed version never changes – give the changed form a new version number")
    assert "uppfoljning: new question: «Fortsatt plan» (plan)" in err
    assert "uppfoljning: changed question: «Använder klienten substanser?» (uses): label" in err
    assert err[-1] == "uppfoljning: no form was installed"
    assert snapshot(ws) == before


def test_a_new_version_may_add_reorder_and_reword(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    v2 = custom_form(2)
    use = v2["sections"][1]["questions"]
    use[0]["label"] = text("Brukar klienten alkohol eller droger?")
    use[0]["choices"].reverse()
    use[0]["choices"][0]["label"] = text("Ibland, men sällan")
    use[1]["choices"].append({"code": "other", "label": text("Annat")})
    v2["sections"][3]["questions"].insert(0, q("plan", "text", "Fortsatt plan"))
    v2["sections"][1], v2["sections"][0] = v2["sections"][0], v2["sections"][1]
    assert cli(ws, "forms", "install", str(write_form(tmp_path, v2))) == 0
    assert "version 2 is installed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # The codes swap their words: an old "yes" would now read as "no".
        (lambda f: f["sections"][1]["questions"][0].update(choices=choices(
            ("yes", "Nej"), ("no", "Ja"), ("partly", "Ibland"))),
         ["«Använder klienten substanser?» (uses): code yes carries in version 2 the meaning code no had in "
          "version 1; a code never changes meaning",
          "«Använder klienten substanser?» (uses): code no carries in version 2 the meaning code yes had in "
          "version 1; a code never changes meaning"]),
        (lambda f: f["sections"][1]["questions"][1].update(type="choice"),
         ["«Vilka substanser?» (substances) is multi in version 1 but choice in version 2; a question never "
          "changes type – give the new question a new id"]),
        (lambda f: f["sections"][2].update(per_goal=False),
         ["«Har målet uppnåtts?» (attainment) is asked per goal in one version (1/2) but once in the other; "
          "give the moved question a new id"]),
    ],
    ids=["codes-swapped", "type-changed", "moved-out-of-goals"],
)
def test_a_new_version_that_changes_a_meaning_is_refused(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, expected: list[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    before = snapshot(ws)
    v2 = custom_form(2)
    change(v2)
    capsys.readouterr()
    assert cli(ws, "forms", "install", str(write_form(tmp_path, v2))) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"uppfoljning: {line}" for line in expected] + ["uppfoljning: no form was installed"]
    assert snapshot(ws) == before


def test_a_version_between_two_installed_is_checked_against_both(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form(1)))) == 0
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form(3)))) == 0
    v2 = custom_form(2)
    v2["sections"][3]["questions"][0]["type"] = "date"  # assessment: text in 1 and 3
    capsys.readouterr()
    assert cli(ws, "forms", "install", str(write_form(tmp_path, v2))) == 1
    err = capsys.readouterr().err
    assert "is text in version 1 but date in version 2" in err
    assert "is date in version 2 but text in version 3" in err


def test_the_shipped_standard_form_cannot_be_replaced(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = (ROOT / "forms" / "definitions" / "standard-uppfoljning-v2.yaml").read_text(encoding="utf-8")
    same = tmp_path / "same.yaml"
    same.write_text(shipped, encoding="utf-8")
    assert cli(ws, "forms", "install", str(same)) == 0
    assert "already installed with the same content" in capsys.readouterr().out
    before = snapshot(ws)
    changed = tmp_path / "changed.yaml"
    changed.write_text(shipped.replace("Datum för uppföljningen", "Mötesdatum", 1), encoding="utf-8")
    assert cli(ws, "forms", "install", str(changed)) == 1
    err = capsys.readouterr().err
    assert "standard-uppfoljning version 2 is already installed with other content" in err
    assert snapshot(ws) == before


def test_a_hostile_yaml_form_is_refused_with_every_problem_and_nothing_installed(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = custom_form()
    bad["sections"][1]["questions"][1]["when"] = {"equals": {"question": "later", "value": "x"}}
    bad["sections"][1]["questions"].append(q("weird", "slider", "Skjutreglage"))
    path = write_form(tmp_path, bad)
    path.write_text(path.read_text(encoding="utf-8") + "extra: !!python/object/apply:os.system ['true']\n",
                    encoding="utf-8")
    before = snapshot(ws)
    assert cli(ws, "forms", "install", str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) >= 2 and err[-1] == "uppfoljning: no form was installed"
    assert all(line.startswith(f"uppfoljning: {path}: ") for line in err[:-1])
    assert snapshot(ws) == before
    assert not (ws / "forms").exists()


def test_a_number_comparison_on_a_choice_and_a_constraint_reading_a_goal_answer_are_refused(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = custom_form()
    bad["sections"][1]["questions"][1]["when"] = {"compare": {"question": "uses", "op": ">", "value": 1}}
    bad["sections"][3]["questions"][0]["constraint"] = {"equals": {"question": "attainment",
                                                                   "value": "achieved"}}
    assert cli(ws, "forms", "install", str(write_form(tmp_path, bad))) == 1
    err = capsys.readouterr().err
    assert "sections[1].questions[1].when: 'uses' is not a number question; compare numbers only" in err
    assert ("sections[3].questions[0].constraint: 'attainment' is a per-goal question; a constraint reads "
            "its own answer and questions asked once") in err
    assert not (ws / "forms").exists()


RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from tui.cli import main
    import storage.forms_store, tui.forms_cmd, tui.commands  # loaded before the start, so all race
    go = Path(sys.argv[1])
    (go.parent / f"ready-{os.getpid()}").touch()
    while not go.exists():
        time.sleep(0.002)
    sys.exit(main(["--workspace", sys.argv[2], "--lang", "en", "forms", "install", sys.argv[3]]))
""")


def _race(ws: Path, tmp_path: Path, files: list[Path]) -> list[tuple[int, str, str]]:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", RACER, str(go), str(ws), str(f)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(files) and time.monotonic() < deadline:
        time.sleep(0.05)  # every process waits at the line before the start
    go.touch()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append((p.returncode, stdout, stderr))
    for ready in tmp_path.glob("ready-*"):
        ready.unlink()
    return out


def test_twenty_processes_installing_the_same_form_install_it_exactly_once(ws: Path, tmp_path: Path) -> None:
    path = write_form(tmp_path, custom_form())
    results = _race(ws, tmp_path, [path] * 20)
    assert [r[0] for r in results] == [0] * 20, results
    installed = [r for r in results if "version 1 is installed" in r[1]]
    already = [r for r in results if "already installed with the same content" in r[1]]
    assert (len(installed), len(already)) == (1, 19)
    assert [p.name for p in (ws / "forms").iterdir() if not p.name.startswith(".")] == ["missbruk-v1.json"]
    assert audit_actions(ws).count("form_install") == 1


def test_twenty_processes_installing_different_contents_of_one_version_leave_exactly_one(
    ws: Path, tmp_path: Path
) -> None:
    files = []
    for n in range(20):
        data = custom_form()
        data["title"] = text(f"Variant {n}")
        files.append(write_form(tmp_path, data, f"v{n}.yaml"))
    results = _race(ws, tmp_path, files)
    winners = [n for n, r in enumerate(results) if r[0] == 0]
    assert len(winners) == 1, results
    for n, (rc, _, err) in enumerate(results):
        if n not in winners:
            assert rc == 1 and "already installed with other content" in err and "Traceback" not in err
    repo = open_repository(ws, passphrase=lambda: None, writable=False)
    try:
        assert repo.form("missbruk", 1).title.sv == f"Variant {winners[0]}"
    finally:
        repo.close()
    assert audit_actions(ws).count("form_install") == 1


def test_installed_forms_are_sealed_and_survive_a_passphrase_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.workspace import Workspace

    path = tmp_path / "ws"
    Workspace.create(path, passphrase=SECRET, kdf=FAST_KDF)
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert cli(path, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    stored = (path / "forms" / "missbruk-v1.json").read_bytes()
    assert b"substanser" not in stored and b"missbruk" not in stored and b"alcohol" not in stored
    assert cli(path, "audit", "verify") == 0  # the install is in the keyed log, and the chain holds
    change_passphrase(path, SECRET, "ett helt annat lösenord")
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", "ett helt annat lösenord")
    capsys.readouterr()
    assert cli(path, "forms", "show", "missbruk") == 0
    assert "Vilka substanser?" in capsys.readouterr().out
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    assert cli(path, "forms", "show", "missbruk") == 1  # the old passphrase opens nothing


def test_a_form_file_renamed_to_pass_for_another_version_is_refused(ws: Path, tmp_path: Path) -> None:
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    os.rename(ws / "forms" / "missbruk-v1.json", ws / "forms" / "missbruk-v7.json")
    repo = open_repository(ws, passphrase=lambda: None, writable=False)
    try:
        with pytest.raises(CorruptFile, match="holds form 'missbruk' version 1"):
            repo.form("missbruk", 7)
    finally:
        repo.close()


def test_a_forms_folder_that_is_a_link_is_refused(ws: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (ws / "forms").symlink_to(elsewhere)
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_unknown_form_is_one_line(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(ws, "forms", "show", "nope", "--version", "3") == 1
    assert capsys.readouterr().err == (
        "uppfoljning: form nope v3 is not installed (see 'uppfoljning forms list')\n")



@pytest.mark.serial
def test_installs_killed_at_any_moment_leave_the_form_whole_or_absent(ws: Path, tmp_path: Path) -> None:
    import random
    import signal

    path = write_form(tmp_path, custom_form())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))",
               "--workspace", str(ws), "--lang", "en", "forms", "install", str(path)]
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)  # how long a whole run takes
    whole = time.monotonic() - started
    (ws / "forms" / "missbruk-v1.json").unlink()  # start again from nothing
    rng = random.Random(21)
    kills = 0
    for _ in range(25):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.1) * whole)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        files = [p.name for p in (ws / "forms").iterdir() if p.name.endswith(".json") and
                 not p.name.startswith(".")]
        assert files in ([], ["missbruk-v1.json"])
        if files:  # whole, or not there at all: never a torn version
            repo = open_repository(ws, passphrase=lambda: None, writable=False)
            try:
                assert repo.form("missbruk", 1) == parse_form(custom_form())
            finally:
                repo.close()
            (ws / "forms" / "missbruk-v1.json").unlink()
    assert kills >= 5  # the kills really landed mid-run
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "installed" in result.stdout
    assert [p.name for p in (ws / "forms").iterdir() if p.name.endswith(".tmp")] == []
    assert cli(ws, "audit", "verify") == 0


def test_an_install_killed_before_its_log_entry_is_logged_by_the_next(ws: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.audit import AuditLog  # what forms_store appends through

    def killed(self: Any, *args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt  # stands for the process dying right after the file was created

    monkeypatch.setattr(AuditLog, "append", killed)
    with pytest.raises(KeyboardInterrupt):
        repo = open_repository(ws, passphrase=lambda: None, writable=False)
        repo.form_store().install(parse_form(custom_form()))
    repo.close()
    monkeypatch.undo()
    assert (ws / "forms" / "missbruk-v1.json").exists() and "form_install" not in audit_actions(ws)
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    assert audit_actions(ws).count("form_install") == 1
    assert cli(ws, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    assert audit_actions(ws).count("form_install") == 1
