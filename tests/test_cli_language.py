"""In Swedish, the command line speaks only Swedish: every --help, argparse's own words, and the errors."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from tui.cli import build_parser, main

EXAMPLE = Path(__file__).parent / "data" / "example.yaml"

# Words that only English uses. A line is English when one of them stands outside what the program
# prints verbatim: option names, command names and choice values (typed, so never translated), paths,
# quoted values the user gave, keys of the case-file format that locate a problem in a file
# (followup.answers.meeting_date), and the program's name.
ENGLISH = {
    "the", "is", "are", "was", "were", "be", "been", "of", "and", "or", "with", "without", "not", "only",
    "this", "that", "from", "for", "into", "your", "you", "which", "there", "its", "it", "an", "cannot",
    "must", "should", "usage", "options", "error", "help", "message", "exit", "invalid", "choice",
    "choose", "expected", "required", "unrecognized", "following", "workspace", "folder", "file",
    "follow-up", "draft", "already", "missing", "damaged", "encrypted", "give", "write", "name", "case",
    "no", "show", "open", "read-only", "date", "nothing", "none", "answer", "at", "least",
}


def identifiers(parser: argparse.ArgumentParser) -> set[str]:
    """Every word the user types: option names, command names, choice values (walked recursively)."""
    words: set[str] = set()
    for action in parser._actions:
        for option in action.option_strings:
            words.update(re.findall(r"[a-z]+", option))
        for choice in action.choices or ():
            words.update(re.findall(r"[a-z]+", str(choice)))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                words |= identifiers(sub)
    return words


ALLOWED = identifiers(build_parser("sv")) | {"uppfoljning"}


def english(text: str) -> list[str]:
    text = re.sub(r"\S*/\S*", " ", text)  # paths and URLs
    text = re.sub(r"'[^'\n]*'", " ", text)  # quoted values and commands ('uppfoljning init')
    text = re.sub(r"\{[^}\n]*\}", " ", text)  # lists of choices
    text = re.sub(r"\b\w+(?:\.\w+|\[\d+\])+", " ", text)  # where in a case file: its keys, as written there
    text = re.sub(r"--?[A-Za-z][\w-]*", " ", text)  # option names
    text = re.sub(r"\b[0-9a-f]*\d[0-9a-f]*\b", " ", text)  # follow-up ids: hex with a digit ('8998be0ed7eb' is no "be")
    words = {w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)}  # å, ä, ö are letters too
    return sorted(w for w in words if w in ENGLISH and w not in ALLOWED)


def test_the_detector_finds_the_english_leaks_it_is_meant_to_find() -> None:
    assert english("uppfoljning: fel: there is already a workspace in /tmp/x") == ["already", "is", "there"]
    assert english("usage: uppfoljning [-h]") == ["usage"]
    assert english("String should have at least 1 character") == ["at", "least", "should"]
    assert english("uppfoljning: fel: det finns ingen arbetsyta i /tmp/x; skapa en med 'uppfoljning init'") == []
    assert english("uppföljningen 8998be0ed7eb är ett utkast") == []  # an id is no word, even when it spells one
    assert english("uppföljningen 8998be0ed7eb is a draft") == ["draft", "is"]


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += commands(sub, (*path, name))
    return out


ALL_COMMANDS = commands(build_parser("sv"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: " ".join(c) or "uppfoljning")
def test_every_help_is_swedish_and_the_english_one_is_english(command: tuple[str, ...],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, sv = run(capsys, *command, "--help")
    assert code == 0 and sv.startswith("användning: uppfoljning")
    assert english(sv) == [], sv
    code, en = run(capsys, "--lang", "en", *command, "--help")
    assert code == 0 and en.startswith("usage: uppfoljning")
    assert english(en), en  # the detector would notice English, so silence above means Swedish


@pytest.mark.parametrize("argv", [
    ["frobnicate"], ["--lang", "xx", "list"], ["import"], ["report", "--threshold", "fem"],
    ["report", "--format", "docx"], ["correct", "abc"], ["audit"], ["db", "grant", "x"], ["list", "--due", "x"],
], ids=" ".join)
def test_argparse_errors_are_swedish(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, said = run(capsys, *argv)
    assert code == 2 and "uppfoljning" in said and ": fel: " in said, said
    assert english(said) == [], said


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "ws"
    assert main(["--workspace", str(path), "init", "--no-encryption"]) == 0
    assert main(["--workspace", str(path), "import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    return path


def test_the_commands_error_paths_are_swedish(ws: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workspace", str(ws), "list", "--format", "json"]) == 0
    [row] = yaml.safe_load(capsys.readouterr().out)
    bad = tmp_path / "bad.yaml"
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["client"]["case_ref"] = ""
    data["followup"]["answers"]["meeting_date"] = "2026-13-01"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    not_training = tmp_path / "plain"
    not_training.mkdir()
    (not_training / "x.txt").write_text("x", encoding="utf-8")
    w = ["--workspace", str(ws)]
    cases = [
        ["--workspace", str(tmp_path / "none"), "list"],  # no workspace here
        [*w, "init", "--no-encryption"],  # already a workspace
        [*w, "export", "nope"], [*w, "pdf", "nope"],  # no such follow-up
        [*w, "export", ""],  # every follow-up matches: not found either way
        [*w, "correct", row["id"], "--reason", "x", "--text", "y"],  # a draft is changed, not corrected
        [*w, "report", "--from", "igår"], [*w, "report", "--threshold", "0"], [*w, "report", "--format", "pdf"],
        [*w, "import", str(bad)], [*w, "import", str(tmp_path / "missing.yaml")],
        [*w, "passphrase"],  # not encrypted
        [*w, "erase", "IFO-0000-0000", "--yes"], [*w, "erase", "--older-than", "fem år", "--yes"],
        [*w, "erase"],
        [*w, "forms", "validate", str(bad)],
        ["--workspace", str(not_training), "training", "--reset"],
    ]
    for argv in cases:
        code, said = run(capsys, *argv)
        assert code == 1, (argv, said)
        assert said.strip() and "Traceback" not in said, (argv, said)
        assert english(said) == [], (argv, said)


def test_no_swedish_message_in_the_catalogue_holds_an_english_word() -> None:
    """Every Swedish text, also those no test reaches: the app's, quick mode's, the documents'. The
    exceptions name what is written as it is: the values a case file's `status` takes, an XLSForm
    question type, and the XPath operators of the XLSForm subset."""
    from tests.test_language import entries

    found = {f"{ctx or ''}:{key}": english(t) for (ctx, key), texts in entries("sv").items() for t in texts
             if english(t)}
    assert found == {":status_code": ["draft"], "xlsform:w_type": ["date"], "xlsform:x_subset": ["and", "not", "or"]}
