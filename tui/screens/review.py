"""Review: every answer by section, the assistant's hints, the assessment, and signing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Static, TextArea

from casework import review
from casework.review import view_of
from casework.session import FollowUpSession
from interview.case import now
from interview.errors import AnswerError
from language import describe
from language import text as catalogue_text
from language.format import join, organisation_datetime
from storage.errors import AnswerConflict, Conflict, StorageError
from storage.repository import ReviewComment
from tui.clean import CleanTextArea
from tui.safe import plain
from tui.screens.base import AppScreen
from tui.strings import s
from tui.widgets.banner import Banner


class AckButton(Button):
    """Acknowledges one hint, named by its key."""

    def __init__(self, hint_key: str, label: str, *, id: str, classes: str) -> None:
        super().__init__(label, id=id, classes=classes)
        self.hint_key = hint_key


# The keys each review view offers (casework.review.view_of says which view applies).
ACTIONS: dict[str, tuple[str, ...]] = {
    "sign": ("finalize",), "submit": ("submit_review",), "judge": ("return_review", "approve"),
    "wait": (), "signed": ("finalize",),  # a signed record's key does nothing, as before review
}
# The line above the answers that says where the follow-up is in its review.
REVIEW_STATUS = {
    ("submit", "draft"): "review_status_required", ("submit", "returned"): "review_status_returned",
    ("wait", "submitted"): "review_status_waiting", ("judge", "submitted"): "review_status_judge",
    ("sign", "approved"): "review_status_approved",
}


class ReviewScreen(AppScreen):
    # The keys start in the assessment; Tab then reaches the buttons below it. A hint is acknowledged
    # only by going to it on purpose, never by the first Tab and Enter. The eye starts at the top, on
    # the first section: the focus is set without scrolling to it (on_mount), not by AUTO_FOCUS.
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("escape", "back", "Tillbaka"),
        Binding("ctrl+s", "save_assessment", "Spara bedömningen", priority=True),
        Binding("ctrl+f", "finalize", "Signera", priority=True),
        # A unit that requires review: the same key hands the draft in instead (one of the two is shown).
        Binding("ctrl+f", "submit_review", "Skicka för granskning", priority=True),
        Binding("ctrl+r", "return_review", "Återsänd med kommentar", priority=True),
        Binding("ctrl+g", "approve", "Godkänn", priority=True),
        Binding("ctrl+e", "pdf", "PDF", priority=True),
    ]

    def __init__(self, session: FollowUpSession) -> None:
        super().__init__()
        self.session = session
        self.view = view_of(session.repo, session.followup.id)  # what this login may do (casework)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "approve" and self.view.approve_refused:
            return False  # not offered (its own submission): the status line says why
        if action in ("finalize", "submit_review", "return_review", "approve"):
            return action in ACTIONS[self.view.action]
        if action in ("save_assessment",):
            return not self.view.read_only
        return True

    @property
    def lang(self) -> str:
        return self.session.lang

    def compose(self) -> ComposeResult:
        yield Banner(self.uapp.banner_parts(self.session.case.client.case_ref))
        with VerticalScroll(id="review"):
            yield Static(s("review_title", self.lang), classes="screen-title")
            yield Static("", id="status-line", markup=False)
            yield Static("", id="review-notes", classes="review-note", markup=False)
            yield Vertical(id="answers")
            yield Static(s("hints", self.lang), classes="section-title")
            yield Vertical(id="hints")
            if self.uapp.training:
                yield Static(s("feedback", self.lang), classes="section-title")
                yield Static("", id="checklist", markup=False)
            yield Static(s("assessment", self.lang), classes="section-title")
            yield Static("", id="assessment-review-notes", classes="review-note", markup=False)
            yield CleanTextArea("", id="assessment")
            yield Static("", id="assessment-note", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("use_summary", self.lang), id="use-summary")
                yield Button(s("save_assessment", self.lang), id="save-assessment")
                yield Button(s("finalize", self.lang), id="finalize", variant="primary")
                yield Button(s("submit_review", self.lang), id="submit-review", variant="primary")
                yield Button(s("return_review", self.lang), id="return-review")
                yield Button(s("approve_review", self.lang), id="approve", variant="success")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        area = self.query_one("#assessment", TextArea)
        area.text = self.session.followup.answers.get("assessment") or ""
        area.move_cursor(area.document.end)  # what is typed is added to the assessment, not put before it
        self.fill()
        self.set_focus(area, scroll_visible=False)

    @on(TextArea.Changed, "#assessment")
    def typed_in_assessment(self, event: TextArea.Changed) -> None:
        # Typing (or the draft put in) brings the field into view; opening the screen does not.
        if event.text_area.text != self.stored_assessment():
            event.text_area.scroll_visible(animate=False)

    def fill(self) -> None:
        fu, iv, lang = self.session.followup, self.session.interview, self.lang
        self.view = view_of(self.session.repo, fu.id)
        refused = self.view.approve_refused  # its own submission: said why, at the top and the buttons
        own = s("review_status_own", lang, reason=catalogue_text(refused, lang)) if refused else ""
        if self.session.final:
            when = (organisation_datetime(fu.finalized_at, self.uapp.settings.timezone, lang)
                    if fu.finalized_at else "")
            status = s("final_readonly", lang, when=when, who=fu.finalized_by or "")
        else:
            missing = self.session.missing()
            status = s("missing_answers", lang, items=join(missing, lang)) if missing else ""
            said = REVIEW_STATUS.get((self.view.action, self.view.state or ""))
            if said:
                status = "\n".join(x for x in (own or s(said, lang), status) if x)
        self.query_one("#status-line", Static).update(plain(status))
        notes = review.notes_by_key(self.session.repo, fu.id) if not self.session.final else {}
        whole = notes.get(None, [])
        box_notes = self.query_one("#review-notes", Static)
        box_notes.update(plain("\n".join(self.note_line(n) for n in whole)))
        box_notes.display = bool(whole)
        box = self.query_one("#answers", Vertical)
        box.remove_children()
        widgets: list[Static] = []
        applicable = iv.applicable_steps()
        for section in self.session.form.sections:
            # Every question the answers so far make applicable, answered or not: "(ej besvarad)" is
            # not "Ej aktuellt" (a section the branching leaves out).
            steps = [st for st in applicable if st.section.id == section.id]
            widgets.append(Static(plain(section.title.get(lang)), classes="section-title"))
            if not steps:
                widgets.append(Static(s("not_applicable", lang), classes="muted"))
            for st in steps:
                label = st.question.label.get(lang) + (f" – {st.goal.text}" if st.goal else "")
                value = iv.value(st)
                text = (
                    self.uapp.answer_text(self.session.form, st, value)
                    if value not in (None, "", [])
                    else s("skipped", lang)
                )
                widgets.append(Static(plain(f"{label}\n  {text}"), classes="review-row"))
                # A returned draft's comments beside their questions (working notes, never the record)
                for note in notes.get(st.key, []):
                    widgets.append(Static(plain(self.note_line(note)), classes="review-note"))
        box.mount_all(widgets)
        self.fill_hints()
        if self.query("#checklist"):
            from interview.checklist import checklist

            items = checklist(self.session.interview)
            lines = [
                f"{'✓' if item.done else '✗'} {item.label(lang)}"
                + ("" if item.done else f"  – {s('missing', lang)}")
                for item in items
            ]
            self.query_one("#checklist", Static).update(plain("\n".join(lines)))
        final = self.session.final
        stale = [] if final else self.session.stale_draft()
        if stale:
            self.query_one("#assessment-note", Static).update(
                plain(s("draft_stale", lang, items=", ".join(stale)))
            )
        if own:
            self.query_one("#assessment-note", Static).update(plain(own))
        # The assessment's comments also right above its field, where the caseworker revises it.
        near = self.query_one("#assessment-review-notes", Static)
        near.update(plain("\n".join(self.note_line(n) for n in notes.get("assessment", []))))
        near.display = bool(notes.get("assessment"))
        read_only = self.view.read_only
        self.query_one("#assessment", TextArea).read_only = read_only
        for bid in ("#use-summary", "#save-assessment", "#finalize"):
            self.query_one(bid, Button).disabled = read_only
        act = self.view.action
        shown = {"use-summary": act not in ("judge", "wait"), "save-assessment": act not in ("judge", "wait"),
                 "finalize": act in ("sign", "signed"), "submit-review": act == "submit",
                 "return-review": act == "judge", "approve": act == "judge"}
        for bid, visible in shown.items():
            self.query_one(f"#{bid}", Button).display = visible
        self.query_one("#approve", Button).disabled = bool(self.view.approve_refused)
        self.refresh_bindings()

    def note_line(self, note: ReviewComment) -> str:
        when = note.at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"  » {s('review_note_by', self.lang, who=note.author_name, when=when)}: {note.body}"

    def fill_hints(self) -> None:
        box = self.query_one("#hints", Vertical)
        box.remove_children()
        training = self.uapp.training
        # A signed record's hints are feedback only in training, where they are the point.
        hints = self.session.hints() if (training or not self.session.final) else []
        if not hints:
            box.mount(Static(s("no_hints", self.lang), classes="muted"))
            return
        for i, hint in enumerate(hints):
            mark = "⚠ " if hint.severity == "warning" else "ℹ "
            row = Horizontal(classes=f"hint {hint.severity}")
            box.mount(row)
            row.mount(Static(plain(mark + hint.message(self.lang)), classes="hint-text"))
            if self.view.read_only:
                continue  # nothing can be acknowledged on a signed record, nor by the reviewer
            row.mount(AckButton(hint.key, s("acknowledge", self.lang), id=f"ack-{i}", classes="ack"))

    @on(Button.Pressed, ".ack")
    def acknowledge(self, event: Button.Pressed) -> None:
        if not isinstance(event.button, AckButton):
            return
        try:
            self.session.acknowledge(event.button.hint_key)
        except StorageError as err:
            message = describe(err, self.lang)
            self.notify(s("error", self.lang, message=message), severity="error", markup=False)
            return
        self.notify(s("acknowledged", self.lang))
        self.fill_hints()

    @on(Button.Pressed, "#use-summary")
    def use_summary(self) -> None:
        area = self.query_one("#assessment", TextArea)
        if area.text.strip():
            # The draft is offered, never forced: what the caseworker wrote stays.
            self.query_one("#assessment-note", Static).update(
                plain(
                    f"{s('summary_kept', self.lang)}\n{s('summary_offered', self.lang)}: "
                    f"{self.session.summary()}"
                )
            )
            return
        area.text = self.session.summary()
        area.focus()

    def action_back(self) -> None:
        """Back to the interview, keeping what was typed in the assessment: it is saved like any
        answer (or, if it cannot be, the screen stays with the reason beside it)."""
        if not self.view.read_only:
            typed = self.query_one("#assessment", TextArea).text
            stored = self.session.followup.answers.get("assessment") or ""
            if typed != stored and not self.action_save_assessment():
                return
        self.app.pop_screen()

    async def before_quit(self) -> bool:
        """Ctrl+Q with the assessment typed and not saved: asked, like Esc in the interview."""
        if self.view.read_only or self.session.final:
            return True
        typed = self.query_one("#assessment", TextArea).text
        if not typed.strip() or typed == self.stored_assessment():
            return True
        from tui.dialogs.unsaved import Choice, UnsavedDialog

        async def act(choice: Choice) -> None:
            if choice == "discard" or (choice == "save" and self.action_save_assessment()):
                self.app.exit()

        await self.app.push_screen(UnsavedDialog(self.lang, typed, act))
        return False

    @on(Button.Pressed, "#save-assessment")
    def action_save_assessment(self) -> bool:
        if self.session.final or self.view.read_only:
            return False
        try:
            self.session.answer("assessment", self.query_one("#assessment", TextArea).text)
        except AnswerConflict as conflict:  # someone else saved the assessment since: they choose
            self.ask_conflict(self.session, conflict, self.conflict_settled)
            return False
        except (AnswerError, StorageError) as err:
            if self.session.final:  # signed meanwhile (by another login): shown signed, read-only
                self.query_one("#assessment", TextArea).text = self.stored_assessment()
                self.fill()
            self.query_one("#assessment-note", Static).update(plain(describe(err, self.lang)))
            return False
        self.query_one("#assessment-note", Static).update(s("saved", self.lang))
        self.fill()
        return True

    def stored_assessment(self) -> str:
        return str(self.session.followup.answers.get("assessment") or "")

    def conflict_settled(self, choice: str | None) -> None:
        if choice is None:  # put off: what was typed stays in the field, unsaved
            self.query_one("#assessment-note", Static).update(s("conflict_pending", self.lang))
            return
        self.query_one("#assessment", TextArea).text = self.stored_assessment()
        self.query_one("#assessment-note", Static).update(s("saved", self.lang))
        self.fill()

    @on(Button.Pressed, "#finalize")
    def action_finalize(self) -> None:
        if self.session.final or self.view.action != "sign":
            return
        text = self.query_one("#assessment", TextArea).text
        changed = text.strip() and text != (self.session.followup.answers.get("assessment") or "")
        if changed and not self.action_save_assessment():
            return
        missing = self.session.missing()
        if missing:
            self.notify(s("missing_answers", self.lang, items=join(missing, self.lang)), severity="error")
            return
        from tui.dialogs.sign import SignDialog

        signer = self.session.followup.caseworker or self.uapp.settings.caseworker
        when = organisation_datetime(now(), self.uapp.settings.timezone, self.lang)
        self.app.push_screen(SignDialog(self.lang, signer, when), self.signed)

    def signed(self, signer: str | None) -> None:
        if not signer:
            return
        try:
            self.session.finalize(signer)
        except (ValueError, StorageError) as err:
            self.notify(describe(err, self.lang), severity="error", markup=False, timeout=12)
            if isinstance(err, Conflict):  # changed since it was read: shown as it is now, unsigned
                self.query_one("#assessment", TextArea).text = self.stored_assessment()
                self.fill()
            return
        self.notify(s("finalized", self.lang))
        self.fill()

    # --- supervisor review: hand in, return with a comment, approve ------------------------------

    @on(Button.Pressed, "#submit-review")
    def action_submit_review(self) -> None:
        if self.view.action != "submit":
            return
        text = self.query_one("#assessment", TextArea).text
        changed = text.strip() and text != (self.session.followup.answers.get("assessment") or "")
        if changed and not self.action_save_assessment():
            return
        if self.uapp.guard(review.submit, self.session.repo, self.session.followup.id) is None:
            return
        self.notify(s("review_submitted", self.lang, id=self.session.followup.id))
        self.fill()

    @on(Button.Pressed, "#return-review")
    def action_return_review(self) -> None:
        if self.view.action != "judge":
            return
        from tui.dialogs.review import ReturnDialog

        iv, lang = self.session.interview, self.lang
        questions = [(st.key, st.question.label.get(lang) + (f" – {st.goal.text}" if st.goal else ""))
                     for st in iv.applicable_steps()]
        self.app.push_screen(ReturnDialog(lang, questions), self.returned)

    def returned(self, result: tuple[str | None, str] | None) -> None:
        if result is None:
            return
        question, text = result
        fid = self.session.followup.id
        if self.uapp.guard(review.return_, self.session.repo, fid, text, question) is None:
            return
        self.notify(s("review_returned", self.lang, id=self.session.followup.id))
        self.app.pop_screen()  # back to the work list: it now lies with the caseworker

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        if self.view.action != "judge":
            return
        if self.uapp.guard(review.approve, self.session.repo, self.session.followup.id) is None:
            return
        self.notify(s("review_approved", self.lang, id=self.session.followup.id))
        self.app.pop_screen()

    def action_pdf(self) -> None:
        self.write_pdf(self.session.followup.id)
