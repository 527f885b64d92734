"""The quick mode's start-up: what comes before the first prompt, and what is done only once."""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interview.case import Case
from interview.casefile import load_text, parse_casefile
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "rätt lösenfras 1"
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}
REF = "IFO-2026-0117"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    example = parse_casefile(load_text((ROOT / "tests" / "data" / "example.yaml").read_text(encoding="utf-8")))
    w = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="A"), passphrase=SECRET, kdf=FAST_KDF)
    r = TinyDBRepository(w, codec=w.codec(SECRET))
    r.add_case(Case(client=example.client, plan=example.plan))
    r.close()
    return w.path


# Heavy modules, none of which the passphrase prompt needs.
HEAVY = ("pydantic", "prompt_toolkit", "questionary", "tinydb", "cryptography", "argon2", "interview.case",
         "storage.workspace")

PROBE = """
import getpass, sys
import tui.quick_start as qs
qs._warm = lambda resume: None  # the head start runs beside the prompt; here only the prompt's own path
def probe(prompt=''):
    heavy = [m for m in {heavy!r} if m in sys.modules]
    print('AT PROMPT', prompt.strip(), 'HEAVY', heavy, flush=True)
    raise KeyboardInterrupt
getpass.getpass = probe
from tui.cli import main
sys.exit(main(['--workspace', sys.argv[1], 'quick', *sys.argv[2:]]))
"""


@pytest.mark.parametrize("extra", [(), ("--case", REF)])
def test_the_passphrase_prompt_comes_before_any_heavy_import(ws: Path, extra: tuple[str, ...]) -> None:
    main_fd, child_fd = pty.openpty()  # a terminal: quick mode refuses to start without one
    env = {k: v for k, v in os.environ.items() if k != "UPPFOLJNING_PASSPHRASE"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE.format(heavy=HEAVY), str(ws), *extra],
            stdin=child_fd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False,
        )
    finally:
        os.close(main_fd)
        os.close(child_fd)
    assert "AT PROMPT Lösenfras:" in done.stdout, done.stdout + done.stderr
    assert "HEAVY []" in done.stdout, done.stdout  # nothing heavy was imported before it was shown
    assert done.returncode == 0 and "Traceback" not in done.stderr


class Paused(KeyboardInterrupt):
    """Ctrl-C at the first question, as a person pausing there would."""


def _start(monkeypatch: pytest.MonkeyPatch, ws: Path, case: str | None, typed: list[str],
           env_secret: str | None = None) -> dict[str, Any]:
    """Runs the quick mode to its first question (then Ctrl-C): what was asked, and how often the key
    was derived."""
    import getpass

    import questionary.question

    import storage.crypto
    from tui import quick_start

    seen: dict[str, Any] = {"derived": 0, "questions": []}
    derive = storage.crypto.derive_key

    def counting(*args: Any, **kwargs: Any) -> bytes:
        seen["derived"] += 1
        return derive(*args, **kwargs)

    def ask(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen["questions"].append(self)
        raise Paused

    answers = iter(typed)
    monkeypatch.setattr(storage.crypto, "derive_key", counting)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(questionary.question.Question, "unsafe_ask", ask)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.delenv("UPPFOLJNING_PASSPHRASE", raising=False)
    if env_secret is not None:
        monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", env_secret)
    monkeypatch.setenv("HOME", str(ws.parent))
    args = argparse.Namespace(workspace=str(ws), lang="sv", case=case)
    seen["exit"] = quick_start.main(args)
    return seen


@pytest.mark.parametrize("case", [None, REF])
def test_the_key_is_derived_once_per_passphrase_tried(
    monkeypatch: pytest.MonkeyPatch, ws: Path, case: str | None
) -> None:
    seen = _start(monkeypatch, ws, case, [SECRET])
    assert seen["exit"] == 0 and len(seen["questions"]) == 1
    assert seen["derived"] == 1  # the whole start, the repository's opening included
    seen = _start(monkeypatch, ws, case, ["fel fras", "fel igen", SECRET])
    assert seen["derived"] == 3 and len(seen["questions"]) == 1
    if case is None:
        return  # from the environment the key is derived only after the case question is on screen
    # From the environment the outdated (scrypt) header is raised to argon2id on the way: the old
    # derivation opens it, one new one wraps the same keys (the opening is not derived again)...
    seen = _start(monkeypatch, ws, case, [], env_secret=SECRET)
    assert seen["derived"] == 2 and len(seen["questions"]) == 1
    assert Workspace.open(ws).settings.encryption["kdf"]["name"] == "argon2id"  # type: ignore[index]
    # ...and from then on, one derivation per start, typed or not.
    for typed, env in (([], SECRET), ([SECRET], None)):
        seen = _start(monkeypatch, ws, case, typed, env_secret=env)
        assert seen["derived"] == 1 and len(seen["questions"]) == 1


def test_resuming_by_case_number_lists_no_cases(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ws: Path
) -> None:
    """`quick --case REF` (the command printed on a pause) reads the one case, not a list of all."""

    def refused(self: Any) -> Any:
        raise AssertionError("the whole case list was built")

    monkeypatch.setattr(TinyDBRepository, "listing", refused)
    seen = _start(monkeypatch, ws, REF, [SECRET])
    assert seen["exit"] == 0 and len(seen["questions"]) == 1
    assert f"Ny uppföljning för {REF}" in capsys.readouterr().out  # that case, its draft started
