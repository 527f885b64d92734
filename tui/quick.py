"""The quick mode for thin clients: one questionary prompt per question, over the same engine.

Only what it uses is imported (questionary, the core; never textual), so it starts fast and small.
Ctrl-C anywhere is caught in one place: the draft is already saved, so it is a pause.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import questionary
from questionary import Choice

from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    LevelQuestion,
    MultiQuestion,
    TextQuestion,
)
from interview.case import LIFE_AREAS, SCALE_RANGES, Case, Client, Goal, Plan
from interview.engine import Step
from interview.errors import AnswerError
from storage.repository import Repository
from tui.session import FollowUpSession, open_draft, start_followup
from tui.strings import s
from tui.visible import visible

SKIP = "\x00skip"  # a choice value no code can take


def yes_no(message: str, lang: str, default: bool) -> bool:
    """questionary's confirm answers '(Y/n)' in English; this asks in the user's language."""
    choices = [Choice("Ja" if lang == "sv" else "Yes", True), Choice("Nej" if lang == "sv" else "No", False)]
    answer: bool = questionary.select(
        message, choices=choices, default=choices[0 if default else 1]
    ).unsafe_ask()
    return answer


HELP = "\x00help"


class QuickMode:
    """Walks one follow-up; every prompt is `unsafe_ask()` so Ctrl-C reaches run() as an exception."""

    def __init__(
        self,
        repo: Repository,
        lang: str,
        caseworker: str,
        *,
        today: date | None = None,
        pdf_dir: Path | None = None,
        out: Callable[[str], None] = print,
    ) -> None:
        self.repo = repo
        self.lang = lang
        self.caseworker = caseworker
        self.today = today or date.today()
        self.pdf_dir = pdf_dir
        self.out = out
        self.session: FollowUpSession | None = None
        self.case: Case | None = None

    # --- the case -------------------------------------------------------------------------------

    def pick_case(self, ref: str | None) -> Case:
        if ref is None:
            listing = self.repo.listing()
            labels = {
                f"{c.case_ref} – {visible(c.name)}" if c.name else c.case_ref: c.case_ref for c in listing
            }
            message = s("quick_pick_case", self.lang)
            if labels:
                answer = questionary.autocomplete(
                    message, choices=list(labels), match_middle=True
                ).unsafe_ask()
            else:  # an empty workspace: nothing to complete, straight to a new case
                answer = questionary.text(message).unsafe_ask()
            ref = labels.get(answer, answer).strip()
        if ref:
            found = self.repo.find_case(ref)
            if found is not None:
                return found
            if not yes_no(s("quick_no_such_case", self.lang, ref=ref), self.lang, True):
                raise KeyboardInterrupt
        return self.new_case(ref or None)

    def _validated(self, message: str, build: Callable[[str], Any], default: str = "") -> Any:
        """Ask until the model accepts the text; its own message explains what is wrong."""
        from pydantic import ValidationError

        from interview.messages import validation_lines

        def check(text: str) -> bool | str:
            try:
                build(text)
            except ValidationError as err:
                return "; ".join(line.split(": ", 1)[-1] for line in validation_lines(err, self.lang))
            return True

        return build(questionary.text(message, default=default, validate=check).unsafe_ask())

    def new_case(self, ref: str | None) -> Case:
        lang = self.lang
        client: Client = self._validated(
            s("field_case_ref", lang),
            lambda t: Client(case_ref=t, caseworker=self.caseworker),
            default=ref or "",
        )
        gender = questionary.select(
            s("field_gender", lang),
            choices=[Choice(s(f"gender_{g}", lang), g) for g in ("woman", "man", "other", "unknown")],
        ).unsafe_ask()
        client = client.model_copy(update={"gender": gender})
        plan_type = questionary.select(
            s("field_plan_type", lang),
            choices=[
                Choice(s(f"plan_{t}", lang), t)
                for t in ("genomforandeplan", "vardplan", "behandlingsplan", "sip", "other")
            ],
        ).unsafe_ask()
        plan: Plan = self._validated(
            s("field_plan_start", lang),
            lambda t: Plan(type=plan_type, start=t),
            default=self.today.isoformat(),
        )
        goals: list[Goal] = []
        prompt = "quick_add_goal"
        while yes_no(s(prompt, lang), lang, not goals):
            goals.append(self.new_goal(len(goals) + 1))
            prompt = "quick_add_more_goal"
        case = Case(client=client, plan=plan.model_copy(update={"goals": goals}))
        self.repo.add_case(case)
        return case

    def new_goal(self, n: int) -> Goal:
        from forms.loader import bundled_form

        lang, form = self.lang, bundled_form()
        text = self._validated(
            s("field_goal_text", lang), lambda t: Goal(id="g", text=t, life_area="other").text
        )
        area = questionary.select(
            s("field_life_area", lang), choices=[Choice(form.life_area_label(a, lang), a) for a in LIFE_AREAS]
        ).unsafe_ask()
        scale = questionary.select(
            s("field_scale", lang), choices=[Choice(s(f"scale_{x}", lang), x) for x in ("icf", "gas", "none")]
        ).unsafe_ask()
        levels: dict[str, int | None] = {"baseline": None, "target": None}
        if scale != "none":
            low, high = SCALE_RANGES[scale]
            for field in ("baseline", "target"):
                levels[field] = questionary.select(
                    s(f"field_{field}", lang),
                    choices=[
                        Choice(s("quick_skip", lang), None),
                        *(Choice(str(v), v) for v in range(low, high + 1)),
                    ],
                ).unsafe_ask()
        return Goal(id=f"g{n}", text=text, life_area=area, scale=scale, **levels)

    # --- the interview ----------------------------------------------------------------------------

    def start(self, case: Case) -> FollowUpSession:
        draft = open_draft(self.repo, case.id)
        if draft is None:
            draft = start_followup(self.repo, case, self.caseworker)
            self.out(s("quick_started", self.lang, ref=case.client.case_ref))
        session = FollowUpSession(self.repo, draft.id, self.lang, today=self.today)
        if draft.answers or draft.goals:
            p = session.interview.progress()
            self.out(
                s(
                    "quick_resume",
                    self.lang,
                    date=draft.created_at.date().isoformat(),
                    answered=p.answered,
                    total=p.applicable,
                )
            )
        self.session, self.case = session, case
        return session

    def ask_all(self) -> None:
        assert self.session is not None  # noqa: S101 - start() comes first
        section = None
        while (step := self.session.current()) is not None:
            if step.section.id != section:
                section = step.section.id
                self.out(f"\n— {step.section.title.get(self.lang)} —")
            self.ask(step)

    def ask(self, step: Step) -> None:
        session = self.session
        assert session is not None  # noqa: S101
        q, lang = step.question, self.lang
        label = q.label.get(lang)
        if step.goal is not None:
            label = f"{label}  [{s('quick_goal_line', lang, goal=visible(step.goal.text))}]"
        required = session.interview.is_required(step)
        current = session.interview.value(step)
        while True:
            raw = self.prompt(step, label, required, current)
            if raw == HELP:
                self.show_help(step)
                continue
            try:
                session.answer(step.key, None if raw == SKIP else raw)
                return
            except AnswerError as err:
                self.out(f"  ! {err}")

    def choices(self, step: Step, required: bool) -> list[Choice]:
        q, lang = step.question, self.lang
        if isinstance(q, LevelQuestion) and step.goal is not None:
            low, high = SCALE_RANGES[step.goal.scale]
            scale = self.session.form.scale(step.goal.scale) if self.session else None
            words = {lv.value: lv.label.get(lang) for lv in scale.levels} if scale else {}
            items = [
                Choice(
                    f"{v:+d} {words.get(v, '')}"
                    if step.goal.scale == "gas" and v
                    else f"{v} {words.get(v, '')}",
                    v,
                )
                for v in range(low, high + 1)
            ]
        elif isinstance(q, BoolQuestion):
            items = [
                Choice("Ja" if lang == "sv" else "Yes", True),
                Choice("Nej" if lang == "sv" else "No", False),
            ]
        elif isinstance(q, ChoiceQuestion):
            items = [Choice(c.label.get(lang), c.code) for c in q.choices]
        else:
            items = []
        if not required:
            items.append(Choice(s("quick_skip", lang), SKIP))
        items.append(Choice(s("quick_help_choice", lang), HELP))
        return items

    def prompt(self, step: Step, label: str, required: bool, current: Any) -> Any:
        q = step.question
        if isinstance(q, ChoiceQuestion | LevelQuestion | BoolQuestion):
            items = self.choices(step, required)
            default = next((c for c in items if c.value == current), None)
            return questionary.select(label, choices=items, default=default).unsafe_ask()
        if isinstance(q, MultiQuestion):
            chosen = set(current or [])
            answer = questionary.checkbox(
                label,
                choices=[Choice(c.label.get(self.lang), c.code, checked=c.code in chosen) for c in q.choices],
                instruction=s("multi_hint", self.lang).split(",")[0],
            ).unsafe_ask()
            return answer or ([] if not required else answer)
        hint = s("quick_help_hint", self.lang)
        if isinstance(q, DateQuestion):
            # The meeting is most often documented the same day: offer today, never silently.
            offered = current or (self.today.isoformat() if q.not_future else "")
            text = questionary.text(
                label,
                default=str(offered),
                instruction=f"({s('date_hint', self.lang, today=self.today.isoformat())}; {hint})",
            ).unsafe_ask()
        else:
            assert isinstance(q, TextQuestion)  # noqa: S101 - the registry above covers the rest
            text = questionary.text(
                label,
                default=str(current or ""),
                multiline=q.multiline,
                instruction=f"({s('quick_multiline', self.lang)} {hint})",
            ).unsafe_ask()
        if text.strip() == "?":
            return HELP
        return text if text.strip() else SKIP

    def show_help(self, step: Step) -> None:
        q = step.question
        self.out(f"  {q.help.get(self.lang)}")
        settings = getattr(getattr(self.repo, "workspace", None), "settings", None)
        if settings is not None and settings.training:
            from forms.training_data import guidance

            for key, value in guidance().get(q.id, {}).items():
                self.out(f"  {s(f'guidance_{key}', self.lang)}: {value.get(self.lang, '')}")
        for ref in q.legal:
            flag = "" if ref.verified else f" ({s('unverified', self.lang)})"
            self.out(f"  {s('legal', self.lang)}: {ref.text.get(self.lang)}{flag}")

    # --- the end ----------------------------------------------------------------------------------

    def finish(self) -> None:
        session = self.session
        assert session is not None  # noqa: S101
        iv, lang = session.interview, self.lang
        self.out(f"\n{s('quick_summary', lang)}")
        self.out(f"  {session.summary()}")
        for hint in session.hints():
            mark = "⚠" if hint.severity == "warning" else "ℹ"
            self.out(f"  {mark} {hint.message(lang)}")
        if not iv.is_complete():
            self.out(s("quick_done_draft", lang))
            return
        if yes_no(s("quick_finalize", lang), lang, False):
            signer = (
                questionary.text(
                    s("quick_signer", lang), default=session.followup.caseworker or self.caseworker
                )
                .unsafe_ask()
                .strip()
            )
            session.finalize(signer or self.caseworker)
            self.out(s("finalized", lang))
        else:
            self.out(s("quick_done_draft", lang))
        if self.pdf_dir is not None:
            from casework.documents import file_part, render_followup, write_pdf
            from storage.workspace import WorkspaceSettings

            settings = getattr(self.repo, "workspace", None)
            ws_settings = settings.settings if settings is not None else WorkspaceSettings()
            self.pdf_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = self.pdf_dir / f"uppfoljning-{file_part(session.followup.id)}.pdf"
            write_pdf(target, render_followup(self.repo, ws_settings, session.followup.id, lang))
            self.out(s("quick_pdf", lang, path=target))

    def paused(self) -> None:
        if self.session is None or self.case is None:
            return
        p = self.session.interview.progress()
        self.out(
            "\n"
            + s(
                "quick_paused",
                self.lang,
                answered=p.answered,
                total=p.applicable,
                ref=self.case.client.case_ref,
            )
        )


def run(repo: Repository, lang: str, caseworker: str, ref: str | None, *, pdf_dir: Path | None) -> int:
    quick = QuickMode(repo, lang, caseworker, pdf_dir=pdf_dir)
    try:
        case = quick.pick_case(ref)
        quick.start(case)
        quick.ask_all()
        quick.finish()
    except KeyboardInterrupt:
        # The one place Ctrl-C lands: every given answer is already on disk.
        quick.paused()
        return 0
    return 0


def needs_terminal(lang: str) -> int:
    print(f"uppfoljning: {s('quick_needs_terminal', lang)}", file=sys.stderr)
    return 1
