"""The dashboard: every case with its last and next follow-up, drafts, and a type-to-filter box."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from tui.clean import CleanInput
from tui.safe import cell
from tui.screens.base import AppScreen
from tui.strings import s

if TYPE_CHECKING:
    from interview.case import Client, Plan


@dataclass
class CaseRow:
    case_id: str
    case_ref: str
    name: str
    unit: str
    last: str
    next: str
    overdue: bool
    drafts: int
    # What the filter searches, folded once when the row is made rather than on every key.
    search: str = field(init=False, repr=False, compare=False)
    _cells: tuple[str, tuple[Text | str, ...]] | None = field(default=None, init=False, repr=False,
                                                              compare=False)

    def __post_init__(self) -> None:
        self.search = SEP.join(f.casefold() for f in (self.case_ref, self.name, self.unit))

    def cells(self, lang: str) -> tuple[Text | str, ...]:
        """The row's cells in the table, made once: typing in the filter shows the same rows again."""
        if self._cells is None or self._cells[0] != lang:
            nxt = self.next + (f" ({s('overdue', lang)})" if self.overdue else "")
            self._cells = (lang, (cell(self.case_ref), cell(self.name), cell(self.unit), self.last or "–",
                                  nxt or "–", str(self.drafts) if self.drafts else ""))
        return self._cells[1]

    def matches(self, needle: str) -> bool:
        """Whether the case number, name or unit holds `needle` (any case)."""
        folded = needle.casefold()
        return SEP not in folded and folded in self.search


SEP = "\n"  # between the searched fields; a needle holding it (it cannot be typed) matches nothing


MAX_ROWS = 200


class CaseTable(DataTable[object]):
    """The case list. Textual's DataTable measures new rows when idle; a frame drawn between adding a
    row and that measurement is cached at the headers' widths and kept (the case number shown as
    "IFO-20" until something else changed, in about 3 starts of 10). Cached lines go once measured."""

    async def _on_idle(self, event: events.Idle) -> None:
        measuring = self._require_update_dimensions
        await super()._on_idle(event)
        if measuring:
            self._clear_caches()
            self.refresh()


class Dashboard(AppScreen):
    BINDINGS = [
        Binding("n", "new_case", "Nytt ärende"),
        Binding("enter", "open_case", "Öppna", show=False),
        Binding("o", "open_case", "Öppna", priority=True),
        Binding("f", "new_followup", "Ny uppföljning", priority=True),
        Binding("r", "resume", "Fortsätt utkast", priority=True),
        Binding("p", "pdf", "PDF", show=False),
        Binding("g", "report", "Sammanställning", show=False),
        Binding("slash", "focus_filter", "Filtrera"),
        Binding("w", "work_list", "Arbetslista", priority=True),
        Binding("q", "app.quit", "Avsluta"),
        Binding("escape", "leave_filter", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The keys that open a follow-up are priority bindings, so the App runs them in turn with the
        # keys typed after them (which then reach the new screen); in a text field they are letters.
        from textual.widgets import Input, TextArea

        typing = isinstance(self.focused, (Input, TextArea))
        if action == "work_list":  # the shared database's work list; a local workspace has none
            return self.uapp.shared and not typing
        return not (typing and action in ("new_followup", "resume", "open_case"))

    _shown = False

    def compose(self) -> ComposeResult:
        yield Static(self.uapp.banner_text(), id="banner", markup=False)
        yield CleanInput(placeholder=s("filter_placeholder", self.uapp.lang), id="filter")
        yield CaseTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        lang = self.uapp.lang
        for key in ("col_case", "col_name", "col_unit", "col_last", "col_next", "col_drafts"):
            table.add_column(s(key, lang), key=key)
        self.query_one("#empty", Static).update(s("loading", lang))
        if self.uapp.is_open:
            self.workspace_ready()
        table.focus()

    def workspace_ready(self) -> None:
        """The app has opened the workspace: show its cases."""
        self.query_one("#banner", Static).update(self.uapp.banner_text())
        self.refresh_rows()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown, right after on_mount: skip that one.
        if self._shown and self.uapp.is_open:
            self.refresh_rows()
        self._shown = True

    def rows(self) -> list[CaseRow]:
        from casework.due import is_overdue, latest_signed

        today = self.uapp.today
        out = []
        for case in self.uapp.repo.listing():
            items = case.followups
            latest = latest_signed(items)  # its next date is the case's due date (casework.due)
            nxt = (latest.next_followup or "") if latest else ""
            out.append(
                CaseRow(
                    case_id=case.case_id,
                    case_ref=case.case_ref,
                    name=case.name,
                    unit=case.unit,
                    last=(latest.meeting_date or "") if latest else "",
                    next=nxt,
                    overdue=is_overdue(nxt, today),
                    drafts=sum(1 for f in items if f.status == "draft"),
                )
            )
        return sorted(out, key=lambda r: (not r.overdue, r.next or "9999", r.case_ref))

    # The rows read from the workspace, kept between keys: a filter key only selects among them.
    _all: list[CaseRow] | None = None
    _needle = ""  # the filter the table shows, folded
    _matching: list[CaseRow] | None = None  # the rows that filter selects, in order
    _table_ids: list[str] = []  # the case ids in the table, in order

    def refresh_rows(self) -> None:
        """Read the cases again (the workspace may have changed) and show those the filter selects."""
        if not self.uapp.is_open:
            return  # typed into the filter while the workspace is read: listed once it is open
        self._all = self.rows()
        self._matching = None
        self._table_ids = []  # the cases' rows may have changed too (a draft, a signature): redraw
        self.apply_filter()

    def apply_filter(self) -> None:
        """Show the rows the filter selects; a longer filter searches only what the shorter one
        found, and the table changes only where its rows differ."""
        if self._all is None:
            return  # typed into the filter while the workspace is read: listed once it is open
        needle = self.query_one("#filter", Input).value.strip().casefold()
        lang = self.uapp.lang
        if not needle:
            matching = self._all
        elif self._matching is not None and self._needle and self._needle in needle:
            matching = [r for r in self._matching if r.matches(needle)]
        else:
            matching = [r for r in self._all if r.matches(needle)]
        self._needle, self._matching = needle, matching
        # A unit may hold thousands of cases; the most urgent are listed, the filter finds the rest.
        shown = matching[:MAX_ROWS]
        self._update_table(shown)
        note = "" if shown else s("no_cases", lang)
        if len(matching) > len(shown):
            note = s("more_rows", lang, shown=len(shown), total=len(matching))
        self.query_one("#empty", Static).update(note)

    def _update_table(self, shown: list[CaseRow]) -> None:
        table = self.query_one(DataTable)
        ids = [r.case_id for r in shown]
        if ids == self._table_ids:
            return  # the same rows (typing within what already matched): nothing to redraw
        keep = set(ids)
        gone = [i for i in self._table_ids if i not in keep]
        if (len(gone) * 4 <= len(self._table_ids) and
                [i for i in self._table_ids if i in keep] == ids):
            # Narrowed a little: the rows left keep their order, so only the others go (each removal
            # costs more than an added row, so a large cut rebuilds instead).
            for case_id in gone:
                table.remove_row(case_id)
        else:
            table.clear()
            lang = self.uapp.lang
            for r in shown:
                table.add_row(*r.cells(lang), key=r.case_id)
        self._table_ids = ids

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.apply_filter()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_work_list(self) -> None:
        from tui.screens.worklist import WorkListScreen

        self.app.push_screen(WorkListScreen())

    def action_report(self) -> None:
        if self.uapp.is_open:
            from tui.screens.report import ReportScreen

            self.app.push_screen(ReportScreen())

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_leave_filter(self) -> None:
        # Esc in the filter goes back to the list (the filter stays), so n, o, f, r and q work again.
        self.query_one(DataTable).focus()

    def selected_case(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.uapp.is_open or table.row_count == 0:
            self.notify(s("choose_case_first", self.uapp.lang), severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value)

    @on(DataTable.RowSelected)
    def row_selected(self) -> None:
        self.action_open_case()

    def action_open_case(self) -> None:
        case_id = self.selected_case()
        if case_id:
            self.uapp.open_case(case_id)

    def action_new_case(self) -> None:
        """A new case from the client dialog, opened at once."""
        app = self.uapp
        if not app.is_open:
            return
        from tui.dialogs.case import ClientDialog

        dialog = ClientDialog(
            app.lang, default_caseworker=app.settings.caseworker, default_unit=app.settings.unit
        )
        app.push_screen(dialog, self.case_created)

    def case_created(self, result: tuple[Client, Plan] | None) -> None:
        if result is None:
            return
        from interview.case import Case

        app = self.uapp
        client, plan = result
        case = Case(client=client, plan=plan)
        if app.guard(app.repo.add_case, case) is None and case.id in app.repo.case_ids():
            app.open_case(case.id)

    async def action_new_followup(self) -> None:
        case_id = self.selected_case()
        if case_id:
            await self.new_followup(case_id)

    async def action_resume(self) -> None:
        case_id = self.selected_case()
        if case_id:
            await self.resume_draft(case_id)

    def action_pdf(self) -> None:
        case_id = self.selected_case()
        if case_id:
            from casework.documents import latest_followup

            fid = latest_followup(self.uapp.repo, case_id)
            if fid is None:
                self.notify(s("no_followup_for_pdf", self.uapp.lang), severity="warning")
            else:
                self.write_pdf(fid)
