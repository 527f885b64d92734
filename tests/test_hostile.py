"""Hostile input, one attack at a time: bombs, paths, huge plans, markup and user paths that go nowhere."""

from __future__ import annotations

import contextlib
import json
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from casework.importing import read_source
from forms.loader import FormError, bundled_form
from interview.case import new_id, valid_id
from interview.errors import ProblemsError
from tests.fuzzing import output_problems, run_cli

DATA = Path(__file__).parent / "data"
EXAMPLE = (DATA / "example.yaml").read_text(encoding="utf-8")
FORM = (Path(__file__).parents[1] / "forms" / "definitions" / "standard-uppfoljning-v1.yaml").read_text(
    encoding="utf-8")

# 814 bytes in the issue: nine levels of nine aliases name 9**9 (387 million) values; validating the
# title walked them for over a minute and 2.7 GB.
BOMB = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    + ["id: bomb", "version: 1", "title: *i", "sections: *i"]
) + "\n"


def one_line_errors(code: int, out: str, err: str) -> list[str]:
    assert code == 1, (out, err)
    assert output_problems(code, out, err) == []
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("uppfoljning: ") for line in lines)
    return lines


def test_the_alias_bomb_form_is_refused_at_once_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    tracemalloc.start()
    started = time.perf_counter()
    code, out, err = run_cli(["--lang", "en", "forms", "validate", str(path)])
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    lines = one_line_errors(code, out, err)
    assert "aliases (*name) are expanded" in lines[0]
    assert elapsed < 1.0 and peak < 20_000_000, (elapsed, peak)


@pytest.mark.parametrize("text", [
    "title: " + "[" * 5000 + "]" * 5000,  # RecursionError in PyYAML's composer
    "sections:\n" + "".join("  " * i + "- \n" for i in range(2000)),
    "sections: [{id: s, title: {sv: a, en: a}, questions: [{id: q, type: bool, label: {sv: a, en: a}, "
    "help: {sv: a, en: a}, when: " + "{not: " * 300 + "{answered: q}" + "}" * 300 + "}]}]",
    "id: x\nversion: " + "9" * 5000,  # more digits than Python converts
    "id: x\nversion: 1\ntitle: {sv: \"a\\e[2Jb\", en: b}",  # a control character in a text
    "\x9b" + FORM,
    FORM.replace("version: 1", "version: 100000"),
])
def test_hostile_forms_are_one_line_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    lines = one_line_errors(*run_cli(["--lang", "en", "forms", "validate", str(path)]))
    assert time.perf_counter() - started < 2
    assert all(f"{path}: " in line for line in lines)


def test_a_form_is_found_among_the_installed_forms_only(tmp_path: Path) -> None:
    # a form file planted where `form: ../..` would once have loaded it
    (tmp_path / "evil-v1.yaml").write_text(FORM.replace("required: true", "required: false"))
    for form_id in (str(tmp_path / "evil"), "../../" + str(tmp_path / "evil"), ["standard-uppfoljning"],
                    "a" * 200, "standard-uppfoljning\x00"):
        with pytest.raises(FormError):
            bundled_form(form_id, 1)  # type: ignore[arg-type]
    for version in (True, "1", 1.0, 2**70):  # (None means the newest installed version)
        with pytest.raises(FormError):
            bundled_form("standard-uppfoljning", version)  # type: ignore[arg-type]
    assert bundled_form("standard-uppfoljning", 1).id == "standard-uppfoljning"


def _plan_file(goals: int, *, as_json: bool = False) -> bytes:
    data = yaml.safe_load(EXAMPLE)
    data["plan"]["goals"] = [{"id": f"g{i}", "text": f"Mål {i}", "life_area": "d6", "scale": "icf",
                              "baseline": 3, "target": 1} for i in range(goals)]
    data["followup"]["goals"] = {f"g{i}": {"attainment": "partly_achieved", "level": 2} for i in range(goals)}
    if as_json:
        return json.dumps(data, default=str).encode()
    return yaml.safe_dump(data, allow_unicode=True).encode()


def _best_of_three(content: bytes, name: str) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        with contextlib.suppress(ProblemsError):
            read_source(name, content, "en")
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.serial
def test_import_time_grows_linearly_with_the_plan() -> None:
    small, large = _best_of_three(_plan_file(20), "a.yaml"), _best_of_three(_plan_file(200), "b.yaml")
    # ten times the goals: linear work is at most ten times the time (plus the fixed part); the
    # quadratic replay took ~40 times as long (0.05 s → 1.6 s)
    assert large < 12 * small + 0.05, (small, large)
    assert large < 1.0


@pytest.mark.parametrize("as_json", [False, True])
def test_an_oversize_plan_is_refused_before_the_expensive_work(as_json: bool) -> None:
    content = _plan_file(10_000, as_json=as_json)
    started = time.perf_counter()
    with pytest.raises(ProblemsError) as err:
        read_source("big.json" if as_json else "big.yaml", content, "en", json_format=as_json)
    assert time.perf_counter() - started < 2.0
    assert len(err.value.problems) <= 51
    assert any("10000 given; at most 200" in p or "more than 1000 entries" in p for p in err.value.problems)


def test_ids_follow_one_pattern() -> None:
    for good in ("g1", "fu-0001", "ovn0004a", "A_b-9"):
        assert valid_id(good)
    for bad in ("", "a" * 33, "a.b", "../x", "-x", "Anna Svensson", "anna-19880101-0003", "x\x1b", "x\n"):
        assert not valid_id(bad), bad
    assert all(valid_id(new_id()) for _ in range(2000))


def test_a_name_and_personnummer_as_id_never_reach_the_audit_log(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run_cli(["--workspace", str(ws), "init", "--no-encryption"])
    file = tmp_path / "x.yaml"
    file.write_text(EXAMPLE.replace("followup:\n", "followup:\n  id: Anna-19880101-0003\n"))
    lines = one_line_errors(*run_cli(["--workspace", str(ws), "--lang", "en", "import", str(file)]))
    assert "followup.id" in lines[0]
    assert "19880101" not in (ws / "audit.jsonl").read_text() if (ws / "audit.jsonl").exists() else True


# --- the command line with paths and headers that go nowhere ------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert run_cli(["--workspace", str(ws), "init", "--no-encryption"])[0] == 0
    assert run_cli(["--workspace", str(ws), "import", str(DATA / "example.yaml")])[0] == 0
    return ws


def _fid(ws: Path) -> str:
    _code, out, _ = run_cli(["--workspace", str(ws), "list", "--format", "json"])
    return str(json.loads(out)[0]["id"])


def test_output_paths_that_cannot_be_written_are_one_line(workspace: Path, tmp_path: Path) -> None:
    fid = _fid(workspace)
    base = ["--workspace", str(workspace), "--lang", "en"]
    for target in (tmp_path / "missing" / "x.yaml", tmp_path, workspace / "cases"):
        for argv in (["export", fid], ["pdf", fid], ["report", "--format", "csv"]):
            lines = one_line_errors(*run_cli([*base, *argv, "-o", str(target)]))
            assert len(lines) == 1 and str(target.name) in lines[0], lines


def test_a_workspace_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for argv in (["list"], ["import", str(DATA / "example.yaml")], ["audit", "show"], ["doctor"]):
        lines = one_line_errors(*run_cli(["--workspace", str(tmp_path / "file"), *argv]))
        assert len(lines) == 1 and "file" in lines[0], lines


@pytest.mark.parametrize("header", [
    {"format": 3}, {"format": 0}, {"format": "x"}, {"format": 10**30}, [], "x", None,
    {"encryption": {}}, {"encryption": {"keys": []}}, {"encryption": {"kdf": {}, "keys": []}},
    {"encryption": {"kdf": {"name": "scrypt", "salt": "x"}, "keys": [{}]}}, {"keys": []},
    {"timezone": "Mars/Olympus"}, {"caseworker": ["x"]},
])
def test_a_malformed_header_is_one_line(workspace: Path, header: object,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPPFOLJNING_PASSPHRASE", "a long enough passphrase")
    (workspace / "workspace.json").write_text(json.dumps(header))
    # The header's copy (workspace.keys.json) stands in for an unreadable header, so the workspace
    # opens; a header that reads but holds broken keys is an error of one line.
    code, out, err = run_cli(["--workspace", str(workspace), "list"])
    if code != 0:
        one_line_errors(code, out, err)
    else:
        assert output_problems(code, out, err) == [] and "IFO-2026-0117" in out
    # With the copy damaged the same way, every command says so in one line.
    (workspace / "workspace.keys.json").write_text(json.dumps(header))
    for argv in (["list"], ["export", "x"]):
        one_line_errors(*run_cli(["--workspace", str(workspace), *argv]))
    code, out, err = run_cli(["--workspace", str(workspace), "audit", "show"])  # needs no key
    assert output_problems(code, out, err) == []


def test_one_damaged_case_is_reported_and_skipped(workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(EXAMPLE.replace("IFO-2026-0117", "IFO-2026-0999"))
    assert run_cli(["--workspace", str(workspace), "import", str(other)])[0] == 0
    victim = sorted((workspace / "cases").glob("*.json"))[0]
    victim.write_bytes(b'{"case": {"1": {"id": "\\u001b[2J", "client": 5}}}')
    code, out, err = run_cli(["--workspace", str(workspace), "--lang", "en", "list"])
    assert code == 0 and output_problems(code, out, err) == []
    assert out.count("IFO-2026-0") == 1 and victim.name in err


# --- the app ---------------------------------------------------------------------------------------


def test_markup_in_notifications_is_shown_as_text(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tests.test_tui_app import filter_to, run
    from tests.tui_helpers import make_app, make_workspace

    ws = make_workspace(tmp_path / "ws", with_history=True)
    app = make_app(ws, tmp_path / "[@click=app.quit]KLICK x[/nope]")

    async def scenario(pilot: object) -> None:
        await filter_to(pilot, "0117")  # type: ignore[arg-type]
        await pilot.press("o")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        await pilot.press("p")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        app.notify("id [@click=app.quit]KLICK and x[/nope] and \x1b[2J")
        await pilot.pause()  # type: ignore[attr-defined]
        shown = [n.message for n in app._notifications]
        assert any("[@click=app.quit]KLICK x[/nope]" in m for m in shown), shown
        assert all(not n.markup for n in app._notifications)
        assert any("x[/nope] and ␛[2J" in m for m in shown)
        for toast in app.screen.query("Toast"):
            assert isinstance(toast, Static)
        assert app.is_running

    run(scenario, app)
