"""XLSForm: a substance-abuse follow-up written as a workbook, installed and used; every expression or
cell outside the documented subset refused by its address, never evaluated, nothing installed."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from casework.session import FollowUpSession, start_followup
from forms.loader import FormError
from forms.schema import NumberQuestion
from forms.xlsform import load_xlsform_bytes, to_xlsx
from forms.xpath import XPathError, translate
from interview.case import Case
from interview.casefile import load_text, parse_casefile
from interview.errors import AnswerError
from storage.maintenance import open_repository
from storage.workspace import Workspace, WorkspaceSettings
from tui.cli import main

DATA = Path(__file__).parent / "data"
HEAD = ["type", "name", "label::Svenska (sv)", "label::English (en)", "hint::Svenska (sv)", "hint::English (en)",
        "required", "relevant", "constraint", "constraint_message::Svenska (sv)",
        "constraint_message::English (en)", "legal::Svenska (sv)"]
COL = {name: openpyxl.utils.get_column_letter(i + 1) for i, name in enumerate(HEAD)}

SURVEY: list[list[Any]] = [
    ["begin group", "meeting", "Mötet", "The meeting"],
    ["date", "meeting_date", "Datum för mötet", "Date of the meeting", "", "", "yes"],
    ["note", "about_age", "Åldern avgör vilka frågor som ställs.", "The age decides which questions follow."],
    ["integer", "age", "Ålder", "Age", "I hela år", "In whole years", "yes", "",
     ". >= 12 and . <= 110", "Åldern ska vara 12–110", "The age must be 12–110"],
    ["end group"],
    ["begin group", "use", "Bruk", "Use"],
    ["select_one yn3", "uses", "Använder klienten substanser?", "Does the client use substances?", "", "",
     "yes", "", "", "", "", "SoL 11 kap. 3 §"],
    ["select_multiple substances", "substances", "Vilka substanser?", "Which substances?", "", "", "",
     "selected(${uses}, 'yes') or ${uses} = 'partly'"],
    ["decimal", "units", "Standardglas per vecka", "Standard drinks a week", "", "", "",
     "selected(${substances}, 'alcohol') and not(${uses} = 'no')", ". > 0"],
    ["text", "minor_contact", "Kontakt med vårdnadshavare", "Contact with guardians", "", "", "",
     "${age} < 18"],
    ["end group"],
    ["begin repeat", "goals", "Mål", "Goals"],
    ["select_one attain", "attainment", "Har målet uppnåtts?", "Has the goal been met?", "", "", "yes"],
    ["text", "goal_comment", "Kommentar", "Comment", "", "", "", "${attainment} != 'achieved'"],
    ["end repeat"],
    ["begin group", "outcome", "Bedömning", "Assessment"],
    ["text", "assessment", "Samlad bedömning", "Overall assessment", "", "", "yes"],
    ["end group"],
]
CHOICES = [
    ["list_name", "name", "label::Svenska (sv)", "label::English (en)", "exclusive"],
    ["yn3", "yes", "Ja", "Yes"], ["yn3", "no", "Nej", "No"], ["yn3", "partly", "Ibland", "Sometimes"],
    ["substances", "alcohol", "Alkohol", "Alcohol"], ["substances", "cannabis", "Cannabis", "Cannabis"],
    ["substances", "opioids", "Opioider", "Opioids"], ["substances", "none_said", "Vill inte säga",
                                                         "Would rather not say", "yes"],
    ["attain", "achieved", "Uppnått", "Achieved"], ["attain", "not_achieved", "Inte uppnått", "Not achieved"],
]
SETTINGS = [["form_id", "version", "form_title"], ["missbruk-xls", "1", "Uppföljning missbruk"]]


def workbook(survey: list[list[Any]] | None = None, choices: list[list[Any]] | None = None,
             settings: list[list[Any]] | None = None, head: list[str] | None = None,
             edit: Any = None) -> bytes:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "survey"
    for row in [head or HEAD, *(SURVEY if survey is None else survey)]:
        sheet.append(row)
    for title, rows in (("choices", CHOICES if choices is None else choices),
                        ("settings", SETTINGS if settings is None else settings)):
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if edit is not None:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def refused(data: bytes) -> list[str]:
    with pytest.raises(FormError) as err:
        load_xlsform_bytes(data, "en")
    return err.value.problems


def at(survey_row: int) -> int:
    """The sheet row of SURVEY[survey_row] (the header is row 1)."""
    return survey_row + 2


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    Workspace.create(path, WorkspaceSettings(caseworker="Handläggare A"))
    return path


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "lock"}


# --- the custom form -------------------------------------------------------------------------------


def test_the_substance_abuse_workbook_becomes_the_form_it_says() -> None:
    form = load_xlsform_bytes(workbook())
    assert (form.id, form.version, form.title.sv) == ("missbruk-xls", 1, "Uppföljning missbruk")
    assert [(s.id, s.per_goal) for s in form.sections] == [
        ("meeting", False), ("use", False), ("goals", True), ("outcome", False)]
    dump = {q.id: q.model_dump(mode="json", by_alias=True, exclude_defaults=True) for _, q in form.questions()}
    assert dump["age"]["type"] == "integer" and dump["age"]["required"] is True
    assert dump["age"]["help"] == {"sv": "Åldern avgör vilka frågor som ställs.\n\nI hela år",
                                   "en": "The age decides which questions follow.\n\nIn whole years"}
    assert dump["age"]["constraint"] == {"all": [{"compare": {"question": "age", "op": ">=", "value": 12}},
                                                 {"compare": {"question": "age", "op": "<=", "value": 110}}]}
    assert dump["age"]["constraint_message"]["en"] == "The age must be 12–110"
    assert dump["substances"]["when"] == {"any": [{"equals": {"question": "uses", "value": "yes"}},
                                                  {"equals": {"question": "uses", "value": "partly"}}]}
    assert dump["units"]["when"] == {"all": [{"equals": {"question": "substances", "value": "alcohol"}},
                                             {"not": {"equals": {"question": "uses", "value": "no"}}}]}
    assert dump["minor_contact"]["when"] == {"compare": {"question": "age", "op": "<", "value": 18}}
    assert dump["goal_comment"]["when"] == {"not": {"equals": {"question": "attainment", "value": "achieved"}}}
    assert dump["uses"]["legal"] == [{"text": {"sv": "SoL 11 kap. 3 §", "en": "SoL 11 kap. 3 §"}}]
    assert [c["code"] for c in dump["substances"]["choices"]] == ["alcohol", "cannabis", "opioids", "none_said"]
    assert dump["substances"]["choices"][-1]["exclusive"] is True
    assert isinstance(form.question("units"), NumberQuestion)


def test_installed_from_xlsx_then_a_followup_checks_its_rules_and_travels_as_a_case_file(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    assert cli(ws, "forms", "install", str(path)) == 0
    assert "form missbruk-xls version 1 is installed (9 questions)" in capsys.readouterr().out
    assert cli(ws, "forms", "default", "missbruk-xls") == 0
    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    try:
        case = Case(client=cf.client, plan=cf.plan)
        repo.add_case(case)
        fu = start_followup(repo, case, "A")
        assert (fu.form, fu.form_version) == ("missbruk-xls", 1)
        session = FollowUpSession(repo, fu.id, "en", today=date(2026, 11, 20))
        session.answer("meeting_date", "2026-11-18")
        with pytest.raises(AnswerError, match="The age must be 12–110"):
            session.answer("age", "7")
        with pytest.raises(AnswerError, match="not a whole number"):
            session.answer("age", "17.5")
        session.answer("age", "17")
        session.answer("uses", "partly")
        session.answer("substances", ["alcohol"])
        with pytest.raises(AnswerError, match="rule"):
            session.answer("units", "0")
        session.answer("units", "3,5")
        session.answer("minor_contact", "Mamma deltog.")
        session.answer("goals.g1.attainment", "achieved")
        session.answer("goals.g2.attainment", "not_achieved")
        session.answer("goals.g2.goal_comment", "Behöver mer stöd.")
        session.answer("assessment", "Stabilt.")
        assert session.missing() == []
        session.finalize("Handläggare A")
    finally:
        repo.close()
    capsys.readouterr()
    assert cli(ws, "export", fu.id) == 0
    exported = yaml.safe_load(capsys.readouterr().out)
    assert exported["followup"]["answers"]["age"] == 17
    assert exported["followup"]["answers"]["units"] == 3.5
    assert exported["followup"]["goals"]["g2"]["goal_comment"] == "Behöver mer stöd."
    assert cli(ws, "pdf", fu.id, "-o", str(tmp_path / "f.pdf")) == 0
    # The same file with an answer its rule refuses is refused as a case file too, nothing stored.
    exported["followup"]["id"] = "another"
    exported["followup"]["answers"]["age"] = 200
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    before = snapshot(ws)
    assert cli(ws, "import", str(bad)) == 1
    assert "followup.answers.age" in capsys.readouterr().err
    assert snapshot(ws) == before


def test_a_followup_in_quick_mode_on_the_workbook_form(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_quick import Terminal
    from tui.quick import QuickMode

    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    assert cli(ws, "forms", "install", str(path)) == 0
    assert cli(ws, "forms", "default", "missbruk-xls") == 0
    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    case = Case(client=cf.client, plan=cf.plan)
    repo.add_case(case)
    terminal = Terminal([
        "IFO-2026-0117", "missbruk-xls", "2026-11-18", "7", "42", "yes", ["alcohol", "none_said"], ["alcohol"], "2,5",
        "achieved", "not_achieved", "Mer stöd behövs.", "Stabilt.", "", True, "Handläggare A",
    ])
    terminal.install(monkeypatch)
    said: list[str] = []
    quick = QuickMode(repo, "en", "Handläggare A", out=said.append, pdf_dir=tmp_path / "pdf")
    try:
        quick.start(quick.pick_case(None))
        quick.ask_all()
        quick.finish()
        stored = repo.followups_of(case.id)[-1]
    finally:
        repo.close()
    assert not terminal.answers
    assert "  ! The age must be 12–110" in said  # the rule refused 7; 42 was asked again and kept
    assert "  ! “Would rather not say” cannot be combined with other choices" in said
    assert "Contact with guardians" not in terminal.asked  # 42 is not under 18
    assert stored.status == "final" and (stored.form, stored.form_version) == ("missbruk-xls", 1)
    assert stored.answers["age"] == 42 and stored.answers["units"] == 2.5
    assert any(line.startswith("PDF: ") for line in said)


def test_export_as_xlsform_gives_back_the_same_form(ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "missbruk.xlsx"
    path.write_bytes(workbook())
    assert cli(ws, "forms", "install", str(path)) == 0
    out = tmp_path / "out.xlsx"
    assert cli(ws, "forms", "export", "missbruk-xls", "--format", "xlsform", "-o", str(out)) == 0
    assert load_xlsform_bytes(out.read_bytes()) == load_xlsform_bytes(workbook())


def test_export_writes_a_label_that_looks_like_a_formula_as_text(tmp_path: Path) -> None:
    form = load_xlsform_bytes(workbook())
    hostile = form.model_copy(update={"title": form.title.model_copy(update={"sv": "=HYPERLINK(\"x\")"})})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(hostile)))
    cell = book["settings"]["C2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_the_standard_form_cannot_be_exported_as_xlsform_and_says_why(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "export", "standard-uppfoljning", "--format", "xlsform", "-o",
               str(tmp_path / "s.xlsx")) == 1
    err = capsys.readouterr().err
    assert "uppfoljning: error: level: the type 'level' has no XLSForm form" in err.splitlines()
    assert not (tmp_path / "s.xlsx").exists()


# --- refusals, each by its cell ----------------------------------------------------------------------


def _with(row: int, column: str, value: str) -> list[list[Any]]:
    rows = [list(r) + [""] * (len(HEAD) - len(r)) for r in SURVEY]
    rows[row][HEAD.index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (7, "relevant", "${uses} + 1 > 2",
         "'+' at position 9: arithmetic is not part of the subset"),
        (7, "relevant", "jr:choice-name(${uses}, '${uses}') = 'Ja'",
         "'jr:choice-name()' at position 1: the function is not part of the subset"),
        (7, "relevant", "count-selected(${substances}) > 1", "the function is not part of the subset"),
        (7, "relevant", "${uses} = ${age}", "a comparison is between one question and one literal"),
        (7, "relevant", "${later_one} = 'x'", "${later_one} is not an earlier question"),
        (7, "relevant", "${substances} = 'alcohol'", "${substances} is not an earlier question"),
        (7, "relevant", "${units} > 2", "${units} is not an earlier question"),  # a later row
        (7, "relevant", "${uses} > 'yes'", "'>' compares numbers; ${uses} is not a number question"),
        (7, "relevant", "(" * 30 + "${uses} = 'yes'" + ")" * 30, "nested more than 20 levels deep"),
        (7, "relevant", "true()", "'true()' at position 1: the function is not part of the subset"),
        (7, "relevant", ". = 'yes'", "'.' at position 1: only a constraint can name its own answer"),
        (3, "constraint", "string-length(.) < 4", "the function is not part of the subset"),
        (3, "constraint", ". > today()", "the function is not part of the subset"),
        (6, "required", "${age} div 2 > 3", "'div' at position 8"),
        # Found by the form's own checks after translation, still put at the cell.
        (16, "relevant", "${attainment} = 'achieved'", "'attainment' is a per-goal question of another section"),
        (7, "relevant", "${uses} = 'maybe'", "'maybe' is not a code of 'uses' (no, partly, yes)"),
    ],
)
def test_an_expression_outside_the_subset_is_refused_with_its_cell(
    row: int, column: str, value: str, expected: str
) -> None:
    problems = refused(workbook(_with(row, column, value)))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"survey!{COL[column]}{at(row)} ({column}): ")
    assert expected in problems[0]


def test_translate_is_a_parser_not_an_evaluator() -> None:
    # Nothing here may run: the names are data and the result is a plain structure.
    hostile = "${a} = '__import__(\"os\").system(\"touch /tmp/pwned\")'"
    assert translate(hostile, {"a": "text"}) == {
        "equals": {"question": "a", "value": '__import__("os").system("touch /tmp/pwned")'}}
    with pytest.raises(XPathError):
        translate("${a} = 'x' or", {"a": "text"})
    with pytest.raises(XPathError):
        translate("${a}", {"a": "text"})


def test_formulas_are_refused_by_cell_never_evaluated() -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb["survey"]["C3"] = '=HYPERLINK("http://evil.example","Datum")'
        wb["choices"]["C2"] = "=1+1"

    problems = refused(workbook(edit=edit))
    assert "survey!C3: a formula; write the value itself (formulas are never evaluated)" in problems
    assert "choices!C2: a formula; write the value itself (formulas are never evaluated)" in problems


def test_every_problem_is_listed_and_nothing_is_installed(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    survey = _with(7, "relevant", "${uses} + 1 > 2")
    survey[8][0] = "geopoint"
    survey[9][1] = "Minor-Contact"
    survey.insert(1, ["begin group", "inner", "Inre", "Inner"])
    survey.insert(2, ["end group"])
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(survey, settings=[["form_id", "version", "form_title"],
                                                ["missbruk-xls", "2024010101", "T"]]))
    before = snapshot(ws)
    assert cli(ws, "forms", "install", str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "uppfoljning: no form was installed"
    text = "\n".join(err)
    for expected in ("settings!B2 (version): the version is a whole number 1–999 (found '2024010101')",
                     f"survey!A{at(1)} (type): a group inside a group is not supported",
                     f"survey!H{at(9)} (relevant): '+'",
                     f"survey!A{at(10)} (type): the type 'geopoint' is not supported",
                     f"survey!B{at(11)} (name): a question name is lowercase"):
        assert expected in text, text
    assert "Traceback" not in text
    assert snapshot(ws) == before


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    survey = [["begin group", f"g{n}", f"G{n}", f"G{n}"] for n in range(200)]
    survey += [["text", "deep", "Djup", "Deep"]] + [["end group"]] * 200
    problems = refused(workbook(survey))
    nested = [p for p in problems if "a group inside a group" in p]
    assert nested == ["survey!A3 (type): a group inside a group is not supported; sections have one level"]


def test_a_group_with_too_many_questions_is_named_by_its_row() -> None:
    survey = [["begin group", "big", "Stor", "Big"]]
    survey += [["text", f"q{n}", f"Fråga {n}", f"Question {n}"] for n in range(250)] + [["end group"]]
    assert refused(workbook(survey)) == [
        "survey!B2 (name): the group's questions: List should have at most 200 items after validation, not 250"]


def test_a_missing_settings_sheet_is_said() -> None:
    assert refused(workbook(settings=[])) == [
        "settings: the sheet is missing; it gives form_id, version and form_title"]


def test_a_huge_sheet_is_refused_before_it_is_converted() -> None:
    survey = [["text", f"q{n}", f"Fråga {n}", f"Question {n}"] for n in range(2100)]
    assert refused(workbook(survey)) == ["survey: more than 2000 rows"]


def test_a_zip_bomb_is_refused_before_any_xml_is_read() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    assert len(data.getvalue()) < 1_000_000
    assert refused(data.getvalue()) == ["the workbook unpacks to more than 40 MB"]


def test_entity_declarations_are_refused() -> None:
    original = workbook()
    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(data, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/workbook.xml":
                body = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + body.split(b"?>", 1)[-1]
            dst.writestr(item, body)
    assert refused(data.getvalue()) == ["xl/workbook.xml: a document type declaration is not accepted"]


def test_not_a_workbook() -> None:
    assert refused(b"PK\x03\x04 not really") == ["the file is not an .xlsx workbook"]
    assert refused(b"type,name\ntext,a\n") == ["the file is not an .xlsx workbook"]


def test_a_column_outside_the_subset_is_refused_not_dropped() -> None:
    head = [*HEAD, "calculation"]
    survey = [list(r) + [""] * (len(HEAD) - len(r)) for r in SURVEY]
    survey[9] = [*survey[9], "${age} * 2"]
    problems = refused(workbook(survey, head=head))
    assert problems == [f"survey!M{at(9)} (calculation): this column is not supported here; remove it or "
                        "leave it empty"]


def test_a_changed_code_meaning_in_a_new_workbook_version_is_refused(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "v1.xlsx"
    first.write_bytes(workbook())
    assert cli(ws, "forms", "install", str(first)) == 0
    swapped = [list(r) for r in CHOICES]
    swapped[1][2:4], swapped[2][2:4] = ["Nej", "No"], ["Ja", "Yes"]
    second = tmp_path / "v2.xlsx"
    second.write_bytes(workbook(choices=swapped, settings=[["form_id", "version", "form_title"],
                                                           ["missbruk-xls", "2", "Uppföljning missbruk"]]))
    before = snapshot(ws)
    capsys.readouterr()
    assert cli(ws, "forms", "install", str(second)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("uppfoljning: «Använder klienten substanser?» (uses): code yes carries in version 2 the "
                      "meaning code no had in version 1; a code never changes meaning")
    assert len(err) == 3 and err[-1] == "uppfoljning: no form was installed"
    assert snapshot(ws) == before


def test_refusals_are_in_swedish_by_default(ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(_with(7, "relevant", "${uses} + 1 > 2")))
    assert main(["--workspace", str(ws), "forms", "install", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"uppfoljning: {path}: survey!H9 (relevant): '+' på plats 9: räkneoperationer ingår inte i delmängden; "
        "delmängden är =, !=, <, <=, >, >= mellan en fråga och ett värde, selected(), and, or, not()",
        "uppfoljning: inget formulär installerades",
    ]


def test_every_message_has_both_languages() -> None:
    from tests.test_language import entries

    sv, en = entries("sv"), entries("en")
    keys = [key for ctx, key in sv if ctx == "xlsform"]
    assert len(keys) > 40
    for key in keys:
        assert sv[("xlsform", key)] != en[("xlsform", key)] or key == "w_pyxform", key
