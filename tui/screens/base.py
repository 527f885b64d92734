"""What every screen of the app shares: typed access to the app, and the actions of more than one screen."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import ActiveBinding
from textual.dom import DOMNode
from textual.screen import Screen

from language import describe, pgettext
from tui.strings import s

if TYPE_CHECKING:
    from casework.session import FollowUpSession
    from casework.shared import OtherHolder
    from forms.schema import FormDefinition
    from interview.case import Case
    from storage.errors import AnswerConflict
    from tui.app import UppfoljningApp


def app_of(node: DOMNode) -> UppfoljningApp:
    """The app a screen or dialog runs in, typed (checked, where a cast would only be believed)."""
    from tui.app import UppfoljningApp

    app = node.app
    if not isinstance(app, UppfoljningApp):  # the screens are this app's and no other's
        raise TypeError(f"{type(node).__name__} runs only in UppfoljningApp")
    return app


class TranslatedBindings:
    """A screen whose footer, help and command palette show each key's description in the app's
    language. Bindings are declared once, with the description as written in the source; Textual's
    public `active_bindings` (what the footer, the palette and the help screen read) is where they
    are translated, through the catalogue's "binding" context."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        lang = getattr(self.app, "lang", "sv")  # type: ignore[attr-defined]
        out: dict[str, ActiveBinding] = {}
        for key, item in active.items():
            described = item.binding.description
            if described:
                binding = dataclasses.replace(item.binding, description=pgettext("binding", described, lang))
                item = item._replace(binding=binding)
            out[key] = item
        return out


class AppScreen(TranslatedBindings, Screen[None]):
    @property
    def uapp(self) -> UppfoljningApp:
        return app_of(self)

    async def before_quit(self) -> bool:
        """Whether the app may quit now; a screen with typed text not yet saved asks first (False)."""
        return True

    # --- actions the dashboard and the case screen share ---------------------------------------

    _pending_followup: str | None = None  # the case whose follow-up without goals was warned about

    async def new_followup(self, case_id: str) -> None:
        """Start a follow-up of the case and open it (its draft instead, when it has one)."""
        from casework.session import form_options, open_draft
        from tui.dialogs.pick import PickDialog

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
        options = app.guard(form_options, repo) or []
        if len(options) > 1:
            # More than one form installed: the caseworker picks, the workspace's default first.
            lang = app.lang
            items = [(f"{o.id}\x1f{o.version}",
                      f"{o.title.get(lang)} ({o.id} v{o.version})"
                      + (f" – {s('form_default_mark', lang)}" if o.default else "")) for o in options]

            async def chosen(key: str | None) -> None:
                if key is None:
                    return
                form_id, _, version = key.partition("\x1f")
                form = app.guard(repo.form, form_id, int(version))
                if form is not None:
                    await self._start_followup(case, form)

            self.app.push_screen(PickDialog(s("choose_form", lang), items), chosen)
            return
        await self._start_followup(case, None)

    async def _start_followup(self, case: Case, form: FormDefinition | None) -> None:
        from casework.session import start_followup

        app = self.uapp
        fu = app.guard(start_followup, app.repo, case, app.settings.caseworker, form)
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
            self.notify(s("error", app.lang, message=describe(err, app.lang)), severity="error")
            return None
        self.notify(s("pdf_written", app.lang, path=target), timeout=8)
        return target

    # --- the shared database: someone else's answer, someone else in the draft -----------------

    def ask_conflict(self, session: FollowUpSession, conflict: AnswerConflict,
                     after: Callable[[str | None], Awaitable[None] | None]) -> None:
        """Show both answers, who and when, and let the caseworker choose (casework keeps or re-saves);
        `after` runs with the choice once it is stored ("mine"/"theirs"), or None when put off."""
        from language.format import long_datetime
        from storage.errors import AnswerConflict, StorageError
        from tui.dialogs.conflict import ConflictDialog

        app, lang = self.uapp, self.uapp.lang
        step = session.interview.step(str(conflict.key))  # the answer key (StorageError types it loosely)
        question = step.question.label.get(lang) + (f" – {step.goal.text}" if step.goal else "")

        def shown(value: object) -> str:
            return app.answer_text(session.form, step, value) if value not in (None, "", []) \
                else s("skipped", lang)

        try:
            when = long_datetime(datetime.fromisoformat(conflict.at).astimezone(), lang)
        except ValueError:
            when = conflict.at

        async def chosen(choice: str | None) -> None:
            if choice is not None:
                try:
                    if choice == "mine":
                        session.keep_mine(conflict)
                    else:
                        session.keep_theirs(conflict)
                except AnswerConflict as again:  # a third save of it meanwhile: choose again
                    self.ask_conflict(session, again, after)
                    return
                except StorageError as err:
                    self.notify(s("error", lang, message=describe(err, lang)), severity="error", timeout=8)
                    return
                self.notify(s(f"conflict_kept_{choice}", lang, who=conflict.by))
            result = after(choice)
            if result is not None:
                await result

        app.push_screen(ConflictDialog(lang, question, shown(conflict.mine), shown(conflict.theirs),
                                       conflict.by, when), chosen)

    def presence_text(self, holders: Sequence[OtherHolder]) -> str:
        """"Obs: Bertil har också detta utkast öppet …", one line per other login ("" when none)."""
        return "\n".join(s("quick_draft_open_by", self.uapp.lang, who=h.name,
                           since=h.since.astimezone().strftime("%Y-%m-%d %H:%M")) for h in holders)
