"""The core never loads a UI toolkit, and no core module even names one."""

from __future__ import annotations

import ast
import functools
import json
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
    return dict(_ui_loaded_by())


@functools.cache  # a test worker (pytest -n) may set the fixture up again; one interpreter run is enough
def _ui_loaded_by() -> dict[str, str]:
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


# --- no business rule in tui/ ----------------------------------------------------------------------
# The due rule, date arithmetic and erasure live in casework/ (UI-free, tested without Textual); the
# front ends only ask it. What can be checked on the source: tui/ never orders a date against another
# (due, overdue, older than), never adds or subtracts time, and never calls the storage's erase.

DATE_NAMES = {"today", "next_followup", "meeting_date", "fromisoformat", "finalized_at", "updated_at",
              "created_at", "cutoff"}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
DATE_ARITHMETIC = {"timedelta", "relativedelta", "add_months", "monthrange"}


DATE_CALLS = {"fromisoformat", "date", "datetime", "timedelta", "relativedelta", "today", "now"}


def _terms(node: ast.AST) -> set[str]:
    """The names an expression's value is built from. A call to anything but a date constructor is
    opaque: its result is what the called rule (in casework/) decided, not a rule decided here."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr} | _terms(node.value)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in DATE_CALLS:
            return set()
        out = {name} | (_terms(func.value) if isinstance(func, ast.Attribute) else set())
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            out |= _terms(arg)
        return out
    out = set()
    for child in ast.iter_child_nodes(node):
        out |= _terms(child)
    return out


def business_rules_in(source: str) -> list[str]:
    """(line: what) for every place the source decides a date rule or erases by itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare) and any(isinstance(op, ORDERING) for op in node.ops):
            dates = _terms(node) & DATE_NAMES
            if dates:
                found.append(f"{line}: compares {', '.join(sorted(dates))}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            arithmetic = _terms(node) & (DATE_ARITHMETIC | {"today"})
            if arithmetic:
                found.append(f"{line}: date arithmetic with {', '.join(sorted(arithmetic))}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("datetime", "calendar", "dateutil.relativedelta"):
            used = {a.name for a in node.names} & (DATE_ARITHMETIC | {"monthrange"})
            if used or node.module == "calendar":
                found.append(f"{line}: imports {node.module}")
        elif isinstance(node, ast.Import) and any(a.name == "calendar" for a in node.names):
            found.append(f"{line}: imports calendar")
        elif isinstance(node, ast.Attribute) and node.attr in ("erase_case", "add_months"):
            found.append(f"{line}: calls {node.attr}")
    return found


def test_the_rule_finder_finds_what_tui_used_to_hold() -> None:
    # What tui/ held before casework/ took it over: each must be found, or the test below proves nothing.
    old = {
        "overdue=bool(nxt) and nxt < today": "compares today",
        "x = next_date is not None and date.fromisoformat(next_date) <= today": "compares fromisoformat, today",
        "return today - timedelta(days=n)": "date arithmetic with timedelta, today",
        "from datetime import UTC, date, datetime, timedelta": "imports datetime",
        "import calendar": "imports calendar",
        "repo.erase_case(found.id)": "calls erase_case",
        "old = last < datetime(cutoff.year, cutoff.month, cutoff.day)": "compares cutoff",
    }
    for source, what in old.items():
        assert [f.split(": ", 1)[1] for f in business_rules_in(source)] == [what], source
    # and what the front ends may still do: show today, pass it on, compare things that are no dates
    fine = (
        "d = self.today.isoformat()\nok = is_overdue(nxt, today)\nif len(rows) > MAX_ROWS: pass\n"
        "notes = [p.text for p in plan_start_problems(start, self.today)] + [p.text for p in more(today)]\n"
    )
    assert business_rules_in(fine) == []


def test_tui_decides_no_due_date_and_erases_nothing_itself() -> None:
    offenders = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        for finding in business_rules_in(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{finding}")
    assert offenders == []
