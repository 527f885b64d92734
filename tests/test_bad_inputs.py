"""Every file of the bad-input corpus: exit 1, one clear line per problem, the workspace unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tui.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED: dict[str, list[str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_is_complete() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.yaml")
    assert len(files) >= 30
    assert files == sorted(EXPECTED)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("bad") / "ws"
    assert main(["--workspace", str(ws), "init", "--no-encryption"]) == 0
    example = Path(__file__).parent / "data" / "example.yaml"
    assert main(["--workspace", str(ws), "import", str(example)]) == 0  # not empty: more to lose
    return ws


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(workspace: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(workspace)
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "--lang", "en", "import", str(CORPUS / name)]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1] == "uppfoljning: Nothing was imported; correct the problems above and try again."
    problems = lines[:-1]
    assert len(problems) == len(EXPECTED[name]), err
    for fragment in EXPECTED[name]:
        assert any(fragment in line for line in problems), (fragment, err)
    for line in problems:
        assert line.startswith(f"uppfoljning: {CORPUS / name}: ") and len(line) < 300, line
    assert snapshot(workspace) == before


def test_no_traceback_from_the_installed_command(workspace: Path) -> None:
    # in a real process, for the nastiest three, so nothing is hidden by pytest's capture
    for name in ("02_yaml_bomb.yaml", "03_binary_junk.yaml", "21_terminal_escape.yaml"):
        res = subprocess.run(
            [sys.executable, "-m", "tui.cli", "--workspace", str(workspace), "--lang", "en",
             "import", str(CORPUS / name)],
            capture_output=True, text=True, check=False, timeout=60,
        )
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert "\x1b" not in res.stderr  # the escape is reported by name, never echoed
