"""The Textual app: opens the workspace and moves between dashboard, case, interview and review."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from language import describe, pgettext, plural
from tui.strings import s

if TYPE_CHECKING:
    # The core is imported when the workspace is read, in a worker, so the first frame comes
    # as fast as a bare Textual app's (the budget in design.md).
    from forms.schema import FormDefinition
    from interview.case import Case, Client, Plan
    from interview.engine import Step
    from storage.repository import Repository
    from storage.workspace import WorkspaceSettings


class UppfoljningApp(App[None]):
    """Holds the open workspace; screens ask it to navigate and to write."""

    CSS_PATH = "app.tcss"
    TITLE = "Uppföljning"
    BINDINGS = [
        # Every key of a screen, also those its footer has no room for at 80 columns.
        Binding("f1", "help", "Tangenter"),
        Binding("question_mark", "help", "Tangenter", show=False),
    ]

    def __init__(
        self,
        path: Path,
        lang: str | None = None,
        *,
        passphrase: str | None = None,
        today: date | None = None,
        export_dir: Path | None = None,
        training_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.requested_lang = lang
        self.lang = lang or "sv"
        self.secret = passphrase
        self.today = today or date.today()
        self.export_dir = export_dir
        self.training_path = training_path
        self.readonly_holder = ""
        self.repo: Repository = None  # type: ignore[assignment]  # set once the workspace is open
        self.settings: WorkspaceSettings = None  # type: ignore[assignment]  # likewise
        self.header: dict[str, Any] = {}
        self._pending_followup = False

    @cached_property
    def form(self) -> FormDefinition:
        from forms.loader import bundled_form

        return bundled_form()

    # --- opening ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        from storage.workspace import Workspace

        header = self.path / "workspace.json"
        # A folder that holds cases but lost its header never gets the wizard (a new key would leave
        # the cases unreadable): opening it restores the header from its copy, or says what is wrong.
        if not header.exists() and not Workspace.holds_data(self.path):
            from tui.screens.wizard import Wizard

            available = self.training_path is not None and (self.training_path / "workspace.json").exists()
            self.push_screen(Wizard(self.path, self.lang, available), self.wizard_done)
            return
        try:
            # Only the language and the markings are needed for the first frame; the rest is read
            # (and validated) by the worker.
            self.header = json.loads(header.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.header = {}
        self.lang = self.requested_lang or str(self.header.get("lang") or "sv")
        from tui.screens.dashboard import Dashboard

        self.push_screen(Dashboard())
        # Read the workspace once the first frame is on screen, so it is never held up by it.
        self.call_after_refresh(self.open_workspace, self.secret)

    def wizard_done(self, result: Any) -> None:
        if result is None:
            self.exit()
            return
        from storage.workspace import Workspace, WorkspaceSettings
        from tui.screens.dashboard import Dashboard

        if result.training and self.training_path is not None:
            self.path = self.training_path
        else:
            settings = WorkspaceSettings(
                caseworker=result.caseworker,
                organisation=result.organisation,
                unit=result.unit,
                lang=result.lang,
            )
            Workspace.create(self.path, settings, passphrase=result.passphrase)
            self.secret = result.passphrase
            self.lang = self.requested_lang or result.lang
        self.push_screen(Dashboard())
        self.open_workspace(self.secret)

    def ask_passphrase(self, error: str = "") -> None:
        from tui.screens.dialogs import PassphraseDialog

        self.push_screen(PassphraseDialog(self.lang, error), self._passphrase_given)

    def _passphrase_given(self, secret: str | None) -> None:
        self.open_workspace(secret)

    @work(thread=True, exclusive=True, group="open")
    def open_workspace(self, secret: str | None) -> None:
        """Read, unlock and index the workspace off the UI thread, then hand it to the dashboard."""
        from storage.crypto import WrongPassphrase
        from storage.errors import StorageError, WorkspaceLocked
        from storage.tinydb_repo import TinyDBRepository
        from storage.workspace import Workspace

        try:
            ws = Workspace.open(self.path)
        except StorageError as err:
            self.call_from_thread(self.exit, message=str(err))
            return
        if ws.encrypted and not secret:
            self.call_from_thread(self.ask_passphrase, "")
            return
        try:
            codec = ws.codec(secret)
        except WrongPassphrase:
            self.call_from_thread(self.ask_passphrase, s("passphrase_wrong", self.lang))
            return
        holder = ""
        try:
            repo = TinyDBRepository(ws, codec=codec)
            if secret:
                from storage.maintenance import upgrade_header

                upgrade_header(ws, secret)  # the lock is held: an outdated key derivation is raised
        except WorkspaceLocked as err:
            # Another program writes here: look, but never overwrite its work.
            h = err.holder
            holder = f"{h.get('user', '?')}@{h.get('host', '?')} (pid {h.get('pid')})"
            repo = TinyDBRepository(ws, codec=codec, writable=False)
        self.call_from_thread(self.workspace_ready, ws.settings, repo, holder)

    def workspace_ready(self, settings: WorkspaceSettings, repo: Repository, holder: str) -> None:
        self.repo, self.settings, self.readonly_holder = repo, settings, holder
        self.lang = self.requested_lang or settings.lang
        self.title = s("app_title", self.lang)
        from tui.screens.dashboard import Dashboard

        for screen in self.screen_stack:
            if isinstance(screen, Dashboard):
                screen.workspace_ready()
        damaged = getattr(repo, "damaged", [])
        if damaged:
            self.notify(plural("damaged", len(damaged), self.lang), severity="warning", timeout=10)

    def on_unmount(self) -> None:
        if self.repo is not None:
            self.repo.close()

    # --- shared helpers -------------------------------------------------------------------------

    def banner_text(self, extra: str = "") -> str:
        parts = [s("app_title", self.lang)]
        known = self.settings.model_dump() if self.settings is not None else self.header
        org = " · ".join(str(x) for x in (known.get("organisation"), known.get("unit")) if x)
        if org:
            parts.append(org)
        if extra:
            parts.append(extra)
        if known.get("training"):
            parts.append(s("training_banner", self.lang))
        if self.readonly_holder:
            parts.append(s("readonly_banner", self.lang, holder=self.readonly_holder))
        if known and known.get("encryption") is None:
            parts.append(s("unencrypted_banner", self.lang))
        from tui.visible import one_line

        return one_line("  ·  ".join(parts))  # organisation, unit and holder come from files

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is shown as plain text: messages carry ids, names and file names, and
        a follow-up id like `[@click=app.quit]x` must not become a live action (nor `x[/y]` crash the
        app with a MarkupError). `markup` is accepted for Textual's signature and ignored."""
        from tui.visible import visible

        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the screen is in the command palette too, with its key as the help; Textual's
        own commands (theme, quit, keys, maximize, screenshot) in the user's language."""
        for command in super().get_system_commands(screen):
            yield command._replace(title=pgettext("palette", command.title, self.lang),
                                   help=pgettext("palette", command.help, self.lang))
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            # Also the keys the footer hides for room; each command once (not 1, 2, … 9). A text field's
            # or table's own cursor keys (Textual's English "Cursor down") are not commands.
            if not binding.description or not active.enabled or binding.description in seen:
                continue
            if not isinstance(active.node, Screen | App):
                continue
            seen.add(binding.description)
            node, action = active.node, binding.action

            async def run(node: Any = node, action: str = action) -> None:
                await node.run_action(action)

            yield SystemCommand(binding.description, self.get_key_display(binding) or key, run)

    def action_command_palette(self) -> None:
        """Textual's palette, with its search field's placeholder in the user's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            placeholder = pgettext("palette", "Search for commands…", self.lang)
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def search_themes(self) -> None:
        """Textual's theme search, with its placeholder in the user's language."""
        from textual.command import CommandPalette
        from textual.theme import ThemeProvider

        placeholder = pgettext("palette", "Search for themes…", self.lang)
        self.push_screen(CommandPalette(providers=[ThemeProvider], placeholder=placeholder))

    async def action_help(self) -> None:
        from tui.screens.help import HelpScreen, key_lines

        if isinstance(self.screen, HelpScreen):
            return
        await self.push_screen(HelpScreen(key_lines(self, self.screen), self.lang))

    def answer_text(self, form: FormDefinition, step: Step, value: Any) -> str:
        from interview.display import answer_text

        return answer_text(step.question, value, self.lang, form=form, goal=step.goal)

    def guard(self, action: Any, *args: Any) -> Any:
        """Run a storage action; a refusal (read-only, final, damaged) becomes a notice, not a crash."""
        from storage.errors import StorageError

        try:
            return action(*args)
        except (StorageError, ValueError) as err:
            self.notify(s("error", self.lang, message=describe(err, self.lang)), severity="error", timeout=8)
            return None

    # --- navigation and actions -------------------------------------------------------------------

    def open_case(self, case_id: str) -> None:
        from tui.screens.case import CaseScreen

        self.guard(lambda: self.repo.log("open_case", case=case_id))
        self.push_screen(CaseScreen(case_id))

    def new_case(self) -> None:
        from tui.screens.dialogs import ClientDialog

        self.push_screen(
            ClientDialog(
                self.lang, default_caseworker=self.settings.caseworker, default_unit=self.settings.unit
            ),
            self._case_created,
        )

    def _case_created(self, result: tuple[Client, Plan] | None) -> None:
        if result is None:
            return
        from interview.case import Case

        client, plan = result
        case = Case(client=client, plan=plan)
        if self.guard(self.repo.add_case, case) is None and case.id in self.repo.case_ids():
            self.open_case(case.id)

    def edit_client(self, case_id: str) -> None:
        from tui.screens.dialogs import ClientDialog

        case = self.repo.get_case(case_id)

        def done(result: tuple[Client, Plan] | None) -> None:
            if result is not None:
                client, plan = result
                self.guard(self.repo.update_case, case.model_copy(update={"client": client, "plan": plan}))
                self.refresh_screen()

        self.push_screen(ClientDialog(self.lang, case.client, case.plan), done)

    def _plan_saver(self, case: Case) -> Any:
        """The callback a plan editor dismisses into: store the new plan, show it."""

        def save(plan: Plan | None) -> None:
            if plan is not None:
                self.guard(self.repo.update_case, case.model_copy(update={"plan": plan}))
                self.refresh_screen()

        return save

    def add_goal(self, case_id: str) -> None:
        from tui.screens.dialogs import GoalDialog

        case = self.repo.get_case(case_id)

        done = self._plan_saver(case)
        self.push_screen(
            GoalDialog(self.lang, case.plan, lambda a: self.form.life_area_label(a, self.lang)), done
        )

    def edit_goal(self, case_id: str) -> None:
        from tui.screens.dialogs import GoalDialog, PickDialog

        case = self.repo.get_case(case_id)
        if not case.plan.goals:
            self.notify(s("no_goals", self.lang), severity="warning")
            return
        items = [(g.id, "  " * depth + g.text) for g, depth in case.plan.ordered_goals()]

        def picked(goal_id: str | None) -> None:
            goal = case.plan.goal(goal_id) if goal_id else None
            if goal is None:
                return

            done = self._plan_saver(case)
            label = lambda a: self.form.life_area_label(a, self.lang)  # noqa: E731
            self.push_screen(GoalDialog(self.lang, case.plan, label, goal), done)

        self.push_screen(PickDialog(s("edit_goal", self.lang), items), picked)

    def edit_intervention(self, case_id: str) -> None:
        from tui.screens.dialogs import InterventionDialog, PickDialog

        case = self.repo.get_case(case_id)
        if not case.plan.interventions:
            self.notify(s("no_interventions", self.lang), severity="warning")
            return
        items = [(i.id, i.name + (f" ({i.provider})" if i.provider else "")) for i in case.plan.interventions]

        def picked(item_id: str | None) -> None:
            item = next((i for i in case.plan.interventions if i.id == item_id), None)
            if item is not None:
                self.push_screen(InterventionDialog(self.lang, case.plan, item), self._plan_saver(case))

        self.push_screen(PickDialog(s("edit_intervention", self.lang), items), picked)

    def add_intervention(self, case_id: str) -> None:
        from tui.screens.dialogs import InterventionDialog

        case = self.repo.get_case(case_id)

        done = self._plan_saver(case)
        self.push_screen(InterventionDialog(self.lang, case.plan), done)

    def refresh_screen(self) -> None:
        refresh = getattr(self.screen, "refresh_case", None) or getattr(self.screen, "refresh_rows", None)
        if refresh is not None:
            refresh()

    def session(self, followup_id: str) -> Any:
        from casework.session import FollowUpSession

        return FollowUpSession(self.repo, followup_id, self.lang, today=self.today)

    async def new_followup(self, case_id: str) -> None:
        from casework.session import open_draft, start_followup

        if open_draft(self.repo, case_id) is not None:
            self.notify(s("has_draft", self.lang), severity="warning")
            return
        case = self.repo.get_case(case_id)
        if not case.plan.goals and not self._pending_followup:
            self._pending_followup = True  # a second press starts anyway: a follow-up without goals
            self.notify(s("need_goals_first", self.lang), severity="warning")
            return
        self._pending_followup = False
        fu = self.guard(start_followup, self.repo, case, self.settings.caseworker)
        if fu is not None:
            await self.open_followup(fu.id)

    async def resume_draft(self, case_id: str) -> None:
        from casework.session import open_draft

        draft = open_draft(self.repo, case_id)
        if draft is None:
            self.notify(s("no_draft", self.lang), severity="warning")
            return
        await self.open_followup(draft.id)

    async def open_followup(self, followup_id: str) -> None:
        """Awaited by the key's action, so keys typed meanwhile reach the new screen's first question."""
        session = self.session(followup_id)
        if session.final:
            await self.review(session)
            return
        from tui.screens.interview import InterviewScreen

        await self.push_screen(InterviewScreen(session))

    async def review(self, session: Any) -> None:
        from tui.screens.review import ReviewScreen

        await self.push_screen(ReviewScreen(session))

    def pdf_latest(self, case_id: str) -> None:
        followups = self.repo.followups_of(case_id)
        if not followups:
            self.notify(s("no_followup_for_pdf", self.lang), severity="warning")
            return
        self.write_pdf(followups[-1].id)

    def write_pdf(self, followup_id: str) -> Path | None:
        from casework.documents import file_part, render_followup, write_pdf
        from storage.errors import StorageError

        folder = self.export_dir
        if folder is None:
            import platformdirs

            from casework.training import pdf_folder

            folder = pdf_folder(platformdirs.user_documents_path(), self.settings)
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            pdf = render_followup(self.repo, self.settings, followup_id, self.lang)
            target = folder / f"uppfoljning-{file_part(followup_id)}.pdf"
            write_pdf(target, pdf)
        except (OSError, StorageError) as err:
            self.notify(s("error", self.lang, message=describe(err, self.lang)), severity="error")
            return None
        self.notify(s("pdf_written", self.lang, path=target), timeout=8)
        return target

    def add_correction(self, followup_id: str) -> None:
        from interview.followup import Addendum
        from tui.screens.dialogs import CorrectionDialog

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            reason, text = result
            author = self.settings.caseworker or "?"
            if (
                self.guard(
                    self.repo.add_addendum, followup_id, Addendum(author=author, reason=reason, text=text)
                )
                is not None
            ):
                self.notify(s("correction_added", self.lang))
                self.refresh_screen()

        self.push_screen(CorrectionDialog(self.lang), done)


def run(path: Path, lang: str | None, *, training_path: Path | None = None) -> int:
    import os

    from tui.paste import install

    install()

    app = UppfoljningApp(
        path, lang, passphrase=os.environ.get("UPPFOLJNING_PASSPHRASE"), training_path=training_path
    )
    app.run()
    return 0
