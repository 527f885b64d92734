"""A form the organisation wrote, end to end: an XLSForm installed, a follow-up in quick mode, the case
file imported elsewhere and its PDF read back, and the group report over a generated population of
that form, protected like the standard report and never mixed with other forms' follow-ups."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from interview.case import Case, Client, Plan
from interview.casefile import load_text, parse_casefile
from interview.followup import FollowUp
from storage.maintenance import open_repository
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tests.test_forms_xlsform import CHOICES, SETTINGS, SURVEY, workbook
from tui.cli import main

DATA = Path(__file__).parent / "data"
FORM_ID = "missbruk-xls"


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    Workspace.create(path, WorkspaceSettings(caseworker="Handläggare A"))
    book = tmp_path / "missbruk.xlsx"
    book.write_bytes(workbook())
    assert cli(path, "forms", "install", str(book)) == 0
    return path


def version_2() -> bytes:
    """Version 2 adds a substance code and, per goal, a multi-choice of the support given: answers
    of both versions are compiled together."""
    choices = [*CHOICES[:7], ["substances", "stimulants", "Centralstimulantia", "Stimulants"], *CHOICES[7:],
               ["support", "group", "Gruppbehandling", "Group treatment"],
               ["support", "individual", "Enskilda samtal", "Individual sessions"],
               ["support", "medication", "Läkemedel", "Medication"]]
    at = next(i for i, row in enumerate(SURVEY) if row[:2] == ["select_one attain", "attainment"])
    survey = [*SURVEY[:at + 1], ["select_multiple support", "support", "Stöd för målet", "Support for the goal"],
              *SURVEY[at + 1:]]
    settings = [SETTINGS[0], [FORM_ID, "2", SETTINGS[1][2]]]
    return workbook(survey, choices, settings)


# --- one follow-up: quick mode, case file, PDF -----------------------------------------------------


def test_a_workbook_followup_in_quick_mode_travels_as_a_case_file_and_renders_as_pdf(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_quick import Terminal
    from tui.quick import QuickMode

    assert cli(ws, "forms", "default", FORM_ID) == 0
    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    case = Case(client=cf.client, plan=cf.plan)
    repo.add_case(case)
    terminal = Terminal([
        "IFO-2026-0117", "missbruk-xls", "2026-11-18", "42", "yes", ["alcohol", "cannabis"], "2,5",
        "achieved", "not_achieved", "Mer stöd behövs.", "Stabilt.", "", True, "Handläggare A",
    ])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "sv", "Handläggare A", out=lambda _: None, pdf_dir=tmp_path / "pdf")
    try:
        quick.start(quick.pick_case(None))
        quick.ask_all()
        quick.finish()
        done = repo.followups_of(case.id)[-1]
    finally:
        repo.close()
    assert not terminal.answers  # every scripted answer was asked for, nothing more
    assert "Kontakt med vårdnadshavare" not in terminal.asked  # relevant: ${age} < 18, and 42 is not
    assert done.status == "final" and (done.form, done.form_version) == (FORM_ID, 1)

    # The signed follow-up as a case file, imported into another workspace that has the form.
    capsys.readouterr()
    assert cli(ws, "export", done.id) == 0
    exported = yaml.safe_load(capsys.readouterr().out)
    assert (exported["form"], exported["form_version"]) == (FORM_ID, 1)
    assert exported["followup"]["answers"]["substances"] == ["alcohol", "cannabis"]
    assert exported["followup"]["goals"]["g2"]["goal_comment"] == "Mer stöd behövs."
    casefile = tmp_path / "fu.yaml"
    casefile.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    other = tmp_path / "other"
    Workspace.create(other, WorkspaceSettings(caseworker="Handläggare B"))
    assert cli(other, "import", str(casefile)) == 1  # the form is not installed there yet
    assert "missbruk-xls" in capsys.readouterr().err
    assert cli(other, "forms", "install", str(tmp_path / "missbruk.xlsx")) == 0
    assert cli(other, "import", str(casefile)) == 0
    pdf = tmp_path / "fu.pdf"
    assert main(["--workspace", str(other), "pdf", done.id, "-o", str(pdf)]) == 0
    text = pdf_text(pdf)
    for shown in ("formulär missbruk-xls v1", "Vilka substanser?", "Alkohol, Cannabis", "Standardglas per vecka",
                  "Kommentar: Mer stöd behövs.", "Stabilt.", "Sköta sin tvätt själv"):
        assert shown in text, shown
    # a decimal answer in Swedish ("2.5" alone: the signing time "kl. 22.58" holds those characters too)
        assert "\n2,5\n" in text and not re.search(r"(?<![\d.])2\.5(?![\d.])", text)
    assert "Opioider" not in text  # an option not chosen is not printed as an answer
    assert "Kontakt med vårdnadshavare" not in text  # the branch not taken


# --- the report over a population of the form ------------------------------------------------------

PLAN = Plan.model_validate({"start": "2026-01-01", "goals": [
    {"id": "g1", "text": "Nykter", "life_area": "d5", "scale": "none"},
    {"id": "g2", "text": "Arbete", "life_area": "d8", "scale": "none"},
]})


def population(ws: Path, n: int, seed: int = 21) -> dict[str, Any]:
    """n follow-ups of the workbook form (a third on version 2) in two units, plus standard-form
    follow-ups that must stay out of it; returns what was generated, to count against."""
    rnd = random.Random(seed)
    workspace = Workspace.open(ws)
    repo = TinyDBRepository(workspace, durable=False, codec=workspace.codec(None))
    made: dict[str, Any] = {"uses": {"yes": 0, "no": 0, "partly": 0}, "opioids": 0, "stimulants": 0,
                            "support_goals": 0, "medication": 0}
    try:
        for i in range(n):
            unit = "Beroendeenheten" if i % 5 else "Mottagningen"  # one unit of about n/5
            case = Case(client=Client(case_ref=f"M-{i:04d}", gender=("woman", "man", "other")[i % 7 % 3],
                                      birth_year=1950 + rnd.randrange(55), unit=unit), plan=PLAN)
            version = 2 if i % 3 == 0 else 1
            uses = rnd.choice(("yes", "yes", "no", "partly"))
            answers: dict[str, Any] = {"meeting_date": "2026-10-15", "age": 40, "uses": uses,
                                       "assessment": "x"}
            made["uses"][uses] += 1
            if uses != "no":
                pool = ["alcohol", "cannabis", *(["stimulants"] if version == 2 else [])]
                picked = sorted({rnd.choice(pool), rnd.choice(pool)})
                if i in (3, 17):  # two clients only: a small cell the report must hide
                    picked.append("opioids")
                    made["opioids"] += 1
                made["stimulants"] += "stimulants" in picked
                answers["substances"] = picked
            goals: dict[str, Any] = {"g1": {"attainment": rnd.choice(("achieved", "not_achieved"))},
                                     "g2": {"attainment": "achieved"}}
            if version == 2:
                for g in goals.values():
                    g["support"] = sorted({rnd.choice(("group", "individual")), rnd.choice(("group", "individual"))})
                    made["support_goals"] += 1
                if i in (0, 6, 9):  # three goals only: too few to publish
                    goals["g1"]["support"] = [*goals["g1"]["support"], "medication"]
                    made["medication"] += 1
            fu = FollowUp(case_id=case.id, form=FORM_ID, form_version=version, plan=PLAN, status="final",
                          answers=answers, goals=goals)
            repo.add_case(case, [fu])
        for i in range(40):  # standard-form follow-ups in the same units: never in the custom report
            case = Case(client=Client(case_ref=f"S-{i:04d}", gender="woman", birth_year=1980,
                                      unit="Beroendeenheten"), plan=PLAN)
            repo.add_case(case, [FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1,
                                          plan=PLAN, status="final",
                                          answers={"meeting_date": "2026-10-15", "uses": "no"})])
    finally:
        repo.close()
    return made


def ints(tree: Any) -> list[int]:
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in ints(v)]
    return [tree] if isinstance(tree, int) and not isinstance(tree, bool) else []


def test_the_report_over_a_population_of_the_form_covers_its_versions_and_hides_small_cells(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "missbruk-2.xlsx"
    book.write_bytes(version_2())
    assert cli(ws, "forms", "install", str(book)) == 0
    made = population(ws, 300)
    capsys.readouterr()
    assert cli(ws, "report", "--form", FORM_ID, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    # Large counts are rounded to the protection's base, never off by more than the base.
    base = data["rounding_base"]
    assert data["form"] == {"id": FORM_ID, "reported_on_version": 2, "versions_covered": [1, 2]}
    assert data["followups"] == 300  # the 40 standard-form follow-ups are not among them
    # Every choice and multi-choice question, those asked per goal counted per goal (attainment is
    # the goal tables' own); nothing else.
    assert list(data["questions"]) == ["uses", "substances", "support"]
    support = data["questions"]["support"]
    assert made["support_goals"] == 200 and abs(support["answered"] - 200) < max(base, 1)
    assert made["medication"] == 3 and not isinstance(support["medication"], int)
    uses = data["questions"]["uses"]
    for code, count in made["uses"].items():
        assert abs(uses[code] - count) < max(base, 1), (code, uses[code], count)
    substances = data["questions"]["substances"]
    assert set(substances) == {"alcohol", "cannabis", "opioids", "stimulants", "none_said", "answered"}
    assert made["opioids"] == 2 and not isinstance(substances["opioids"], int)  # hidden, not "2"
    assert made["stimulants"] >= 20 and isinstance(substances["stimulants"], int)  # v2's code counted
    # No published count anywhere (any unit, gender or age band) is a small number.
    figures = {k: v for k, v in data.items() if k not in ("form", "suppression_threshold", "rounding_base")}
    assert len(ints(figures)) > 200
    assert not [v for v in ints(figures) if 0 < v < data["suppression_threshold"]]
    by_unit = {}
    for unit in ("Beroendeenheten", "Mottagningen"):
        assert cli(ws, "report", "--form", FORM_ID, "--unit", unit, "--format", "json") == 0
        by_unit[unit] = json.loads(capsys.readouterr().out)
        assert not isinstance(by_unit[unit]["questions"]["substances"]["opioids"], int)
        assert not [v for v in ints(by_unit[unit]["by_gender"]) if 0 < v < 5]
    # The standard report is the standard form's: the workbook's 300 follow-ups are not counted there.
    assert cli(ws, "report", "--format", "json") == 0
    standard = json.loads(capsys.readouterr().out)
    assert standard["followups"] == 40 and standard["form"]["id"] == "standard-uppfoljning"
    assert "substances" not in standard["questions"]

    # Reported on version 1: v2's stimulants code has no place there and is not counted.
    assert cli(ws, "report", "--form", FORM_ID, "--version", "1", "--format", "json") == 0
    v1 = json.loads(capsys.readouterr().out)
    assert "stimulants" not in v1["questions"]["substances"] and v1["form"]["versions_covered"] == [1, 2]
    assert "support" not in v1["questions"]  # v1 has no such question

    # The terminal table and the PDF speak the form's own words.
    assert main(["--workspace", str(ws), "report", "--form", FORM_ID]) == 0
    table = capsys.readouterr().out
    assert "Vilka substanser?" in table and "Centralstimulantia" in table and "Stöd för målet" in table
    assert "Formulärversioner: 1, 2 (redovisat enligt version 2)" in table
    pdf = tmp_path / "r.pdf"
    assert main(["--workspace", str(ws), "report", "--form", FORM_ID, "--format", "pdf", "-o", str(pdf)]) == 0
    text = pdf_text(pdf)
    assert "Uppföljning missbruk" in text and "Vilka substanser?" in text and "Centralstimulantia" in text
    assert "redovisat enligt version 2" in text
    assert "Mötesform" not in text  # no standard-form question leaks into the custom report


def test_a_report_on_a_form_that_is_not_installed_is_one_line_and_writes_nothing(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    assert cli(ws, "report", "--form", "nope", "--format", "json", "-o", str(out)) == 1
    assert capsys.readouterr().err == "uppfoljning: form nope is not installed (see 'uppfoljning forms list')\n"
    assert not out.exists()
    assert cli(ws, "report", "--form", FORM_ID, "--version", "7") == 1
    assert "form missbruk-xls v7 is not installed" in capsys.readouterr().err
    assert main(["--workspace", str(ws), "report", "--form", "../../etc/passwd"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_per_goal_code_outside_the_standard_classes_does_not_break_the_report(ws: Path) -> None:
    """A custom form may give its per-goal "attainment" its own codes (a hostile or odd form): the
    report compiles, and such codes are never counted as the standard attainment classes."""
    from reporting.compile import compile_report
    from reporting.selection import Selection

    workspace = Workspace.open(ws)
    repo = TinyDBRepository(workspace, durable=False, codec=workspace.codec(None))
    try:
        for i in range(12):
            case = Case(client=Client(case_ref=f"X-{i}", gender="man", birth_year=1970), plan=PLAN)
            repo.add_case(case, [FollowUp(case_id=case.id, form=FORM_ID, form_version=1, plan=PLAN,
                                          status="final", answers={"meeting_date": "2026-10-15"},
                                          goals={"g1": {"attainment": "bogus"}})])
        report = compile_report(repo.records(), repo.form(FORM_ID), Selection())
    finally:
        repo.close()
    assert report.total.followups == 12
    assert "bogus" not in report.total.attainment and sum(report.total.attainment.values()) == 0


# --- the database ---------------------------------------------------------------------------------


def test_a_workspace_with_a_custom_form_followup_moves_with_its_form_into_the_database(
    pg_server: Any, pg_clean: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workspace's installed form travels with its follow-ups (migration 0007): a caseworker, who
    may not install forms, moves nothing and is told why; once the form is in the database the same
    move goes through, and the database reports on that form."""
    from tests.test_db_move import SECRET, case_file, db_cases, make_workspace, run

    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", SECRET)
    ws = make_workspace(tmp_path, capsys, {"R-1": "final"})
    book = tmp_path / "missbruk.xlsx"
    book.write_bytes(workbook())
    assert run(capsys, "--workspace", str(ws), "forms", "install", str(book))[0] == 0
    data = yaml.safe_load(case_file(tmp_path, "R-X").read_text(encoding="utf-8"))
    data["form"], data["form_version"] = FORM_ID, 1
    data["followup"]["answers"] = {"meeting_date": "2026-11-18", "age": 40, "uses": "no",
                                   "assessment": "x"}
    data["followup"]["goals"] = {"g1": {"attainment": "achieved"}, "g2": {"attainment": "achieved"}}
    custom = tmp_path / "custom.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, _, err = run(capsys, "--workspace", str(ws), "import", str(custom))
    assert code == 0, err
    dsn = pg_server.dsn("cw_a", pg_clean)
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "db", "import-workspace", str(ws))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "uppfoljning: form missbruk-xls version 1 is not in the database, and cw_a may not install forms; "
        "an admin or supervisor installs it first (uppfoljning --database … forms install)",
        "uppfoljning: Nothing was moved; correct the problems above and try again.",
    ]
    assert db_cases(pg_server, pg_clean) == 0  # R-1, fit to move, did not move either
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "report", "--form", FORM_ID)
    assert code == 1 and out == ""
    assert err.splitlines() == ["uppfoljning: form missbruk-xls is not installed (see 'uppfoljning forms list')"]
    assert run(capsys, "--database", pg_server.dsn("adm", pg_clean), "forms", "install", str(book))[0] == 0
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "db", "import-workspace", str(ws))
    assert code == 0, err
    assert db_cases(pg_server, pg_clean) > 0
    code, out, err = run(capsys, "--database", dsn, "--lang", "en", "report", "--form", FORM_ID,
                         "--include-drafts", "--format", "json")
    assert code == 0, err
    code, local, _ = run(capsys, "--workspace", str(ws), "report", "--form", FORM_ID, "--include-drafts",
                         "--format", "json")
    assert code == 0 and json.loads(out) == json.loads(local)
    assert json.loads(out)["form"]["id"] == FORM_ID and json.loads(out)["followups"] == "<5"  # one: hidden
