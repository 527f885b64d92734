"""The work list: the app's first screen on the shared database (casework.worklist decides the rows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from tui.safe import cell
from tui.screens.base import AppScreen
from tui.strings import s
from tui.widgets.banner import Banner

if TYPE_CHECKING:
    from casework.worklist import WorkItem
    from storage.repository import WorkRow

REFRESH_S = 30.0  # the list is read again this often while it is on screen: others change it meanwhile


class WorkListScreen(AppScreen):
    """The login's list (returned, approved, overdue, to review, drafts, due); a supervisor's unit view
    by caseworker on `u`. Each line opens its follow-up, or its case when a follow-up is due."""

    BINDINGS = [
        Binding("o", "open", "Öppna", priority=True),
        Binding("u", "toggle_unit", "Enheten", priority=True),
        Binding("d", "dashboard", "Alla ärenden", priority=True),
        Binding("r", "refresh", "Uppdatera", priority=True),
        Binding("q", "app.quit", "Avsluta"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unit = False  # the supervisor's unit view instead of the login's own list
        self.targets: list[tuple[str, str] | None] = []  # per table row: what it opens (None: a heading)
        self.reads = 0  # lists read so far: a worker's slower, older read is not shown over a newer one

    def compose(self) -> ComposeResult:
        yield Banner(self.uapp.banner_parts())
        yield Static("", id="worklist-title", classes="screen-title", markup=False)
        from tui.screens.dashboard import CaseTable  # measures its rows before a frame is cached

        yield CaseTable(id="worklist", cursor_type="row", zebra_stripes=True)
        yield Static("", id="worklist-empty", classes="muted", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.uapp.is_open:
            self.fill()
        self.set_interval(REFRESH_S, self.refresh_rows)

    def refresh_rows(self) -> None:
        """The timer's refresh: read in a worker thread (a slow database never stalls the keys), shown
        when read. Only while the list is on screen: a screen above it comes back with a fresh read."""
        if self.uapp.is_open and self.app.screen is self:
            self.reads += 1
            self.read_rows(self.reads)

    @work(thread=True, exclusive=True, group="worklist")
    def read_rows(self, read: int) -> None:
        from storage.errors import StorageError

        repo = self.uapp.repo
        try:
            rows = repo.work_rows()  # type: ignore[attr-defined]
        except StorageError:
            return  # the next tick, `r` or a return tries again; a timer does not pile up notices
        self.app.call_from_thread(self.fill, rows, read)

    def workspace_ready(self) -> None:
        self.fill()

    def on_screen_resume(self) -> None:
        if self.uapp.is_open:
            self.fill()  # what was done elsewhere (submitted, approved, signed) leaves or joins the list

    @property
    def supervisor(self) -> bool:
        return self.uapp.is_open and getattr(self.uapp.repo, "role", "") == "supervisor"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_unit":
            return self.supervisor
        return True

    def fill(self, rows: Sequence[WorkRow] | None = None, read: int | None = None) -> None:
        """Show the list, from `rows` when read already (the timer's worker, its `read` numbered),
        else read now."""
        from casework import worklist

        app, lang = self.uapp, self.uapp.lang
        if not self.is_attached or not app.is_open:
            return  # left (or the workspace closed) while a worker was reading
        if read is not None and read != self.reads:
            return  # a later read (a return, `r`) is shown already: an older list never replaces it
        if rows is None:
            self.reads += 1
        self.query_one(Banner).show(app.banner_parts())
        repo = app.repo
        if rows is None:
            rows = app.guard(lambda: repo.work_rows())  # type: ignore[attr-defined]
            if rows is None:
                return
        table: DataTable[object] = self.query_one("#worklist", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        self.targets = []
        if self.unit:
            title = s("worklist_unit_title", lang)
            table.add_columns(s("worklist_col_what", lang), s("worklist_col_case", lang),
                              s("worklist_col_date", lang), s("worklist_col_name", lang))
            for view in worklist.unit_view(rows, app.today):
                name = view.name or s("worklist_nobody", lang)
                # The caseworker's line: their counts in the columns below which the rows follow.
                table.add_row(cell(name), s("worklist_n_overdue", lang, n=len(view.overdue)),
                              s("worklist_n_drafts", lang, n=len(view.old_drafts)),
                              s("worklist_n_review", lang, n=len(view.awaiting_review)))
                self.targets.append(None)
                for item in (*view.overdue, *view.old_drafts, *view.awaiting_review):
                    self.add_item(table, item, lang, indent="  ")
        else:
            title = s("worklist_title", lang)
            table.add_columns(s("worklist_col_what", lang), s("worklist_col_case", lang),
                              s("worklist_col_date", lang), s("worklist_col_name", lang))
            items = worklist.my_list(rows, repo.login, repo.role, app.today)  # type: ignore[attr-defined]
            for item in items:
                self.add_item(table, item, lang)
        self.query_one("#worklist-title", Static).update(title)
        empty = self.query_one("#worklist-empty", Static)
        empty.update(s("work_none", lang) if not self.targets else "")
        empty.display = not self.targets
        if self.targets:
            table.move_cursor(row=min(cursor, len(self.targets) - 1))
            table.focus()

    def add_item(self, table: DataTable[object], item: WorkItem, lang: str, indent: str = "") -> None:
        from casework.worklist import opens

        row = item.row
        when = item.due or row.meeting_date or "–"
        login = getattr(self.uapp.repo, "login", "")
        who = row.assigned_name if self.unit or row.assigned_to != login else ""  # someone else's case
        name = f"{row.name} ({who})" if who and row.name else (row.name or who)
        table.add_row(indent + s("work_" + item.kind, lang), cell(row.case_ref), when, cell(name))
        self.targets.append(opens(item))

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter on a line opens it, as `o` does
        await self.action_open()

    async def action_open(self) -> None:
        table: DataTable[object] = self.query_one("#worklist", DataTable)
        if not self.targets or not 0 <= table.cursor_row < len(self.targets):
            return
        target = self.targets[table.cursor_row]
        if target is None:
            return  # a caseworker's heading in the unit view
        kind, ident = target
        if kind == "case":
            self.uapp.open_case(ident)
        else:
            await self.uapp.open_followup(ident)

    def action_refresh(self) -> None:
        """Read the list again: another login may have submitted, returned or approved meanwhile."""
        self.fill()

    def action_toggle_unit(self) -> None:
        self.unit = not self.unit
        self.fill()

    def action_dashboard(self) -> None:
        from tui.screens.dashboard import Dashboard

        if len(self.app.screen_stack) > 1 and isinstance(self.app.screen_stack[-2], Dashboard):
            self.app.pop_screen()
        else:
            self.app.push_screen(Dashboard())
