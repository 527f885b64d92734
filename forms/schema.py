"""The form-definition schema: sections, typed questions, declarative conditions, bilingual labels."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

LANGUAGES: tuple[str, ...] = ("sv", "en")

# Every string and list of a form is bounded, and no text holds a control character: a form's words
# reach the screen, the terminal and the PDF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(value: str) -> str:
    m = _CONTROL.search(value)
    if m is not None:
        raise ValueError(f"control character U+{ord(m.group()):04X} at position {m.start() + 1}")
    return value


Words = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(_no_control)]
Ref = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class _Strict(BaseModel):
    # A misspelled key in a form definition must be an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in every supported language."""

    sv: Words
    en: Words

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


class LegalRef(_Strict):
    """A legal reference; `verified` is False where the paragraph is not yet checked against the law."""

    text: Text
    verified: bool = False


class Choice(_Strict):
    """One answer code with its labels. An exclusive code cannot be combined with others."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    label: Text
    exclusive: bool = False


# --- conditions ---------------------------------------------------------------------------------
# Each condition is a one-key mapping in YAML, e.g. {equals: {question: new_needs, value: "yes"}}.
# They are evaluated by a small interpreter (forms.conditions); nothing is ever eval'd.


Value = bool | Annotated[int, Field(ge=-1000, le=1000)] | Annotated[str, Field(max_length=64)]


class EqualsArgs(_Strict):
    question: Ref
    value: Value


class InArgs(_Strict):
    question: Ref
    values: list[Value] = Field(min_length=1, max_length=200)


class Equals(_Strict):
    equals: EqualsArgs


class In(_Strict):
    in_: InArgs = Field(alias="in")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Not(_Strict):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class All(_Strict):
    all: list[Condition] = Field(min_length=1, max_length=50)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1, max_length=50)


class Answered(_Strict):
    answered: Ref


Number = Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] | Annotated[
    float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]


class CompareArgs(_Strict):
    question: Ref
    op: Literal["=", "!=", "<", "<=", ">", ">="]
    value: Number


class Compare(_Strict):
    """A number answer compared with a literal: {compare: {question: age, op: ">=", value: 18}}.
    An unanswered question compares as false (also for "!=")."""

    compare: CompareArgs


class GoalScaled(_Strict):
    """True when the current goal has a scale (icf or gas); only valid in a per-goal section."""

    goal_scaled: bool


_CONDITION_KEYS = ("equals", "in", "not", "all", "any", "answered", "goal_scaled", "compare")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = [k for k in value if k in _CONDITION_KEYS]
        return keys[0] if len(keys) == 1 and len(value) == 1 else None
    for key, attr in (
        ("equals", "equals"),
        ("in", "in_"),
        ("not", "not_"),
        ("all", "all"),
        ("any", "any"),
        ("answered", "answered"),
        ("goal_scaled", "goal_scaled"),
        ("compare", "compare"),
    ):
        if hasattr(value, attr):
            return key
    return None


Condition = Annotated[
    Annotated[Equals, Tag("equals")]
    | Annotated[In, Tag("in")]
    | Annotated[Not, Tag("not")]
    | Annotated[All, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Answered, Tag("answered")]
    | Annotated[GoalScaled, Tag("goal_scaled")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition is one of: " + ", ".join(_CONDITION_KEYS),
    ),
]

Not.model_rebuild()
All.model_rebuild()
AnyOf.model_rebuild()


# --- questions -----------------------------------------------------------------------------------


class _QuestionBase(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: Text
    help: Text
    legal: list[LegalRef] = Field(default_factory=list, max_length=20)
    # True, False, or a condition: "required when decision in (continue, revise_plan)".
    required: bool | Condition = False
    when: Condition | None = None
    # A rule the answer itself must keep (the question's own id names the answer being given), and
    # what to say when it does not.
    constraint: Condition | None = None
    constraint_message: Text | None = None


class DateQuestion(_QuestionBase):
    type: Literal["date"]
    not_future: bool = False
    after: Ref | None = None  # the id of a date question this date must come after


class ChoiceQuestion(_QuestionBase):
    type: Literal["choice"]
    choices: list[Choice] = Field(min_length=1, max_length=200)


class MultiQuestion(_QuestionBase):
    type: Literal["multi"]
    choices: list[Choice] = Field(min_length=1, max_length=200)
    min_selected: int = Field(default=0, ge=0, le=200)


class TextQuestion(_QuestionBase):
    type: Literal["text"]
    max_length: int = Field(default=20_000, ge=1, le=20_000)
    multiline: bool = True


class NumberQuestion(_QuestionBase):
    """A whole number (integer) or a number with decimals (decimal)."""

    type: Literal["integer", "decimal"]


class LevelQuestion(_QuestionBase):
    """A level on the current goal's scale; only valid in a per-goal section."""

    type: Literal["level"]


class BoolQuestion(_QuestionBase):
    type: Literal["bool"]


Question = Annotated[
    DateQuestion | ChoiceQuestion | MultiQuestion | TextQuestion | LevelQuestion | BoolQuestion
    | NumberQuestion,
    Field(discriminator="type"),
]

ChoiceLike = ChoiceQuestion | MultiQuestion


class Section(_Strict):
    """A group of questions; a per-goal section is asked once for every goal of the plan."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: Text
    per_goal: bool = False
    questions: list[Question] = Field(min_length=1, max_length=200)


class ScaleLevel(_Strict):
    value: int = Field(ge=-100, le=100)
    label: Text


class Scale(_Strict):
    """A goal scale's words; the ranges themselves are part of the case model's contract."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    name: Text
    levels: list[ScaleLevel] = Field(max_length=50)


class FormHint(_Strict):
    """A hint a form of the organisation's own declares: when the condition holds over the answers
    given, the message is shown (never blocking), like the standard form's assistant hints. A
    condition on a per-goal question is checked for each goal."""

    id: Ref
    when: Condition
    message: Text
    severity: Literal["info", "warning"] = "info"


class FormDefinition(_Strict):
    """A whole form: its identity, vocabularies and sections in the order they are asked."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    version: int = Field(ge=1, le=999)
    title: Text
    life_areas: list[Choice] = Field(default_factory=list, max_length=200)
    scales: list[Scale] = Field(default_factory=list, max_length=20)
    secrecy: LegalRef | None = None
    sections: list[Section] = Field(min_length=1, max_length=100)
    hints: list[FormHint] = Field(default_factory=list, max_length=100)

    def questions(self) -> list[tuple[Section, Question]]:
        return [(s, q) for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question:
        for _, q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def section_of(self, qid: str) -> Section:
        for s, q in self.questions():
            if q.id == qid:
                return s
        raise KeyError(qid)

    def life_area_label(self, code: str, lang: str) -> str:
        for c in self.life_areas:
            if c.code == code:
                return c.label.get(lang)
        return code

    def scale(self, code: str) -> Scale | None:
        for s in self.scales:
            if s.code == code:
                return s
        return None
