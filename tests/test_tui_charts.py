"""The app's charts (textual-plotext): the report screen's key figures read from the published figures,
gaps labelled, in the table's order; the case view's levels over time per scale, with direction,
baseline and target; plotext imported only inside tui/."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from forms.loader import bundled_form
from interview.case import Plan
from reporting.compile import compile_report
from reporting.output import to_data
from reporting.published import ATTAINMENT, ISU, count, sum_base
from reporting.selection import Selection
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace
from tests.test_db_report import population
from tests.test_tui_app import filter_to, run
from tests.tui_helpers import make_app, make_workspace
from tui.screens.case import CaseScreen
from tui.screens.report import ReportScreen

ROOT = Path(__file__).resolve().parents[1]
FORM = bundled_form()


def test_the_report_screen_charts_women_and_men_side_by_side_with_every_gap_labelled(tmp_path: Path) -> None:
    from tui.charts import BarChart

    ws = make_workspace(tmp_path / "ws", with_history=True)
    repo = TinyDBRepository(Workspace.open(ws), durable=False)
    for case, fus in population(200, 11):
        repo.add_case(case, fus)
    expected = to_data(compile_report(repo.records(), FORM, Selection()), FORM)
    repo.close()
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = 0
        for name, codes in (("attainment", ATTAINMENT), ("isu", ISU)):
            chart = app.screen.query_one(f"#chart-{name}", BarChart)
            assert len(chart.labels) == len(codes) and len(chart.values) == 2  # women and men
            women, men = (expected["by_gender"][g]["goals"][name] for g in ("woman", "man"))
            for i, code in enumerate(codes):
                gaps = [str(c[code]) for c in (women, men) if count(c[code]) is None]
                # Every hidden cell named on the axis; a bar of 0 where the figure is hidden.
                assert all(g in chart.labels[i] for g in gaps), (code, chart.labels[i])
                assert ("dolt" in chart.labels[i]) == bool(gaps)
                for series, cells in zip(chart.values, (women, men), strict=True):
                    base = sum_base(cells, codes)
                    n = count(cells[code])
                    if n is not None and base and all(count(sum_base(c, codes)) for c in (women, men)):
                        assert abs(series[i] - 100 * n / base) < 1e-9
            shown += 1
            text = chart.render().plain  # type: ignore[union-attr]
            assert "Kvinnor" in text and "Män" in text
        ages = app.screen.query_one("#chart-ages", BarChart)
        assert len(ages.labels) == len(expected["by_age_band"]) and "answered" not in " ".join(ages.labels)
        assert shown == 2

    run(scenario, app, size=(120, 60))


def test_a_gap_of_any_published_form_is_a_labelled_zero_bar() -> None:
    from tui.charts import BarChart

    chart = BarChart()
    cells: dict[str, Any] = {"a": 10, "b": "<5", "c": "..", "d": 0, "e": "<3"}
    chart.show("T", [(c, c.upper()) for c in cells], [("Alla", cells, 40)], "sv")
    assert chart.labels == ["A", "B [<5: dolt]", "C [..: dolt]", "D", "E [<3: dolt]"]
    assert chart.values == [[25.0, 0.0, 0.0, 0.0, 0.0]]
    chart.show("T", [(c, c) for c in cells], [("All", cells, "..")], "en")  # the base itself hidden
    assert chart.values == [[10.0, 0.0, 0.0, 0.0, 0.0]] and chart.labels[1] == "b [<5: hidden]"


def test_the_case_view_charts_each_scales_levels_over_time(tmp_path: Path) -> None:
    from tui.charts import LevelsChart

    ws = make_workspace(tmp_path / "ws", with_history=True)
    repo = TinyDBRepository(Workspace.open(ws), durable=False)
    case = repo.find_case("IFO-2026-0117")
    assert case is not None
    plan = case.plan.model_dump()
    plan["goals"].append({"id": "g2", "text": "Delta i dagverksamhet", "life_area": "d8", "scale": "gas",
                          "baseline": -1, "weight": 1.0})
    case.plan = Plan.model_validate(plan)
    repo.update_case(case)
    repo.close()
    app = make_app(ws, tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await filter_to(pilot, "0117")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        icf = app.screen.query_one("#levels-icf", LevelsChart)
        gas = app.screen.query_one("#levels-gas", LevelsChart)
        assert icf.display and gas.display
        # ICF: baseline 3 before, 3 at the follow-up of 2026-08-01; the sub-goal has no scale.
        assert icf.lines == [("Sköta sin tvätt själv", [0, 1], [3, 3])]
        assert gas.lines == [("Delta i dagverksamhet", [0], [-1])]
        text = icf.render().plain  # type: ignore[union-attr]
        assert "lägre är bättre" in text and "2026-08-01" in text and "Före" in text
        assert "högre är bättre" in gas.render().plain  # type: ignore[union-attr]

    run(scenario, app, size=(120, 60))


def test_plotext_is_imported_only_inside_tui() -> None:
    offenders = []
    for package in ("interview", "forms", "storage", "reporting", "casework", "documents"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in ("plotext", "textual_plotext")]
    assert offenders == []
