"""Quick mode in a narrow terminal (60 columns): the typing line wraps at words, an instruction is never
split inside one of its parts, each instruction says what Enter does there, the review fits the width."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.utils import get_cwidth

from interview.case import Case
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.test_quick import (
    COMPLETE,
    COMPLETE_GOALS,
    CTRL_C,
    Terminal,
    Tmux,
    _draft,
    _need_tmux,
    _quick,
)
from tests.test_quick import example as example
from tests.test_quick import repo as repo
from tui.strings import s

SENTENCE = ("Brukaren har varit sjuk under en stor del av perioden och kunde därför inte delta i alla "
            "planerade samtal eftersom hon befann sig på sjukhus i flera veckor under hösten")


def _workspace_with_a_draft(tmp_path: Path, example: Any, answers: dict[str, Any]) -> Path:
    from casework.session import FollowUpSession, start_followup

    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="Handläggare A"))
    r = TinyDBRepository(ws)
    case = Case(client=example.client, plan=example.plan)
    r.add_case(case)
    session = FollowUpSession(r, start_followup(r, case, "Handläggare A").id, "sv")
    for key, value in answers.items():
        session.answer(key, value)
    r.close()
    return ws.path


def _in_tmux(ws: Path, tmp_path: Path, *extra: str, cols: int = 60) -> Tmux:
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm-256color"}
    env.pop("UPPFOLJNING_PASSPHRASE", None)
    env.pop("COLUMNS", None)
    return Tmux([sys.executable, "-m", "tui.cli", "--workspace", str(ws), "quick", *extra], cols, 24, env)


def _typed_rows(screen: str) -> list[str]:
    """The typing area: the row that starts with "> " and the wrapped rows under it."""
    lines = screen.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("> "))
    rows = [lines[start][2:]]
    for line in lines[start + 1:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


@pytest.mark.parametrize("cols", [60, 80])
def test_the_typing_line_wraps_at_words(tmp_path: Path, example: Any, cols: int) -> None:
    """prompt_toolkit folds the typed text at whatever character reaches the edge: at 60 columns
    "eftersom h" / "on befann". Every word typed must stay whole on one row, also after an edit
    in the middle of the text."""
    _need_tmux()
    ws = _workspace_with_a_draft(tmp_path, example, {
        "meeting_date": "2026-11-18", "participants": ["client"], "meeting_mode": "phone",
        "intervention_received": "partly"})
    term = _in_tmux(ws, tmp_path, "--case", "IFO-2026-0117", cols=cols)
    try:
        term.wait_text("? Varför har insatsen inte getts fullt ut?")
        term.type(SENTENCE)
        term.wait_text(SENTENCE.split()[-1])
        rows = _typed_rows(term.screen())
        assert len(rows) >= 2, rows  # long enough to wrap at all
        assert " ".join(rows).split() == SENTENCE.split(), rows  # no word cut in two
        assert all(len(row) <= cols for row in rows)
        term.keys(*["Left"] * 40)  # back into the text: typed there, the words around stay whole
        term.type("NYTT ORD ")
        expected = SENTENCE[:len(SENTENCE) - 40] + "NYTT ORD " + SENTENCE[len(SENTENCE) - 40:]
        term.wait(lambda sc: " ".join(" ".join(_typed_rows(sc)).split()) == " ".join(expected.split()),
                  "the text with the words inserted", 10)
        term.keys("Escape", "Enter")  # saved as typed: the shown spaces are not in the answer
        term.wait_text("? Mål: Sköta sin tvätt själv")
        term.keys("C-c")
        term.wait_text("[exit 0]")  # paused: the workspace is free again
    finally:
        term.close()
    r = TinyDBRepository(Workspace.open(ws))
    try:
        saved = r.followups_of(r.find_case("IFO-2026-0117").id)[-1].answers["intervention_gap_reason"]  # type: ignore[union-attr]
    finally:
        r.close()
    assert saved == expected


def test_the_case_question_says_that_enter_chooses_the_case(tmp_path: Path, example: Any) -> None:
    """Enter at the case question chooses the case; "(Enter sparar)" promised a save that is not there."""
    _need_tmux()
    ws = _workspace_with_a_draft(tmp_path, example, {})
    term = _in_tmux(ws, tmp_path)
    try:
        screen = term.wait_text("? Vilket ärende?")
        term.wait_text("(Enter väljer ärendet)")
        assert "sparar" not in screen
    finally:
        term.close()


class Instructions(Terminal):
    """The real prompts; each prompt's instruction kept as it was laid out."""

    def __init__(self, answers: list[Any]) -> None:
        super().__init__(answers)
        self.instructions: list[str] = []

    def wrap(self, kind: str, real: Any) -> Any:
        inner = super().wrap(kind, real)

        def prompt(message: str, *args: Any, **kwargs: Any) -> Any:
            shown = kwargs.get("instruction")
            if shown is None:  # the case question puts it into the message
                shown = "\n".join(message.split("\n")[-2:-1])
            self.instructions.append(shown)
            return inner(message, *args, **kwargs)

        return prompt


def _check_instructions(shown_all: list[str], hints: list[str], cols: int) -> None:
    """Each instruction as laid out: no line wider than the terminal, each "·"-separated part whole on
    one line wherever a line can hold it."""
    for shown in shown_all:
        lines = [line.strip() for line in shown.strip("\n").split("\n") if line.strip() not in ("", ">")]
        assert all(len(line) + 2 <= cols for line in lines), (cols, lines)
        said = " ".join(lines)
        hint = next(h for h in hints if " ".join(h.split()) == said)
        for part in hint.split(" · "):
            if len(part) + 4 <= cols - 1:
                assert any(part in line for line in lines), (cols, part, lines)


def _prompts(monkeypatch: pytest.MonkeyPatch, repo: Any, cols: int, lang: str) -> tuple[Any, Instructions]:
    from tui.quick import QuickMode

    monkeypatch.setenv("COLUMNS", str(cols))
    case = _draft(repo, {k: COMPLETE[k] for k in ("meeting_date", "participants", "meeting_mode")}
                  | {"intervention_received": "partly"})
    terminal = Instructions([CTRL_C] * 9)
    terminal.install(monkeypatch)
    quick = QuickMode(repo, lang, "A", out=lambda _: None)
    quick.start(case)
    return quick, terminal


@pytest.mark.parametrize("cols", [40, 52, 60, 70, 80, 100])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_instruction_wraps_only_between_its_parts(
    monkeypatch: pytest.MonkeyPatch, repo: Any, cols: int, lang: str
) -> None:
    """At 60 columns the date's instruction ended one line with "?" and began the next with
    "vägledning". Every question's instruction, laid out at each width."""
    from tui.quick import text_prompt, yes_no

    quick, terminal = _prompts(monkeypatch, repo, cols, lang)
    steps = {step.key: step for step in quick.session.interview.applicable_steps()}
    for key in ("meeting_date", "participants", "meeting_mode", "intervention_gap_reason"):
        with pytest.raises(KeyboardInterrupt):
            quick.prompt(steps[key], quick.label(steps[key]), True, None)
    for ask in (lambda: yes_no("?", lang, True), lambda: text_prompt("?", lang)):
        with pytest.raises(KeyboardInterrupt):
            ask()
    assert len(terminal.instructions) == 6
    hints = [s(k, lang, today=quick.today.isoformat()) for k in (
        "quick_date_hint", "quick_checkbox_hint", "quick_select_hint", "quick_multiline_hint",
        "quick_plain_hint")] + [s("quick_select_hint", lang).split(" · ?")[0] + ")"]
    _check_instructions(terminal.instructions, hints, cols)


@pytest.mark.parametrize("cols", [40, 60, 80])
def test_the_review_and_the_case_say_what_enter_does_there(
    monkeypatch: pytest.MonkeyPatch, repo: Any, cols: int
) -> None:
    """Enter at the case question chooses the case, at the review it opens the question (or goes on):
    neither saves anything, so neither says "(Enter sparar)"."""
    from tui.quick import text_prompt

    quick, terminal = _prompts(monkeypatch, repo, cols, "sv")
    for ask in (lambda: text_prompt(s("quick_review_prompt", "sv"), "sv", hint_key="quick_review_hint"),
                quick.ask_case_ref):
        with pytest.raises(KeyboardInterrupt):
            ask()
    _check_instructions(terminal.instructions, [s("quick_review_hint", "sv"), s("quick_case_hint", "sv")],
                        cols)
    assert not any("sparar" in shown for shown in terminal.instructions)
    assert "(Enter väljer ärendet)" in terminal.instructions[1]


def _review_rows(shown: list[str]) -> dict[int, list[str]]:
    """The review's rows by question number: a numbered row and the indented answer row under it."""
    groups: dict[int, list[str]] = {}
    last: int | None = None
    for line in (line for text in shown for line in text.split("\n")):
        number = line.split(".", 1)[0]
        if number.isdigit() and line.startswith(f"{number}. "):
            last = int(number)
            groups[last] = [line]
        elif last is not None and line.startswith(" " * (len(str(last)) + 2) + "→ ") and len(groups[last]) == 1:
            groups[last].append(line)
        else:
            last = None
    return groups


@pytest.mark.parametrize("cols", [60, 80])
def test_every_answer_is_seen_in_the_review(monkeypatch: pytest.MonkeyPatch, repo: Any, cols: int) -> None:
    """At 60 columns "6. [Resa själv med buss till daglig verksamhet] Har målet…": the goal and the label
    took the row and the answer was cut away. Each question's answer (at least its start) is in the
    review, within the width in cells."""
    from tui.quick import say

    monkeypatch.setenv("COLUMNS", str(cols))
    goals = {gid: dict(given) | {"comment": "Det går bättre än förra gången med stöd av personalen"}
             for gid, given in COMPLETE_GOALS.items()}
    case = _draft(repo, COMPLETE | {"client_view": SENTENCE}, goals)
    shown: list[str] = []

    def out(text: str) -> None:
        shown.append(text)
        say(text)

    quick, _, _ = _quick(monkeypatch, repo, [""])
    quick.out = out
    quick.start(case)
    quick.review()
    review = _review_rows(shown)
    iv = quick._session().interview
    steps = iv.applicable_steps()
    assert sorted(review) == list(range(1, len(steps) + 1))
    for n, step in enumerate(steps, 1):
        rows = review[n]
        assert all(get_cwidth(row) < cols for row in rows), rows
        value = iv.value(step) if iv.has(step) else None
        answer = " ".join(quick.shown(step, value).split()) if value is not None else \
            s("quick_not_answered", "en")
        if len(rows) == 1:
            assert rows[0].endswith(f": {answer}"), (n, rows, answer)  # one row: whole, never cut
        else:
            assert rows[1].split("→ ", 1)[1].startswith(answer[:12]), (n, rows, answer)


def test_the_review_fits_the_terminal_in_cells(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    """A review line was shortened by counting characters: an answer with wide characters (漢, an
    emoji: two cells each) ran past the terminal's edge. Each line fits in cells, cut after a word."""
    from tui.quick import say

    monkeypatch.setenv("COLUMNS", "60")
    view = " ".join(["Brukaren 😀 säger 漢字 att det går bra nu"] * 6)
    answers = COMPLETE | {"client_view": view, "assessment": "Bra 😀😀 " * 30}
    case = _draft(repo, answers, COMPLETE_GOALS)
    shown: list[str] = []

    def out(text: str) -> None:
        shown.append(text)
        say(text)

    quick, _, _ = _quick(monkeypatch, repo, [""])  # the review: Enter, straight on
    quick.out = out
    quick.start(case)
    quick.review()
    review = _review_rows(shown)
    assert len(review) >= 15
    rows = [row for group in review.values() for row in group]
    assert all(get_cwidth(line) <= 59 for line in rows), [(get_cwidth(x), x) for x in rows]
    line = next(x for x in rows if "Brukaren 😀" in x)
    assert line.endswith("…")
    kept = line.removesuffix("…").split("→ ", 1)[1].split()
    assert kept == view.split()[:len(kept)]  # whole words from the start


def test_a_pdf_path_is_printed_whole_at_60_columns(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The PDF's path at the end of a session was cut inside a word ("…ovn0001b.p" / "df"), so it
    could not be copied; on a line of its own it stays whole."""
    from tui.quick import say

    monkeypatch.setenv("COLUMNS", "60")
    path = "/root/Documents/Uppföljning/Övning/uppfoljning-ovn0001b.pdf"
    say(s("quick_pdf", "sv", path=path))
    printed = capsys.readouterr().out.splitlines()
    assert any(line.strip() == path for line in printed), printed
    assert all(len(line) <= 59 for line in printed)


def test_an_error_wraps_only_at_spaces(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    """At 60 columns the date's error was cut at a hyphen ("Skriv ÅÅÅÅ-MM-" / "DD."). Typed dates of
    every length move the format over the row's end: it stays whole on one row each time."""
    from tests.test_quick import _quick

    monkeypatch.setenv("COLUMNS", "60")
    typed = ["1" + "x" * n for n in range(25)]
    quick, _, said = _quick(monkeypatch, repo, ["IFO-2026-0117", *typed, CTRL_C], lang="sv")
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    errors = [text for text in said if "ÅÅÅÅ-MM" in text]
    assert len(errors) == len(typed)
    for text in errors:
        rows = text.split("\n")
        assert all(len(row) <= 59 for row in rows), rows
        assert any("ÅÅÅÅ-MM-DD." in row for row in rows), rows
        assert not any(row.rstrip().endswith("-") for row in rows), rows
