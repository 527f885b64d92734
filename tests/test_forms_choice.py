"""Choosing the form: the workspace's default form for new follow-ups (quick mode and app alike), case
files naming an installed form, and follow-ups that keep the version they were made with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from casework.session import FollowUpSession, start_followup
from interview.case import Case
from interview.casefile import load_text, parse_casefile
from storage.maintenance import open_repository
from storage.workspace import Workspace, WorkspaceSettings
from tests.test_forms_install import custom_form, write_form
from tests.test_quick import CTRL_C, Terminal
from tui.cli import main
from tui.quick import QuickMode

DATA = Path(__file__).parent / "data"


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    Workspace.create(path, WorkspaceSettings(caseworker="Handläggare A"))
    assert cli(path, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    return path


def example_case() -> Case:
    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    return Case(client=cf.client, plan=cf.plan)


def custom_casefile(version: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    data["form"], data["form_version"] = "missbruk", version
    data["followup"]["answers"] = {"meeting_date": "2026-11-18", "uses": "partly",
                                   "substances": ["alcohol", "opioids"], "assessment": "Stabilt."}
    data["followup"]["goals"] = {"g1": {"attainment": "achieved"}, "g2": {"attainment": "not_achieved"}}
    return data


def test_the_default_form_is_a_setting_and_must_be_installed(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "default", "nope") == 1
    assert capsys.readouterr().err == "uppfoljning: form nope is not installed (see 'uppfoljning forms list')\n"
    assert Workspace.open(ws).settings.default_form is None
    assert cli(ws, "forms", "default", "missbruk") == 0
    assert "new follow-ups are now made with form missbruk (version 1)" in capsys.readouterr().out
    assert Workspace.open(ws).settings.default_form == "missbruk"
    assert cli(ws, "forms", "list") == 0
    assert "missbruk  v1  Substance-abuse follow-up  (default)" in capsys.readouterr().out


def test_a_followup_in_quick_mode_uses_the_default_form_and_exports_and_imports_as_a_case_file(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "forms", "default", "missbruk") == 0
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    case = example_case()
    repo.add_case(case)
    terminal = Terminal([
        "IFO-2026-0117", "missbruk", "2026-11-18", "partly", ["alcohol", "opioids"],
        "achieved", "not_achieved", "Stabilt.",
        "", True, "Handläggare A",
    ])
    terminal.install(monkeypatch)
    said: list[str] = []
    quick = QuickMode(repo, "en", "Handläggare A", out=said.append, pdf_dir=tmp_path / "pdf")
    quick.start(quick.pick_case(None))
    quick.ask_all()
    quick.finish()
    repo.close()
    assert not terminal.answers
    assert "Vilka substanser?" in terminal.asked
    assert any(line.startswith("PDF: ") for line in said), said
    capsys.readouterr()
    assert cli(ws, "list", "--format", "json") == 0
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    assert cli(ws, "export", fid) == 0
    exported = yaml.safe_load(capsys.readouterr().out)
    assert (exported["form"], exported["form_version"]) == ("missbruk", 1)
    assert exported["followup"]["answers"]["substances"] == ["alcohol", "opioids"]
    assert exported["followup"]["goals"]["g2"]["attainment"] == "not_achieved"
    # The same file into a workspace that has installed the form, and into one that has not.
    other = tmp_path / "other"
    Workspace.create(other, WorkspaceSettings())
    path = tmp_path / "exported.yaml"
    path.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    assert cli(other, "import", str(path)) == 1
    err = capsys.readouterr().err
    assert f"{path}: form: " in err and "missbruk" in err and "Traceback" not in err
    assert not list((other / "cases").iterdir())
    assert cli(other, "forms", "install", str(write_form(tmp_path, custom_form()))) == 0
    assert cli(other, "import", "--final", str(path)) == 0
    capsys.readouterr()
    assert cli(other, "export", fid) == 0
    again = yaml.safe_load(capsys.readouterr().out)
    assert again["followup"]["answers"] == exported["followup"]["answers"]
    assert cli(other, "pdf", fid, "-o", str(tmp_path / "f.pdf")) == 0
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def test_a_case_file_is_checked_against_its_own_form(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = custom_casefile()
    bad["followup"]["answers"]["substances"] = ["alcohol", "tobacco"]
    bad["followup"]["answers"]["participants"] = ["client"]  # a standard-form question, not this form's
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    assert cli(ws, "import", str(path)) == 1
    err = capsys.readouterr().err
    assert "followup.answers.substances" in err and "tobacco" in err
    assert "followup.answers.participants" in err
    unknown = custom_casefile(9)
    path.write_text(yaml.safe_dump(unknown, allow_unicode=True), encoding="utf-8")
    assert cli(ws, "import", str(path)) == 1
    assert "form: " in capsys.readouterr().err
    assert not list((ws / "cases").iterdir())


def test_followups_keep_the_version_they_were_made_with(ws: Path, tmp_path: Path) -> None:
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    try:
        case = example_case()
        repo.add_case(case)
        old = start_followup(repo, case, "A", form=repo.form("missbruk"))
        session = FollowUpSession(repo, old.id, "sv")
        session.answer("uses", "yes")
        v2 = custom_form(2)
        v2["sections"][1]["questions"][1]["choices"].append({"code": "other", "label": {"sv": "Annat",
                                                                                        "en": "Other"}})
        v2["sections"][1]["questions"].insert(0, {"id": "new_first", "type": "text", "label": {
            "sv": "Ny fråga", "en": "New question"}, "help": {"sv": "h", "en": "h"}})
        from forms.loader import parse_form

        assert repo.form_store().install(parse_form(v2)) is True
        repo.workspace.settings.default_form = "missbruk"
        new = start_followup(repo, case, "A")
        assert (new.form, new.form_version) == ("missbruk", 2)
        reopened = FollowUpSession(repo, old.id, "sv")
        assert reopened.form.version == 1
        assert [q.id for _, q in reopened.form.questions()] == [q.id for _, q in repo.form("missbruk", 1)
                                                                 .questions()]
        assert reopened.interview.answers["uses"] == "yes"
    finally:
        repo.close()


def test_quick_mode_offers_the_installed_forms_the_default_first_and_keeps_the_choice(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than one form installed: each new follow-up asks which, the default offered first;
    choosing the standard form makes this follow-up a standard one, the default stays the setting."""
    assert cli(ws, "forms", "default", "missbruk") == 0
    repo = open_repository(ws, passphrase=lambda: None, writable=True)
    case = example_case()
    repo.add_case(case)
    terminal = Terminal(["IFO-2026-0117", "standard-uppfoljning", "2026-11-18", CTRL_C])
    terminal.install(monkeypatch)
    quick = QuickMode(repo, "en", "Handläggare A", out=lambda _: None, pdf_dir=tmp_path / "pdf")
    try:
        session = quick.start(quick.pick_case(None))
        with pytest.raises(KeyboardInterrupt):
            quick.ask_all()
        fu = repo.followups_of(case.id)[-1]
    finally:
        repo.close()
    assert terminal.asked[1] == "Which form is the follow-up made with?"
    assert terminal.defaults[1] == "missbruk"  # the workspace's default is where the cursor starts
    assert (fu.form, fu.form_version) == ("standard-uppfoljning", 2) == (session.form.id, session.form.version)
    assert fu.answers["meeting_date"] == "2026-11-18"
    assert Workspace.open(ws).settings.default_form == "missbruk"
