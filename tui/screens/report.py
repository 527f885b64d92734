"""Group-level compilation in the app: the selection, then the figures with bars."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui.clean import CleanInput
from tui.safe import plain
from tui.screens.base import AppScreen
from tui.strings import s
from tui.text import t
from tui.widgets.banner import Banner

if TYPE_CHECKING:
    from casework.session import FormOption
    from forms.schema import FormDefinition


class ReportScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Tillbaka"),
        Binding("ctrl+s", "compile", "Sammanställ"),
        # Priority: the date and unit fields would otherwise take the key. Only offered (footer, F1)
        # when more than one form is installed.
        Binding("ctrl+o", "choose_form", "Formulär", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.form: FormDefinition | None = None  # the form reported on: the standard form until chosen
        self.options: list[FormOption] = []
        self.running: Worker[None] | None = None  # the compilation under way, if any

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
            # One option a line: the longer label and the button then fit 80 columns in either language.
            with Vertical(classes="report-selection", id="report-options"):
                yield Checkbox(s("report_drafts", lang), id="drafts", compact=True)
                yield Checkbox(s("report_all", lang), id="all", compact=True)
                yield Button(s("report_compile", lang), id="compile", variant="primary", compact=True)
            yield Static("", id="report-form", markup=False)
            yield ProgressBar(id="report-progress", show_eta=False)
            yield Static("", id="report-error", classes="field-error", markup=False)
            from tui.charts import BarChart  # plotext only when the report is opened

            yield BarChart(id="chart-attainment")
            yield BarChart(id="chart-isu")
            yield BarChart(id="chart-ages")
            yield Static("", id="report-body", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        from casework.reports import report_form, report_forms

        self.query_one(ProgressBar).display = False
        self.options = self.uapp.guard(report_forms, self.uapp.repo) or []
        self.form = self.uapp.guard(report_form, self.uapp.repo) or self.uapp.form
        self.refresh_bindings()
        self.action_compile()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose_form":
            return len(self.options) > 1  # one form: nothing to choose, and no key shown
        return True

    def action_choose_form(self) -> None:
        from casework.reports import report_form
        from tui.dialogs.pick import PickDialog

        app = self.uapp
        lang = app.lang
        items = [(f"{o.id}\x1f{o.version}", f"{o.title.get(lang)} ({o.id} v{o.version})")
                 for o in self.options]

        def chosen(key: str | None) -> None:
            if key is None:  # Esc: the report shown stays as it is
                return
            form_id, _, version = key.partition("\x1f")
            form = app.guard(report_form, app.repo, form_id, int(version))
            if form is not None:
                self.form = form
                self.start_compile()  # another form: the running compilation is cancelled, not waited for

        self.app.push_screen(PickDialog(s("report_choose_form", lang), items), chosen)

    def _date(self, wid: str) -> date | None:
        text = self.query_one(f"#{wid}", Input).value.strip()
        return date.fromisoformat(text) if text else None

    @on(Button.Pressed, "#compile")
    def action_compile(self) -> None:
        # Ctrl+S (or the button) again while a compilation runs would start a second one beside it.
        if self.running is not None and self.running.state in (WorkerState.PENDING, WorkerState.RUNNING):
            self.notify(s("report_already_running", self.uapp.lang))
            return
        self.start_compile()

    def start_compile(self) -> None:
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
        if self.form is None:
            self.form = self.uapp.form
        form = self.form
        lang = self.uapp.lang
        self.query_one("#report-form", Static).update(
            s("report_form_shown", lang, title=form.title.get(lang), id=form.id, version=form.version))
        # Protecting a small population's figures can take minutes: say so, rather than empty charts.
        self.query_one("#report-body", Static).update(s("report_working", lang))
        self.running = self.compile(sel, form)

    @work(thread=True, exclusive=True, group="report")
    def compile(self, sel: Any, form: FormDefinition) -> None:
        import time

        from casework.reports import form_report
        from reporting.cancel import Cancelled
        from reporting.output import to_table
        from reporting.suppress import ProtectionFailed

        started = time.monotonic()
        # Textual cancels the worker when the app quits (Ctrl+Q), the screen closes or another form
        # starts over; the protection then stops at its next linear program instead of being waited for.
        worker = get_current_worker()

        def progress(n: int) -> None:
            if time.monotonic() - started > 1:  # a bar only when it takes a while
                self.app.call_from_thread(self._progress, n)

        try:
            data = form_report(self.uapp.repo, form, sel, training=self.uapp.training, progress=progress,
                               cancelled=lambda: worker.is_cancelled)
        except Cancelled:
            return  # nobody waits for these figures any more
        except ProtectionFailed:  # nothing shown rather than figures whose protection was not proven
            self.app.call_from_thread(self._failed)
            return
        text = to_table(data, form, self.uapp.lang)
        self.app.call_from_thread(self._done, text, data, form)

    def _failed(self) -> None:
        if not self.left_while_compiling():
            self.query_one("#report-body", Static).update("")
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

    def _done(self, text: str, data: dict[str, Any], form: FormDefinition) -> None:
        from tui.charts import BarChart, report_charts

        if self.left_while_compiling() or form is not self.form:  # another form was chosen meanwhile
            return
        self.query_one(ProgressBar).display = False
        charts = [self.query_one(f"#chart-{n}", BarChart) for n in ("attainment", "isu", "ages")]
        report_charts(data, charts, form, self.uapp.lang)
        self.query_one("#report-body", Static).update(plain(text))
        self.uapp.guard(lambda: self.uapp.repo.log("report"))
