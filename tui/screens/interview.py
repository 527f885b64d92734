"""The follow-up as a conversation: a transcript, the current question, progress, and guidance."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, ProgressBar, Static

from casework.session import FollowUpSession
from interview.engine import Step
from interview.errors import AnswerError
from tui.answers import AnswerWidget, widget_for
from tui.safe import plain
from tui.screens.base import AppScreen
from tui.strings import s

NARROW = 100  # columns: below this the guidance panel folds away (F2 shows it)


class TranscriptAnswer(Static, can_focus=True):
    """An answer in the transcript; Enter or a click changes it."""

    class Edit(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, text: str, key: str) -> None:
        super().__init__(plain(text), classes="you")
        self.key = key

    def on_click(self) -> None:
        self.post_message(self.Edit(self.key))

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            self.post_message(self.Edit(self.key))


class InterviewScreen(AppScreen):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Spara svar", priority=True),
        Binding("ctrl+k", "skip", "Hoppa över", priority=True),
        Binding("ctrl+b", "previous", "Föregående", priority=True),
        Binding("ctrl+r", "review", "Granska", priority=True),
        Binding("f2", "toggle_guidance", "Vägledning"),
        Binding("escape", "leave", "Tillbaka"),
    ]

    def __init__(self, session: FollowUpSession) -> None:
        super().__init__()
        self.session = session
        self.editing: str | None = None  # the key of an earlier answer being changed

    @property
    def lang(self) -> str:
        return self.session.lang

    def compose(self) -> ComposeResult:
        yield Static(self.uapp.banner_text(self.session.case.client.case_ref), id="banner", markup=False)
        with Horizontal(id="interview"):
            with Vertical(id="conversation"):
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
        yield Footer()

    def on_mount(self) -> None:
        self.uapp.localize_bindings(self)
        self.apply_width(self.size.width)
        if self.uapp.settings is not None and self.uapp.settings.training:
            self.add_class("show-side")  # in training, the guidance is shown from the start
        self.show()

    _shown = False

    def on_screen_resume(self) -> None:
        # Back from the review, where answers (the assessment) may have changed: show the session as
        # it is now, not the widget that was on screen before. (Also sent on first showing: skipped.)
        if self._shown:
            self.editing = None
            self.show()
        self._shown = True

    def on_resize(self, event: events.Resize) -> None:
        self.apply_width(event.size.width)

    def apply_width(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def action_toggle_guidance(self) -> None:
        self.toggle_class("show-side")

    # --- drawing ----------------------------------------------------------------------------

    def current_step(self) -> Step | None:
        if self.editing is not None:
            return self.session.interview.step(self.editing)
        return self.session.current()

    def show(self) -> None:
        self.fill_transcript()
        self.fill_plan()
        step = self.current_step()
        self.show_progress(step)
        slot = self.query_one("#answer-slot", Vertical)
        slot.remove_children()
        self.query_one("#answer-error", Static).update("")
        if step is None:
            self.query_one("#goal-line", Static).update("")
            self.query_one("#question", Static).update(s("done_title", self.lang))
            self.query_one("#answer-hint", Static).update(s("done_body", self.lang))
            self.query_one("#guidance", Static).update("")
            slot.mount(Button(s("review", self.lang), id="to-review", variant="primary"))
            self.call_after_refresh(lambda: self.query_one("#to-review", Button).focus())
            return
        goal_line = ""
        if step.goal is not None:
            goal_line = s("about_goal", self.lang, goal=step.goal.text)
            g = step.goal
            if g.scale != "none" and (g.baseline is not None or g.target is not None):
                before = "–" if g.baseline is None else str(g.baseline)
                target = "–" if g.target is None else str(g.target)
                goal_line += f" · {g.scale.upper()} {s('before', self.lang).lower()} {before}"
                goal_line += f" → {s('target', self.lang).lower()} {target}"
        self.query_one("#goal-line", Static).update(plain(goal_line))
        self.query_one("#question", Static).update(plain(step.question.label.get(self.lang)))
        widget = widget_for(
            step.question,
            self.session.interview.value(step),
            lang=self.lang,
            goal=step.goal,
            form=self.session.form,
            today=self.uapp.today,
        )
        slot.mount(widget)
        required = self.session.interview.is_required(step)
        need = s("required_hint", self.lang) if required else s("optional_hint", self.lang)
        self.query_one("#answer-hint", Static).update(f"{need} · {widget.hint()}".strip(" ·"))
        self.fill_guidance(step)
        self.call_after_refresh(widget.focus_input)

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

    def fill_transcript(self) -> None:
        box = self.query_one("#transcript", VerticalScroll)
        box.remove_children()
        iv = self.session.interview
        widgets: list[Static] = []
        last_section = None
        for step in iv.applicable_steps():
            if not iv.has(step):
                continue
            if step.section.id != last_section:
                widgets.append(Static(plain(step.section.title.get(self.lang)), classes="section-title"))
                last_section = step.section.id
            question = step.question.label.get(self.lang)
            if step.goal is not None:
                question = f"{question} – {step.goal.text}"
            widgets.append(Static(plain(question), classes="assistant"))
            value = iv.value(step)
            text = (
                self.uapp.answer_text(self.session.form, step, value)
                if value not in (None, "", [])
                else s("skipped", self.lang)
            )
            widgets.append(TranscriptAnswer(text, step.key))
        box.mount_all(widgets)
        box.scroll_end(animate=False)

    def fill_plan(self) -> None:
        lines = [s("plan_goals", self.lang)]
        current = self.current_step()
        for goal, depth in self.session.followup.plan.ordered_goals():
            mark = "▶ " if current and current.goal and current.goal.id == goal.id else "  "
            lines.append(f"{mark}{'  ' * depth}{'↳ ' if depth else '• '}{goal.text}")
        self.query_one("#plan-goals", Static).update(plain("\n".join(lines)))

    def fill_guidance(self, step: Step) -> None:
        q = step.question
        parts = [s("guidance", self.lang), q.help.get(self.lang)]
        if self.uapp.settings is not None and self.uapp.settings.training:
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
        found = self.query(AnswerWidget)
        return found.first() if found else None

    def save(self, raw: Any) -> None:
        step = self.current_step()
        if step is None or self.session.final:
            return
        try:
            self.session.answer(step.key, raw)
        except AnswerError as err:
            self.query_one("#answer-error", Static).update(str(err))
            return
        self.editing = None
        self.show()

    @on(AnswerWidget.Submitted)
    def widget_submitted(self, event: AnswerWidget.Submitted) -> None:
        self.save(event.raw)

    def action_submit(self) -> None:
        widget = self.widget()
        if widget is not None:
            self.save(widget.value())

    def action_skip(self) -> None:
        self.save(None)

    @on(TranscriptAnswer.Edit)
    def edit(self, event: TranscriptAnswer.Edit) -> None:
        self.editing = event.key
        self.show()

    def action_previous(self) -> None:
        iv = self.session.interview
        answered = [st.key for st in iv.applicable_steps() if iv.has(st)]
        current = self.current_step()
        if current is not None and current.key in answered:
            answered = answered[: answered.index(current.key)]
        if answered:
            self.editing = answered[-1]
            self.show()

    @on(Button.Pressed, "#to-review")
    def action_review(self) -> None:
        self.uapp.review(self.session)

    def action_leave(self) -> None:
        if self.editing is not None:
            self.editing = None
            self.show()
            return
        self.app.pop_screen()
