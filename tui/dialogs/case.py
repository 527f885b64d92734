"""The case's dialogs: client and plan, goals, interventions, and a correction to a signed record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import ValidationError
from textual.widgets import Select, Static

from interview.case import GENDERS, LIFE_AREAS, Client, Goal, Intervention, Plan
from tui.clean import CleanInput, CleanTextArea
from tui.dialogs.form import FormDialog, choice_options
from tui.safe import plain
from tui.strings import s
from tui.widgets.fields import CompactSelect, Field


class ClientDialog(FormDialog[tuple[Client, Plan]]):
    """New case or edit the client and the plan's type and start; dismisses with (Client, Plan)."""

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
                    choice_options(lang, [(f"gender_{g}", g) for g in GENDERS]),
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
                    choice_options(
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


class GoalDialog(FormDialog[Plan]):
    """A goal or sub-goal with pick lists for life area, parent and scale; dismisses with a Plan."""

    def __init__(
        self, lang: str, plan: Plan, life_area_label: Callable[[str], str], goal: Goal | None = None
    ) -> None:
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
                    choice_options(lang, [(f"scale_{x}", x) for x in ("icf", "gas", "none")]),
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


class InterventionDialog(FormDialog[Plan]):
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


class CorrectionDialog(FormDialog[tuple[str, str]]):
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
