"""Modal dialogs: passphrase, client/plan, goal and intervention editors, signing, corrections."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from interview.case import GENDERS, LIFE_AREAS, Client, Goal, Intervention, Plan
from interview.messages import validation_lines
from tui.clean import CleanInput, CleanTextArea
from tui.safe import plain
from tui.screens.base import TranslatedBindings
from tui.strings import s


class CompactSelect(Select[Any]):
    """A one-line pick list, so a whole form fits a thin client's 24 rows."""

    def __init__(self, options: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prompt", "–")
        super().__init__(options, compact=True, **kwargs)


class Field(Vertical):
    """A labelled input with its validation message right beside it."""

    DEFAULT_CSS = "Field { height: auto; }"

    def __init__(self, label: str, widget: Input | Select[Any] | TextArea, name: str) -> None:
        super().__init__(id=f"field-{name}", classes="field")
        self.label_text = label
        self.widget = widget
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="field-label", markup=False)
        yield self.widget
        error = Static("", classes="field-error", id=f"err-{self.field_name}", markup=False)
        error.display = False  # shown only when there is something to say
        yield error


class FormDialog(TranslatedBindings, ModalScreen[Any]):
    """A form whose fields are validated by the case model; errors show next to each field."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt"), Binding("ctrl+s", "save", "Spara")]

    def __init__(self, lang: str, title: str) -> None:
        super().__init__(classes="form-dialog")
        self.lang = lang
        self.title_text = title

    def fields(self) -> list[Field]:
        return []

    tall = True  # a long form takes the screen's height and scrolls its fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall" if self.tall else "dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield from self.fields()
            yield Static("", id="form-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("save", self.lang), variant="primary", id="save")
                yield Button(s("cancel", self.lang), id="cancel")

    def on_mount(self) -> None:
        first = self.query(".field Input, .field TextArea")
        if first:
            first.first().focus()

    def value_of(self, name: str) -> Any:
        widget = self.query_one(f"#field-{name}", Field).widget
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value.strip() or None

    def show_errors(self, err: ValidationError, prefix_map: dict[str, str] | None = None) -> None:
        for box in self.query(".field-error").results(Static):
            box.update("")
            box.display = box.id == "form-error"
        general: list[str] = []
        for line in validation_lines(err, self.lang):
            path, _, text = line.partition(": ")
            name = (prefix_map or {}).get(path, path.split(".")[-1].split("[")[0])
            boxes = self.query(f"#err-{name}")
            if boxes:
                boxes.first(Static).update(text)
                boxes.first(Static).display = True
            else:
                general.append(line)
        self.query_one("#form-error", Static).update("\n".join(general) or s("fix_fields", self.lang))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit(self) -> None:
        self.dismiss(None)


def _options(lang: str, keys: list[tuple[str, str]]) -> list[tuple[Any, str]]:
    return [(plain(s(label, lang)), value) for label, value in keys]


class ClientDialog(FormDialog):
    """New case or edit the client and the plan's type and start; dismisses with (Client, type, start)."""

    def __init__(
        self,
        lang: str,
        client: Client | None = None,
        plan: Plan | None = None,
        default_caseworker: str = "",
        default_unit: str = "",
    ) -> None:
        super().__init__(lang, s("edit_client" if client else "new_case", lang))
        self.client = client
        self.plan = plan
        self.default_caseworker = default_caseworker
        self.default_unit = default_unit

    def fields(self) -> list[Field]:
        lang, c, p = self.lang, self.client, self.plan
        return [
            Field(s("field_case_ref", lang), CleanInput(compact=True, value=c.case_ref if c else ""),
                  "case_ref"),
            Field(s("field_name", lang), CleanInput(compact=True, value=(c.name or "") if c else ""), "name"),
            Field(
                s("field_personnummer", lang),
                CleanInput(compact=True, value=(c.personnummer or "") if c else ""),
                "personnummer",
            ),
            Field(
                s("field_gender", lang),
                CompactSelect(
                    _options(lang, [(f"gender_{g}", g) for g in GENDERS]),
                    value=c.gender if c else "unknown",
                    allow_blank=False,
                ),
                "gender",
            ),
            Field(
                s("field_birth_year", lang),
                CleanInput(compact=True, value=str(c.birth_year) if c and c.birth_year else ""),
                "birth_year",
            ),
            Field(
                s("field_unit", lang),
                CleanInput(compact=True, value=c.unit if c else self.default_unit),
                "unit",
            ),
            Field(
                s("field_caseworker", lang),
                CleanInput(compact=True, value=c.caseworker if c else self.default_caseworker),
                "caseworker",
            ),
            Field(
                s("field_plan_type", lang),
                CompactSelect(
                    _options(
                        lang,
                        [
                            (f"plan_{t}", t)
                            for t in ("genomforandeplan", "vardplan", "behandlingsplan", "sip", "other")
                        ],
                    ),
                    value=p.type if p else "genomforandeplan",
                    allow_blank=False,
                ),
                "type",
            ),
            Field(
                s("field_plan_start", lang),
                CleanInput(compact=True, value=p.start.isoformat() if p else date.today().isoformat()),
                "start",
            ),
        ]

    def submit(self) -> None:
        data = {
            k: self.value_of(k)
            for k in ("case_ref", "name", "personnummer", "gender", "birth_year", "unit", "caseworker")
        }
        data = {k: v for k, v in data.items() if v is not None}
        try:
            client = Client.model_validate(data)
        except ValidationError as err:
            self.show_errors(err)
            return
        try:
            plan = Plan.model_validate(
                {
                    "type": self.value_of("type"),
                    "start": self.value_of("start"),
                    "goals": [g.model_dump() for g in self.plan.goals] if self.plan else [],
                    "interventions": [i.model_dump() for i in self.plan.interventions] if self.plan else [],
                }
            )
        except ValidationError as err:
            self.show_errors(err)
            return
        self.dismiss((client, plan))


class GoalDialog(FormDialog):
    """A goal or sub-goal with pick lists for life area, parent and scale; dismisses with a Plan."""

    def __init__(self, lang: str, plan: Plan, life_area_label: Any, goal: Goal | None = None) -> None:
        super().__init__(lang, s("edit_goal" if goal else "add_goal", lang))
        self.plan = plan
        self.goal = goal
        self.life_area_label = life_area_label

    def fields(self) -> list[Field]:
        lang, g = self.lang, self.goal
        parents = [(plain(x.text), x.id) for x in self.plan.goals if not g or x.id != g.id]
        return [
            Field(s("field_goal_text", lang), CleanInput(compact=True, value=g.text if g else ""), "text"),
            Field(
                s("field_life_area", lang),
                CompactSelect(
                    [(plain(self.life_area_label(a)), a) for a in LIFE_AREAS],
                    value=g.life_area if g else Select.NULL,
                ),
                "life_area",
            ),
            Field(
                s("field_parent", lang),
                CompactSelect(
                    parents, value=g.parent if g and g.parent else Select.NULL, prompt=s("none_option", lang)
                ),
                "parent",
            ),
            Field(
                s("field_scale", lang),
                CompactSelect(
                    _options(lang, [(f"scale_{x}", x) for x in ("icf", "gas", "none")]),
                    value=g.scale if g else "icf",
                    allow_blank=False,
                ),
                "scale",
            ),
            Field(
                s("field_baseline", lang),
                CleanInput(compact=True, value=str(g.baseline) if g and g.baseline is not None else ""),
                "baseline",
            ),
            Field(
                s("field_target", lang),
                CleanInput(compact=True, value=str(g.target) if g and g.target is not None else ""),
                "target",
            ),
            Field(
                s("field_target_date", lang),
                CleanInput(compact=True, value=g.target_date.isoformat() if g and g.target_date else ""),
                "target_date",
            ),
            Field(s("field_weight", lang), CleanInput(compact=True, value=str(g.weight) if g else "1"),
                  "weight"),
        ]

    def submit(self) -> None:
        existing = {g.id for g in self.plan.goals}
        gid = self.goal.id if self.goal else next(f"g{i}" for i in range(1, 999) if f"g{i}" not in existing)
        data = {
            k: self.value_of(k)
            for k in ("text", "life_area", "parent", "scale", "baseline", "target", "target_date", "weight")
        }
        data = {k: v for k, v in data.items() if v is not None}
        try:
            goal = Goal.model_validate({"id": gid, **data})
        except ValidationError as err:
            self.show_errors(err, {"": "text"})
            return
        goals = [goal if x.id == gid else x for x in self.plan.goals]
        if self.goal is None:
            goals.append(goal)
        try:
            plan = self.plan.model_copy(update={"goals": goals})
            plan = Plan.model_validate(plan.model_dump())
        except ValidationError as err:
            self.show_errors(err, {"": "parent"})
            return
        self.dismiss(plan)


class InterventionDialog(FormDialog):
    """A new or changed intervention; dismisses with the plan that holds it."""

    tall = False

    def __init__(self, lang: str, plan: Plan, item: Intervention | None = None) -> None:
        super().__init__(lang, s("edit_intervention" if item else "add_intervention", lang))
        self.plan = plan
        self.item = item

    def fields(self) -> list[Field]:
        lang, i = self.lang, self.item
        return [
            Field(s("field_intervention_name", lang), CleanInput(compact=True, value=i.name if i else ""),
                  "name"),
            Field(
                s("field_provider", lang),
                CleanInput(compact=True, value=(i.provider or "") if i else ""),
                "provider",
            ),
        ]

    def submit(self) -> None:
        existing = {i.id for i in self.plan.interventions}
        iid = self.item.id if self.item else next(f"i{n}" for n in range(1, 999) if f"i{n}" not in existing)
        data = {k: self.value_of(k) for k in ("name", "provider")}
        start = {"start": self.item.start} if self.item and self.item.start else {}
        try:
            item = Intervention.model_validate({"id": iid, **start, **{k: v for k, v in data.items() if v}})
        except ValidationError as err:
            self.show_errors(err)
            return
        items = [item if x.id == iid else x for x in self.plan.interventions]
        if self.item is None:
            items.append(item)
        self.dismiss(self.plan.model_copy(update={"interventions": items}))


class SignDialog(FormDialog):
    """Names who signs; dismisses with the signer's name."""

    tall = False

    def __init__(self, lang: str, signer: str, when: str) -> None:
        super().__init__(lang, s("finalize_title", lang))
        self.signer = signer
        self.when = when

    def fields(self) -> list[Field]:
        return [Field(s("signer", self.lang), CleanInput(compact=True, value=self.signer), "signer")]

    def compose(self) -> ComposeResult:
        yield from super().compose()

    def on_mount(self) -> None:
        super().on_mount()
        body = self.query_one(".dialog-body")
        body.mount(
            Static(
                s("finalize_body", self.lang) + "\n" + s("sign_time", self.lang, when=self.when),
                classes="dialog-note",
                markup=False,
            ),
            before=0,
        )
        self.query_one("#save", Button).label = s("confirm_sign", self.lang)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in the name field signs: the name is already there, the dialog says what it does.
        event.stop()
        self.submit()

    def submit(self) -> None:
        signer = self.value_of("signer")
        if not signer:
            box = self.query_one("#err-signer", Static)
            box.update(s("fix_fields", self.lang))
            box.display = True
            return
        self.dismiss(signer)


class CorrectionDialog(FormDialog):
    """Dismisses with (reason, text) for an addendum to a final follow-up."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang, s("correction_title", lang))

    def fields(self) -> list[Field]:
        return [
            Field(s("correction_reason", self.lang), CleanInput(compact=True, value=""), "reason"),
            Field(s("correction_text", self.lang), CleanTextArea(""), "text"),
        ]

    def submit(self) -> None:
        reason, text = self.value_of("reason"), (self.value_of("text") or "").strip()
        if not reason or not text:
            self.query_one("#form-error", Static).update(s("fix_fields", self.lang))
            return
        self.dismiss((reason, text))


class PassphraseDialog(TranslatedBindings, ModalScreen[str]):
    """Asks for the workspace's passphrase; the app checks it and asks again when wrong."""

    BINDINGS = [Binding("escape", "app.quit", "Avsluta")]

    def __init__(self, lang: str, error: str = "") -> None:
        super().__init__()
        self.lang = lang
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(s("passphrase_title", self.lang), classes="dialog-title")
            yield Label(s("passphrase_prompt", self.lang))
            yield CleanInput(password=True, id="passphrase")
            yield Static(self.error, classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(s("passphrase_open", self.lang), variant="primary", id="open")

    @on(Input.Submitted)
    @on(Button.Pressed, "#open")
    def done(self) -> None:
        self.dismiss(self.query_one("#passphrase", Input).value)


class PickDialog(TranslatedBindings, ModalScreen[str]):
    """Choose one item from a short list (e.g. which goal to edit); dismisses with its key."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt")]

    def __init__(self, title: str, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*(Option(plain(label), id=key) for key, label in self.items), id="pick")

    def on_option_list_option_selected(self, event: Any) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
