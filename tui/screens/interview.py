"""The follow-up as a conversation: a transcript, the current question, progress, and guidance.

Keys are never lost or reordered. Every key that moves the conversation on (Enter, a digit, Ctrl+S,
Ctrl+K, Ctrl+B) is a priority binding, so the App runs its action in turn with the key stream and
waits for it: the widget's queue is settled first (arrows typed before Enter count), the answer is
saved, and the next question is mounted and focused before the App routes the next key. Keys typed
ahead wait in the App's queue meanwhile, in order. The transcript is kept in step by adding, updating
and removing only the rows that changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, ProgressBar, Static, TextArea

from casework.plausibility import answer_problems, level_problems, plan_start_problems
from casework.session import FollowUpSession, next_followup_offers
from interview.engine import Step
from interview.errors import AnswerError
from language import describe
from storage.errors import AnswerConflict, StorageError
from storage.repository import ReviewComment
from tui.answers import AnswerWidget, Context, TextAnswer, is_open, widget_for
from tui.footer import SteadyFooter
from tui.safe import plain
from tui.screens.base import AppScreen
from tui.strings import s
from tui.widgets.banner import Banner

if TYPE_CHECKING:
    from casework.shared import OtherHolder

NARROW = 100  # columns: below this the guidance panel folds away (F2 shows it)
LEASE_REFRESH_S = 20.0  # the draft's lease (and who else is in it) is refreshed this often while open
SETTLE_S = 1.0  # at most this long for a widget to handle keys already sent to it


class TranscriptAnswer(Static, can_focus=True):
    """An answer in the transcript; Enter or a click changes it."""

    class Edit(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, text: str, key: str) -> None:
        super().__init__(plain(text), classes="you")
        self.key = key
        self.entry = f"a:{key}"
        self.text = text

    def on_click(self) -> None:
        self.post_message(self.Edit(self.key))

    FOCUS_MARK = "▶ "  # the answer Enter would open, shown by a sign and not by colour alone

    def set_text(self, text: str, focused: bool | None = None) -> None:
        self.text = text
        mark = self.has_focus if focused is None else focused
        self.update(plain(self.FOCUS_MARK + text if mark else text))

    # Called before Widget's own handler sets has_focus: the state is given, not read.
    def on_focus(self) -> None:
        self.set_text(self.text, focused=True)

    def on_blur(self) -> None:
        self.set_text(self.text, focused=False)


class Row(Static):
    """A line of the transcript that is not an answer: a section title or the question asked."""

    def __init__(self, entry: str, text: str, classes: str) -> None:
        super().__init__(plain(text), classes=classes)
        self.entry = entry
        self.text = text

    def set_text(self, text: str) -> None:
        self.text = text
        self.update(plain(text))


class InterviewScreen(AppScreen):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Spara svar", priority=True),
        Binding("enter", "enter", "Spara svar", show=False, priority=True),
        *(Binding(str(n), f"pick({n})", "Välj alternativ", show=False, priority=True) for n in range(10)),
        Binding("ctrl+k", "skip", "Hoppa över", priority=True),
        Binding("ctrl+b", "previous", "Föregående", priority=True),
        Binding("ctrl+d", "draft", "Assistentens förslag", priority=True),
        Binding("ctrl+r", "review", "Granska", priority=True),
        # Esc too waits its turn with the keys typed ahead: a question about unsaved text comes first.
        Binding("escape", "leave", "Tillbaka", priority=True),
        Binding("f2", "toggle_guidance", "Vägledning", show=False),
    ]

    def __init__(self, session: FollowUpSession) -> None:
        super().__init__()
        self.session = session
        self.editing: str | None = None  # the key of an earlier answer being changed
        self.shown_key: str | None = "?"  # the step whose widget is on screen (None: all done)
        # The answer widget on screen, kept rather than queried: check_action runs for every binding
        # each time the footer or a key asks, and a DOM query there cost more than the answer's save.
        self._answer: AnswerWidget | None = None

    @property
    def lang(self) -> str:
        return self.session.lang

    def compose(self) -> ComposeResult:
        yield Banner(self.uapp.banner_parts(self.session.case.client.case_ref))
        with Horizontal(id="interview"):
            with Vertical(id="conversation"):
                yield Static("", id="presence", classes="presence", markup=False)
                yield VerticalScroll(id="transcript")
                with Vertical(id="current"):
                    yield Static("", id="progress-label", markup=False)
                    yield ProgressBar(id="progress", show_eta=False, show_percentage=True)
                    yield Static("", id="goal-line", markup=False)
                    yield Static("", id="question", markup=False)
                    yield Vertical(id="answer-slot")
                    yield Static("", id="answer-error", markup=False)
                    yield Static("", id="answer-hint", markup=False)
            with VerticalScroll(id="side"):
                yield Static("", id="plan-goals", markup=False)
                yield Static("", id="guidance", markup=False)
        yield SteadyFooter(compact=True, show_command_palette=False)

    async def on_mount(self) -> None:
        self.apply_width(self.size.width)
        self.query_one("#presence", Static).display = False
        if self.uapp.shared and not self.session.final:
            # Opening the draft takes this login's lease; kept fresh while the screen is open, so
            # others are told by name for as long as it stays open (and their names shown here).
            self.take_lease()
            self.set_interval(LEASE_REFRESH_S, self.refresh_lease)
        if self.uapp.training:
            self.add_class("show-side")  # in training, the guidance is shown from the start
        self.query_one("#transcript", VerticalScroll).anchor()  # stays at the newest answer
        plan = self.session.followup.plan
        if not self.session.final:  # the plan being followed up: said once, when the draft opens
            self.warn([p.message(self.lang) for p in plan_start_problems(plan.start, self.uapp.today)]
                      + [f"{g.text}: {p.message(self.lang)}" for g in plan.goals
                         for p in level_problems(g.scale, g.baseline, g.target)])
        await self.show()

    _shown = False
    _to_review = False  # the review was opened from here: coming back shows the session anew

    async def on_screen_resume(self) -> None:
        # Back from the review, where answers (the assessment) may have changed or the follow-up was
        # signed: show the session as it is now. (Also sent on first showing: skipped.)
        # Only back from the review: a dialog closing over this screen (help, a conflict put off)
        # leaves what is typed where it is.
        if self._shown and self._to_review:
            self._to_review = False
            if self.session.final:
                # Signed in the review: nothing here can change any more, so back to the case (the
                # screen kept offering to save, and what was typed went nowhere).
                self.app.pop_screen()
                return
            self.editing = None
            self.shown_key = "?"
            if self.uapp.shared:
                self.take_lease()  # signed meanwhile: the lease goes, else it is refreshed
            await self.show()
        self._shown = True

    def take_lease(self) -> None:
        """Hold (or, once signed, give up) this login's lease and show who else has the draft open."""
        from casework.shared import hold_draft, release_draft

        fu_id = self.session.followup.id
        if self.session.final:
            self.uapp.guard(release_draft, self.uapp.repo, fu_id)
            others = []
        else:
            others = self.uapp.guard(hold_draft, self.uapp.repo, fu_id) or []
        self.show_presence(others)

    def refresh_lease(self) -> None:
        """The timed refresh: the database is asked in a worker thread, so a slow server never holds
        up the keys (the repository runs one transaction at a time across threads)."""
        self.run_worker(self._lease_in_thread, thread=True, exclusive=True, group="lease",
                        exit_on_error=False)

    def _lease_in_thread(self) -> None:
        from casework.shared import hold_draft, release_draft

        fu_id = self.session.followup.id
        try:
            if self.session.final:
                release_draft(self.uapp.repo, fu_id)
                others = []
            else:
                others = hold_draft(self.uapp.repo, fu_id)
        except StorageError:
            return  # a timed refresh that fails says nothing: the next one, or the next save, tells
        self.app.call_from_thread(self.show_presence, others)

    def show_presence(self, others: list[OtherHolder]) -> None:
        if not self.is_attached:
            return  # left meanwhile
        box = self.query_one("#presence", Static)
        text = self.presence_text(others)
        box.update(plain(text))
        box.display = bool(text)

    def on_unmount(self) -> None:
        """Leaving the draft: this login's lease goes at once (else it would lapse by itself)."""
        if self.uapp.shared:
            from casework.shared import release_draft

            with contextlib.suppress(StorageError):
                release_draft(self.uapp.repo, self.session.followup.id)

    def on_resize(self, event: events.Resize) -> None:
        self.apply_width(event.size.width)

    def apply_width(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def action_toggle_guidance(self) -> None:
        self.toggle_class("show-side")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        widget = self.widget()
        if action == "enter":
            # In free text Enter is a new line; on a transcript answer or a button it is theirs.
            return not isinstance(self.focused, TextArea)
        if action == "pick":
            return widget is not None and widget.takes_digits() and self._in_answer()
        if action == "draft":
            return self.shown_key == "assessment" and not self.session.final
        # A signed follow-up: no key offers a change (a correction is made on the case).
        return not (action in ("submit", "skip", "previous") and self.session.final)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active = super().active_bindings
        if self.shown_key == "assessment" and not self.session.final:
            # Ctrl+D's key takes the footer's room here at 80 columns ("f1 Tangenter" fell off):
            # Ctrl+K still skips, listed in F1 and the palette, not in the footer.
            for key, item in active.items():
                if item.binding.action == "skip":
                    active[key] = item._replace(binding=dataclasses.replace(item.binding, show=False))
        return active

    def _in_answer(self) -> bool:
        node: Any = self.focused
        while node is not None:
            if isinstance(node, AnswerWidget):
                return True
            node = node.parent
        return False

    # --- drawing ----------------------------------------------------------------------------

    def current_step(self) -> Step | None:
        if self.editing is not None:
            return self.session.interview.step(self.editing)
        return self.session.current()

    async def show(self) -> None:
        """Bring the screen in step with the session: transcript rows that changed, then the question."""
        await self.sync_transcript()
        step = self.current_step()
        self.fill_plan(step)
        self.show_progress(step)
        self.query_one("#answer-error", Static).update("")
        key = None if step is None else step.key
        if key == self.shown_key and key is not None:
            return  # the same question is still asked (an answer was refused): keep what is typed
        self.shown_key = key
        slot = self.query_one("#answer-slot", Vertical)
        self._answer = None
        await slot.remove_children()
        if step is None:
            self.query_one("#goal-line", Static).update("")
            self.query_one("#question", Static).update(s("done_title", self.lang))
            done = "signed_no_change" if self.session.final else "done_body"
            self.query_one("#answer-hint", Static).update(s(done, self.lang))
            self.query_one("#guidance", Static).update("")
            button = Button(s("review", self.lang), id="to-review", variant="primary")
            await slot.mount(button)
            self.set_focus(button)
            return
        self.query_one("#goal-line", Static).update(plain(self.goal_line(step)))
        self.query_one("#question", Static).update(plain(step.question.label.get(self.lang)))
        widget = widget_for(step.question, self.session.interview.value(step), self.context(step))
        self._answer = widget
        await slot.mount(widget)
        self.set_focus(widget.control())  # at once: the next key routed already lands here
        self.show_hint(step, widget)
        self.fill_guidance(step)

    def context(self, step: Step) -> Context:
        default: Any = None
        offers: tuple[Any, ...] = ()
        if step.question.id == "meeting_date":
            default = self.uapp.today.isoformat()
        elif step.question.id == "next_followup":
            offers = tuple(next_followup_offers(self.session.meeting_date()))
        elif step.goal is not None and step.question.type == "level":
            default = self.session.last_level(step.goal.id)
        return Context(self.lang, step.goal, self.session.form, self.uapp.today, default, offers)

    def goal_line(self, step: Step) -> str:
        if step.goal is None:
            return ""
        g = step.goal
        line = s("about_goal", self.lang, goal=g.text)
        aimed = g.aimed_level  # as the PDF and the case view show it (a GAS goal without one: 0)
        if g.scale != "none" and (g.baseline is not None or aimed is not None):
            before = "–" if g.baseline is None else str(g.baseline)
            target = "–" if aimed is None else str(aimed)
            line += f" · {g.scale.upper()} {s('before', self.lang).lower()} {before}"
            line += f" → {s('target', self.lang).lower()} {target}"
        return line

    def show_hint(self, step: Step, widget: AnswerWidget) -> None:
        required = self.session.interview.is_required(step)
        parts = [s("required_hint", self.lang) if required else s("optional_hint", self.lang), widget.hint()]
        if step.key == "assessment":
            parts.append(s("draft_key_hint", self.lang))
            stale = self.session.stale_draft(str(self.session.interview.value(step) or ""))
            if stale:
                parts.append(s("draft_stale", self.lang, items=", ".join(stale)))
        self.query_one("#answer-hint", Static).update(plain(" · ".join(p for p in parts if p)))

    def show_progress(self, step: Step | None) -> None:
        progress = self.session.interview.progress()
        sections = self.session.form.sections
        section = step.section if step else sections[-1]
        index = [x.id for x in sections].index(section.id)
        label = s(
            "progress",
            self.lang,
            section=section.title.get(self.lang),
            s=index + 1,
            sections=len(sections),
            answered=progress.answered,
            total=progress.applicable,
        )
        self.query_one("#progress-label", Static).update(label)
        bar = self.query_one(ProgressBar)
        bar.update(total=max(progress.applicable, 1), progress=progress.answered)

    def transcript_entries(self) -> list[tuple[str, str, str, str | None]]:
        """(entry id, classes, text, answer key) for every row the transcript should hold, in order."""
        iv = self.session.interview
        out: list[tuple[str, str, str, str | None]] = []
        notes = self.review_notes
        # A returned draft's review comments: those on the whole follow-up first, the others beside
        # their questions (working notes: shown here, never part of the record).
        out += [(f"n:{n.id}", "review-note", self.note_text(n), None) for n in notes.get(None, [])]
        last_section = None
        for step in iv.applicable_steps():
            if not iv.has(step):
                continue
            if step.section.id != last_section:
                out.append((f"s:{step.section.id}", "section-title", step.section.title.get(self.lang), None))
                last_section = step.section.id
            question = step.question.label.get(self.lang)
            if step.goal is not None:
                question = f"{question} – {step.goal.text}"
            out.append((f"q:{step.key}", "assistant", question, None))
            value = iv.value(step)
            text = (
                self.uapp.answer_text(self.session.form, step, value)
                if value not in (None, "", [])
                else s("skipped", self.lang)
            )
            out.append((f"a:{step.key}", "you", text, step.key))
            out += [(f"n:{n.id}", "review-note", self.note_text(n), None) for n in notes.get(step.key, [])]
        return out

    _notes: dict[str | None, list[ReviewComment]] | None = None

    @property
    def review_notes(self) -> dict[str | None, list[ReviewComment]]:
        """The follow-up's review comments by answer key, read once when the screen opens."""
        if self._notes is None:
            from casework.review import notes_by_key

            session = self.session
            self._notes = {} if session.final else notes_by_key(session.repo, session.followup.id)
        return self._notes

    def note_text(self, note: ReviewComment) -> str:
        when = note.at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"» {s('review_note_by', self.lang, who=note.author_name, when=when)}: {note.body}"

    async def sync_transcript(self) -> None:
        """Add, update and remove only the rows that differ: a new answer appends two rows."""
        box = self.query_one("#transcript", VerticalScroll)
        wanted = self.transcript_entries()
        ids = {entry for entry, *_ in wanted}
        have: dict[str, Any] = {w.entry: w for w in box.children if hasattr(w, "entry")}
        gone = [w for entry, w in have.items() if entry not in ids]
        if gone:
            await box.remove_children(gone)
        rows: list[Widget] = []
        fresh: set[int] = set()
        for entry, classes, text, key in wanted:
            row = have.get(entry)
            if row is None:
                row = TranscriptAnswer(text, key) if key is not None else Row(entry, text, classes)
                fresh.add(id(row))
            elif row.text != text:
                row.set_text(text)
            rows.append(row)
        # New rows after the last kept one (the usual case: an answer appended) go in with one mount;
        # rows brought back in the middle (a branch turned on again) each go in after their neighbour.
        tail = len(rows)
        while tail > 0 and id(rows[tail - 1]) in fresh:
            tail -= 1
        for i in range(tail):
            if id(rows[i]) in fresh:
                if i == 0:
                    await box.mount(rows[i], before=0)
                else:
                    await box.mount(rows[i], after=rows[i - 1])
        if rows[tail:]:
            await box.mount_all(rows[tail:])

    def fill_plan(self, current: Step | None) -> None:
        lines = [s("plan_goals", self.lang)]
        for goal, depth in self.session.followup.plan.ordered_goals():
            mark = "▶ " if current and current.goal and current.goal.id == goal.id else "  "
            lines.append(f"{mark}{'  ' * depth}{'↳ ' if depth else '• '}{goal.text}")
        self.query_one("#plan-goals", Static).update(plain("\n".join(lines)))

    def fill_guidance(self, step: Step) -> None:
        q = step.question
        parts = [s("guidance", self.lang), q.help.get(self.lang)]
        if self.uapp.training:
            from forms.training_data import guidance

            extra = guidance().get(q.id, {})
            for key in ("why", "consider"):
                if key in extra:
                    parts.append(f"{s(f'guidance_{key}', self.lang)}: {extra[key].get(self.lang, '')}")
        for ref in q.legal:
            flag = "" if ref.verified else f" ({s('unverified', self.lang)})"
            parts.append(f"{s('legal', self.lang)}: {ref.text.get(self.lang)}{flag}")
        self.query_one("#guidance", Static).update(plain("\n\n".join(parts)))

    # --- answering --------------------------------------------------------------------------

    def widget(self) -> AnswerWidget | None:
        return self._answer

    async def settle(self, widget: Widget) -> None:
        """Wait until `widget` has handled every key already sent to it (arrows before Enter)."""
        done = asyncio.Event()
        widget.call_later(done.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), SETTLE_S)

    def refuse(self, message: str) -> None:
        self.query_one("#answer-error", Static).update(plain(message))
        self.notify(message, severity="error", timeout=8, markup=False)

    async def save(self, raw: Any) -> bool:
        """Save `raw` as the current question's answer and move on; False (and why, on screen) if not."""
        step = self.current_step()
        if self.session.final:
            self.refuse(s("signed_no_change", self.lang))
            return False
        if step is None:
            return False
        try:
            value = self.session.answer(step.key, raw)
        except AnswerError as err:
            self.query_one("#answer-error", Static).update(plain(str(err)))
            return False
        except AnswerConflict as conflict:  # someone else saved this answer since: they choose
            self.ask_conflict(self.session, conflict, self.conflict_settled)
            return False
        except StorageError as err:  # read-only, damaged or signed meanwhile: said, never a crash
            self.refuse(s("error", self.lang, message=describe(err, self.lang)))
            return False
        self.editing = None
        problems = answer_problems(step.question.id if step.goal is None else "", value,
                                   self.session.followup.plan, self.uapp.today)
        self.warn([p.message(self.lang) for p in problems])
        await self.show()
        return True

    async def conflict_settled(self, choice: str | None) -> None:
        self.take_lease()  # someone else is in the draft: named now, not at the next refresh
        if choice is None:  # put off: nothing saved, what was typed stays on screen
            self.query_one("#answer-error", Static).update(s("conflict_pending", self.lang))
            return
        self.editing = None
        self.shown_key = "?"  # the answer on screen is replaced by the one kept
        await self.show()

    def warn(self, messages: list[str]) -> None:
        """The quick mode's plausibility rules (casework.plausibility) as a notice: never blocking."""
        for message in messages:
            self.notify(message, severity="warning", timeout=12, markup=False)

    async def _value_of_widget(self) -> tuple[bool, Any]:
        widget = self.widget()
        if widget is None:
            return False, None
        focused = self.focused
        await self.settle(focused if focused is not None else widget.control())
        value = widget.value()
        return not is_open(value), value

    async def action_submit(self) -> None:
        if isinstance(self.focused, Button) and self.focused.id == "to-review":
            await self.action_review()
            return
        ok, value = await self._value_of_widget()
        if ok:
            await self.save(value)

    async def action_enter(self) -> None:
        focused = self.focused
        if isinstance(focused, TranscriptAnswer):
            await self.edit_answer(focused.key)
            return
        if isinstance(focused, Button):
            focused.press()
            return
        widget = self.widget()
        if widget is not None and widget.enter_saves():
            await self.action_submit()

    async def action_pick(self, n: int) -> None:
        widget = self.widget()
        if widget is None:
            return
        await self.settle(widget.control())
        submit, value = widget.pick(n)
        if submit:
            await self.save(value)

    async def action_skip(self) -> None:
        """Leave the question unanswered; over typed text not saved, asked first (Ctrl+K threw it away)."""
        typed = await self.unsaved_text()
        if typed is None:
            await self.save(None)
            return

        async def then(choice: str) -> None:
            if choice == "discard":  # saved: the typed text is the answer, nothing to skip
                await self.save(None)

        await self.ask_unsaved(typed, then)

    async def action_draft(self) -> None:
        """The assistant's drafted assessment in one key: written into an empty field, to be read and
        changed there and saved with Ctrl+S like any text (never saved unread)."""
        widget = self.widget()
        if not isinstance(widget, TextAnswer):
            return
        area = widget.query_one(TextArea)
        await self.settle(area)
        if area.text.strip():
            # Never over what the caseworker wrote: the draft is shown to copy from instead.
            self.query_one("#answer-hint", Static).update(
                plain(f"{s('summary_kept', self.lang)}\n{s('summary_offered', self.lang)}: "
                      f"{self.session.summary()}")
            )
            return
        area.text = self.session.summary()
        area.move_cursor(area.document.end)  # where the caseworker goes on writing
        area.scroll_cursor_visible()
        self.query_one("#answer-hint", Static).update(s("draft_inserted", self.lang))

    @on(AnswerWidget.Submitted)
    async def widget_submitted(self, event: AnswerWidget.Submitted) -> None:
        await self.save(event.raw)

    @on(TranscriptAnswer.Edit)
    async def edit(self, event: TranscriptAnswer.Edit) -> None:
        await self.edit_answer(event.key)

    async def edit_answer(self, key: str) -> None:
        if self.session.final:
            self.refuse(s("signed_no_change", self.lang))
            return

        async def go() -> None:
            self.editing = key
            await self.show()

        await self.unless_unsaved(go)

    async def action_previous(self) -> None:
        iv = self.session.interview
        current = self.current_step()
        answered = []
        for st in iv.applicable_steps():
            if current is not None and st.key == current.key:
                break  # the answer before the current question, not the last one stored
            if iv.has(st):
                answered.append(st.key)
        if answered:
            await self.edit_answer(answered[-1])

    @on(Button.Pressed, "#to-review")
    async def action_review(self) -> None:
        async def go() -> None:
            self._to_review = True
            await self.uapp.review(self.session)

        await self.unless_unsaved(go)

    async def unless_unsaved(self, go: Callable[[], Awaitable[None]]) -> None:
        """Another question or the review, away from typed text not saved: asked first (the question
        would be shown anew without it); `go` runs once it is saved or thrown away."""
        typed = await self.unsaved_text()
        if typed is None:
            await go()
            return

        async def then(choice: str) -> None:
            await go()

        await self.ask_unsaved(typed, then)

    async def unsaved_text(self) -> str | None:
        """Text typed into the question's field and not saved, once every key sent to it is handled."""
        widget = self.widget()
        if widget is None or self.session.final:
            return None
        focused = self.focused
        await self.settle(focused if focused is not None else widget.control())
        return widget.unsaved()

    async def ask_unsaved(self, typed: str, then: Callable[[str], Awaitable[None]]) -> None:
        """Save the typed text, throw it away, or stay: asked, never decided behind the caseworker's
        back. Saving goes through the same save as Ctrl+S (a refusal is shown and nothing is left);
        `then` runs once the text is saved or thrown away."""
        from tui.dialogs.unsaved import Choice, UnsavedDialog

        async def act(choice: Choice) -> None:
            if choice == "stay":
                return
            if choice == "save":
                widget = self.widget()
                if widget is None or not await self.save(widget.value()):
                    return  # refused: the reason is beside the field, the text still in it
            await then(choice)

        await self.app.push_screen(UnsavedDialog(self.lang, typed, act))

    async def action_leave(self) -> None:
        typed = await self.unsaved_text()
        if typed is None:
            await self.leave()
            return
        editing = self.editing

        async def then(choice: str) -> None:
            # Saved while changing an earlier answer: the save went back to the current question.
            if choice == "save" and editing is not None:
                return
            await self.leave()

        await self.ask_unsaved(typed, then)

    async def leave(self) -> None:
        """Esc: a change of an earlier answer is given up; otherwise back to where the draft was opened."""
        if self.editing is not None:
            self.editing = None
            await self.show()
            return
        await self.app.pop_screen()

    async def before_quit(self) -> bool:
        typed = await self.unsaved_text()
        if typed is None:
            return True

        async def then(choice: str) -> None:
            self.app.exit()

        await self.ask_unsaved(typed, then)
        return False
