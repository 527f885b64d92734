"""Charts in the app (textual-plotext): the report's key figures, women and men side by side, and a
case's levels over time. A hidden figure ('<5', '..') is a labelled gap, never a missing bar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual_plotext import PlotextPlot

from forms.schema import FormDefinition
from interview.case import Case
from interview.followup import FollowUp
from reporting.output import ISU_LABELS
from reporting.published import ATTAINMENT, ISU, count, sum_base
from tui.strings import s

LABEL = 30  # characters of a category's name on the chart's axis; the table below has the whole name


class BarChart(PlotextPlot):
    """Horizontal bars, one series or several side by side, in the order given (first on top)."""

    DEFAULT_CSS = "BarChart { height: 14; margin: 0 0 1 0; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.labels: list[str] = []  # what the axis says, gaps marked: read by the tests
        self.values: list[list[float]] = []

    def show(self, title: str, rows: Sequence[tuple[str, str]],
             series: Sequence[tuple[str, Mapping[str, Any], Any]], lang: str) -> None:
        """rows: (code, name); series: (name, cells, base). Shares of each base where every base is a
        known number, counts otherwise (the title says which)."""
        shares = all(count(base) for _, _, base in series)
        labels, values = [], []
        for code, name in rows:
            gaps = [str(cells.get(code)) for _, cells, _ in series if count(cells.get(code)) is None]
            label = name if len(name) <= LABEL else name[: LABEL - 1] + "…"
            if gaps:
                label += f" [{'/'.join(gaps)}: {s('chart_hidden', lang)}]"
            labels.append(label)
        for _, cells, base in series:
            line = []
            for code, _ in rows:
                n, whole = count(cells.get(code)), count(base)
                line.append(0.0 if n is None else (100 * n / whole if shares and whole else float(n)))
            values.append(line)
        self.labels, self.values = labels, values
        self.styles.height = 6 + len(rows) * (len(series) + 1)  # every bar a line of its own, and a gap
        plt = self.plt
        plt.clear_data()
        plt.title(f"{title} ({s('chart_share' if shares else 'chart_count', lang)})")
        # plotext draws the first label at the bottom of a horizontal chart: reversed, the chart reads
        # top-down in the table's order.
        if len(series) == 1:
            plt.bar(labels[::-1], values[0][::-1], orientation="horizontal", width=0.6)
        else:
            # textual-plotext's stub names the keyword `label`; plotext's multiple_bar takes `labels`
            # (a list, one per series) and has no `label`, so the stub is wrong here, not the call.
            plt.multiple_bar(labels[::-1], [v[::-1] for v in values],  # type: ignore[call-arg]
                             labels=[name for name, _, _ in series], orientation="horizontal", width=0.8)
        self.refresh()


def report_charts(data: Mapping[str, Any], charts: Sequence[BarChart], form: FormDefinition,
                  lang: str) -> None:
    """The report screen's charts (attainment, ISU, age bands) from the published figures only: goal
    attainment and the ISU outcome for women and men side by side, and the follow-ups by age band."""
    attainment, isu, ages = charts
    question = next((q for _, q in form.questions() if q.id == "attainment"), None)
    labels = {c.code: c.label.get(lang) for c in getattr(question, "choices", [])}
    # A form whose attainment question offers fewer classes than the standard form gets bars for its
    # own classes only (the others are never counted for it), not empty rows named by bare codes.
    offered = [c for c in ATTAINMENT if c in labels] or list(ATTAINMENT)
    labels.update(ISU_LABELS["en" if lang == "en" else "sv"])
    for chart, name, codes in ((attainment, "attainment", offered), (isu, "isu", ISU)):
        series = []
        for g in ("woman", "man"):
            cells = data["by_gender"][g]["goals"][name]
            series.append((s(f"chart_{g}", lang), cells, sum_base(cells, codes)))
        chart.show(s(f"chart_{name}", lang), [(c, labels.get(c, c)) for c in codes], series, lang)
    bands = data["by_age_band"]
    cells = {b: part["followups"] for b, part in bands.items()}
    rows = [(b, b if b != "unknown" else s("chart_age_unknown", lang)) for b in bands]
    ages.show(s("chart_ages", lang), rows, [(s("chart_followups", lang), cells, data["followups"])], lang)


class LevelsChart(PlotextPlot):
    """One scale's goals over time: the baseline, each follow-up's level, and the target, one line per
    goal; the scale's direction in the title (ICF: lower is better; GAS: higher is better)."""

    DEFAULT_CSS = "LevelsChart { height: 14; margin: 0 0 1 0; }"

    def __init__(self, scale: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.lines: list[tuple[str, list[int], list[int]]] = []  # (goal, x, level): read by the tests

    def show(self, case: Case, dated: Sequence[FollowUp], lang: str) -> None:
        goals = [(g, d) for g, d in case.plan.ordered_goals() if g.scale == self.scale]
        self.display = bool(goals)
        if not goals:
            return
        ticks = [s("before", lang), *(str(f.answers["meeting_date"]) for f in dated), s("target", lang)]
        plt = self.plt
        plt.clear_data()
        plt.title(s(f"chart_levels_{self.scale}", lang))
        self.lines = []
        for goal, depth in goals:
            points = [goal.baseline, *(f.goals.get(goal.id, {}).get("level") for f in dated)]
            xs = [i for i, v in enumerate(points) if v is not None]
            ys = [int(v) for v in points if v is not None]
            name = ("↳ " if depth else "") + (goal.text if len(goal.text) <= 24 else goal.text[:23] + "…")
            self.lines.append((name, xs, ys))
            if xs:
                plt.plot(xs, ys, marker="dot", label=name)
            target = goal.target if goal.target is not None or goal.scale != "gas" else 0
            if target is not None:
                plt.scatter([len(ticks) - 1], [target], marker="x")
        low, high = (0, 4) if self.scale == "icf" else (-2, 2)
        plt.ylim(low - 0.2, high + 0.2)
        plt.yticks(list(range(low, high + 1)))
        plt.xticks(list(range(len(ticks))), ticks)
        plt.xlim(-0.3, len(ticks) - 0.7)
        self.refresh()
