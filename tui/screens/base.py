"""What every screen of the app shares: typed access to the app, and the actions of more than one screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.screen import Screen

from tui.strings import s

if TYPE_CHECKING:
    from tui.app import UppfoljningApp


def app_of(node: DOMNode) -> UppfoljningApp:
    """The app a screen or dialog runs in, typed (checked, where a cast would only be believed)."""
    from tui.app import UppfoljningApp

    app = node.app
    if not isinstance(app, UppfoljningApp):  # the screens are this app's and no other's
        raise TypeError(f"{type(node).__name__} runs only in UppfoljningApp")
    return app


class AppScreen(Screen[None]):
    @property
    def uapp(self) -> UppfoljningApp:
        return app_of(self)

    # --- actions the dashboard and the case screen share ---------------------------------------

    _pending_followup: str | None = None  # the case whose follow-up without goals was warned about

    async def new_followup(self, case_id: str) -> None:
        """Start a follow-up of the case and open it (its draft instead, when it has one)."""
        from casework.session import open_draft, start_followup

        app = self.uapp
        repo = app.repo
        if open_draft(repo, case_id) is not None:
            self.notify(s("has_draft", app.lang), severity="warning")
            return
        case = repo.get_case(case_id)
        if not case.plan.goals and self._pending_followup != case_id:
            self._pending_followup = case_id  # a second press starts anyway: a follow-up without goals
            self.notify(s("need_goals_first", app.lang), severity="warning")
            return
        self._pending_followup = None
        fu = app.guard(start_followup, repo, case, app.settings.caseworker)
        if fu is not None:
            await app.open_followup(fu.id)

    async def resume_draft(self, case_id: str) -> None:
        from casework.session import open_draft

        draft = open_draft(self.uapp.repo, case_id)
        if draft is None:
            self.notify(s("no_draft", self.uapp.lang), severity="warning")
            return
        await self.uapp.open_followup(draft.id)

    def write_pdf(self, followup_id: str) -> Path | None:
        """Export the follow-up's PDF where casework puts it (the app's export folder when given);
        says where, or why not."""
        from casework.documents import export_pdf
        from storage.errors import StorageError

        app = self.uapp
        try:
            target = export_pdf(app.repo, app.settings, followup_id, app.lang, app.export_dir)
        except (OSError, StorageError) as err:
            self.notify(s("error", app.lang, message=str(err)), severity="error")
            return None
        self.notify(s("pdf_written", app.lang, path=target), timeout=8)
        return target
