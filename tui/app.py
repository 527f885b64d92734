"""The Textual app: opens the workspace and moves between dashboard, case, interview and review."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

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
    from casework.session import FollowUpSession
    from casework.workspace import OpenWorkspace
    from forms.schema import FormDefinition
    from interview.engine import Step
    from storage.repository import Repository
    from storage.workspace import WorkspaceSettings
    from tui.screens.wizard import WizardResult
    from tui.widgets.banner import BannerPart


P = ParamSpec("P")
R = TypeVar("R")


class UppfoljningApp(App[None]):
    """Opens the workspace and moves between screens; the screens own their actions.

    Until the workspace is open (read in a worker after the first frame, or after the passphrase or
    the first-run wizard) `workspace` is None; `opened` is the one place that is checked."""

    CSS_PATH = "app.tcss"
    TITLE = "Uppföljning"
    BINDINGS = [
        # Every key of a screen, also those its footer has no room for at 80 columns.
        Binding("f1", "help", "Tangenter"),
        Binding("question_mark", "help", "Tangenter", show=False),
    ]

    def __init__(
        self,
        path: Path | None,
        lang: str | None = None,
        *,
        passphrase: str | None = None,
        today: date | None = None,
        export_dir: Path | None = None,
        training_path: Path | None = None,
        opened: OpenWorkspace | None = None,
    ) -> None:
        super().__init__()
        self.path = path or Path()
        # The shared database, opened (and its refusals said) before the app started: no wizard, no
        # passphrase, no folder.
        self.preopened = opened
        self.requested_lang = lang
        self.lang = lang or "sv"
        self.secret = passphrase
        self.today = today or date.today()
        self.export_dir = export_dir
        self.training_path = training_path
        self.workspace: OpenWorkspace | None = None
        self.header: dict[str, Any] = {}

    # --- the open workspace (the one check for "not yet open") ---------------------------------

    class NotOpen(RuntimeError):
        """A screen asked for the workspace before it was open: a programming error, never a user's."""

    @property
    def opened(self) -> OpenWorkspace:
        if self.workspace is None:
            raise self.NotOpen("the workspace is not open yet")
        return self.workspace

    @property
    def is_open(self) -> bool:
        return self.workspace is not None

    @property
    def repo(self) -> Repository:
        return self.opened.repo

    @property
    def settings(self) -> WorkspaceSettings:
        return self.opened.settings

    @property
    def training(self) -> bool:
        return self.workspace is not None and self.workspace.training

    @property
    def shared(self) -> bool:
        """On the shared database: saves name versions, drafts are leased, the login signs."""
        return self.workspace is not None and self.workspace.shared

    @cached_property
    def form(self) -> FormDefinition:
        from forms.loader import bundled_form

        return bundled_form()

    # --- opening ------------------------------------------------------------------------------

    _dashboard_first = False  # the dashboard is the default screen (the folder had a header)

    def get_default_screen(self) -> Screen[Any]:
        """With a header (or the shared database, opened before the app started), the dashboard
        itself is the first screen: drawn once, rather than a blank screen first with the dashboard
        pushed over it (a tenth of the first frame's time)."""
        from tui.screens.dashboard import Dashboard

        if self.preopened is not None:
            self._dashboard_first = True
            return Dashboard()
        header = self.path / "workspace.json"
        if not header.exists():
            return super().get_default_screen()
        try:
            # Only the language and the markings are needed for the first frame; the rest is read
            # (and validated) by the worker.
            self.header = json.loads(header.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.header = {}
        self.lang = self.requested_lang or str(self.header.get("lang") or "sv")
        self._dashboard_first = True
        return Dashboard()

    def on_mount(self) -> None:
        if self._dashboard_first:
            # Read the workspace once the first frame is on screen, so it is never held up by it.
            if self.preopened is not None:
                from tui.screens.worklist import WorkListScreen

                # On the shared database the day starts from the login's work list; the dashboard
                # is one key (d) below it.
                self.push_screen(WorkListScreen())
                self.call_after_refresh(self.workspace_ready, self.preopened)
            else:
                self.call_after_refresh(self.open_workspace, self.secret)
            return
        # No header. A folder that holds cases but lost it never gets the wizard (a new key would
        # leave the cases unreadable): opening it restores the header from its copy, or says what is
        # wrong. storage.workspace (pydantic, its models built) is imported only here: with a header
        # the first frame needs none of it, and it cost more than a bare Textual app's whole start.
        from storage.workspace import Workspace

        if not Workspace.holds_data(self.path):
            self.first_run()
            return
        from tui.screens.dashboard import Dashboard

        self.push_screen(Dashboard())
        self.call_after_refresh(self.open_workspace, self.secret)

    def first_run(self) -> None:
        """The wizard: a new workspace, or the training one. (A single dialog is pushed with its
        typed callback; a worker awaiting it would hold `workers.wait_for_complete` until answered.)"""
        from tui.screens.wizard import Wizard

        available = self.training_path is not None and (self.training_path / "workspace.json").exists()
        self.push_screen(Wizard(self.path, self.lang, available), self.wizard_done)

    def wizard_done(self, result: WizardResult | None) -> None:
        from casework.workspace import create_workspace
        from tui.screens.dashboard import Dashboard

        if result is None:
            self.exit()
            return
        if result.training and self.training_path is not None:
            self.path = self.training_path
        else:
            create_workspace(
                self.path, result.caseworker, result.organisation, result.unit, result.lang, result.passphrase
            )
            self.secret = result.passphrase
            self.lang = self.requested_lang or result.lang
        self.push_screen(Dashboard())
        self.open_workspace(self.secret)

    def ask_passphrase(self, error: str = "") -> None:
        from tui.dialogs.passphrase import PassphraseDialog

        self.push_screen(PassphraseDialog(self.lang, error), self.passphrase_given)

    def passphrase_given(self, secret: str | None) -> None:
        self.open_workspace(secret)

    @work(thread=True, exclusive=True, group="open")
    def open_workspace(self, secret: str | None) -> None:
        """Read, unlock and index the workspace off the UI thread, then hand it to the dashboard."""
        from casework.workspace import PassphraseNeeded, open_workspace
        from storage.crypto import WrongPassphrase
        from storage.errors import StorageError

        try:
            opened = open_workspace(self.path, secret)
        except PassphraseNeeded:
            self.call_from_thread(self.ask_passphrase, "")
        except WrongPassphrase:
            self.call_from_thread(self.ask_passphrase, s("passphrase_wrong", self.lang))
        except StorageError as err:
            self.call_from_thread(self.exit, message=str(err))
        else:
            self.call_from_thread(self.workspace_ready, opened)

    def workspace_ready(self, opened: OpenWorkspace) -> None:
        self.workspace = opened
        self.lang = self.requested_lang or opened.settings.lang
        self.title = s("app_title", self.lang)
        from tui.screens.dashboard import Dashboard
        from tui.screens.worklist import WorkListScreen

        for screen in self.screen_stack:
            if isinstance(screen, Dashboard | WorkListScreen):
                screen.workspace_ready()
        damaged = getattr(opened.repo, "damaged", [])
        if damaged:
            self.notify(plural("damaged", len(damaged), self.lang), severity="warning", timeout=10)

    def on_unmount(self) -> None:
        if self.workspace is not None:
            self.workspace.close()

    # --- shared helpers -------------------------------------------------------------------------

    def banner_parts(self, extra: str = "") -> list[BannerPart]:
        """What the banner says, part by part (each on one line, control characters shown), each
        marked whether a narrow screen may leave it out (the organisation and unit only: the
        training marking and the warnings are always shown)."""
        from tui.visible import one_line

        parts = [(s("app_title", self.lang), False)]
        known = self.workspace.settings.model_dump() if self.workspace is not None else self.header
        if self.workspace is not None and self.workspace.shared:
            # Who is acting (the database login's name) and for which units: said on every screen.
            who = s("db_banner", self.lang, name=self.workspace.user, units=", ".join(self.workspace.units))
            # The organisation may go at a narrow width; who is acting never does.
            parts += [(one_line(str(x)), x is not who) for x in (known.get("organisation"), who) if x]
            known = {}  # no folder: neither "unencrypted" nor a read-only holder applies
        org = " · ".join(str(x) for x in (known.get("organisation"), known.get("unit")) if x)
        if org:
            parts.append((one_line(org), True))  # organisation, unit and holder come from files
        if extra:
            parts.append((one_line(extra), False))
        if known.get("training"):
            parts.append((s("training_banner", self.lang), False))
        if self.workspace is not None and self.workspace.readonly:
            parts.append((one_line(s("readonly_banner", self.lang, holder=self.workspace.holder)), False))
        if known and known.get("encryption") is None:
            parts.append((s("unencrypted_banner", self.lang), False))
        return parts

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
        seen = set()  # Textual's own "Quit" and the screen's Ctrl+Q "Avsluta" are one command, listed once
        for command in super().get_system_commands(screen):
            title = pgettext("palette", command.title, self.lang)
            seen.add(title)
            yield command._replace(title=title, help=pgettext("palette", command.help, self.lang))
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

    async def action_quit(self) -> None:
        """Ctrl+Q (and the palette's Quit): a screen holding typed text that is not saved asks first."""
        from tui.dialogs.unsaved import UnsavedDialog
        from tui.screens.base import AppScreen

        if isinstance(self.screen, UnsavedDialog):
            return  # already asking
        holder = next((sc for sc in reversed(self.screen_stack) if isinstance(sc, AppScreen)), None)
        if holder is not None and not await holder.before_quit():
            return  # it asks, and quits itself once the text is saved or thrown away
        self.exit()

    async def action_help(self) -> None:
        from tui.dialogs.help import HelpScreen, key_lines

        if isinstance(self.screen, HelpScreen):
            return
        await self.push_screen(HelpScreen(key_lines(self, self.screen), self.lang))

    def answer_text(self, form: FormDefinition, step: Step, value: Any) -> str:
        from interview.display import answer_text

        return answer_text(step.question, value, self.lang, form=form, goal=step.goal)

    def guard(self, action: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Run a storage action; a refusal (read-only, final, damaged) becomes a notice, not a crash,
        and None is returned."""
        from storage.errors import StorageError

        try:
            return action(*args, **kwargs)
        except (StorageError, ValueError) as err:
            self.notify(s("error", self.lang, message=describe(err, self.lang)), severity="error", timeout=8)
            return None

    # --- navigation ---------------------------------------------------------------------------------

    def open_case(self, case_id: str) -> None:
        from tui.screens.case import CaseScreen

        self.guard(lambda: self.repo.log("open_case", case=case_id))
        self.push_screen(CaseScreen(case_id))

    def session(self, followup_id: str) -> FollowUpSession:
        from casework.session import FollowUpSession

        return FollowUpSession(self.repo, followup_id, self.lang, today=self.today, versioned=self.shared)

    async def open_followup(self, followup_id: str) -> None:
        """Awaited by the key's action, so keys typed meanwhile reach the new screen's first question."""
        from casework.review import view_of

        session = self.session(followup_id)
        if session.final or view_of(self.repo, followup_id).opens_at_review:
            await self.review(session)  # read there (signed, in review) or, approved, only signed there
            return
        from tui.screens.interview import InterviewScreen

        await self.push_screen(InterviewScreen(session))

    async def review(self, session: FollowUpSession) -> None:
        from tui.screens.review import ReviewScreen

        await self.push_screen(ReviewScreen(session))


def run(path: Path | None, lang: str | None, *, training_path: Path | None = None,
        opened: OpenWorkspace | None = None) -> int:
    import os

    from tui.paste import install

    install()

    app = UppfoljningApp(
        path, lang, passphrase=os.environ.get("UPPFOLJNING_PASSPHRASE"), training_path=training_path,
        opened=opened,
    )
    app.run()
    return 0
