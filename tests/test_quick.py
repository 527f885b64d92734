"""The quick mode driven through prompt_toolkit pipe input, one real prompt at a time."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import questionary
import yaml
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from forms.loader import bundled_form
from interview.case import Case
from interview.casefile import dump_casefile, load_text, parse_casefile
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tui import quick as quick_module
from tui.quick import QuickMode

DATA = Path(__file__).parent / "data"
DOWN, UP, ENTER, CLEAR = "\x1b[B", "\x1b[A", "\r", "\x15"
CTRL_C = object()


class Raw(str):
    """Keys sent as they are, for what no answer value says (`?`, Ctrl-P, Ctrl-D, a bare Enter)."""
KINDS = ("select", "checkbox", "confirm", "text", "autocomplete")
REAL = {kind: getattr(questionary, kind) for kind in KINDS}  # before any test wraps them


def value_of(choice: Any) -> Any:
    return choice.value if isinstance(choice, questionary.Choice) else choice


class Terminal:
    """Feeds each prompt the keys that give the wanted answer, through the real prompt."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = deque(answers)
        self.asked: list[str] = []
        self.ticked: list[list[Any]] = []  # each checkbox's ticks as it was offered
        self.defaults: list[Any] = []  # each prompt's default as it was offered

    def keys(self, kind: str, value: Any, kwargs: dict[str, Any]) -> str:
        if value is CTRL_C:
            return "\x03"
        if isinstance(value, Raw):
            return str(value)
        if kind == "select":
            values = [value_of(c) for c in kwargs["choices"]]
            default = kwargs.get("default")
            start = values.index(value_of(default)) if default is not None else 0
            steps = values.index(value) - start
            return (DOWN * steps if steps >= 0 else UP * -steps) + ENTER
        if kind == "checkbox":
            out, pos = "", 0
            for i, choice in enumerate(kwargs["choices"]):
                if bool(choice.checked) != (choice.value in value):
                    out += DOWN * (i - pos) + " "
                    pos = i
            return out + ENTER
        if kind == "confirm":
            return "y" if value else "n"
        if kind == "text" and kwargs.get("multiline"):
            return CLEAR + str(value) + "\x1b" + ENTER
        return CLEAR + str(value) + ENTER  # text, autocomplete

    def wrap(self, kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def prompt(message: str, *args: Any, **kwargs: Any) -> Any:
            self.asked.append(message)
            assert self.answers, f"no answer left for {message!r}"
            value = self.answers.popleft()
            if args:
                kwargs["choices"] = args[0]
                args = ()
            if kind == "checkbox":
                self.ticked.append([c.value for c in kwargs["choices"] if c.checked])
            self.defaults.append(value_of(kwargs.get("default")))
            context = create_pipe_input()  # a context manager in prompt_toolkit 3
            pipe = context.__enter__()
            pipe.send_text(self.keys(kind, value, kwargs))
            question = real(message, *args, input=pipe, output=DummyOutput(), **kwargs)
            original = question.unsafe_ask

            def ask() -> Any:
                try:
                    return original()
                finally:
                    context.__exit__(None, None, None)

            question.unsafe_ask = ask
            return question

        return prompt

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for kind in KINDS:
            monkeypatch.setattr(questionary, kind, self.wrap(kind, REAL[kind]))


@pytest.fixture
def example() -> Any:
    return parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))


@pytest.fixture
def repo(tmp_path: Path, example: Any) -> Any:
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="Handläggare A"))
    r = TinyDBRepository(ws)
    r.add_case(Case(client=example.client, plan=example.plan))
    yield r
    r.close()


def answers_for(example: Any) -> list[Any]:
    """The prompts' answers, in the order the engine asks them, from the contract's example."""
    a, g = example.followup.answers, example.followup.goals
    return [
        "IFO-2026-0117",  # the case, typed into the autocomplete
        "2026-11-18", ["client", "provider"], "home_visit", "yes",
        g["g1"]["attainment"], g["g1"]["level"], g["g1"]["comment"],
        g["g2"]["attainment"], g["g2"]["level"], "",  # g2's comment skipped
        a["still_in_need"], a["new_needs"], a["other_principal_need"],
        ["civil_society", "none"], ["none"],  # form v2's other actors: 'none' cannot be combined, asked again
        a["sip_needed"], a["client_participation"], a["client_view"], a["client_satisfaction"],
        a["decision"], "2027-05-18", a["assessment"],  # v2 asks the decision before the assessment
        "",  # the review: straight on
        True, "Handläggare A",  # sign, and who signs
    ]


def test_a_whole_followup_equals_the_same_followup_imported(
    monkeypatch: pytest.MonkeyPatch, repo: Any, example: Any, tmp_path: Path
) -> None:
    terminal = Terminal(answers_for(example))
    terminal.install(monkeypatch)
    said: list[str] = []
    quick = QuickMode(repo, "en", "Handläggare A", out=said.append, pdf_dir=tmp_path / "pdf")
    case = quick.pick_case(None)
    quick.start(case)
    quick.ask_all()
    quick.finish()
    assert not terminal.answers
    stored = repo.followups_of(case.id)[-1]
    assert stored.status == "final" and stored.finalized_by == "Handläggare A"
    assert (stored.form, stored.form_version) == ("standard-uppfoljning", 2)  # new follow-ups use v2
    ours = dump_casefile(case.client, stored, bundled_form(stored.form, stored.form_version),
                         as_json=True)["followup"]
    imported = dump_casefile(example.client, example.followup, example.form, as_json=True)["followup"]
    assert ours["answers"] == {**imported["answers"], "other_actors": ["none"]}
    assert ours["goals"] == {**imported["goals"], "g2": {**imported["goals"]["g2"], "comment": None}}
    assert "  ! “No, none” cannot be combined with other choices" in said  # and the question was asked again
    assert any(line.startswith("PDF: ") for line in said)
    assert any("Review the answers" in line for line in said)
    assert any(re.fullmatch(r"\d+\. Next follow-up: 2027-05-18", line) for line in said), said


def test_branching_asks_and_drops_questions(monkeypatch: pytest.MonkeyPatch, repo: Any, example: Any) -> None:
    terminal = Terminal(["IFO-2026-0117", "2026-11-18", ["client"], "phone", "partly", "Väntetid",
                         CTRL_C])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "en", "A", out=lambda _: None)
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert "Why has the intervention not been given in full?" in terminal.asked  # asked: 'partly'


def test_ctrl_c_pauses_and_resume_continues_at_the_same_question(
    monkeypatch: pytest.MonkeyPatch, repo: Any, example: Any
) -> None:
    first = Terminal(["IFO-2026-0117", "2026-11-18", ["client"], "home_visit", CTRL_C])
    first.install(monkeypatch)
    said: list[str] = []
    assert quick_module.run(repo, "en", "A", None, pdf_dir=None) == 0  # a pause is not an error
    stopped_at = first.asked[-1]
    assert stopped_at == "Has the individual received the planned intervention?"
    case = repo.find_case("IFO-2026-0117")
    draft = repo.followups_of(case.id)[-1]
    assert draft.status == "draft" and draft.answers["meeting_mode"] == "home_visit"

    second = Terminal(["yes", CTRL_C])
    second.install(monkeypatch)
    quick = QuickMode(repo, "en", "A", out=said.append)
    quick.start(quick.pick_case("IFO-2026-0117"))
    try:
        quick.ask_all()
    except KeyboardInterrupt:
        quick.paused()
    assert second.asked[0] == stopped_at  # the same question, not the start
    assert any("Resuming the draft" in line for line in said)
    assert any(line.strip().startswith("Paused. The draft is saved") and "--case IFO-2026-0117" in line
               for line in said)
    assert repo.followups_of(case.id)[-1].answers["intervention_received"] == "yes"


def test_invalid_answers_are_explained_and_asked_again(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    terminal = Terminal(["IFO-2026-0117", "2031-01-01", "2026-11-18", CTRL_C])
    terminal.install(monkeypatch)
    said: list[str] = []
    quick = QuickMode(repo, "en", "A", out=said.append)
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert "  ! 2031-01-01 is in the future" in said
    assert terminal.asked.count("Date of the follow-up") == 2


def test_a_new_minimal_case(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    terminal = Terminal(["", "X-9", "man", "vardplan", "2026-10-01", True, "Handla själv", "d6", "icf", 3, 1,
                         False, True, "Boendestöd", "", False, CTRL_C])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "sv", "A", out=lambda _: None)
    case = quick.pick_case(None)
    assert case.client.case_ref == "X-9" and case.plan.type == "vardplan"
    assert [(g.text, g.life_area, g.baseline, g.target) for g in case.plan.goals] == [("Handla själv", "d6", 3, 1)]
    assert repo.find_case("X-9") == case
    assert [(i.name, i.provider) for i in case.plan.interventions] == [("Boendestöd", None)]


def test_without_a_terminal_it_points_to_import(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "tui.cli", "--lang", "en", "--workspace", str(tmp_path),
                          "quick"], stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert res.returncode == 1
    assert "needs a terminal" in res.stderr and "uppfoljning import" in res.stderr


def test_quick_mode_imports_no_textual() -> None:
    code = "import sys, tui.quick, tui.cli; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_example_file_is_the_contract() -> None:
    # the comparison above is only meaningful if the example is complete
    data = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    assert data["followup"]["answers"]["decision"] == "continue"


# --- a real terminal: tmux at 80×24 and 60 columns ------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _need_tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("tmux is missing on CI: the terminal walks must run there")
        pytest.skip("tmux is not installed")
    return found


def _norm(text: str) -> str:
    return " ".join(text.split())


class Tmux:
    """One program in a detached tmux pane of a fixed size, read back with capture-pane."""

    def __init__(self, command: list[str], cols: int, rows: int, env: dict[str, str]) -> None:
        self.tmux = _need_tmux()
        self.dir = tempfile.mkdtemp(prefix="qt")  # a short path: a socket's name has a length limit
        self.base = [self.tmux, "-S", f"{self.dir}/s", "-f", "/dev/null"]
        line = " ".join(shlex.quote(a) for a in command) + "; echo '[exit '$?']'; sleep 600"
        subprocess.run([*self.base, "new-session", "-d", "-x", str(cols), "-y", str(rows), "-s", "q",
                        line], env=env, cwd=ROOT, check=True)

    def screen(self) -> str:
        return subprocess.run([*self.base, "capture-pane", "-p", "-t", "q"], capture_output=True,
                              text=True, check=True).stdout

    def wait(self, check: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"not on screen: {what!r}\n{screen}")
            time.sleep(0.05)

    def wait_text(self, needle: str, timeout: float = 20) -> str:
        return self.wait(lambda sc: _norm(needle) in _norm(sc), needle, timeout)

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", "q", *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", "q", "-l", text], check=True)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def _pointer(screen: str) -> str:
    """The title the select or checkbox pointer is on."""
    line = next((ln for ln in screen.splitlines() if ln.lstrip().startswith("» ")), "")
    return line.split("» ", 1)[-1].removeprefix("○ ").removeprefix("● ").strip()


def _point_at(term: Tmux, title: str) -> None:
    """Moves the pointer down (wrapping round) until it is on `title`."""
    for _ in range(40):
        screen = term.screen()
        if _pointer(screen) == title:
            return
        before = _pointer(screen)
        term.keys("Down")

        def moved(sc: str, b: str = before) -> bool:
            return _pointer(sc) != b

        term.wait(moved, f"the pointer to move from {before!r}", 5)
    raise AssertionError(f"no choice {title!r}:\n{term.screen()}")


def _prompt_label(step: Any, lang: str = "sv") -> str:
    label = step.question.label.get(lang)
    return f"? Mål: {step.goal.text} {label}" if step.goal is not None else f"? {label}"


def _title(step: Any, value: Any, form: Any) -> str:
    from forms.schema import LevelQuestion

    if isinstance(step.question, LevelQuestion):
        scale = form.scale(step.goal.scale)
        word = str(next(lv.label.get("sv") for lv in scale.levels if lv.value == value))
        return f"{value:+d} {word}" if step.goal.scale == "gas" and value else f"{value} {word}"
    return str(next(c.label.get("sv") for c in step.question.choices if c.code == value))


def _answer_on_screen(term: Tmux, step: Any, value: Any, form: Any) -> None:
    """Answers the prompt on screen, asserting its label and the answer are visible as it is given."""
    from forms.schema import DateQuestion, MultiQuestion, TextQuestion

    label = _prompt_label(step)
    term.wait_text(label)
    q = step.question
    if isinstance(q, DateQuestion | TextQuestion):
        term.keys("C-u")
        term.type(str(value))
        screen = term.wait_text(f"> {value}")
        assert _norm(label) in _norm(screen), screen  # both at once, as it is answered
        if isinstance(q, TextQuestion) and q.multiline:
            term.keys("Escape", "Enter")
        else:
            term.keys("Enter")
    elif isinstance(q, MultiQuestion):
        for code in value:
            title = _title(step, code, form)
            _point_at(term, title)
            term.keys("Space")
            term.wait_text(f"● {title}")
        screen = term.screen()
        assert _norm(label) in _norm(screen), screen
        assert all(f"● {_title(step, c, form)}" in screen for c in value), screen
        term.keys("Enter")
    else:
        title = _title(step, value, form)
        _point_at(term, title)
        assert _norm(label) in _norm(term.screen())
        term.keys("Enter")
    # The transcript keeps the answer once the prompt is gone.
    term.wait(lambda sc: _norm(label) not in _norm(sc), f"{label} answered", 10)


def _planned_walk(plan: Any, answers: dict[str, Any], goals: dict[str, dict[str, Any]],
                  today: date) -> list[tuple[Any, Any]]:
    """The questions the engine asks for these answers, in order, each with its planned answer."""
    from forms.loader import bundled_form
    from interview.engine import Interview

    iv = Interview(bundled_form(), plan, {}, {}, today=today, lang="sv")
    walk = []
    while (step := iv.next_step()) is not None:
        value = goals[step.goal.id][step.question.id] if step.goal else answers[step.question.id]
        walk.append((step, value))
        iv = iv.with_answer(step.key, iv.coerce(step, value))
    return walk


@pytest.mark.serial
@pytest.mark.parametrize("cols", [80, 60])
def test_a_whole_followup_in_tmux_shows_every_label_and_answer(
    tmp_path: Path, example: Any, cols: int
) -> None:
    from forms.loader import bundled_form

    _need_tmux()
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="Handläggare A"))
    r = TinyDBRepository(ws)
    case = Case(client=example.client, plan=example.plan)
    r.add_case(case)
    r.close()
    today = date.today()
    answers = {
        "meeting_date": (today - timedelta(days=1)).isoformat(), "participants": ["client", "provider"],
        "meeting_mode": "home_visit", "intervention_received": "partly",
        "intervention_gap_reason": "Väntetid på boendestöd i tre veckor", "still_in_need": "partly",
        "new_needs": "no", "other_principal_need": "no", "other_actors": ["civil_society"], "sip_needed": "no",
        "client_participation": "yes",
        "client_view": "Tycker att stödet hjälper.", "client_satisfaction": "satisfied",
        "assessment": "Positiv utveckling under hösten.", "decision": "continue",
        "next_followup": (today + timedelta(days=170)).isoformat(),
    }
    goals = {
        "g1": {"attainment": "partly_achieved", "level": 2, "comment": "Klarar tvätten med påminnelse."},
        "g2": {"attainment": "achieved", "level": 1, "comment": "Går dit varje tisdag."},
    }
    form = bundled_form()
    walk = _planned_walk(case.plan, answers, goals, today)
    assert len(walk) >= 20
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DOCUMENTS_DIR": str(tmp_path / "docs"),
           "TERM": "xterm-256color"}
    env.pop("UPPFOLJNING_PASSPHRASE", None)
    term = Tmux([sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "quick"], cols, 24, env)
    try:
        term.wait_text("? Vilket ärende?")
        term.type("ifo-2026-0117")  # lower case: still the stored case, not a new one
        term.keys("Enter")
        for n, (step, value) in enumerate(walk):
            if n == 3:  # one step back: the previous question again, its answer the default
                term.wait_text(_prompt_label(step))
                term.keys("C-p")
                before, was = walk[2]
                term.wait_text(_prompt_label(before))
                assert _pointer(term.screen()) == _title(before, was, form)
                term.keys("Enter")
            _answer_on_screen(term, step, value, form)
        screen = term.wait_text("tom rad = gå vidare")
        view = next(ln for ln in screen.splitlines() if "Brukarens egen" in ln)
        number = view.split(".")[0].strip()
        term.type(number)
        term.keys("Enter")
        term.wait_text("> Tycker att stödet hjälper.")  # the old answer is the default
        changed = "Vill ha stödet kvar."
        client_view = next(step for step, _ in walk if step.key == "client_view")
        _answer_on_screen(term, client_view, changed, form)
        term.wait_text(f"{number}. Brukarens")
        term.wait_text("tom rad = gå vidare")
        term.keys("Enter")
        term.wait_text("? Signera uppföljningen nu?")
        _point_at(term, "Ja")
        term.keys("Enter")
        term.wait_text("? Signeras av")
        term.wait_text("> Handläggare A")
        term.keys("Enter")
        term.wait_text("Uppföljningen är signerad.")
        term.wait_text("[exit 0]", timeout=30)
    finally:
        term.close()
    export = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "list", "--format", "json"],
        capture_output=True, text=True, check=True, env=env)
    rows = json.loads(export.stdout)
    fid = next(row["id"] for row in rows if row["status"] == "final")
    out = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--workspace", str(ws.path), "export", fid, "--format", "json"],
        capture_output=True, text=True, check=True, env=env)
    stored = json.loads(out.stdout)["followup"]
    assert stored["answers"] == {**answers, "client_view": changed}
    assert stored["goals"] == goals
    assert len(json.loads(export.stdout)) == 1  # no duplicate case or follow-up was made


# --- the bugs, each through the real prompts ---------------------------------------------

BACK_KEY, CTRL_D, HELP_KEY, ENTER_KEY = Raw("\x10"), Raw("\x04"), Raw("?"), Raw("\r")


def _quick(monkeypatch: pytest.MonkeyPatch, repo: Any, answers: list[Any],
           lang: str = "en") -> tuple[QuickMode, Terminal, list[str]]:
    terminal = Terminal(answers)
    terminal.install(monkeypatch)
    said: list[str] = []
    return QuickMode(repo, lang, "A", out=said.append), terminal, said


def _draft(repo: Any, answers: dict[str, Any], goals: dict[str, dict[str, Any]] | None = None) -> Any:
    """A draft of the example case with these answers saved through the session."""
    from casework.session import FollowUpSession, start_followup

    case = repo.find_case("IFO-2026-0117")
    fu = start_followup(repo, case, "A")
    session = FollowUpSession(repo, fu.id, "en")
    for key, value in answers.items():
        session.answer(key, value)
    for gid, given in (goals or {}).items():
        for qid, value in given.items():
            session.answer(f"goals.{gid}.{qid}", value)
    return case


COMPLETE = {
    "meeting_date": "2026-11-18", "participants": ["client"], "meeting_mode": "phone",
    "intervention_received": "yes", "still_in_need": "no", "new_needs": "no",
    "other_principal_need": "no", "other_actors": ["none"], "sip_needed": "no", "client_participation": "yes",
    "client_view": "Bra.", "client_satisfaction": "satisfied", "assessment": "Bra.",
    "decision": "continue", "next_followup": "2027-05-18",
}  # complete on form v2, which new follow-ups use
COMPLETE_GOALS = {"g1": {"attainment": "achieved", "level": 1, "comment": None},
                  "g2": {"attainment": "achieved", "level": 1, "comment": None}}


def test_ctrl_d_pauses_like_ctrl_c_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for stop_at in (["IFO-2026-0117", "2026-11-18", CTRL_D],  # in a checkbox
                    ["IFO-2026-0117", CTRL_D],  # in the date
                    ["IFO-2026-0117", "2026-11-18", ["client"], CTRL_D]):  # in a select
        terminal = Terminal(stop_at)
        terminal.install(monkeypatch)
        assert quick_module.run(repo, "en", "A", None, pdf_dir=None) == 0
        assert "Paused. The draft is saved" in capsys.readouterr().out
    assert repo.followups_of(repo.find_case("IFO-2026-0117").id)[-1].answers["participants"] == ["client"]


def test_help_on_a_checkbox_keeps_the_ticks(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    quick, terminal, said = _quick(monkeypatch, repo, [
        "IFO-2026-0117", "2026-11-18", Raw(" " + "?"), ENTER_KEY, CTRL_C])
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert any("took part in the meeting" in line for line in said), said  # the guidance
    assert terminal.ticked == [[], ["client"]]  # offered again with the tick made before `?`
    assert repo.followups_of(quick.case.id)[-1].answers["participants"] == ["client"]  # type: ignore[union-attr]


def test_help_on_a_date_is_not_appended_to_it(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    quick, _terminal, said = _quick(monkeypatch, repo, ["IFO-2026-0117", HELP_KEY, ENTER_KEY, CTRL_C])
    quick.today = date(2026, 11, 20)
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert not any(line.strip().startswith("!") for line in said), said  # no "not a date" error
    assert any("cannot be in the future" in line or "not the day you write it up" in line for line in said)
    assert repo.followups_of(quick.case.id)[-1].answers["meeting_date"] == "2026-11-20"  # type: ignore[union-attr]


def test_the_exclusive_error_keeps_the_ticks(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    case = _draft(repo, {k: COMPLETE[k] for k in ("meeting_date", "participants", "meeting_mode",
                                                   "intervention_received")}
                  | {"still_in_need": "yes", "new_needs": "yes", "new_needs_description": "Ensam",
                     "new_needs_areas": ["d7"]}, COMPLETE_GOALS)
    quick, terminal, said = _quick(monkeypatch, repo, [["new_goals", "none"], ENTER_KEY, CTRL_C])
    session = quick.start(case)
    step = session.current()
    assert step is not None and step.key == "new_needs_response"
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert any("Nothing" in line or "none" in line for line in said if "!" in line), said
    assert terminal.ticked[:2] == [[], ["new_goals", "none"]]  # both ticks offered again, not cleared


def test_back_returns_to_the_previous_question_with_its_answer(
    monkeypatch: pytest.MonkeyPatch, repo: Any
) -> None:
    from tui.quick import BACK

    quick, terminal, _said = _quick(monkeypatch, repo, [
        "IFO-2026-0117", "2026-11-18", ["client"], BACK,  # the choice "← previous" on meeting_mode
        ["client", "provider"], "phone", BACK_KEY,  # Ctrl-P on the select after it
        ENTER_KEY,  # meeting_mode again: "phone" is the default, Enter keeps it
        "yes", CTRL_C])
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert terminal.asked[3:6] == ["Type of meeting", "Participants", "Type of meeting"]
    assert terminal.ticked == [[], ["client"]]  # the answer given is the default on the way back
    assert terminal.defaults[7] == "phone"
    stored = repo.followups_of(quick.case.id)[-1].answers  # type: ignore[union-attr]
    assert stored["participants"] == ["client", "provider"] and stored["intervention_received"] == "yes"


def test_ctrl_p_in_a_text_question_goes_back(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    case = _draft(repo, {"meeting_date": "2026-11-18", "participants": ["client"], "meeting_mode": "phone",
                         "intervention_received": "partly"})
    quick, terminal, _ = _quick(monkeypatch, repo, [BACK_KEY, "no", CTRL_C])
    quick.start(case)
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert terminal.asked[:2] == ["Why has the intervention not been given in full?",
                                  "Has the individual received the planned intervention?"]
    assert terminal.defaults[1] == "partly"


def test_a_complete_draft_reopens_at_the_review_and_a_number_re_asks(
    monkeypatch: pytest.MonkeyPatch, repo: Any
) -> None:
    case = _draft(repo, COMPLETE, COMPLETE_GOALS)
    quick, terminal, said = _quick(monkeypatch, repo, ["2", ["client", "relative"], "", False])
    quick.start(case)
    quick.ask_all()
    quick.finish()
    assert terminal.asked[0].startswith("A number = change that answer")  # the review, not "Sign?"
    assert terminal.asked[1] == "Participants" and terminal.ticked == [["client"]]
    assert any(re.fullmatch(r"2\. Participants: The client, Relative", line) for line in said), said
    assert repo.followups_of(case.id)[-1].answers["participants"] == ["client", "relative"]
    assert repo.followups_of(case.id)[-1].status == "draft"  # "No" to signing


def test_a_hint_in_the_review_goes_to_its_question(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    case = _draft(repo, COMPLETE, COMPLETE_GOALS)  # still_in_need "no" and decision "continue": a hint
    quick, terminal, said = _quick(monkeypatch, repo, ["a", "partly", "", False])
    quick.start(case)
    quick.ask_all()
    quick.finish()
    hint = next(line for line in said if line.startswith("A. ⚠"))
    number = next(line for line in said if "Is the individual still in need" in line).split(".")[0]
    assert "no longer considered in need" in hint and f"→ question {number}" in hint, said
    assert terminal.asked[1] == "Is the individual still in need of the intervention?"
    assert repo.followups_of(case.id)[-1].answers["still_in_need"] == "partly"


# --- picking the case ------------------------------------------------------------------------------

def test_case_number_and_name_match_whatever_the_case(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    from interview.case import Client, Plan

    named = Case(client=Client(case_ref="IFO-2026-0501", name="Testperson Ett"),
                 plan=Plan(start="2026-01-01"))
    repo.add_case(named)
    quick, terminal, _ = _quick(monkeypatch, repo, [])
    assert quick.pick_case("ifo-2026-0501").id == named.id
    assert quick.pick_case("  testperson   ETT ").id == named.id
    assert quick.pick_case("Ifo-2026-0117").client.case_ref == "IFO-2026-0117"
    assert terminal.asked == []  # found at once, nothing offered to create


def test_a_near_miss_offers_the_near_cases_first(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    quick, terminal, _ = _quick(monkeypatch, repo, [ENTER_KEY])
    found = quick.pick_case("IFO-2026-0171")  # two digits swapped
    assert found.client.case_ref == "IFO-2026-0117"
    assert terminal.asked[0].startswith("No case is called exactly 'IFO-2026-0171'")
    assert len(repo.listing()) == 1


def test_creating_a_case_is_not_the_default(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    quick, terminal, _ = _quick(monkeypatch, repo, [ENTER_KEY, CTRL_C])
    with pytest.raises(KeyboardInterrupt):
        quick.pick_case("Helt Okänd")
    assert terminal.asked[0].startswith("There is no case 'Helt Okänd'")
    assert terminal.asked[1].startswith("Which case?")  # Enter said "No": asked again
    assert len(repo.listing()) == 1


def test_match_cases_unit() -> None:
    from casework.cases import match_cases
    from storage.repository import CaseListing

    rows = [CaseListing(f"c{i}", f"IFO-2026-{i:04d}", f"Person {i}", "", ()) for i in range(10_000)]
    rows.append(CaseListing("x", "ABC-1", "Åsa Öberg", "", ()))
    start = time.perf_counter()
    found = match_cases(rows, "ifo-2026-0501")
    assert time.perf_counter() - start < 2.0
    assert [c.case_id for c in found.exact] == ["c501"]
    assert [c.case_id for c in match_cases(rows, "åsa öberg").exact] == ["x"]
    assert "c510" in [c.case_id for c in match_cases(rows, "IFO-2026-0510x").near]
    assert match_cases(rows, "").exact == [] and match_cases(rows, "   ").near == []
    assert match_cases(rows, "Zyx").exact == []


# --- plausibility --------------------------------------------------------------------------------

def test_a_meeting_before_the_plan_start_is_refused(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    quick, terminal, said = _quick(monkeypatch, repo, ["IFO-2026-0117", "2026-01-01", "2026-11-18", CTRL_C])
    quick.start(quick.pick_case(None))
    with pytest.raises(KeyboardInterrupt):
        quick.ask_all()
    assert any("cannot be before the plan's start 4 May" in line for line in said), said
    assert terminal.asked.count("Date of the follow-up") == 2
    assert repo.followups_of(quick.case.id)[-1].answers["meeting_date"] == "2026-11-18"  # type: ignore[union-attr]


def test_a_next_followup_in_the_past_is_refused(monkeypatch: pytest.MonkeyPatch, repo: Any) -> None:
    answers = {k: v for k, v in COMPLETE.items() if k != "next_followup"}
    case = _draft(repo, answers, COMPLETE_GOALS)
    quick, _terminal, said = _quick(monkeypatch, repo, ["2026-11-19", "2027-05-18"])
    quick.today = date(2026, 11, 25)
    quick.start(case)
    quick.ask_all()  # refused once, then the last question is answered
    assert any("already past" in line for line in said), said
    assert repo.followups_of(case.id)[-1].answers["next_followup"] == "2027-05-18"


def test_a_future_plan_start_is_asked_about_and_gas_targets_must_improve(
    monkeypatch: pytest.MonkeyPatch, repo: Any
) -> None:
    quick, terminal, said = _quick(monkeypatch, repo, [
        "", "X-9", "man", "vardplan",
        "2027-03-01", ENTER_KEY,  # a future start: "No" is the default, asked again
        "2026-10-01", True, "Handla själv", "d6", "gas",
        2, -2,  # baseline +2, target -2: refused, both asked again
        -1, 1, False, False, CTRL_C])
    quick.today = date(2026, 11, 1)
    case = quick.pick_case(None)
    assert any("a future date" in a for a in terminal.asked), terminal.asked
    assert any("target level -2 is no better than the baseline +2" in line for line in said), said
    assert str(case.plan.start) == "2026-10-01"
    assert [(g.baseline, g.target) for g in case.plan.goals] == [(-1, 1)]


def test_plausibility_rules_unit() -> None:
    from casework.plausibility import answer_problems, level_problems, plan_start_problems
    from interview.case import Plan

    plan = Plan(start="2026-05-04")
    today = date(2026, 11, 29)
    assert answer_problems("meeting_date", "2026-05-03", plan, today)[0].severity == "error"
    assert answer_problems("meeting_date", "2026-05-04", plan, today) == []
    assert answer_problems("next_followup", "2026-11-29", plan, today)[0].rule == "next_followup_past"
    assert answer_problems("next_followup", "2026-11-30", plan, today) == []
    assert answer_problems("assessment", "2020-01-01", plan, today) == []
    assert plan_start_problems(date(2026, 11, 30), today)[0].severity == "warning"
    assert plan_start_problems(today, today) == []
    assert level_problems("gas", 2, -2)[0].message("sv").startswith("Målnivån -2 är inte bättre")
    assert level_problems("gas", 0, 0) and level_problems("icf", 1, 3) and not level_problems("icf", 3, 1)
    assert level_problems("gas", None, -2) == [] and level_problems("none", 2, -2) == []


# --- start-up: lock and passphrase before the first question, Ctrl-D at it -------------------------

SECRET = "rätt lösenfras 1"
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}


def _encrypted(tmp_path: Path, example: Any) -> Path:
    ws = Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="A"), passphrase=SECRET, kdf=FAST_KDF)
    r = TinyDBRepository(ws, codec=ws.codec(SECRET))
    r.add_case(Case(client=example.client, plan=example.plan))
    r.close()
    return ws.path


def _quick_in_tmux(ws: Path, tmp_path: Path, *extra: str, secret: str | None = None) -> Tmux:
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm-256color"}
    env.pop("UPPFOLJNING_PASSPHRASE", None)
    if secret is not None:
        env["UPPFOLJNING_PASSPHRASE"] = secret
    return Tmux([sys.executable, "-m", "tui.cli", "--workspace", str(ws), "quick", *extra], 80, 24, env)


def test_a_wrong_passphrase_is_retried_then_refused_before_any_question(tmp_path: Path, example: Any) -> None:
    _need_tmux()
    ws = _encrypted(tmp_path, example)
    term = _quick_in_tmux(ws, tmp_path)
    try:
        for left in (2, 1):
            term.wait_text("Lösenfras:")
            term.type("fel fras")
            term.keys("Enter")
            term.wait_text(f"Fel lösenfras. Försök igen ({left} försök kvar).")
        term.type("fel igen")
        term.keys("Enter")
        screen = term.wait_text("[exit 1]")
        assert "Fel lösenfras 3 gånger; ingenting har ändrats." in screen
        assert "Vilket ärende" not in screen and "Traceback" not in screen
    finally:
        term.close()
    term = _quick_in_tmux(ws, tmp_path, "--case", "ifo-2026-0117")
    try:
        term.wait_text("Lösenfras:")
        term.type("fel fras")
        term.keys("Enter")
        term.wait_text("Försök igen (2 försök kvar)")
        term.type(SECRET)
        term.keys("Enter")
        term.wait_text("? Datum för uppföljningen")  # the right one on the second try
        term.keys("C-c")
        screen = term.wait_text("[exit 0]")
        # the command printed works as printed: this workspace is not the default one
        # (the path may be folded over two lines by the terminal: compared without whitespace)
        assert f"uppfoljning--workspace{ws}quick--caseIFO-2026-0117" in "".join(screen.split())
    finally:
        term.close()


def test_a_wrong_passphrase_from_the_environment_stops_the_first_question(
    tmp_path: Path, example: Any
) -> None:
    _need_tmux()
    ws = _encrypted(tmp_path, example)
    for extra in ((), ("--case", "IFO-2026-0117")):
        term = _quick_in_tmux(ws, tmp_path, *extra, secret="fel fras")
        try:
            screen = term.wait_text("[exit 1]")  # nothing typed: it is stopped, not answered
            assert "Lösenfrasen i UPPFOLJNING_PASSPHRASE är fel; ingenting har ändrats." in _norm(screen)
            assert "Traceback" not in screen and "Datum för uppföljningen" not in screen
        finally:
            term.close()


def test_a_locked_workspace_is_said_before_any_question(tmp_path: Path, example: Any) -> None:
    from storage.lock import WorkspaceLock

    _need_tmux()
    ws = _encrypted(tmp_path, example)
    with WorkspaceLock(ws / "lock"):
        term = _quick_in_tmux(ws, tmp_path, secret=SECRET)
        try:
            screen = term.wait_text("[exit 1]")
            assert "Arbetsytan är öppen i ett annat program" in _norm(screen)
            assert f"process {os.getpid()}" in _norm(screen)
            assert "Lösenfras" not in screen and "Vilket ärende" not in screen
        finally:
            term.close()


def test_ctrl_d_at_the_first_question_and_later_is_a_pause(tmp_path: Path, example: Any) -> None:
    _need_tmux()
    ws = _encrypted(tmp_path, example)
    term = _quick_in_tmux(ws, tmp_path, secret=SECRET)
    try:
        term.wait_text("? Vilket ärende?")
        term.keys("C-d")
        screen = term.wait_text("[exit 0]")
        assert "Traceback" not in screen and "EOFError" not in screen
    finally:
        term.close()
    term = _quick_in_tmux(ws, tmp_path, "--case", "IFO-2026-0117", secret=SECRET)
    try:
        term.wait_text("? Datum för uppföljningen")
        term.keys("C-d")
        screen = term.wait_text("[exit 0]")
        assert "Pausat. Utkastet är sparat" in screen and "Traceback" not in screen
    finally:
        term.close()


def test_a_transcript_line_wider_than_the_terminal_wraps_at_words(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from tui.quick import say

    monkeypatch.setenv("COLUMNS", "60")
    line = "Fortsätter med utkastet från 29 november 2026 (19 av 20 frågor besvarade). Obs: Anna har öppet."
    say(line + "\nkort rad")
    printed = capsys.readouterr().out.splitlines()
    assert all(len(row) <= 59 for row in printed), printed
    assert " ".join(row.strip() for row in printed[:-1]).split() == line.split()  # no word cut in two
    assert printed[-1] == "kort rad" and len(printed) >= 3


def test_the_command_printed_on_pause_parses_as_printed(tmp_path: Path) -> None:
    """`--workspace` is an option of the program, not of `quick`: printed after `quick` it failed
    ("okända argument"), so the printed command must put it first."""
    import shlex

    from tui.cli import build_parser
    from tui.quick import QuickMode

    class Repo:
        class workspace:  # stands in for the repository's workspace
            path = tmp_path / "my ws"

    quick = QuickMode(Repo(), "sv", "Anna")  # type: ignore[arg-type]
    command = quick.resume_command("ÖVN-0002")
    args = build_parser("sv").parse_args(shlex.split(command)[1:])
    assert (args.command, args.case, args.workspace) == ("quick", "ÖVN-0002", str(tmp_path / "my ws"))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_bare_enter_at_a_level_records_the_goal_s_last_level(
    monkeypatch: pytest.MonkeyPatch, repo: Any, lang: str
) -> None:
    """The level list started at its lowest (GAS −2, ICF 0): a hurried Enter recorded a fall. It starts
    where the goal was last time (casework's last_level: the newest signed level, else the baseline)."""
    from casework.session import FollowUpSession

    attained = {"g1": {"attainment": "achieved"}, "g2": {"attainment": "achieved"}}
    case = _draft(repo, COMPLETE, attained)
    quick, _, _ = _quick(monkeypatch, repo, [Raw(ENTER), "", Raw(ENTER), ""], lang)
    quick.start(case)
    quick.ask_all()
    first = repo.followups_of(case.id)[-1]
    assert first.goals["g1"]["level"] == 3  # g1's baseline (ICF), not the list's first value, 0
    FollowUpSession(repo, first.id, lang).finalize("A")
    # The next follow-up: g1's level is now the signed one; g2 (GAS, no baseline) also, not −2.
    previous = {"g1": 2, "g2": 1}
    signed = _draft(repo, COMPLETE, {gid: attained[gid] | {"level": lv} for gid, lv in previous.items()})
    FollowUpSession(repo, repo.followups_of(signed.id)[-1].id, lang).finalize("A")
    case = _draft(repo, COMPLETE, attained)
    quick, _, _ = _quick(monkeypatch, repo, [Raw(ENTER), "", Raw(ENTER), ""], lang)
    quick.start(case)
    quick.ask_all()
    assert {gid: g["level"] for gid, g in repo.followups_of(case.id)[-1].goals.items()} == previous


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_printed_resume_command_keeps_the_session_s_language(
    monkeypatch: pytest.MonkeyPatch, repo: Any, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """Paused in English, the printed command dropped `--lang en`: resumed as printed, the session
    went on in Swedish. The command as printed on a real pause parses to the same language."""
    import shlex

    from tui.cli import build_parser

    monkeypatch.delenv("UPPFOLJNING_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # the command on one line, as a person copies it
    Terminal(["IFO-2026-0117", CTRL_C]).install(monkeypatch)
    assert quick_module.run(repo, lang, "A", None, pdf_dir=None) == 0
    printed = capsys.readouterr().out
    line = next(row for row in printed.splitlines() if "uppfoljning " in row and " quick " in row)
    argv = shlex.split(line[line.index("uppfoljning "):].rstrip("."))
    args = build_parser(lang).parse_args(argv[1:])
    assert (args.command, args.case) == ("quick", "IFO-2026-0117")
    assert (args.lang or "sv") == lang
    assert args.workspace == str(repo.workspace.path)
