"""Group-level compilation: a hand-computed fixture, suppression (primary and secondary), properties."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.loader import bundled_form
from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from reporting.compile import compile_report
from reporting.output import to_csv, to_data, to_table
from reporting.selection import Selection
from reporting.suppress import SECONDARY, ProtectionFailed
from storage.memory_repo import MemoryRepository
from tui.cli import main

FORM = bundled_form()
PLAN = Plan.model_validate({"start": "2026-01-01", "goals": [
    {"id": "g1", "text": "Tvätt", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1},
    {"id": "g2", "text": "Dagverksamhet", "life_area": "d8", "scale": "gas", "baseline": -1},
]})
BIRTH = {1: 2010, 2: 2010, 3: 2004, 4: 2004, 5: 2004, 6: 1990, 7: 1990, 8: 1990, 9: 1990, 10: 1990,
         11: 1970, 12: 1970, 13: 1970, 14: 1950, 15: 1940}


def answers(i: int) -> dict[str, Any]:
    a: dict[str, Any] = {
        "meeting_date": "2026-10-15", "participants": ["client"], "meeting_mode": "in_person",
        "intervention_received": "yes", "still_in_need": "yes", "new_needs": "no",
        "other_principal_need": "no", "sip_needed": "no", "client_participation": "yes",
        "client_satisfaction": "satisfied", "assessment": "x", "decision": "continue",
        "next_followup": "2027-04-15",
    }
    if i in (1, 2, 3, 10, 11, 12):
        a.update(new_needs="yes", new_needs_description="x", new_needs_areas=["d7"],
                 new_needs_response=["new_goals"])
    if i in (4, 5, 13):
        a.update(sip_needed="yes", sip_status="exists")
    if i <= 5:
        a.update(decision="end_goals_met")
        del a["next_followup"]
    return a


def goals(i: int) -> dict[str, Any]:
    g1 = ({"attainment": "achieved", "level": 1} if i <= 7 else
          {"attainment": "partly_achieved", "level": 2} if i <= 12 else {"attainment": "not_achieved", "level": 3})
    g2 = {"attainment": "achieved", "level": 1} if i <= 10 else {"attainment": "not_achieved", "level": -1}
    return {"g1": g1, "g2": g2}


def fixture_repo(late_draft: bool = False) -> MemoryRepository:
    """15 clients with a final follow-up in October (4 of them also one in March), and one client
    whose only follow-up is a draft: 20 follow-ups in all."""
    repo = MemoryRepository()
    for i in range(1, 16):
        case = Case(id=f"c{i:02d}", client=Client(case_ref=f"K{i}", gender="woman" if i <= 9 else "man",
                                                 birth_year=BIRTH[i], unit="Socialpsykiatri"), plan=PLAN)
        fus = [FollowUp(id=f"f{i:02d}b", case_id=case.id, form="standard-uppfoljning", form_version=1,
                        plan=PLAN, status="final", answers=answers(i), goals=goals(i))]
        if i == 1 and late_draft:  # a near-empty draft after the signed follow-up
            fus.append(FollowUp(id="f01z", case_id=case.id, form="standard-uppfoljning", form_version=1,
                                plan=PLAN, answers={"meeting_date": "2026-11-30"}))
        if i <= 4:  # an earlier follow-up in the period, superseded by the latest
            early = {**answers(15), "meeting_date": "2026-03-01", "new_needs": "no"}
            fus.insert(0, FollowUp(id=f"f{i:02d}a", case_id=case.id, form="standard-uppfoljning",
                                   form_version=1, plan=PLAN, status="final", answers=early,
                                   goals={"g1": {"attainment": "not_achieved", "level": 3},
                                          "g2": {"attainment": "not_achieved", "level": -1}}))
        repo.add_case(case, fus)
    draft_case = Case(id="c16", client=Client(case_ref="K16"), plan=PLAN)
    repo.add_case(draft_case, [FollowUp(id="f16", case_id="c16", form="standard-uppfoljning", form_version=1,
                                        plan=PLAN, answers={"meeting_date": "2026-10-01"})])
    return repo


def report(**kwargs: Any) -> dict[str, Any]:
    repo = fixture_repo()
    return to_data(compile_report(repo.records(), FORM, Selection(**kwargs)), FORM)


def test_hand_computed_figures() -> None:
    data = report(threshold=1)  # no protection asked for: every figure exact
    assert data["followups"] == 15 and data["clients"] == 15
    assert data["suppression_threshold"] == 1 and data["suppressed"] is False
    q = data["questions"]
    assert q["new_needs"] == {"yes": 6, "no": 9, "answered": 15}
    assert q["decision"] == {"continue": 10, "revise_plan": 0, "end_goals_met": 5, "end_other": 0,
                             "new_investigation": 0, "answered": 15}
    assert q["sip_needed"] == {"yes": 3, "no": 12, "answered": 15}
    assert q["sip_status"] == {"exists": 3, "initiated": 0, "not_started": 0, "declined": 0, "answered": 3}
    assert q["new_needs_areas"]["d7"] == 6 and q["new_needs_areas"]["answered"] == 6
    g = data["goals"]
    assert g["attainment"] == {"achieved": 17, "partly_achieved": 5, "not_achieved": 8, "not_assessable": 0}
    assert g["isu"] == {"positive_met": 17, "positive_not_met": 5, "no_change": 8, "negative": 0}
    assert g["by_life_area"]["d8"] == {"achieved": 10, "partly_achieved": 0, "not_achieved": 5,
                                       "not_assessable": 0}
    d6 = g["by_life_area"]["d6"]
    assert d6["achieved"] == 7 and d6["not_achieved"] == 3 and d6["partly_achieved"] == 5
    assert d6["mean_change"] == 1.27 and d6["change_n"] == 15  # (7*2 + 5*1 + 3*0) / 15
    assert data["gas_t_mean"] == 53.33  # (10 * 60 + 5 * 40) / 15
    assert {k: v["followups"] for k, v in data["by_gender"].items()} == {"woman": 9, "man": 6, "other": 0,
                                                                          "unknown": 0}
    assert sum(v["followups"] for v in data["by_age_band"].values()) == 15
    assert data["by_age_band"]["25-44"]["followups"] == 5


def test_the_same_figures_as_published() -> None:
    """k = 5: counts of 5 or more rounded to the nearest 5, 1..4 as "<5", ".." where a figure
    would give a hidden one away; means to one decimal."""
    data = report()
    assert data["suppression_threshold"] == 5 and data["rounding_base"] == 5 and data["suppressed"] is True
    q = data["questions"]
    assert q["new_needs"] == {"yes": 5, "no": 10, "answered": 15}  # 6 and 9, rounded
    assert q["sip_needed"] == {"yes": "<5", "no": 10, "answered": 15}  # 3 and 12
    # the SIP question's 3 answers: the zeros beside them are hidden too (all 3 "exists" would show)
    assert q["sip_status"] == {"exists": "<5", "initiated": SECONDARY, "not_started": SECONDARY,
                               "declined": SECONDARY, "answered": "<5"}
    g = data["goals"]
    assert g["attainment"] == {"achieved": 15, "partly_achieved": 5, "not_achieved": 10, "not_assessable": 0}
    d6 = g["by_life_area"]["d6"]
    assert d6["not_achieved"] == "<5" and d6["mean_change"] == 1.3 and data["gas_t_mean"] == 53.3
    assert {k: v["followups"] for k, v in data["by_gender"].items()} == {"woman": 10, "man": 5, "other": 0,
                                                                          "unknown": 0}
    exact = report(threshold=1)
    base = data["rounding_base"]
    for path, shown in _leaves(data["questions"]):
        true = _at(exact["questions"], path)
        if isinstance(shown, int):
            assert shown == 0 == true or (true >= 5 and abs(shown - true) <= base // 2), (path, shown, true)
        elif shown == "<5":
            assert 1 <= true <= 4, (path, true)
        else:
            assert shown == SECONDARY, (path, shown)


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in tree.items():
        out += _leaves(value, (*prefix, key)) if isinstance(value, dict) else [((*prefix, key), value)]
    return out


def _at(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def test_selection_options() -> None:
    assert report(threshold=1, all_followups=True)["followups"] == 19
    assert report(threshold=1, include_drafts=True)["followups"] == 16
    assert report(threshold=1, date_to=date(2026, 6, 30))["followups"] == 4  # only the March follow-ups
    assert report(unit="Missbruk")["followups"] == 0
    assert report(threshold=1)["questions"]["sip_needed"] == {"yes": 3, "no": 12, "answered": 15}
    assert report(all_followups=True)["followups"] == 20  # 19, rounded


def test_hidden_means_and_drafts_beside_signed_followups() -> None:
    data = report(threshold=16)  # 15 follow-ups: every mean is over fewer than 16
    assert data["gas_t_mean"] == SECONDARY and data["goals"]["by_life_area"]["d6"]["mean_change"] == SECONDARY
    # a draft never replaces a signed follow-up: c01 gets a later, near-empty draft
    repo = fixture_repo(late_draft=True)
    with_drafts = to_data(compile_report(repo.records(), FORM, Selection(include_drafts=True, threshold=1)), FORM)
    assert with_drafts["followups"] == 17 and with_drafts["clients"] == 16  # 15 signed + 2 drafts
    assert with_drafts["questions"]["decision"]["answered"] == 15  # c01's signed answers still count


def _ints(cells: dict[str, Any]) -> list[int]:
    return [v for v in cells.values() if isinstance(v, int)]


@st.composite
def workspaces(draw: st.DrawFn) -> MemoryRepository:
    repo = MemoryRepository()
    for i in range(draw(st.integers(0, 25))):
        case = Case(id=f"c{i}", client=Client(case_ref=f"K{i}", gender=draw(st.sampled_from(
            ["woman", "man", "other", "unknown"])), birth_year=draw(st.integers(1930, 2020))), plan=PLAN)
        fus = []
        for j in range(draw(st.integers(0, 3))):
            a = {**answers(draw(st.integers(1, 15))), "meeting_date": f"2026-{draw(st.integers(1, 12)):02d}-10"}
            fus.append(FollowUp(id=f"f{i}-{j}", case_id=case.id, form="standard-uppfoljning", form_version=1,
                                plan=PLAN, status=draw(st.sampled_from(["final", "draft"])), answers=a,
                                goals=goals(draw(st.integers(1, 15)))))
        repo.add_case(case, fus)
    return repo


# Each example protects a whole report system (reporting/disclosure.py, a linear-programming audit
# among it): a few seconds each, so fewer examples than the profile's, whatever the profile.
@settings(max_examples=12, deadline=None)
@given(repo=workspaces(), k=st.integers(1, 6), all_followups=st.booleans())
def test_totals_match_the_selection_and_parts_never_exceed_them(
    repo: MemoryRepository, k: int, all_followups: bool
) -> None:
    data = to_data(compile_report(repo.records(), FORM, Selection(threshold=k, all_followups=all_followups)),
                   FORM)
    exact = to_data(compile_report(repo.records(), FORM, Selection(threshold=1, all_followups=all_followups)),
                    FORM)
    expected = 0
    for _, fus in repo.records():
        finals = [f for f in fus if f["status"] == "final"]
        expected += len(finals) if all_followups else min(1, len(finals))
    assert exact["followups"] == expected
    base = data["rounding_base"]
    for path, shown in _leaves({key: data[key] for key in ("followups", "questions", "by_gender", "by_age_band")}):
        if path[-1] in ("mean_change", "gas_t_mean"):
            continue
        true = _at(exact, path)
        if isinstance(shown, int):  # exact, or rounded from k or more to within half the base
            assert shown == true or (k > 1 and true >= k and abs(shown - true) <= base // 2), (path, shown, true)
        else:
            assert k > 1 and (shown == SECONDARY or (shown == f"<{k}" and 1 <= true < k)), (path, shown, true)


def test_outputs_and_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = report()
    rows = to_csv(data).splitlines()
    assert rows[0] == "measure,group,code,value"
    assert "questions.new_needs,all,yes,5" in rows and "followups,gender=woman,,10" in rows
    assert "questions.sip_status,all,initiated,.." in rows
    table = to_table(data, FORM, "sv")
    assert "Måluppfyllelse" in table and "Positiv förändring, målet uppnått" in table
    assert "Kvinnor 10" in table and "positive_met" not in table
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption"])
    main(["--workspace", str(ws), "import", "--final", str(Path(__file__).parent / "data" / "example.yaml")])
    capsys.readouterr()
    assert main(["--workspace", str(ws), "report", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["followups"] == "<5" and out["questions"]["new_needs"]["no"] == "<5"  # one follow-up
    pdf = tmp_path / "r.pdf"
    assert main(["--workspace", str(ws), "report", "--format", "pdf", "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["--workspace", str(ws), "--lang", "en", "report", "--from", "igår"]) == 1
    assert "is not a date" in capsys.readouterr().err


def test_a_draft_is_counted_beside_the_signed_followup_never_instead_of_it() -> None:
    repo = fixture_repo()
    # Client 1 starts a new draft after their signed October follow-up: almost nothing answered yet.
    repo.add_followup(FollowUp(id="f01c", case_id="c01", form="standard-uppfoljning", form_version=1,
                               plan=PLAN, answers={"meeting_date": "2026-11-20"}))
    signed_only = to_data(compile_report(repo.records(), FORM, Selection(threshold=1)), FORM)
    with_drafts = to_data(compile_report(repo.records(), FORM, Selection(include_drafts=True, threshold=1)), FORM)
    assert signed_only["followups"] == 15
    # 15 signed + client 1's draft + client 16's draft: the signed October record is still counted.
    assert with_drafts["followups"] == 17 and with_drafts["clients"] == 16
    assert with_drafts["questions"]["new_needs"] == signed_only["questions"]["new_needs"]


def test_a_report_on_stdout_is_only_the_report(tmp_path: Path) -> None:
    """Nothing but the report reaches stdout, not even what a native library prints there itself
    (HiGHS prints a banner from C++ when its first solver is made): the JSON parses, the CSV starts
    with its header."""
    ws = tmp_path / "ws"
    cli = [sys.executable, "-m", "tui.cli", "--workspace", str(ws)]
    subprocess.run([*cli, "init", "--no-encryption"], check=True, capture_output=True)
    subprocess.run([*cli, "import", "--final", str(Path(__file__).parent / "data" / "example.yaml")],
                   check=True, capture_output=True)
    out = subprocess.run([*cli, "report", "--format", "json"], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout)["followups"] == "<5"
    out = subprocess.run([*cli, "report", "--format", "csv"], check=True, capture_output=True, text=True)
    assert out.stdout.splitlines()[0] == "measure,group,code,value"
    assert "HiGHS" not in out.stdout + out.stderr


def test_a_report_whose_protection_fails_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the audit ever find no solution (a fault: the true figures always are one), nothing is
    published: one line saying so, exit 1, an empty stdout."""
    from reporting import audit, output

    def broken(self: Any, idx: Any, cost: Any) -> Any:
        raise ProtectionFailed("the published figures contradict each other")

    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption"])
    main(["--workspace", str(ws), "import", "--final", str(Path(__file__).parent / "data" / "example.yaml")])
    capsys.readouterr()
    monkeypatch.setattr(output, "_PROTECTED", {})
    monkeypatch.setattr(audit.Solver, "solve", broken)
    assert main(["--workspace", str(ws), "report", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "ingenting publicerades" in err and len(err.strip().splitlines()) == 1


def test_a_period_whose_first_day_is_after_its_last_is_one_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption"])
    main(["--workspace", str(ws), "import", "--final", str(Path(__file__).parent / "data" / "example.yaml")])
    capsys.readouterr()
    assert main(["--workspace", str(ws), "report", "--from", "2026-12-31", "--to", "2026-01-01"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "--from 2026-12-31" in lines[0] and "efter --to 2026-01-01" in lines[0]
    assert main(["--workspace", str(ws), "--lang", "en", "report", "--format", "json",
                 "--from", "2026-06-02", "--to", "2026-06-01"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip().splitlines() == [
        "uppfoljning: --from 2026-06-02 is after --to 2026-06-01: the first day must come before the last"]
    # the same day as first and last is a period (one day), not an error
    assert main(["--workspace", str(ws), "report", "--from", "2026-06-01", "--to", "2026-06-01"]) == 0


def test_the_table_wraps_long_labels_and_loses_none_of_them() -> None:
    data = report(threshold=1)
    table = to_table(data, FORM, "sv")
    # The label column (38 wide after two spaces) and its continuation lines, read in order.
    pieces = [line.strip() if line.startswith("    ") else line[2:40].strip() if line.startswith("  ")
              else line.strip() for line in table.splitlines()]
    words = " ".join(" ".join(pieces).split())
    labels = [c.label.get("sv") for qid in data["questions"] for c in getattr(FORM.question(qid), "choices", [])]
    long = [label for label in labels if len(label) > 38]
    assert long, "the form has labels longer than the column"  # e.g. "Mellanmänskliga interaktioner och relationer"
    for label in labels:
        assert " ".join(label.split()) in words, label
    assert max(len(line) for line in table.splitlines()) <= 90


def test_the_table_says_why_a_share_is_missing_where_counts_are_hidden() -> None:
    why = "Andel visas inte där antal är dolda (<5 eller ..)."
    hidden_table = to_table(report(), FORM, "sv")  # 15 clients: many "<5" and ".."
    assert why in hidden_table.splitlines()
    assert "No share is shown where counts are hidden (<5 or ..)." in to_table(report(), FORM, "en")
    assert "Andel visas inte" not in to_table(report(threshold=1), FORM, "sv")  # nothing hidden
