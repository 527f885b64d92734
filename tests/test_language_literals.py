"""No user-facing sentence in the command line bypasses the catalogues (an AST check of tui/cli.py,
tui/commands.py and the other command-line modules: forms, quick start, passphrase, training).

What counts as user-facing: a string literal (or the literal parts of an f-string) that reaches the
user through print(), _say(), UserError(...), an exception raised there, or argparse's help,
description, epilog and metavar, and that holds a word (two or more letters) outside the program's
name and the identifiers the user types (command and option names, environment variables, format
names). What does not: arguments of the catalogue calls t(), s(), msg(), plural(), describe() (they
are keys), option strings ("--from"), command names given to add_parser(), choices, dest and defaults,
docstrings and comments, and JSON/CSV written for programs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["tui/cli.py", "tui/commands.py", "tui/forms_cmd.py", "tui/quick_start.py", "tui/passphrase.py", "tui/training.py"]
CATALOGUE_CALLS = {"t", "s", "msg", "plural", "describe", "h", "validation_lines"}
SHOWN_BY = {"print", "_say", "UserError"}
ARGPARSE = {"add_argument", "add_parser", "add_subparsers", "ArgumentParser", "add_argument_group"}
SHOWN_KEYWORDS = {"help", "description", "epilog", "metavar", "usage", "title"}
# typed by the user or printed verbatim as names, never translated
VERBATIM = re.compile(r"uppfoljning|UPPFOLJNING_\w+|--?[a-z][\w-]*|PDF|ID|YAML|JSON|CSV|SHA-256")
WORD = re.compile(r"[^\W\d_]{2,}")


def literal_words(node: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of each literal with a word in it, not descending into catalogue calls."""
    found: list[tuple[int, str]] = []

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in CATALOGUE_CALLS:
            return
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            if WORD.search(VERBATIM.sub(" ", n.value)):
                found.append((n.lineno, n.value))
            return
        if isinstance(n, ast.JoinedStr):
            for part in n.values:
                if isinstance(part, ast.FormattedValue):
                    walk(part.value)
                else:
                    walk(part)
            return
        for child in ast.iter_child_nodes(n):
            walk(child)

    walk(node)
    return found


def name_of(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def bypasses(source: str) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        shown_call = isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
            name_of(node.exc.func) in SHOWN_BY  # counted once, as the call below
        if isinstance(node, ast.Raise) and node.exc is not None and not shown_call:
            out += [f"{line}: raise {text!r}" for line, text in literal_words(node.exc)]
        if not isinstance(node, ast.Call):
            continue
        name = name_of(node.func)
        if name in SHOWN_BY:
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg not in {"file", "end"})]:
                out += [f"{line}: {name}({text!r})" for line, text in literal_words(arg)]
        elif name in ARGPARSE:
            for k in node.keywords:
                if k.arg in SHOWN_KEYWORDS:
                    out += [f"{line}: {name}({k.arg}={text!r})" for line, text in literal_words(k.value)]
    return out


def test_no_user_facing_literal_in_the_command_line_bypasses_the_catalogues() -> None:
    found = {f: bypasses((ROOT / f).read_text(encoding="utf-8")) for f in FILES}
    assert found == {f: [] for f in FILES}


def test_the_check_finds_a_sentence_written_straight_into_the_code() -> None:
    leaks = bypasses(
        'raise UserError(f"{name}: \'{value}\' is not a date")\n'
        'print("Inga uppföljningar.")\n'
        'p.add_argument("--x", help="the workspace folder")\n'
        '_say(f"uppfoljning: {t(\'error\', lang)}: there is already a workspace")\n'
    )
    assert len(leaks) == 4, leaks
    assert bypasses('print(t("written", lang, path=p))\np.add_argument("--from", metavar="ID")\n'
                    '_say(f"uppfoljning: {line}")\nraise UserError(*lines)\n') == []
