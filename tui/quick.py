"""The quick mode for thin clients: one questionary prompt per question, over the same engine.

Only what it uses is imported (questionary, the core; never textual), so it starts fast and small.
Every prompt is laid out for a narrow terminal: the label wrapped on its own lines, the instruction on
its own line and a typing area of the full width (prompt_toolkit draws nothing at all when a one-line
prompt is wider than the terminal). Ctrl-C and Ctrl-D anywhere are caught in one place: the draft is
already saved, so either is a pause.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import questionary
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent, merge_key_bindings
from questionary import Choice
from questionary.question import Question

from casework.cases import match_cases
from casework.plausibility import Problem, answer_problems, level_problems, plan_start_problems
from casework.review import needs_approval, notes_by_key, submit
from casework.session import FollowUpSession, form_options, open_draft, start_followup
from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    FormDefinition,
    LevelQuestion,
    MultiQuestion,
    NumberQuestion,
    TextQuestion,
)
from interview.case import LIFE_AREAS, SCALE_RANGES, Case, Client, Goal, Intervention, Plan
from interview.engine import Step
from interview.errors import AnswerError
from language.format import long_date
from storage.errors import Ambiguous, AnswerConflict, Conflict, StorageError
from storage.repository import Repository
from tui.quick_start import hint as keys_line
from tui.quick_start import typing_line, width, wrap
from tui.strings import s
from tui.visible import visible

SKIP = "\x00skip"  # choice values no code can take
HELP = "\x00help"
BACK = "\x00back"
NEW = "\x00new"
AGAIN = "\x00again"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def fit(text: str, cols: int) -> str:
    """One line of at most `cols` terminal cells, cut after a whole word with "…" when longer: a
    wide character (漢, an emoji) takes two cells, which textwrap.shorten counts as one."""
    from prompt_toolkit.utils import get_cwidth

    if get_cwidth(text) <= cols:
        return text
    kept = ""
    for word in text.split(" "):
        longer = f"{kept} {word}" if kept else word
        if get_cwidth(longer + "…") > cols:
            break
        kept = longer
    if not kept:  # a first word wider than the line: cut inside it
        for c in text:
            if get_cwidth(kept + c + "…") > cols:
                break
            kept += c
        return kept + "…"
    return kept + "…"


def say(text: str) -> None:
    """A line of the transcript, each line longer than the terminal wrapped at a word: a line the
    terminal folds itself breaks mid-word ("fråg" / "or") at 60 columns. A word longer than a line
    (a PDF's path) is never cut by us: on a line of its own it can still be copied whole."""
    cols = width()
    for line in text.split("\n"):
        if len(line) <= cols:
            print(line)
            continue
        rows = textwrap.wrap(line, cols, subsequent_indent="  ", break_on_hyphens=False,
                             break_long_words=False)
        print("\n".join(row.lstrip() if len(row) > cols else row for row in rows))  # no indent if too long


class Help:
    """`?` pressed in a prompt: what was ticked or typed so far, to offer again after the guidance."""

    def __init__(self, kept: Any) -> None:
        self.kept = kept


def _exit_with(result: Any) -> Callable[[KeyPressEvent], None]:
    def handler(event: KeyPressEvent) -> None:
        event.app.exit(result=result)

    return handler


def _ticks(event: KeyPressEvent) -> list[Any]:
    """The ticks of a running checkbox, read from its control (questionary keeps them nowhere else)."""
    from questionary.prompts.common import InquirerControl

    for control in event.app.layout.find_all_controls():
        if isinstance(control, InquirerControl):
            return list(control.selected_options)
    return []


def keys(question: Question, *, back: bool = True, help_key: str = "") -> Question:
    """Adds the quick mode's keys: Ctrl-P back, `?` guidance (where it cannot be typed text), Ctrl-D pause."""
    bindings = KeyBindings()
    if back:
        bindings.add("c-p", eager=True)(_exit_with(BACK))

    @bindings.add("c-d", eager=True)
    def pause(event: KeyPressEvent) -> None:
        # Ctrl-D is end-of-input to prompt_toolkit (EOFError); here it pauses, exactly as Ctrl-C.
        event.app.exit(exception=KeyboardInterrupt())

    if help_key == "ticks":

        @bindings.add("?", eager=True)
        def ticks_help(event: KeyPressEvent) -> None:
            event.app.exit(result=Help(_ticks(event)))

    elif help_key == "text":

        @bindings.add("?", eager=True)
        def text_help(event: KeyPressEvent) -> None:
            event.app.exit(result=Help(event.app.current_buffer.text))

    elif help_key == "plain":
        bindings.add("?", eager=True)(_exit_with(HELP))
    app = question.application
    # Ours last: prompt_toolkit lets the last matching binding win (select binds Ctrl-P as "up").
    app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), bindings])
    return question


def yes_no(message: str, lang: str, default: bool) -> bool:
    """questionary's confirm answers '(Y/n)' in English; this asks in the user's language."""
    choices = [Choice(s("yes", lang), True), Choice(s("no", lang), False)]
    question = questionary.select(
        wrap(message),
        choices=choices,
        default=choices[0 if default else 1],
        instruction="\n" + keys_line(s("quick_select_hint", lang).split(" · ?")[0] + ")"),
    )
    answer: bool = keys(question, back=False).unsafe_ask()
    return answer


def text_prompt(message: str, lang: str, default: str = "", validate: Any = None,
                hint_key: str = "quick_plain_hint") -> str:
    """A plain text question laid out like every other: label, instruction (what Enter does there),
    a full-width line."""
    question = questionary.text(
        wrap(message),
        default=default,
        validate=validate,
        instruction="\n" + keys_line(s(hint_key, lang)) + "\n>",
        **typing_line(),
    )
    answer: str = keys(question, back=False).unsafe_ask()
    return answer


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
        out: Callable[[str], None] | None = None,
    ) -> None:
        self.repo = repo
        self.lang = lang
        self.caseworker = caseworker
        self.today = today or date.today()
        self.pdf_dir = pdf_dir
        self.out = out or say
        self.session: FollowUpSession | None = None
        self.case: Case | None = None
        self._section: str | None = None

    # --- the case -------------------------------------------------------------------------------

    def pick_case(self, ref: str | None) -> Case:
        """The case typed (number or name, any case); near matches offered; a new one only when asked."""
        while True:
            if ref is None:
                ref = self.ask_case_ref()
            if not ref:
                return self.new_case(None)
            chosen = self.resolve(ref)
            if isinstance(chosen, Case):
                return chosen
            if chosen == NEW:
                return self.new_case(ref)
            ref = None  # search again

    def ask_case_ref(self) -> str:
        picked = self.pick_from_work_list()
        if picked:
            return picked
        listing = self.repo.listing()
        labels = {f"{c.case_ref} – {visible(c.name)}" if c.name else c.case_ref: c.case_ref for c in listing}
        # autocomplete has no instruction of its own: it goes below the label, then the typing line.
        enter = keys_line(s("quick_case_hint", self.lang))  # Enter chooses the case here, it saves nothing
        message = f"{wrap(s('quick_pick_case', self.lang))}\n{enter}\n>"
        if labels:
            question = questionary.autocomplete(message, choices=list(labels), match_middle=True,
                                                **typing_line())
        else:  # an empty workspace: nothing to complete
            question = questionary.text(message, **typing_line())
        answer: str = keys(question, back=False).unsafe_ask()
        return labels.get(answer, answer.split(" – ")[0]).strip()

    def pick_from_work_list(self) -> str | None:
        """On the shared database, the login's work list comes first (casework.worklist decides what
        is on it); a case number from it, or None to search as usual."""
        if not hasattr(self.repo, "work_rows"):
            return None
        from casework.worklist import my_list

        repo: Any = self.repo
        items = my_list(repo.work_rows(), repo.login, repo.role, self.today)[:40]
        if not items:
            return None
        choices = [Choice(f"{s('work_' + i.kind, self.lang)}: {i.row.case_ref}"
                          f"{' – ' + visible(i.row.name) if i.row.name else ''}"
                          f"{'  ' + i.due if i.due else ''}", i.row.case_ref) for i in items]
        choices.append(Choice(s("quick_search_case", self.lang), ""))
        picked: str = self._select(s("quick_work_list", self.lang), choices, choices[0], back=False)
        return picked or None

    def resolve(self, ref: str) -> Case | str:
        """A case, NEW (create `ref`) or AGAIN (ask again); "Nej" is the default for creating."""
        lang = self.lang
        if ref == ref.strip():
            try:
                case = self.repo.find_case(ref)
            except Ambiguous:
                case = None  # two cases carry the number (imports can leave that): both offered below by name
            if case is not None:
                return case  # the number exactly as printed on a pause: from the index, no list of 10,000
        found = match_cases(self.repo.listing(), ref)
        if len(found.exact) == 1:
            return self.repo.get_case(found.exact[0].case_id)
        if found.exact:
            choices = [Choice(f"{c.case_ref} – {visible(c.name)}", c.case_id) for c in found.exact]
            picked = self._select(s("quick_same_name", lang, ref=ref), choices, None, back=False)
            return self.repo.get_case(picked)
        if found.near:
            choices = [
                Choice(f"{c.case_ref} – {visible(c.name)}" if c.name else c.case_ref, c.case_id)
                for c in found.near
            ]
            choices += [
                Choice(s("quick_create", lang, ref=ref), NEW),
                Choice(s("quick_search_again", lang), AGAIN),
            ]
            picked = self._select(s("quick_near", lang, ref=ref), choices, choices[0], back=False)
            return picked if picked in (NEW, AGAIN) else self.repo.get_case(picked)
        return NEW if yes_no(s("quick_no_such_case", lang, ref=ref), lang, False) else AGAIN

    def _select(self, message: str, choices: list[Choice], default: Choice | None, *, back: bool) -> Any:
        question = questionary.select(
            wrap(message),
            choices=choices,
            default=default,
            instruction="\n" + keys_line(s("quick_select_hint", self.lang)),
            erase_when_done=True,
        )
        answer = keys(question, back=back, help_key="plain" if back else "").unsafe_ask()
        shown = next((str(c.title) for c in choices if c.value == answer), None)
        if shown is not None and answer not in (BACK, HELP):
            self.echo(message, shown)
        return answer

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

        answer = text_prompt(message, self.lang, default, check)
        self.echo(message, answer)
        return build(answer)

    def _confirmed(self, problems: list[Problem]) -> bool:
        """Errors are said and refused; a warning is said and asked about ("Nej" by default)."""
        for problem in problems:
            if problem.severity == "error":
                self.out(wrap(f"  ! {problem.message(self.lang)}"))
                return False
        for problem in problems:
            message = f"{problem.message(self.lang)} {s('quick_confirm', self.lang)}"
            if not yes_no(message, self.lang, False):
                return False
        return True

    def new_case(self, ref: str | None) -> Case:
        lang = self.lang
        client: Client = self._validated(
            s("field_case_ref", lang),
            lambda t: Client(case_ref=t, caseworker=self.caseworker),
            default=ref or "",
        )
        gender = self._select(
            s("field_gender", lang),
            [Choice(s(f"gender_{g}", lang), g) for g in ("woman", "man", "other", "unknown")],
            None,
            back=False,
        )
        client = client.model_copy(update={"gender": gender})
        plan_type = self._select(
            s("field_plan_type", lang),
            [
                Choice(s(f"plan_{t}", lang), t)
                for t in ("genomforandeplan", "vardplan", "behandlingsplan", "sip", "other")
            ],
            None,
            back=False,
        )
        while True:
            plan: Plan = self._validated(
                s("field_plan_start", lang),
                lambda t: Plan(type=plan_type, start=t),
                default=self.today.isoformat(),
            )
            if self._confirmed(plan_start_problems(plan.start, self.today)):
                break
        goals: list[Goal] = []
        prompt = "quick_add_goal"
        while yes_no(s(prompt, lang), lang, not goals):
            goals.append(self.new_goal(len(goals) + 1))
            prompt = "quick_add_more_goal"
        interventions: list[Intervention] = []
        prompt = "quick_add_intervention"
        while yes_no(s(prompt, lang), lang, not interventions):
            interventions.append(self.new_intervention(len(interventions) + 1))
            prompt = "quick_add_more_intervention"
        plan = plan.model_copy(update={"goals": goals, "interventions": interventions})
        case = Case(client=client, plan=plan)
        self.repo.add_case(case)
        return case

    def new_intervention(self, n: int) -> Intervention:
        lang = self.lang
        name = self._validated(
            s("field_intervention_name", lang), lambda t: Intervention(id=f"i{n}", name=t).name
        )
        provider = self._validated(
            s("field_provider", lang),
            lambda t: Intervention(id=f"i{n}", name=name, provider=t or None).provider,
        )
        return Intervention(id=f"i{n}", name=name, provider=provider)

    def new_goal(self, n: int) -> Goal:
        from forms.loader import bundled_form

        lang, form = self.lang, bundled_form()
        text = self._validated(
            s("field_goal_text", lang), lambda t: Goal(id="g", text=t, life_area="other").text
        )
        area = self._select(
            s("field_life_area", lang),
            [Choice(form.life_area_label(a, lang), a) for a in LIFE_AREAS],
            None,
            back=False,
        )
        scale = self._select(
            s("field_scale", lang), [Choice(s(f"scale_{x}", lang), x) for x in ("icf", "gas", "none")], None,
            back=False,
        )
        levels: dict[str, int | None] = {"baseline": None, "target": None}
        if scale != "none":
            low, high = SCALE_RANGES[scale]
            shown = (lambda v: f"{v:+d}" if v else "0") if scale == "gas" else str
            while True:
                for field in ("baseline", "target"):
                    levels[field] = self._select(
                        s(f"field_{field}", lang),
                        [
                            Choice(s("quick_skip", lang), None),
                            *(Choice(shown(v), v) for v in range(low, high + 1)),
                        ],
                        None,
                        back=False,
                    )
                if self._confirmed(level_problems(scale, levels["baseline"], levels["target"])):
                    break
        return Goal(id=f"g{n}", text=text, life_area=area, scale=scale, **levels)

    # --- the interview ----------------------------------------------------------------------------

    def choose_form(self) -> FormDefinition | None:
        """With more than one form installed, which one this follow-up is made with (the workspace's
        default offered first); None means the default."""
        options = form_options(self.repo)
        if len(options) < 2:
            return None
        lang = self.lang
        choices = [Choice(f"{o.title.get(lang)} ({o.id} v{o.version})"
                          + (f" – {s('form_default_mark', lang)}" if o.default else ""), o.id)
                   for o in options]
        picked = self._select(s("choose_form", lang), choices, choices[0], back=False)
        chosen = next(o for o in options if o.id == picked)
        return None if chosen.default else self.repo.form(chosen.id, chosen.version)

    def start(self, case: Case) -> FollowUpSession:
        draft = open_draft(self.repo, case.id)
        if draft is None:
            draft = start_followup(self.repo, case, self.caseworker, self.choose_form())
            self.out(s("quick_started", self.lang, ref=case.client.case_ref))
        for other in getattr(self.repo, "hold", lambda _: [])(draft.id):  # the shared database only
            self.out(s("quick_draft_open_by", self.lang, who=other.name,
                       since=other.since.astimezone().strftime("%Y-%m-%d %H:%M")))
        # versioned: on the shared database a same-answer save by someone else meanwhile is asked about
        session = FollowUpSession(self.repo, draft.id, self.lang, today=self.today, versioned=True)
        if draft.answers or draft.goals:
            p = session.interview.progress()
            self.out(
                s(
                    "quick_resume",
                    self.lang,
                    date=long_date(draft.created_at.date(), self.lang),
                    answered=p.answered,
                    total=p.applicable,
                )
            )
        self.session, self.case = session, case
        return session

    def _session(self) -> FollowUpSession:
        assert self.session is not None  # noqa: S101 - start() comes first
        return self.session

    def _order(self, step: Step) -> int:
        return next(i for i, other in enumerate(self._session().interview.steps) if other.key == step.key)

    def previous(self, step: Step) -> Step | None:
        """The question asked just before `step`, as the answers stand now."""
        iv = self._session().interview
        here = self._order(step)
        before = [other for i, other in enumerate(iv.steps) if i < here and iv.is_applicable(other)]
        return before[-1] if before else None

    def following(self, step: Step, furthest: int) -> Step | None:
        """After a step: every question up to the furthest one reached (so going back and on again
        passes each one, its answer the default), then only unanswered ones."""
        iv = self._session().interview
        here = self._order(step)
        for i, other in enumerate(iv.steps):
            if i > here and iv.is_applicable(other) and (i <= furthest or not iv.is_answered(other)):
                return other
        return None

    def ask_all(self) -> None:
        """From the first unanswered question to the end; Ctrl-P or "← föregående" goes one back."""
        step = self._session().current()
        furthest = -1
        while step is not None:
            furthest = max(furthest, self._order(step))
            if self.ask(step):
                step = self.following(step, furthest)
                continue
            before = self.previous(step)
            if before is None:
                self.out(f"  {s('quick_first_question', self.lang)}")
            else:
                step = before

    def label(self, step: Step) -> str:
        label = step.question.label.get(self.lang)
        if step.goal is not None:
            return f"{s('quick_goal_line', self.lang, goal=visible(step.goal.text))}\n{label}"
        return label

    def ask(self, step: Step) -> bool:
        """One question until it is answered (True) or the person goes back (False)."""
        session = self._session()
        if step.section.id != self._section:
            self._section = step.section.id
            self.out(f"\n— {step.section.title.get(self.lang)} —")
        label = self.label(step)
        required = session.interview.is_required(step)
        current = session.interview.value(step)
        while True:
            raw = self.prompt(step, label, required, current)
            if isinstance(raw, Help):
                current = raw.kept  # the ticks or the typed date stay for after the guidance
                self.show_help(step)
                continue
            if isinstance(raw, str) and raw == BACK:
                return False
            if isinstance(raw, str) and raw == HELP:
                self.show_help(step)
                continue
            given = None if isinstance(raw, str) and raw == SKIP else raw
            try:
                value = session.interview.coerce(step, given)
            except AnswerError as err:
                self.out(wrap(f"  ! {err}"))
                current = given  # what was ticked or typed is offered again, not cleared
                continue
            question_id = step.question.id if step.goal is None else ""
            if not self._confirmed(answer_problems(question_id, value, session.followup.plan, self.today)):
                current = given
                continue
            try:
                session.answer(step.key, given)
            except AnswerConflict as conflict:
                value = self.settle(step, conflict)
            self.echo(label, self.shown(step, value))
            return True

    def settle(self, step: Step, conflict: AnswerConflict) -> Any:
        """Someone else saved this answer since it was read: both, who and when, and the choice (the
        other's is the default; casework keeps it or saves this one over it). The answer kept."""
        from datetime import datetime

        from language.format import long_datetime

        session = self._session()
        try:
            when = long_datetime(datetime.fromisoformat(conflict.at).astimezone(), self.lang)
        except ValueError:
            when = conflict.at
        self.out(wrap(s("conflict_body", self.lang, question=self.label(step), who=conflict.by, when=when)))
        theirs = Choice(f"{s('conflict_keep_theirs', self.lang, who=conflict.by)}: "
                        f"{self.shown(step, conflict.theirs)}", "theirs")
        mine = Choice(f"{s('conflict_keep_mine', self.lang)}: {self.shown(step, conflict.mine)}", "mine")
        choice = self._select(s("conflict_title", self.lang), [theirs, mine], theirs, back=False)
        try:
            return session.keep_mine(conflict) if choice == "mine" else session.keep_theirs(conflict)
        except AnswerConflict as again:  # a third save of it meanwhile: choose again
            return self.settle(step, again)

    def shown(self, step: Step, value: Any) -> str:
        from interview.display import answer_text

        if value in (None, "", []):
            return s("skipped", self.lang)
        if isinstance(step.question, DateQuestion):
            return str(value)  # as typed, so the transcript shows what was entered
        return answer_text(step.question, value, self.lang, form=self._session().form, goal=step.goal)

    def echo(self, label: str, shown: str) -> None:
        """The transcript: each question and its answer stay on screen once the prompt is gone."""
        self.out(wrap(f"✓ {label}".replace("\n", "\n  ")))
        for line in shown.split("\n"):
            self.out(wrap(f"  → {line}", indent="    "))

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
                Choice(s("yes", lang), True),
                Choice(s("no", lang), False),
            ]
        elif isinstance(q, ChoiceQuestion):
            items = [Choice(c.label.get(lang), c.code) for c in q.choices]
        else:
            items = []
        if not required:
            items.append(Choice(s("quick_skip", lang), SKIP))
        items.append(Choice(s("quick_back_choice", lang), BACK))
        items.append(Choice(s("quick_help_choice", lang), HELP))
        return items

    def prompt(self, step: Step, label: str, required: bool, current: Any) -> Any:
        q, lang = step.question, self.lang
        message = wrap(label)
        if isinstance(q, ChoiceQuestion | LevelQuestion | BoolQuestion):
            items = self.choices(step, required)
            if current is None and isinstance(q, LevelQuestion) and step.goal is not None:
                # The list starts where the goal was last time (casework's rule, as in the app), so a
                # hurried Enter records an unchanged level, never the scale's lowest.
                current = self._session().last_level(step.goal.id)
            default = next((c for c in items if c.value == current and current is not None), None)
            question = questionary.select(
                message,
                choices=items,
                default=default,
                instruction="\n" + keys_line(s("quick_select_hint", lang)),
                erase_when_done=True,
            )
            return keys(question, help_key="plain").unsafe_ask()
        if isinstance(q, MultiQuestion):
            chosen = set(current or [])
            question = questionary.checkbox(
                message,
                choices=[Choice(c.label.get(lang), c.code, checked=c.code in chosen) for c in q.choices],
                instruction="\n" + keys_line(s("quick_checkbox_hint", lang)),
                erase_when_done=True,
            )
            return keys(question, help_key="ticks").unsafe_ask()
        if isinstance(q, DateQuestion):
            # The meeting is most often documented the same day: offer today, never silently.
            offered = current or (self.today.isoformat() if q.not_future else "")
            keys_hint = s("quick_date_hint", lang, today=self.today.isoformat())
            question = questionary.text(
                message, default=str(offered), instruction="\n" + keys_line(keys_hint) + "\n>",
                erase_when_done=True, **typing_line(),
            )
            text = keys(question, help_key="text").unsafe_ask()  # `?` is never part of a date
        else:
            assert isinstance(q, TextQuestion | NumberQuestion)  # noqa: S101 - the rest is covered above
            multiline = isinstance(q, TextQuestion) and q.multiline
            keys_hint = s("quick_multiline_hint" if multiline else "quick_text_hint", lang)
            question = questionary.text(
                message,
                default=str("" if current is None else current),
                multiline=multiline,
                instruction="\n" + keys_line(keys_hint) + "\n>",
                erase_when_done=True,
                **typing_line(),
            )
            text = keys(question).unsafe_ask()
        if not isinstance(text, str):
            return text  # BACK or Help
        if text.strip() == "?":
            return HELP
        return text if text.strip() else SKIP

    def show_help(self, step: Step) -> None:
        q = step.question
        self.out(wrap(f"  {q.help.get(self.lang)}"))
        settings = getattr(getattr(self.repo, "workspace", None), "settings", None)
        if settings is not None and settings.training:
            from forms.training_data import guidance

            for key, value in guidance().get(q.id, {}).items():
                self.out(wrap(f"  {s(f'guidance_{key}', self.lang)}: {value.get(self.lang, '')}"))
        for ref in q.legal:
            flag = "" if ref.verified else f" ({s('unverified', self.lang)})"
            self.out(wrap(f"  {s('legal', self.lang)}: {ref.text.get(self.lang)}{flag}"))

    # --- the review and the end -------------------------------------------------------------------

    def review_line(self, n: int, step: Step) -> str:
        """One question of the review: on one row when it fits, else its answer on a second row."""
        from prompt_toolkit.utils import get_cwidth

        iv = self._session().interview
        label = step.question.label.get(self.lang)
        if step.goal is not None:
            label = f"[{visible(step.goal.text)}] {label}"
        if not iv.has(step):
            shown = s("quick_not_answered", self.lang)
        else:
            shown = visible(" ".join(self.shown(step, iv.value(step)).split()))
        cols = width()
        whole = " ".join(f"{n}. {label}: {shown}".split())
        if get_cwidth(whole) <= cols:
            return whole
        # Too wide for one row: the goal and the label used the width and the answer was cut away.
        # The answer gets a row of its own, indented under the label, so it is always seen.
        head = fit(" ".join(f"{n}. {label}".split()), cols)
        indent = " " * (len(str(n)) + 2)
        return f"{head}\n{indent}{fit('→ ' + shown, cols - len(indent))}"

    def review(self) -> None:
        """Every answer, numbered; a number re-asks that question, a hint's letter goes to its question."""
        session, lang = self._session(), self.lang
        while True:
            steps = session.interview.applicable_steps()
            self.out(f"\n— {s('quick_review_title', lang)} —")
            notes = notes_by_key(self.repo, session.followup.id)  # a returned draft's comments
            for note in notes.get(None, []):
                self.out(wrap(f"  » {note.author_name}: {visible(note.body)}", indent="    "))
            for n, step in enumerate(steps, 1):
                self.out(self.review_line(n, step))
                for note in notes.get(step.key, []):
                    self.out(wrap(f"      » {note.author_name}: {visible(note.body)}", indent="        "))
            numbers = {step.key: n for n, step in enumerate(steps, 1)}
            targets: dict[str, int] = {}
            for letter, hint in zip(LETTERS, session.hints(), strict=False):
                target = next((numbers[k] for k in hint.points_to if k in numbers), None)
                mark = "⚠" if hint.severity == "warning" else "ℹ"
                goes = f" {s('quick_review_goes', lang, n=target)}" if target else ""
                self.out(wrap(f"{letter}. {mark} {hint.message(lang)}{goes}", indent="   "))
                if target:
                    targets[letter] = target
            missing = session.missing()
            if missing:
                self.out(wrap(f"  ! {s('quick_review_missing', lang, labels=', '.join(missing))}"))
            typed = text_prompt(s("quick_review_prompt", lang), lang, hint_key="quick_review_hint").strip()
            if not typed:
                return
            if typed.isdigit() and 1 <= int(typed) <= len(steps):
                chosen = steps[int(typed) - 1]
            elif typed.upper() in targets:
                chosen = steps[targets[typed.upper()] - 1]
            else:
                letters = f", {'/'.join(targets)}" if targets else ""
                self.out(wrap(f"  ! {s('quick_review_bad', lang, n=len(steps), letters=letters)}"))
                continue
            self._section = None
            if self.ask(chosen):
                self.ask_all()  # a changed answer can open new questions: those come next

    def finish(self) -> None:
        session, lang = self._session(), self.lang
        self.review()
        if not session.interview.is_complete():
            self.out(s("quick_done_draft", lang))
            return
        waiting = needs_approval(self.repo, session.followup.id)
        if waiting == "submitted":
            self.out(s("err_review_is_submitted", lang))
        elif waiting is not None:
            # The unit wants a supervisor's approval first: hand it in instead of signing.
            if yes_no(s("quick_submit_review", lang), lang, True):
                try:
                    submit(self.repo, session.followup.id)
                except StorageError as err:
                    self.refused(err)
                else:
                    self.out(s("review_submitted", lang, id=session.followup.id))
            else:
                self.out(s("quick_done_draft", lang))
        elif yes_no(s("quick_finalize", lang), lang, False):
            by = session.followup.caseworker or self.caseworker
            signer = text_prompt(s("quick_signer", lang), lang, by, hint_key="quick_signer_hint")
            try:
                session.finalize(signer.strip() or self.caseworker)
            except Conflict as err:  # changed by someone else since it was read: not signed
                from language import describe

                self.out(wrap(describe(err, lang)))
                self.out(s("quick_done_draft", lang))
            except StorageError as err:
                self.refused(err)
            else:
                self.out(s("finalized", lang))
        else:
            self.out(s("quick_done_draft", lang))
        if self.pdf_dir is not None:
            from casework.documents import export_pdf
            from casework.workspace import settings_of

            target = export_pdf(self.repo, settings_of(self.repo), session.followup.id, lang, self.pdf_dir)
            self.out(s("quick_pdf", lang, path=target))

    def refused(self, err: StorageError) -> None:
        """The database refused to take it further (review required, not approved, already handed
        in): its reason in one line and the draft kept. Anything else (the connection lost) goes on
        to the caller, which says the database could not be used."""
        if getattr(err, "key", None) is None:
            raise err
        from language import describe

        self.out(wrap(s("error", self.lang, message=describe(err, self.lang)), indent=""))
        self.out(s("quick_done_draft", self.lang))

    def paused(self) -> None:
        if self.session is None or self.case is None:
            return
        p = self.session.interview.progress()
        self.out(
            "\n"
            + wrap(
                s(
                    "quick_paused",
                    self.lang,
                    answered=p.answered,
                    total=p.applicable,
                    command=self.resume_command(self.case.client.case_ref),
                ),
                indent="",
            )
        )

    def resume_command(self, case_ref: str) -> str:
        """The command that continues, as typed: `--workspace` (when the workspace is not the one
        the command finds by itself) and `--lang` stand before `quick`, where the parser takes them."""
        import os
        import shlex

        from storage.paths import default_workspace_dir

        command = f"quick --case {shlex.quote(case_ref)}"
        # The session's language too (also a program option): resumed without it, an English
        # session went on in Swedish.
        if self.lang != "sv" or (os.environ.get("UPPFOLJNING_LANG") or "sv") != self.lang:
            command = f"--lang {shlex.quote(self.lang)} {command}"
        ws = getattr(getattr(self.repo, "workspace", None), "path", None)
        if ws is None or Path(ws).resolve() == default_workspace_dir().resolve():
            return f"uppfoljning {command}"
        return f"uppfoljning --workspace {shlex.quote(str(ws))} {command}"


def run(repo: Repository, lang: str, caseworker: str, ref: str | None, *, pdf_dir: Path | None) -> int:
    quick = QuickMode(repo, lang, caseworker, pdf_dir=pdf_dir)
    try:
        case = quick.pick_case(ref)
        quick.start(case)
        quick.ask_all()
        quick.finish()
    except (KeyboardInterrupt, EOFError):
        # The one place Ctrl-C and Ctrl-D land: every given answer is already on disk.
        quick.paused()
        return 0
    finally:
        if quick.session is not None and hasattr(repo, "release"):
            repo.release(quick.session.followup.id)  # the shared database: no longer open here
    return 0


def needs_terminal(lang: str) -> int:
    print(f"uppfoljning: {s('quick_needs_terminal', lang)}", file=sys.stderr)
    return 1
