"""The core never loads a UI toolkit, and no core module even names one."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ["interview", "forms", "storage", "reporting", "casework", "documents"]
UI = ("textual", "questionary", "prompt_toolkit", "rich", "tui")
HEAVY_AT_IMPORT = ("reportlab", "questionary", "cryptography", "textual")


def core_modules() -> list[str]:
    mods = []
    for package in CORE:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            mods.append(".".join(p for p in rel.parts if p != "__init__"))
    return mods


# One interpreter checks every module: it loads the third-party libraries the core imports (none of
# them a UI toolkit: checked before anything is forked), then forks one child per module, which imports
# that module alone and reports what UI modules it loaded. Each module is still imported into a process
# holding no other core module, as with one interpreter per module, without 60 interpreter starts.
CHECK_ALL = """
import ast, importlib, json, os, sys
core, ui, names = json.loads(sys.argv[1])
for name in names:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
preloaded = sorted(m for m in sys.modules if m.split('.')[0] in ui or m.split('.')[0] in core)
results = {}
for module in core_modules:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            importlib.import_module(module)
            out = ','.join(m for m in sys.modules if m.split('.')[0] in ui)
        except BaseException as err:
            out = f'ERROR {err!r}'
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, 'rb') as f:
        results[module] = f.read().decode()
    os.waitpid(pid, 0)
print(json.dumps({'preloaded': preloaded, 'results': results}))
"""


def _third_party_imports() -> list[str]:
    """Top-level packages the core imports that are neither the project's nor the standard library's."""
    names: set[str] = set()
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    return sorted(n for n in names if n not in CORE and n not in UI and n not in sys.stdlib_module_names)


@pytest.fixture(scope="module")
def ui_loaded_by() -> dict[str, str]:
    code = f"core_modules = {core_modules()!r}\n" + CHECK_ALL
    arg = json.dumps([CORE, list(UI), _third_party_imports()])
    out = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    report = json.loads(out.stdout)
    # The parent's preloads hold no UI toolkit and no core module, so each child starts clean.
    assert report["preloaded"] == []
    return dict(report["results"])


@pytest.mark.parametrize("module", core_modules())
def test_importing_core_loads_no_ui(module: str, ui_loaded_by: dict[str, str]) -> None:
    assert ui_loaded_by[module] == "", f"{module} loads {ui_loaded_by[module]}"


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
