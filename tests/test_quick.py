"""The quick mode driven through prompt_toolkit pipe input, one real prompt at a time."""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from collections.abc import Callable
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
KINDS = ("select", "checkbox", "confirm", "text", "autocomplete")
REAL = {kind: getattr(questionary, kind) for kind in KINDS}  # before any test wraps them


def value_of(choice: Any) -> Any:
    return choice.value if isinstance(choice, questionary.Choice) else choice


class Terminal:
    """Feeds each prompt the keys that give the wanted answer, through the real prompt."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = deque(answers)
        self.asked: list[str] = []

    def keys(self, kind: str, value: Any, kwargs: dict[str, Any]) -> str:
        if value is CTRL_C:
            return "\x03"
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
            return CLEAR + value + "\x1b" + ENTER
        return CLEAR + value + ENTER  # text, autocomplete

    def wrap(self, kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def prompt(message: str, *args: Any, **kwargs: Any) -> Any:
            self.asked.append(message)
            assert self.answers, f"no answer left for {message!r}"
            value = self.answers.popleft()
            if args:
                kwargs["choices"] = args[0]
                args = ()
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
            monkeypatch.setattr(quick_module.questionary, kind, self.wrap(kind, REAL[kind]))


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
    assert "  ! none cannot be combined with other choices" in said  # and the question was asked again
    assert any(line.startswith("PDF: ") for line in said)
    assert any("The answers in brief" in line for line in said)


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
                         False, CTRL_C])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "sv", "A", out=lambda _: None)
    case = quick.pick_case(None)
    assert case.client.case_ref == "X-9" and case.plan.type == "vardplan"
    assert [(g.text, g.life_area, g.baseline, g.target) for g in case.plan.goals] == [("Handla själv", "d6", 3, 1)]
    assert repo.find_case("X-9") == case


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
