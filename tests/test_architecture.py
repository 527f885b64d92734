"""The core never loads a UI toolkit, and no core module even names one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ["interview", "forms", "storage", "reporting", "casework", "documents", "language"]
UI = ("textual", "questionary", "prompt_toolkit", "rich", "tui")
HEAVY_AT_IMPORT = ("reportlab", "questionary", "cryptography", "textual")


def core_modules() -> list[str]:
    mods = []
    for package in CORE:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            mods.append(".".join(p for p in rel.parts if p != "__init__"))
    return mods


@pytest.mark.parametrize("module", core_modules())
def test_importing_core_loads_no_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {UI!r}]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "", f"{module} loads {out.stdout.strip()}"


def test_no_core_source_imports_a_ui_package() -> None:
    offenders = []
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                              if n.split(".")[0] in UI]
    assert offenders == []


def test_the_command_line_starts_without_heavy_imports() -> None:
    code = (
        "import sys\nfrom tui import cli\n"
        "cli.build_parser()\n"
        f"print(','.join(m for m in sys.modules if m.split('.')[0] in {HEAVY_AT_IMPORT!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == ""
