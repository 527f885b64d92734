"""Group-level compilation in the app: the selection, then the figures with bars."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Static

from tui.clean import CleanInput
from tui.safe import plain
from tui.screens.base import AppScreen
from tui.strings import s
from tui.text import t
from tui.widgets.banner import Banner


class ReportScreen(AppScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Tillbaka"), Binding("ctrl+s", "compile", "Sammanställ")]

    def compose(self) -> ComposeResult:
        lang = self.uapp.lang
        yield Banner(self.uapp.banner_parts(s("report_title", lang)))
        with VerticalScroll(id="report"):
            with Horizontal(classes="report-selection"):
                yield Label(s("report_from", lang))
                yield CleanInput(
                    placeholder=s("date_placeholder", lang), id="from", compact=True
                )
                yield Label(s("report_to", lang))
                yield CleanInput(placeholder=s("date_placeholder", lang), id="to",
                                 compact=True)
                yield Label(s("report_unit", lang))
                yield CleanInput(id="unit", compact=True)
            with Horizontal(classes="report-selection"):
                yield Checkbox(s("report_drafts", lang), id="drafts", compact=True)
                yield Checkbox(s("report_all", lang), id="all", compact=True)
                yield Button(s("report_compile", lang), id="compile", variant="primary", compact=True)
            yield ProgressBar(id="report-progress", show_eta=False)
            yield Static("", id="report-error", classes="field-error", markup=False)
            from tui.charts import BarChart  # plotext only when the report is opened

            yield BarChart(id="chart-attainment")
            yield BarChart(id="chart-isu")
            yield BarChart(id="chart-ages")
            yield Static("", id="report-body", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.action_compile()

    def _date(self, wid: str) -> date | None:
        text = self.query_one(f"#{wid}", Input).value.strip()
        return date.fromisoformat(text) if text else None

    @on(Button.Pressed, "#compile")
    def action_compile(self) -> None:
        from reporting.selection import Selection

        try:
            sel = Selection(
                date_from=self._date("from"),
                date_to=self._date("to"),
                unit=self.query_one("#unit", Input).value.strip() or None,
                include_drafts=self.query_one("#drafts", Checkbox).value,
                all_followups=self.query_one("#all", Checkbox).value,
            )
        except ValueError:
            self.query_one("#report-error", Static).update(s("report_bad_date", self.uapp.lang))
            return
        self.query_one("#report-error", Static).update("")
        bar = self.query_one(ProgressBar)
        bar.update(total=max(len(self.uapp.repo.case_ids()), 1), progress=0)
        self.compile(sel)

    @work(thread=True, exclusive=True, group="report")
    def compile(self, sel: Any) -> None:
        import time

        from reporting.compile import compile_report
        from reporting.output import to_data, to_table
        from reporting.suppress import ProtectionFailed

        started = time.monotonic()

        def progress(n: int) -> None:
            if time.monotonic() - started > 1:  # a bar only when it takes a while
                self.app.call_from_thread(self._progress, n)

        form = self.uapp.form
        report = compile_report(self.uapp.repo.records(), form, sel, progress)
        training = self.uapp.training
        try:
            data = to_data(report, form, training=training)
        except ProtectionFailed:  # nothing shown rather than figures whose protection was not proven
            self.app.call_from_thread(self._failed)
            return
        text = to_table(data, form, self.uapp.lang)
        self.app.call_from_thread(self._done, text, data)

    def _failed(self) -> None:
        if not self.left_while_compiling():
            self.notify(t("report_unprotected", self.uapp.lang), severity="error", timeout=15)

    def left_while_compiling(self) -> bool:
        # Esc may close the screen while the worker compiles: its result then has nowhere to go.
        return self not in self.app.screen_stack

    def _progress(self, n: int) -> None:
        if self.left_while_compiling():
            return
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(progress=n)

    def _done(self, text: str, data: dict[str, Any]) -> None:
        from tui.charts import BarChart, report_charts

        if self.left_while_compiling():
            return
        self.query_one(ProgressBar).display = False
        charts = [self.query_one(f"#chart-{n}", BarChart) for n in ("attainment", "isu", "ages")]
        report_charts(data, charts, self.uapp.form, self.uapp.lang)
        self.query_one("#report-body", Static).update(plain(text))
        self.uapp.guard(lambda: self.uapp.repo.log("report"))
