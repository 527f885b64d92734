"""One case: the client, the plan with goals and sub-goals, interventions, and its follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from interview.case import Case, Client, Plan
from interview.followup import FollowUp
from language.format import long_date
from storage.repository import Repository
from tui.dialogs.case import ClientDialog, CorrectionDialog, GoalDialog, InterventionDialog
from tui.dialogs.pick import PickDialog
from tui.safe import cell, plain
from tui.screens.base import AppScreen
from tui.strings import s
from tui.widgets.banner import Banner


class CaseScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Tillbaka"),
        Binding("e", "edit_client", "Ändra brukare", show=False),
        Binding("a", "add_goal", "Nytt mål", show=False),
        Binding("m", "edit_goal", "Ändra mål", show=False),
        Binding("i", "add_intervention", "Ny insats", show=False),
        Binding("t", "edit_intervention", "Ändra insats", show=False),
        Binding("f", "new_followup", "Ny uppföljning", priority=True),
        Binding("r", "resume", "Fortsätt utkast", priority=True),
        Binding("p", "pdf", "PDF"),
        Binding("c", "correct", "Rättelse"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The keys that open a follow-up are priority bindings, so the App runs them in turn with the
        # keys typed after them (which then reach the new screen); in a text field they are letters.
        from textual.widgets import Input, TextArea

        typing = isinstance(self.focused, (Input, TextArea))
        return not (typing and action in ("new_followup", "resume", "open_case"))

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Banner(self.uapp.banner_parts())
        with VerticalScroll(id="case-body"):
            yield Static("", id="presence", classes="presence", markup=False)
            yield Static("", id="client", markup=False)
            yield Static("", id="plan", markup=False)
            yield Static(s("history", self.uapp.lang), classes="section-title")
            yield DataTable(id="followups", cursor_type="row")
            yield Static(s("levels_over_time", self.uapp.lang), classes="section-title")
            yield DataTable(id="levels", cursor_type="none")
            from tui.charts import LevelsChart  # plotext only when a case is opened

            yield LevelsChart("icf", id="levels-icf")
            yield LevelsChart("gas", id="levels-gas")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_case()

    def on_screen_resume(self) -> None:
        self.refresh_case()

    def refresh_case(self) -> None:
        lang = self.uapp.lang
        case = self.uapp.repo.get_case(self.case_id)
        followups = self.uapp.repo.followups_of(self.case_id)
        self.case, self.followups = case, followups
        c = case.client
        gender = s(f"gender_{c.gender}", lang)
        lines = [f"{s('client', lang)}: {c.case_ref}" + (f" · {c.name}" if c.name else "")]
        details = [x for x in (c.personnummer, gender, c.unit, c.caseworker) if x]
        lines.append("  " + " · ".join(details))
        self.query_one("#client", Static).update(plain("\n".join(lines)))
        self.query_one("#plan", Static).update(plain(self.plan_text(case)))
        self.fill_followups(followups)
        self.fill_levels(case, followups)
        self.show_presence(followups)

    def show_presence(self, followups: list[FollowUp]) -> None:
        """Who else has this case's draft open (the shared database; looking here takes no lease)."""
        from casework.shared import others_holding

        others = []
        if self.uapp.shared:
            for fu in followups:
                if fu.status == "draft":
                    others += self.uapp.guard(others_holding, self.uapp.repo, fu.id) or []
        box = self.query_one("#presence", Static)
        text = self.presence_text(others)
        box.update(plain(text))
        box.display = bool(text)

    def plan_text(self, case: Case) -> str:
        lang, form = self.uapp.lang, self.uapp.form
        p = case.plan
        out = [
            f"{s(f'plan_{p.type}', lang)} · {s('field_plan_start', lang).split(' (')[0]} "
            f"{long_date(p.start, lang)}",
            f"{s('goals', lang)}:",
        ]
        if not p.goals:
            out.append("  " + s("no_goals", lang))
        for goal, depth in p.ordered_goals():
            scale = ""
            if goal.scale != "none":
                # signed for GAS (+1), and nothing rather than a "?" where a level is not set
                sign = "{:+d}" if goal.scale == "gas" else "{}"
                # the target as the PDF prints it: a GAS goal without one aims at 0
                ends = [sign.format(v).replace("+0", "0") if v is not None else "–"
                        for v in (goal.baseline, goal.aimed_level)]
                levels = "" if ends == ["–", "–"] else f" {ends[0]} → {ends[1]}"
                scale = f" [{goal.scale.upper()}{levels}]"
            mark = "  " * depth + ("↳ " if depth else "• ")
            out.append(f"  {mark}{goal.text} ({form.life_area_label(goal.life_area, lang)}){scale}")
        out.append(f"{s('interventions', lang)}:")
        if not p.interventions:
            out.append("  " + s("no_interventions", lang))
        for i in p.interventions:
            out.append(f"  • {i.name}" + (f" ({i.provider})" if i.provider else ""))
        return "\n".join(out)

    @staticmethod
    def fill(table: DataTable[Any], headers: list[str], rows: Sequence[tuple[str | None, list[str]]],
             room: int | None = None) -> None:
        """Columns sized to their widest cell (auto-width does not grow after a clear). With `room`
        (the cells the table has), the first column is narrowed so the last one fits, its text
        wrapped over more lines: at 80 columns the levels' "Mål"/"Target" column was cut off."""
        table.clear(columns=True)
        widths = [min(max([len(header), *(len(r[1][i]) for r in rows)]), 60)
                  for i, header in enumerate(headers)]
        pad = 2 * table.cell_padding
        wrap = False
        if room is not None and widths and sum(w + pad for w in widths) > room:
            narrowed = max(room - sum(w + pad for w in widths[1:]) - pad, len(headers[0]), 12)
            wrap = narrowed < widths[0]
            widths[0] = narrowed
        for header, width in zip(headers, widths, strict=True):
            table.add_column(header, width=width)
        for key, values in rows:
            table.add_row(*(cell(v) for v in values), key=key, height=None if wrap else 1)

    def fill_followups(self, followups: list[FollowUp]) -> None:
        lang = self.uapp.lang
        headers = [s("col_meeting", lang), s("col_status", lang), s("col_next", lang), "ID"]
        rows = [
            (
                fu.id,
                [
                    str(fu.answers.get("meeting_date") or "–"),
                    s(f"status_{fu.status}", lang),
                    str(fu.answers.get("next_followup") or "–"),
                    fu.id,
                ],
            )
            for fu in reversed(followups)
        ]
        self.fill(self.query_one("#followups", DataTable), headers, rows)

    def fill_levels(self, case: Case, followups: list[FollowUp]) -> None:
        """Each scaled goal's level before, at every follow-up, and the target."""
        lang = self.uapp.lang
        dated = sorted(
            (f for f in followups if f.answers.get("meeting_date")),
            key=lambda f: str(f.answers["meeting_date"]),
        )
        headers = [
            s("goals", lang),
            s("before", lang),
            *(str(f.answers["meeting_date"]) for f in dated),
            s("target", lang),
        ]
        rows: list[tuple[str | None, list[str]]] = []
        for goal, depth in case.plan.ordered_goals():
            if goal.scale == "none":
                continue
            levels = [f.goals.get(goal.id, {}).get("level") for f in dated]
            rows.append(
                (
                    None,
                    [
                        "  " * depth + goal.text,
                        "–" if goal.baseline is None else str(goal.baseline),
                        *("–" if v is None else str(v) for v in levels),
                        "–" if goal.aimed_level is None else str(goal.aimed_level),
                    ],
                )
            )
        table = self.query_one("#levels", DataTable)
        # The body's padding and scrollbar, and the table's own scrollbar, out of the screen's width.
        self.fill(table, headers, rows, room=self.app.size.width - 6)
        from tui.charts import LevelsChart

        for chart in self.query(LevelsChart):
            chart.show(case, dated, lang)

    def selected_followup(self) -> str | None:
        table = self.query_one("#followups", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "followups" and event.row_key.value:
            await self.uapp.open_followup(str(event.row_key.value))

    # --- the case's own actions: dialogs awaited in workers, the result stored through the app's guard

    @property
    def repo(self) -> Repository:
        return self.uapp.repo

    def store_plan(self, case: Case, plan: Plan | None) -> None:
        if plan is not None:
            self.uapp.guard(self.repo.update_case, case.model_copy(update={"plan": plan}))
            self.refresh_case()

    def life_area_label(self, area: str) -> str:
        return self.uapp.form.life_area_label(area, self.uapp.lang)

    # A single dialog is pushed with its typed callback; a chain (pick, then edit) is awaited in a
    # worker. (A worker awaiting a lone dialog would only hold `workers.wait_for_complete` up.)

    def action_edit_client(self) -> None:
        case = self.repo.get_case(self.case_id)

        def done(result: tuple[Client, Plan] | None) -> None:
            if result is not None:
                client, plan = result
                changed = case.model_copy(update={"client": client, "plan": plan})
                self.uapp.guard(self.repo.update_case, changed)
                self.refresh_case()

        self.app.push_screen(ClientDialog(self.uapp.lang, case.client, case.plan), done)

    def action_add_goal(self) -> None:
        case = self.repo.get_case(self.case_id)
        dialog = GoalDialog(self.uapp.lang, case.plan, self.life_area_label)
        self.app.push_screen(dialog, lambda plan: self.store_plan(case, plan))

    @work(exclusive=True, group="dialog")
    async def action_edit_goal(self) -> None:
        lang = self.uapp.lang
        case = self.repo.get_case(self.case_id)
        if not case.plan.goals:
            self.notify(s("no_goals", lang), severity="warning")
            return
        items = [(g.id, "  " * depth + g.text) for g, depth in case.plan.ordered_goals()]
        goal_id = await self.app.push_screen_wait(PickDialog(s("edit_goal", lang), items))
        goal = case.plan.goal(goal_id) if goal_id else None
        if goal is not None:
            dialog = GoalDialog(lang, case.plan, self.life_area_label, goal)
            self.store_plan(case, await self.app.push_screen_wait(dialog))

    def action_add_intervention(self) -> None:
        case = self.repo.get_case(self.case_id)
        dialog = InterventionDialog(self.uapp.lang, case.plan)
        self.app.push_screen(dialog, lambda plan: self.store_plan(case, plan))

    @work(exclusive=True, group="dialog")
    async def action_edit_intervention(self) -> None:
        lang = self.uapp.lang
        case = self.repo.get_case(self.case_id)
        if not case.plan.interventions:
            self.notify(s("no_interventions", lang), severity="warning")
            return
        items = [(i.id, i.name + (f" ({i.provider})" if i.provider else "")) for i in case.plan.interventions]
        item_id = await self.app.push_screen_wait(PickDialog(s("edit_intervention", lang), items))
        item = next((i for i in case.plan.interventions if i.id == item_id), None)
        if item is not None:
            dialog = InterventionDialog(lang, case.plan, item)
            self.store_plan(case, await self.app.push_screen_wait(dialog))

    async def action_new_followup(self) -> None:
        await self.new_followup(self.case_id)

    async def action_resume(self) -> None:
        await self.resume_draft(self.case_id)

    def action_pdf(self) -> None:
        fid = self.selected_followup()
        if fid:
            self.write_pdf(fid)
        else:
            self.notify(s("no_followup_for_pdf", self.uapp.lang), severity="warning")

    def action_correct(self) -> None:
        """An addendum to a signed follow-up: why and what, by the workspace's caseworker."""
        fid = self.selected_followup()
        if fid:
            self.app.push_screen(CorrectionDialog(self.uapp.lang), lambda result: self.correct(fid, result))

    def correct(self, followup_id: str, result: tuple[str, str] | None) -> None:
        if result is None:
            return
        from casework.corrections import add_correction
        from interview.followup import Addendum

        reason, text = result
        addendum = Addendum(author=self.uapp.settings.caseworker or "?", reason=reason, text=text)
        if self.uapp.guard(add_correction, self.repo, followup_id, addendum, self.uapp.lang) is not None:
            self.notify(s("correction_added", self.uapp.lang))
            self.refresh_case()
