"""The audit log records who did what, never case text, and any tampering is found and located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.audit import AuditLog, verify
from tui.cli import main


@pytest.fixture
def ws(tmp_path: Path, example_text: str) -> Path:
    path = tmp_path / "ws"
    main(["--workspace", str(path), "init", "--no-encryption", "--caseworker", "Anna Handläggare"])
    (tmp_path / "c.yaml").write_text(example_text, encoding="utf-8")
    assert main(["--workspace", str(path), "import", "--final", str(tmp_path / "c.yaml")]) == 0
    return path


def entries(ws: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (ws / "audit.jsonl").read_text().splitlines()]


def test_actions_are_logged_with_who_and_ids_but_no_case_text(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["--workspace", str(ws), "list", "--format", "json"])
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    main(["--workspace", str(ws), "export", fid])
    main(["--workspace", str(ws), "correct", fid, "--reason", "Fel datum", "--text", "Mötet var 17/11"])
    main(["--workspace", str(ws), "erase", "IFO-2026-0117", "--yes"])
    log = entries(ws)
    actions = [e["action"] for e in log]
    for action in ("create", "import", "finalize", "export", "correct", "erase"):
        assert action in actions
    assert all(e["who"] == "Anna Handläggare" for e in log)
    text = (ws / "audit.jsonl").read_text()
    for secret in ("IFO-2026-0117", "Fel datum", "Mötet var", "Tycker att", "Sköta sin tvätt"):
        assert secret not in text
    assert verify(ws / "audit.jsonl") == []


def test_save_answer_logs_the_question_not_the_answer(tmp_path: Path) -> None:
    from interview.case import Case, Client, Plan
    from interview.followup import FollowUp
    from storage.tinydb_repo import TinyDBRepository
    from storage.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    repo = TinyDBRepository(ws)
    plan = Plan.model_validate({"start": "2026-01-01"})
    case = Case(client=Client(case_ref="A"), plan=plan)
    fu = FollowUp(case_id=case.id, form="standard-uppfoljning", form_version=1, plan=plan)
    repo.add_case(case, [fu])
    repo.save_answer(fu.id, "client_view", "mycket privat")
    repo.close()
    last = entries(ws.path)[-1]
    assert last["action"] == "save_answer" and last["detail"] == {"key": "client_view", "gen": 2}
    assert "mycket privat" not in (ws.path / "audit.jsonl").read_text()


def _lines(ws: Path) -> list[str]:
    return (ws / "audit.jsonl").read_text().splitlines(keepends=True)


def _write(ws: Path, lines: list[str]) -> None:
    (ws / "audit.jsonl").write_text("".join(lines))


def tamper_edit(lines: list[str]) -> list[str]:
    lines[1] = lines[1].replace('"create"', '"export"')
    return lines


def tamper_delete(lines: list[str]) -> list[str]:
    del lines[2]
    return lines


def tamper_insert(lines: list[str]) -> list[str]:
    fake = json.loads(lines[1])
    fake["action"] = "export"
    lines.insert(2, json.dumps(fake) + "\n")
    return lines


def tamper_reorder(lines: list[str]) -> list[str]:
    lines[1], lines[2] = lines[2], lines[1]
    return lines


def tamper_truncate(lines: list[str]) -> list[str]:
    return lines[:-2]


def tamper_edit_last(lines: list[str]) -> list[str]:
    lines[-1] = lines[-1].replace('"who":"Anna Handläggare"', '"who":"Någon annan"')
    return lines


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (tamper_edit, "line 2: entry 2 was edited or forged (its seal does not match)"),
        (tamper_delete, "entry 3 is missing (lines were deleted)"),
        (tamper_insert, "line 3: entry 2 appears twice (a line was inserted)"),
        (tamper_reorder, "line 3: entry 2 is out of order"),
        (tamper_truncate, "are missing (lines were deleted)"),
        (tamper_edit_last, "was edited or forged (its seal does not match)"),
    ],
    ids=["edit", "delete", "insert", "reorder", "truncate", "edit-last"],
)
def test_every_kind_of_tampering_is_found(
    ws: Path, capsys: pytest.CaptureFixture[str], tamper: object, expected: str
) -> None:
    assert verify(ws / "audit.jsonl") == []
    _write(ws, tamper(_lines(ws)))  # type: ignore[operator]
    problems = verify(ws / "audit.jsonl")
    assert problems and any(expected in p for p in problems), problems
    capsys.readouterr()
    assert main(["--workspace", str(ws), "--lang", "en", "audit", "verify"]) == 1
    assert expected in capsys.readouterr().err
    assert len(problems) == 1, problems  # located precisely, without follow-on noise


def test_verify_and_show_commands(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--workspace", str(ws), "--lang", "en", "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["--workspace", str(ws), "audit", "show", "--case", "IFO-2026-0117"]) == 0
    out = capsys.readouterr().out
    assert "finalize" in out and "create" in out


def test_a_torn_last_line_is_dropped_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, "A")
    log.append("create", case="c1")
    log.append("export", case="c1")
    with path.open("ab") as f:
        f.write(b'{"seq":3,"act')  # a crash in the middle of an append
    log = AuditLog(path, "A")
    log.append("erase", case="c1")
    assert [e.action for e in log.entries()] == ["create", "export", "erase"]
    assert verify(path) == []
