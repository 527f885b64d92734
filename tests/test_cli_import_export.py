"""import / list / export through the command line: all or nothing, one line per problem."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tui.cli import main


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna A"]) == 0
    return path


def cli(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), "--lang", "en", *args])


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True),
                    encoding="utf-8")
    return path


def example(example_text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(example_text)
    return data


def test_the_contract_example_imports_as_written(
    ws: Path, tmp_path: Path, example_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(ws, "import", str(write(tmp_path, "ex.yaml", example_text))) == 0
    capsys.readouterr()
    assert cli(ws, "list", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("case_ref", "status", "meeting_date", "next_followup")} == {
        "case_ref": "IFO-2026-0117", "status": "draft", "meeting_date": "2026-11-18",
        "next_followup": "2027-05-18"}


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_gives_back_the_same_followup(
    tmp_path: Path, example_text: str, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for path in (first, second):
        assert main(["--workspace", str(path), "init", "--no-encryption"]) == 0
    assert cli(first, "import", "--final", str(write(tmp_path, "ex.yaml", example_text))) == 0
    capsys.readouterr()
    cli(first, "list", "--format", "json")
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    assert cli(first, "export", fid[:6], "--format", fmt) == 0
    exported = capsys.readouterr().out
    assert cli(second, "import", str(write(tmp_path, f"out.{fmt}", exported))) == 0
    capsys.readouterr()
    assert cli(second, "export", fid, "--format", fmt) == 0
    assert capsys.readouterr().out == exported
    data = yaml.safe_load(exported)
    assert data["followup"]["status"] == "final" and data["followup"]["finalized_by"] == "Handläggare A"


def mutate(fn: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(data: dict[str, Any]) -> dict[str, Any]:
        fn(data)
        return data

    return apply


BAD: list[tuple[str, Callable[[dict[str, Any]], Any], list[str]]] = [
    ("wrong type", mutate(lambda d: d["followup"]["answers"].update(meeting_date="igår")),
     ["followup.answers.meeting_date: 'igår' is not a date; write YYYY-MM-DD"]),
    ("unknown code", mutate(lambda d: d["followup"]["answers"].update(meeting_mode="skype")),
     ["followup.answers.meeting_mode: 'skype' is not one of in_person, home_visit, phone, video"]),
    ("not asked", mutate(lambda d: d["followup"]["answers"].update(guided="yes")),
     ["followup.answers.guided: this question is only asked when other_principal_need = yes"]),
    ("missing required", mutate(lambda d: d["followup"]["answers"].pop("assessment")),
     ["followup.answers.assessment: an answer is required"]),
    ("missing goal answer", mutate(lambda d: d["followup"]["goals"].pop("g2")),
     ["followup.goals.g2.attainment: an answer is required"]),
    ("misspelled id", mutate(lambda d: d["followup"]["answers"].update(asessment="x")),
     ["followup.answers.asessment: unknown question in form standard-uppfoljning"]),
    ("unknown top key", mutate(lambda d: d.update(extra=1)), ["extra: unknown key"]),
    ("level off scale", mutate(lambda d: d["followup"]["goals"]["g2"].update(level=3)),
     ["followup.goals.g2.level: 3 is outside the gas scale -2..2"]),
    ("unknown goal", mutate(lambda d: d["followup"]["goals"].update(g9={"attainment": "achieved"})),
     ["followup.goals.g9: the plan has no goal 'g9'"]),
    ("bad personnummer", mutate(lambda d: d["client"].update(personnummer="19121212-1213")),
     ["client.personnummer: the personnummer's check digit is wrong"]),
    ("next before meeting", mutate(lambda d: d["followup"]["answers"].update(next_followup="2026-01-01")),
     ["followup.answers.next_followup: 2026-01-01 must come after meeting_date (2026-11-18)"]),
    ("two problems", mutate(lambda d: (d["followup"]["answers"].pop("decision"),
                                       d["plan"]["goals"][0].update(baseline=7))),
     ["plan.goals[0].baseline: 7 is outside the icf scale 0..4"]),
    ("broken yaml", lambda d: "form: [\nclient: {", ["not valid YAML"]),
    ("not a mapping", lambda d: "- just\n- a list\n", ["file: must be a mapping"]),
    ("yaml bomb", lambda d: "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", ["aliases (*name) are not allowed"]),
]


@pytest.mark.parametrize(("name", "change", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_changes_nothing_and_says_why(
    ws: Path, tmp_path: Path, example_text: str, capsys: pytest.CaptureFixture[str],
    name: str, change: Callable[[dict[str, Any]], Any], expected: list[str],
) -> None:
    good = write(tmp_path, "good.yaml", example_text)
    bad = write(tmp_path, "bad.yaml", change(example(example_text)))
    before = snapshot(ws)
    assert cli(ws, "import", str(good), str(bad)) == 1
    err = capsys.readouterr().err
    assert snapshot(ws) == before  # byte for byte: not even the good file was stored
    for line in expected:
        assert f"{bad}: " in err and line in err, err
    assert "Traceback" not in err
    assert str(good) not in err
    assert err.strip().endswith("Nothing was imported; correct the problems above and try again.")


def test_draft_files_may_be_partial(ws: Path, tmp_path: Path, example_text: str) -> None:
    data = example(example_text)
    data["followup"]["status"] = "draft"
    for key in ("assessment", "decision", "next_followup"):
        data["followup"]["answers"].pop(key)
    assert cli(ws, "import", str(write(tmp_path, "d.yaml", data))) == 0
    # but it cannot be signed while answers are missing
    assert cli(ws, "import", "--final", str(write(tmp_path, "d2.yaml", data))) == 1


def test_list_due_and_table(ws: Path, tmp_path: Path, example_text: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    data = example(example_text)
    data["followup"]["answers"]["next_followup"] = "2026-11-20"
    assert cli(ws, "import", "--final", str(write(tmp_path, "due.yaml", data))) == 0
    # a draft of the next follow-up does not make the case look settled
    later = example(example_text)
    later["followup"]["status"] = "draft"
    later["followup"]["answers"] = {"meeting_date": "2026-11-21"}
    later["followup"]["goals"] = {}
    assert cli(ws, "import", str(write(tmp_path, "draft.yaml", later))) == 0
    data = example(example_text)
    data["client"]["case_ref"] = "IFO-2026-0200"
    assert cli(ws, "import", str(write(tmp_path, "later.yaml", data))) == 0
    capsys.readouterr()
    assert cli(ws, "list", "--due") == 0
    out = capsys.readouterr().out
    assert "IFO-2026-0117" in out and "overdue" in out and "IFO-2026-0200" not in out
    assert cli(ws, "list") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "Case", "Status", "Meeting", "Next", "Caseworker"]
    assert len(out.splitlines()) == 4


def test_same_case_ref_with_another_personnummer_is_refused(
    ws: Path, tmp_path: Path, example_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = example(example_text)
    del data["client"]["birth_year"]
    data["client"]["personnummer"] = "19121212-1212"
    assert cli(ws, "import", str(write(tmp_path, "a.yaml", data))) == 0
    data["client"]["personnummer"] = "19811228-9874"
    assert cli(ws, "import", str(write(tmp_path, "b.yaml", data))) == 1
    assert "already exists with another personnummer" in capsys.readouterr().err
    data["client"]["personnummer"] = "19121212-1212"
    path = write(tmp_path, "a.yaml", data)
    assert cli(ws, "import", str(path)) == 0
    capsys.readouterr()
    cli(ws, "export", json.loads(_list(ws, capsys))[0]["id"], "-o", str(tmp_path / "x.yaml"))
    before = snapshot(ws)
    assert cli(ws, "import", str(tmp_path / "x.yaml")) == 0  # the same follow-up again: no change
    assert "already imported as follow-up" in capsys.readouterr().out
    assert snapshot(ws) == before
    assert len(json.loads(_list(ws, capsys))) == 1


def _list(ws: Path, capsys: pytest.CaptureFixture[str]) -> str:
    cli(ws, "list", "--format", "json")
    return capsys.readouterr().out


def test_errors_without_a_workspace_and_unknown_ids(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workspace", str(tmp_path / "none"), "list"]) == 1
    assert "uppfoljning init" in capsys.readouterr().err
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption"])
    assert cli(ws, "export", "nope") == 1
    assert "no follow-up with id 'nope'" in capsys.readouterr().err


def test_console_script_help_version_and_usage_errors(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tui.cli", *args],
                              capture_output=True, text=True, check=False)

    assert "import" in run("--help").stdout
    assert run("--version").stdout.startswith("uppfoljning ")
    usage = run("frobnicate")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 4)
    ws = tmp_path / "ws"
    run("--workspace", str(ws), "init", "--no-encryption")
    res = run("--workspace", str(ws), "import", str(junk))
    assert res.returncode == 1 and "Traceback" not in res.stderr and "UTF-8" in res.stderr
