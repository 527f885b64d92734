"""Mutations of valid case files and forms, at the data level and at the text level, for the fuzzer."""

from __future__ import annotations

import argparse
import copy
import functools
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from tui import cli

_BUILD_PARSER = cli.build_parser  # the real one: run_cli puts a cached one in its place

ROOT = Path(__file__).resolve().parents[1]
CASE_FILES = [ROOT / "tests" / "data" / "example.yaml",
              *sorted(p for p in (ROOT / "forms" / "training").glob("0*.yaml"))]
FORM_FILE = ROOT / "forms" / "definitions" / "standard-uppfoljning-v1.yaml"

# Values an attacker or bad luck puts where something else belongs.
HOSTILE_VALUES: list[Any] = [
    None, "", " ", True, False, 0, -1, 1, 3, -3, 2**31, 2**63, 10**40, -(10**40), 1.5, float("nan"),
    float("inf"), [], {}, [1, [2, [3]]], {"a": {"b": {"c": 1}}},
    "\x1b[31mröd\x1b[0m", "\x1b]52;c;ZXZpbA==\x07", "x\x9b31mC1", "a\x85b", "a\x7fb", "a\x00b",
    "a\nb", "tab\there", "[@click=app.quit]KLICK", "x[/nope]", "[bold]fet[/]",
    "../../somewhere/evil", "/etc/passwd", "a" * 33, "b" * 201, "c" * 2001, "d" * 25_000,
    "Anna Svensson 19880101-1234", "19880101-1234", "g1", "g2", "i1", "yes", "no", "final",
    "draft", "standard-uppfoljning", "2026-02-30", "0000-00-00", "2026-13-01", "9" * 5000,
    date(2026, 1, 1), date(1, 1, 1), date(9999, 12, 31), datetime(2026, 1, 1, 10, 0),
    datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "\u202eevil", "ÅÄÖ", "😀" * 10,
]

TEXT_SNIPPETS = [
    "2026-02-30", "0000-00-00", "2026-13-01", "9" * 4400, "-" + "9" * 4400, "&a ", "*a", "<<: *a",
    "!!python/object:os.system", "!!binary AAAA", "{", "}", "[", "]", ":", "- ", "\n", "\t", "'", '"',
    "\x1b", "\x9b", "\x85", "\u2028", "\ufeff", "\\", "null", "~", "yes", "no", ".nan", ".inf",
    "[" * 3000 + "]" * 3000, "{a: " * 500 + "1" + "}" * 500, "? [a, b]\n: c\n", "%YAML 1.1\n",
    "2026-01-01T10:00:00", "2026-01-01 10:00:00+01:00", "1e999", "0x" + "f" * 100, "0o777",
    "form: ../../x\n", "form: [a]\n", "form: " + "a" * 200 + "\n",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def mutate_data(data: Any, rng: random.Random, n: int) -> Any:
    """Change, remove, add or duplicate values at random places of the parsed document."""
    for _ in range(n):
        paths = _paths(data)
        path = rng.choice(paths)
        op = rng.randrange(7)
        if not path:
            if op == 0:
                data = rng.choice(HOSTILE_VALUES)
            continue
        parent, key = _get(data, path[:-1]), path[-1]
        if op <= 2:
            parent[key] = rng.choice(HOSTILE_VALUES)
        elif op == 3:
            del parent[key]
        elif op == 4 and isinstance(parent, dict):
            parent[rng.choice(["extra", str(rng.choice(HOSTILE_VALUES))[:40], 7])] = rng.choice(HOSTILE_VALUES)
        elif op == 4 and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[key], default=str)))
        elif op == 5 and isinstance(parent[key], str):
            s = parent[key]
            pos = rng.randrange(len(s) + 1)
            parent[key] = s[:pos] + rng.choice(["\x1b", "\x9b", "\x07", "\n", "[/x]", "\u202e", "."]) + s[pos:]
        elif op == 6 and isinstance(parent[key], list) and parent[key]:
            parent[key] = parent[key] * rng.choice([2, 3, 60, 250])  # many goals, many codes
        else:
            parent[key] = rng.choice(HOSTILE_VALUES)
    return data


def dump(data: Any, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(data, default=str, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


def mutate_text(text: str, rng: random.Random, n: int) -> str:
    """Insert, delete, duplicate or swap pieces of the text, and put hostile snippets in."""
    for _ in range(n):
        pos = rng.randrange(len(text) + 1)
        op = rng.randrange(6)
        if op <= 1:
            text = text[:pos] + rng.choice(TEXT_SNIPPETS) + text[pos:]
        elif op == 2:
            text = text[:pos] + text[pos + rng.randrange(1, 40):]
        elif op == 3:
            end = min(len(text), pos + rng.randrange(1, 400))
            text = text[:end] + text[pos:end] * rng.choice([1, 2, 10]) + text[end:]
        elif op == 4:
            text = text[:pos] + chr(rng.randrange(0, 0x250)) + text[pos:]
        else:
            # replace a value after a colon with a snippet
            colon = text.find(": ", pos)
            if colon >= 0:
                eol = text.find("\n", colon)
                eol = len(text) if eol < 0 else eol
                text = text[:colon + 2] + rng.choice([*TEXT_SNIPPETS, "2026-02-30", "0000-00-00"]) + text[eol:]
    return text


@functools.cache
def _source(path: Path) -> tuple[str, Any]:
    """A source file's text and its parsed YAML, read once: parsing the form with the pure-Python
    parser took most of each fuzz example's time. Callers mutate a deep copy of the data."""
    text = path.read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def _parsed(path: Path) -> Any:
    return copy.deepcopy(_source(path)[1])


def mutated_case_file(rng: random.Random) -> tuple[str, bytes]:
    """(file name, bytes): a valid case file mutated at the data or the text level."""
    source = rng.choice(CASE_FILES)
    text = _source(source)[0]
    as_json = rng.random() < 0.3
    if rng.random() < 0.55:
        data = _parsed(source)
        return ("case.json" if as_json else "case.yaml"), dump(mutate_data(data, rng, rng.randint(1, 3)), as_json)
    if as_json:
        text = dump(_parsed(source), True).decode("utf-8")
    return ("case.json" if as_json else "case.yaml"), mutate_text(text, rng, rng.randint(1, 4)).encode(
        "utf-8", "surrogatepass")


ALIAS_BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
              f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
              for i in range(8))
)


def mutated_form(rng: random.Random) -> bytes:
    text = _source(FORM_FILE)[0]
    if rng.random() < 0.5:
        data = mutate_data(_parsed(FORM_FILE), rng, rng.randint(1, 3))
        return dump(data, False)
    if rng.random() < 0.05:
        return (text + ALIAS_BOMB).encode()
    return mutate_text(text, rng, rng.randint(1, 4)).encode("utf-8", "surrogatepass")


# --- running one example through the command line, in-process ----------------------------------------

STATS: dict[int, int] = {}  # exit code -> how many examples ended with it
CONTROL = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@functools.cache
def _built_parser(lang: str) -> argparse.ArgumentParser:
    return _BUILD_PARSER(lang)


def _parser(lang: str = "sv") -> argparse.ArgumentParser:
    """tui.cli.build_parser, built once per language: a fuzz example runs up to ten commands in this
    process and building the parser took two thirds of each. A parser keeps no state between
    parse_args calls; argparse's own words are still pointed at `lang` on every call, as the real
    build does."""
    from language import normalise

    cli._speak(normalise(lang))
    return _built_parser(normalise(lang))


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of tui.cli.main, without a subprocess; an exception propagates."""
    import contextlib
    import io
    from unittest import mock

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch.object(cli, "build_parser", _parser):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def strings_in(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, list):
            stack += item
    return out


def output_problems(code: int, out: str, err: str) -> list[str]:
    problems = []
    if code not in (0, 1):
        problems.append(f"exit code {code}")
    for line in err.splitlines():
        if not line.startswith("uppfoljning:"):
            problems.append(f"stderr line without 'uppfoljning:': {line[:200]!r}")
    for stream, text in (("stdout", out), ("stderr", err)):
        bad = sorted({c for c in text if c in CONTROL and c != "\t"})
        if bad:
            problems.append(f"raw control characters on {stream}: {bad!r}")
    return problems


def check_import(workspace: Path, scratch: Path, name: str, content: bytes) -> list[str]:
    """Every promise of `uppfoljning import` for one file; the problems found (none is a pass)."""
    path = scratch / name
    path.write_bytes(content)
    before = snapshot(workspace)
    code, out, err = run_cli(["--workspace", str(workspace), "--lang", "en", "import", str(path)])
    STATS[code] = STATS.get(code, 0) + 1
    problems = output_problems(code, out, err)
    if code == 1 and snapshot(workspace) != before:
        problems.append("the workspace changed although the import was refused")
    if code == 0 and "imported 1" in out.lower():
        problems += _round_trip(workspace, scratch, out)
    return problems


def _round_trip(workspace: Path, scratch: Path, out: str) -> list[str]:
    """An accepted file exports, imports elsewhere and exports again identically, and no string in it
    holds a control character."""
    import re

    m = re.search(r":\s*([A-Za-z0-9_-]+)\s*$", out.strip())
    if m is None:
        return [f"no follow-up id in {out!r}"]
    fid = m.group(1)
    first = scratch / "first.yaml"
    code, _, err = run_cli(["--workspace", str(workspace), "export", fid, "-o", str(first)])
    if code != 0:
        return [f"export of an accepted file failed: {err!r}"]
    data = yaml.safe_load(first.read_text(encoding="utf-8"))
    problems = [f"control character in an accepted string: {s[:60]!r}" for s in strings_in(data)
                if any(c in CONTROL - {"\t", "\r"} for c in s if c != "\n")]
    other = scratch / "other"
    if not other.exists():
        run_cli(["--workspace", str(other), "init", "--no-encryption"])
    code, _, err = run_cli(["--workspace", str(other), "import", str(first)])
    if code != 0:
        return [*problems, f"the export of an accepted file is refused: {err!r}"]
    second = scratch / "second.yaml"
    run_cli(["--workspace", str(other), "export", fid, "-o", str(second)])
    if first.read_bytes() != second.read_bytes():
        problems.append("the re-imported export differs")
    return problems


def check_form(scratch: Path, content: bytes) -> list[str]:
    path = scratch / "form.yaml"
    path.write_bytes(content)
    code, out, err = run_cli(["--lang", "en", "forms", "validate", str(path)])
    return output_problems(code, out, err)
