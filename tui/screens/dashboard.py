"""The dashboard: every case with its last and next follow-up, drafts, and a type-to-filter box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Static

from tui.clean_input import CleanInput
from tui.safe import cell
from tui.screens.base import AppScreen
from tui.strings import s
from tui.widgets.banner import Banner

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
    _widths: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.search = SEP.join(f.casefold() for f in (self.case_ref, self.name, self.unit))

    def cells(self, lang: str) -> tuple[Text | str, ...]:
        """The row's cells in the table (in COLUMNS' order), made once: typing in the filter shows the
        same rows again."""
        if self._cells is None or self._cells[0] != lang:
            nxt = self.next + (f" ({s('overdue', lang)})" if self.overdue else "")
            made = (cell(self.case_ref), cell(self.name), cell(self.unit), self.last or "–",
                    nxt or "–", str(self.drafts) if self.drafts else "")
            self._cells = (lang, made)
            self._widths = tuple(c.cell_len if isinstance(c, Text) else cell_len(c) for c in made)
        return self._cells[1]

    def widths(self, lang: str) -> tuple[int, ...]:
        """Each cell's width on screen, in COLUMNS' order."""
        self.cells(lang)
        return self._widths

    def shown(self, lang: str, layout: Layout) -> tuple[Text | str, ...]:
        """The cells of the columns `layout` keeps, the name shortened (…) to its width."""
        cells = self.cells(lang)
        if layout == FULL:
            return cells  # the wide screen's case, on every filter key: nothing to pick
        keys, name_width = layout
        out: list[Text | str] = []
        for key, value in zip(COLUMNS, cells, strict=True):
            if key not in keys:
                continue
            if key == "col_name" and name_width is not None and isinstance(value, Text) \
                    and value.cell_len > name_width:
                value = value.copy()
                value.truncate(name_width, overflow="ellipsis")
            out.append(value)
        return tuple(out)

    def matches(self, needle: str) -> bool:
        """Whether the case number, name or unit holds `needle` (any case)."""
        folded = needle.casefold()
        return SEP not in folded and folded in self.search


SEP = "\n"  # between the searched fields; a needle holding it (it cannot be typed) matches nothing

COLUMNS = ("col_case", "col_name", "col_unit", "col_last", "col_next", "col_drafts")
# The columns shown and the width the name is shortened to (None: as long as it is).
Layout = tuple[tuple[str, ...], int | None]
FULL: Layout = (COLUMNS, None)
NAME_MIN = 12  # a name shorter than this says too little: the last follow-up's column goes first


def fit(headers: dict[str, int], widths: Sequence[tuple[int, ...]], room: int, pad: int) -> Layout:
    """The columns that fit in `room` cells, each `pad` wider than its widest cell or header. Where
    they do not all fit, what a caseworker needs least goes first: the unit (the filter still finds
    it), then the name is shortened down to NAME_MIN, then the last follow-up; the case number, the
    next follow-up (with its "overdue") and the drafts always stay, in full."""
    widest = [max(column) for column in zip(*widths, strict=True)] if widths else [0] * len(COLUMNS)
    need = {key: max(headers[key], w) for key, w in zip(COLUMNS, widest, strict=True)}

    def total(keys: list[str]) -> int:
        return sum(need[k] + pad for k in keys)

    keys = list(COLUMNS)
    if total(keys) <= room:
        return FULL
    keys.remove("col_unit")
    others = total(keys) - need["col_name"]
    if others + min(need["col_name"], max(NAME_MIN, headers["col_name"])) <= room:
        name = room - others
        return tuple(keys), (name if name < need["col_name"] else None)
    keys.remove("col_last")
    others = total(keys) - need["col_name"]
    return tuple(keys), max(room - others, headers["col_name"], 1)


MAX_ROWS = 200


class CaseTable(DataTable[object]):
    """The case list. Textual's DataTable measures new rows when idle; a frame drawn between adding a
    row and that measurement is cached at the headers' widths and kept (the case number shown as
    "IFO-20" until something else changed, in about 3 starts of 10). Cached lines go once measured."""

    class Resized(Message):
        """The table's width changed: the dashboard fits its columns again."""

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized())

    def room(self) -> int:
        """The cells a row has: the width less the vertical scrollbar's (counted even while there
        is none, so adding rows never pushes the last column out)."""
        return self.size.width - self.styles.scrollbar_size_vertical

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
        # At 80 columns the footer has room for the keys below less `o` (Enter on a row opens it) and
        # `/` (the filter box says "type to filter"); F1, the palette and the help list every key.
        Binding("o", "open_case", "Öppna", show=False, priority=True),
        Binding("f", "new_followup", "Ny uppföljning", priority=True),
        Binding("r", "resume", "Fortsätt utkast", priority=True),
        Binding("p", "pdf", "PDF", show=False),
        Binding("g", "report", "Sammanställning", show=False),
        Binding("slash", "focus_filter", "Filtrera", show=False),
        Binding("w", "work_list", "Arbetslista", show=False, priority=True),  # F1 lists it
        Binding("q", "app.quit", "Avsluta"),
        Binding("escape", "leave_filter", show=False),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The keys that open a follow-up are priority bindings, so the App runs them in turn with the
        # keys typed after them (which then reach the new screen); in a text field they are letters.
        # The filter is the dashboard's only text field (TextArea is not imported for the first frame).
        typing = isinstance(self.focused, Input)
        if action == "work_list":  # the shared database's work list; a local workspace has none
            return self.uapp.shared and not typing
        return not (typing and action in ("new_followup", "resume", "open_case"))

    _shown = False

    def compose(self) -> ComposeResult:
        yield Banner(self.uapp.banner_parts())
        yield CleanInput(placeholder=s("filter_placeholder", self.uapp.lang), id="filter")
        yield CaseTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    _layout: Layout = FULL

    def _add_columns(self, layout: Layout) -> None:
        table = self.query_one(DataTable)
        lang = self.uapp.lang
        for key in layout[0]:
            # A Text label: a str would be parsed as markup (and load Rich's emoji table) for nothing.
            table.add_column(Text(s(key, lang)), key=key)
        self._layout = layout

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        lang = self.uapp.lang
        self._add_columns(FULL)
        self.query_one("#empty", Static).update(s("loading", lang))
        if self.uapp.is_open:
            self.workspace_ready()
        table.focus()

    def workspace_ready(self) -> None:
        """The app has opened the workspace: show its cases."""
        self.query_one(Banner).show(self.uapp.banner_parts())
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

    def _fit(self, shown: list[CaseRow]) -> Layout:
        table = self.query_one(CaseTable)
        if table.size.width == 0:
            return self._layout  # not laid out yet: fitted when its size is known (Resized)
        lang = self.uapp.lang
        headers = {key: cell_len(s(key, lang)) for key in COLUMNS}
        return fit(headers, [r.widths(lang) for r in shown], table.room(), 2 * table.cell_padding)

    @on(CaseTable.Resized)
    def refit(self) -> None:
        """A new width: the columns that fit it (the rows are drawn again only when they change)."""
        if self._matching is not None and self._fit(self._matching[:MAX_ROWS]) != self._layout:
            self._table_ids = []
            self._update_table(self._matching[:MAX_ROWS])

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
            # costs more than an added row, so a large cut rebuilds instead). Fewer rows are never
            # wider, so the columns still fit.
            for case_id in gone:
                table.remove_row(case_id)
        else:
            layout = self._fit(shown)
            if layout != self._layout:
                table.clear(columns=True)
                self._add_columns(layout)
            else:
                table.clear()
            lang = self.uapp.lang
            for r in shown:
                table.add_row(*r.shown(lang, layout), key=r.case_id)
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
