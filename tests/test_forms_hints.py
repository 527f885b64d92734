"""Hints a form of the organisation's own declares (YAML `hints:` or an XLSForm `hints` sheet): raised
over the answers given, per goal where they read per-goal questions, shown where the standard form's
assistant hints are; refused by cell when outside the expression subset. The standard form's own
hints stay as they were, and are never raised on another form."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from forms.loader import FormError, load_form_text
from forms.versions import canonical
from forms.xlsform import load_xlsform_bytes, to_xlsx
from interview.case import Plan
from interview.engine import Interview
from interview.hints import hints
from tests.test_forms_xlsform import workbook
from tui.cli import main

HINTS = [
    ["name", "condition", "message::Svenska (sv)", "message::English (en)", "severity"],
    ["units_high", "${units} > 14", "Mer än 14 standardglas i veckan: erbjud behandling.",
     "More than 14 standard drinks a week: offer treatment.", "warning"],
    ["goal_use", "${attainment} = 'not_achieved' and selected(${uses}, 'yes')",
     "Målet är inte uppnått och bruket fortsätter.", "The goal is not met and the use goes on."],
]
PLAN = Plan.model_validate({"start": "2026-01-01", "goals": [
    {"id": "g1", "text": "Nykter", "life_area": "d5", "scale": "none"},
    {"id": "g2", "text": "Arbete", "life_area": "d8", "scale": "none"},
]})


def with_hints(rows: list[list[Any]]) -> bytes:
    def edit(wb: openpyxl.Workbook) -> None:
        sheet = wb.create_sheet("hints")
        for row in rows:
            sheet.append(row)

    return workbook(edit=edit)


def raised(form: Any, answers: dict[str, Any], goals: dict[str, Any], quiet: tuple[str, ...] = ()) -> Any:
    return hints(Interview(form, PLAN, answers, goals, today=date(2026, 11, 20)), quiet)


H = {"sv": "Hjälp", "en": "Help"}
BASE = {"meeting_date": "2026-11-18", "age": 40, "uses": "yes", "substances": ["alcohol"], "units": 20,
        "assessment": "x"}


def test_a_workbook_declares_hints_raised_over_the_answers_and_per_goal() -> None:
    form = load_xlsform_bytes(with_hints(HINTS), "en")
    assert [(h.id, h.severity) for h in form.hints] == [("units_high", "warning"), ("goal_use", "info")]
    found = raised(form, BASE, {"g1": {"attainment": "achieved"}, "g2": {"attainment": "not_achieved"}})
    assert [(h.key, h.severity) for h in found] == [("units_high", "warning"), ("goal_use:g2", "info")]
    units, goal = found
    assert units.message("en") == "More than 14 standard drinks a week: offer treatment."
    assert units.points_to == ("units",)
    assert goal.message("sv") == "Arbete: Målet är inte uppnått och bruket fortsätter."
    assert goal.points_to == ("goals.g2.attainment", "uses")
    # Acknowledged, a hint stays quiet; answers that do not meet the condition raise nothing.
    assert [h.key for h in raised(form, BASE, {"g2": {"attainment": "not_achieved"}}, ("units_high",))] == [
        "goal_use:g2"]
    assert raised(form, {**BASE, "units": 14}, {"g2": {"attainment": "achieved"}}) == []
    # An answer to a question that is not asked raises nothing: units is asked only when alcohol is.
    assert raised(form, {**BASE, "substances": ["cannabis"]}, {}) == []


def test_the_standard_hints_are_only_the_standard_forms() -> None:
    """A form of the organisation's own may have question ids the standard rules read (sip_needed,
    decision): the assistant's rules are not applied to it, only its declared hints."""
    text = yaml.safe_dump({
        "id": "egen", "version": 1, "title": {"sv": "Egen", "en": "Own"},
        "sections": [{"id": "s", "title": {"sv": "S", "en": "S"}, "questions": [
            {"id": "sip_needed", "type": "choice", "label": {"sv": "SIP?", "en": "SIP?"}, "help": H,
             "choices": [{"code": "yes", "label": {"sv": "Ja", "en": "Yes"}},
                         {"code": "no", "label": {"sv": "Nej", "en": "No"}}]},
            {"id": "sip_status", "type": "choice", "label": {"sv": "Status", "en": "Status"}, "help": H,
             "choices": [{"code": "not_started", "label": {"sv": "Ej påbörjad", "en": "Not started"}}]},
        ]}],
        "hints": [{"id": "own", "when": {"equals": {"question": "sip_needed", "value": "no"}},
                   "message": {"sv": "Egen ledtråd.", "en": "Own hint."}}],
    }, allow_unicode=True)
    form = load_form_text(text)
    assert [h.key for h in raised(form, {"sip_needed": "yes", "sip_status": "not_started"}, {})] == []
    assert [h.key for h in raised(form, {"sip_needed": "no"}, {})] == ["own"]


def test_a_hint_outside_the_subset_or_naming_no_question_is_refused_by_its_cell() -> None:
    rows = [HINTS[0],
            ["many", "count-selected(${substances}) > 2", "M", "M"],
            ["ghost", "${nope} = 'yes'", "G", "G"],
            ["loud", "${uses} = 'yes'", "L", "L", "shout"],
            ["mute", "${uses} = 'yes'"],
            ["Bad Name", "${uses} = 'yes'", "B", "B"]]
    with pytest.raises(FormError) as err:
        load_xlsform_bytes(with_hints(rows), "en")
    problems = err.value.problems
    assert any(p.startswith("hints!B2 (condition): ") for p in problems), problems
    assert any(p.startswith("hints!B3 (condition): ") and "nope" in p for p in problems), problems
    assert "hints!E4 (severity): 'shout' is not a severity; write info or warning" in problems
    assert "hints!5: the hint has no message (the column 'message::English (en)')" in problems
    assert any(p.startswith("hints!A6 (name): ") for p in problems), problems
    # Every problem at once, and the form's own questions are still checked beside them.
    assert len(problems) == 5


def test_a_formula_in_the_hints_sheet_is_refused_never_evaluated() -> None:
    rows = [HINTS[0], ["f", "=HYPERLINK(\"http://x\")", "M", "M"]]
    with pytest.raises(FormError) as err:
        load_xlsform_bytes(with_hints(rows), "en")
    assert any("hints!B2" in p for p in err.value.problems), err.value.problems


def test_a_hint_declared_twice_is_named_by_its_row() -> None:
    rows = [HINTS[0], HINTS[1], ["units_high", "${age} > 90", "Äldre", "Older"]]
    with pytest.raises(FormError) as err:
        load_xlsform_bytes(with_hints(rows), "en")
    assert err.value.problems == ["hints!A3 (name): the hint 'units_high' is declared twice"]


def test_yaml_hints_are_checked_like_conditions() -> None:
    base: dict[str, Any] = {
        "id": "egen", "version": 1, "title": {"sv": "Egen", "en": "Own"},
        "sections": [{"id": "s", "title": {"sv": "S", "en": "S"}, "questions": [
            {"id": "n", "type": "integer", "label": {"sv": "Antal", "en": "Number"}, "help": H},
            {"id": "c", "type": "choice", "label": {"sv": "Val", "en": "Choice"}, "help": H,
             "choices": [{"code": "a", "label": {"sv": "A", "en": "A"}}]}]}],
    }
    bad = {**base, "hints": [
        {"id": "x", "when": {"equals": {"question": "missing", "value": "a"}}, "message": {"sv": "x", "en": "x"}},
        {"id": "y", "when": {"equals": {"question": "c", "value": "b"}}, "message": {"sv": "y", "en": "y"}},
        {"id": "z", "when": {"compare": {"question": "c", "op": ">", "value": 2}},
         "message": {"sv": "z", "en": "z"}},
    ]}
    with pytest.raises(FormError) as err:
        load_form_text(yaml.safe_dump(bad))
    assert err.value.problems == [
        "hints[0].when: 'missing' is not a question of the form",
        "hints[1].when: 'b' is not a code of 'c' (a)",
        "hints[2].when: 'c' is not a number question; compare numbers only",
    ]
    tag = yaml.safe_dump({**base, "hints": [{"id": "t", "when": {"answered": "n"},
                                              "message": {"sv": "t", "en": "t"}}]})
    assert load_form_text(tag).hints[0].id == "t"
    with pytest.raises(FormError):  # a YAML tag in a hint is refused like anywhere in a form
        load_form_text(tag.replace("message:", "message: !!python/object:os.system"))


def test_hints_survive_export_as_xlsform_and_a_form_without_hints_keeps_its_fingerprint() -> None:
    form = load_xlsform_bytes(with_hints(HINTS), "en")
    again = load_xlsform_bytes(to_xlsx(form), "en")
    assert canonical(again) == canonical(form) and len(again.hints) == 2
    plain = load_xlsform_bytes(workbook(), "en")
    assert b'"hints"' not in canonical(plain)  # installed forms' fingerprints do not move


def test_the_declared_hint_is_shown_in_quick_mode_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interview.case import Case
    from interview.casefile import load_text, parse_casefile
    from storage.maintenance import open_repository
    from storage.workspace import Workspace, WorkspaceSettings
    from tests.test_quick import Terminal
    from tui.quick import QuickMode

    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings(caseworker="Handläggare A"))
    book = tmp_path / "missbruk.xlsx"
    book.write_bytes(with_hints(HINTS))
    assert main(["--workspace", str(ws), "forms", "install", str(book)]) == 0
    assert main(["--workspace", str(ws), "forms", "default", "missbruk-xls"]) == 0
    data = Path(__file__).parent / "data" / "example.yaml"
    cf = parse_casefile(load_text(data.read_text(encoding="utf-8")))
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    case = Case(client=cf.client, plan=cf.plan)
    repo.add_case(case)
    terminal = Terminal(["IFO-2026-0117", "missbruk-xls", "2026-11-18", "42", "yes", ["alcohol"], "20",
                         "achieved", "not_achieved", "", "Stabilt.", "", True, "Handläggare A"])
    terminal.install(monkeypatch)
    said: list[str] = []
    quick = QuickMode(repo, "sv", "Handläggare A", out=said.append, pdf_dir=tmp_path / "pdf")
    try:
        quick.start(quick.pick_case(None))
        quick.ask_all()
        quick.finish()
    finally:
        repo.close()
    text = " ".join(" ".join(said).split())  # the review wraps long lines
    assert "⚠ Mer än 14 standardglas i veckan: erbjud behandling." in text
    assert "ℹ Gå till dagverksamheten två dagar i veckan: Målet är inte uppnått och bruket fortsätter." in text


def test_a_workbook_with_bad_hints_installs_nothing_and_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.workspace import Workspace, WorkspaceSettings

    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings())
    book = tmp_path / "bad.xlsx"
    book.write_bytes(with_hints([HINTS[0], ["a", "${nope} = 'x'", "A", "A"],
                                 ["b", "${age} > 18 and now() > 1", "B", "B"]]))
    before = sorted(p.name for p in ws.rglob("*"))
    assert main(["--workspace", str(ws), "--lang", "en", "forms", "install", str(book)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1] for line in err[:-1]] == [str(book)] * 2
    assert "hints!B2 (condition)" in err[0] and "hints!B3 (condition)" in err[1]
    assert err[-1] == "uppfoljning: no form was installed"
    assert sorted(p.name for p in ws.rglob("*")) == before and not (ws / "forms").exists()


def test_forms_show_lists_the_declared_hints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from storage.workspace import Workspace, WorkspaceSettings

    ws = tmp_path / "ws"
    Workspace.create(ws, WorkspaceSettings())
    book = tmp_path / "h.xlsx"
    book.write_bytes(with_hints(HINTS))
    assert main(["--workspace", str(ws), "--lang", "en", "forms", "install", str(book)]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(ws), "--lang", "en", "forms", "show", "missbruk-xls"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("! units_high (warning) when ") and out[-2].endswith(
        ": More than 14 standard drinks a week: offer treatment.")
    assert out[-1].startswith("! goal_use (info) when ")
