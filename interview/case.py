"""The case model: client, plan, goals (with sub-goals), interventions; validated as the contract says."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from interview import personnummer
from interview.errors import fail
from interview.textcheck import find_control

Gender = Literal["woman", "man", "other", "unknown"]
PlanType = Literal["genomforandeplan", "vardplan", "behandlingsplan", "sip", "other"]
ScaleCode = Literal["icf", "gas", "none"]
LifeArea = Literal[
    "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "safety", "carer_support", "other"
]
LIFE_AREAS: tuple[str, ...] = LifeArea.__args__  # type: ignore[attr-defined]
GENDERS: tuple[str, ...] = Gender.__args__  # type: ignore[attr-defined]

# The scales' ranges are part of the data contract; their words are data in the form definition.
SCALE_RANGES: dict[str, tuple[int, int]] = {"icf": (0, 4), "gas": (-2, 2)}
# +1 where a higher level is better (GAS), -1 where lower is better (ICF qualifiers).
SCALE_DIRECTION: dict[str, int] = {"icf": -1, "gas": 1}

def _no_control(value: str) -> str:
    pos = find_control(value)
    if pos is not None:
        raise fail("text_control", char=f"U+{ord(value[pos]):04X}", pos=pos + 1)
    return value


# One pattern for every id (follow-up, goal, intervention): never free text, since ids reach the
# plaintext audit log and file names. No dot either: answer keys are `goals.<goal id>.<question>`.
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"
_ID = re.compile(ID_PATTERN)
_DIGITS = re.compile(r"\d{6}(?:\d{2})?[-+]?\d{4}")
MAX_GOALS = 200
MAX_INTERVENTIONS = 50


def _holds_personnummer(text: str) -> bool:
    """Whether any part of the text is a valid personnummer (a real date and its check digit)."""
    for start in range(len(text)):
        for end in range(start + 10, min(len(text), start + 13) + 1):
            if _DIGITS.fullmatch(text, start, end):
                try:
                    personnummer.parse(text[start:end])
                    return True
                except personnummer.PersonnummerError:
                    pass
    return False


def valid_id(text: str) -> bool:
    return bool(_ID.fullmatch(text)) and not _holds_personnummer(text)  # fullmatch: `$` allows "\n"


def _check_id(value: str) -> str:
    if not valid_id(value):
        raise fail("bad_id")
    return value


Id = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_id)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_control)
]


def new_id() -> str:
    while True:  # a random id could, once in a few thousand, read as a personnummer
        candidate = uuid.uuid4().hex[:12]
        if valid_id(candidate):
            return candidate


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _sane_date(value: date | None) -> date | None:
    # Typos like 0226 or 2206 should be caught, while plans may be set up ahead of time.
    if value is not None and not (1900 <= value.year <= date.today().year + 10):
        raise fail("date_range", value=value.isoformat())
    return value


SaneDate = Annotated[date, AfterValidator(_sane_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Client(_Model):
    """Who the follow-up is about; only case_ref is required (only necessary personal data)."""

    case_ref: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
        AfterValidator(_no_control),
    ]
    name: ShortText | None = None
    personnummer: str | None = None
    gender: Gender = "unknown"
    birth_year: int | None = None
    unit: ShortText = ""
    caseworker: ShortText = ""

    @field_validator("personnummer")
    @classmethod
    def _check_pnr(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return personnummer.parse(value).normalized
        except personnummer.PersonnummerError as err:
            raise fail(err.key) from None

    @field_validator("birth_year")
    @classmethod
    def _check_year(cls, value: int | None) -> int | None:
        if value is not None and not (1890 <= value <= date.today().year):
            raise fail("year_range", value=value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Client:
        if self.personnummer and self.birth_year is not None:
            pnr_year = int(self.personnummer[:4])
            if pnr_year != self.birth_year:
                raise fail("birth_year_mismatch", year=self.birth_year, pnr_year=pnr_year)
        return self

    def age_at(self, day: date) -> int | None:
        if self.personnummer:
            born = personnummer.parse(self.personnummer).birth_date
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        if self.birth_year is not None:
            return day.year - self.birth_year
        return None


class Goal(_Model):
    """A goal or, with `parent`, a sub-goal (delmål); levels lie on the goal's scale."""

    id: Id
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(_no_control),
    ]
    life_area: LifeArea
    parent: Id | None = None
    scale: ScaleCode = "none"
    baseline: int | None = None
    target: int | None = None
    target_date: SaneDate | None = None
    weight: float = Field(default=1.0, gt=0, le=100)

    # Field validators (not one model validator) so each message lands on its own field in a form.
    @field_validator("baseline", "target")
    @classmethod
    def _level_on_scale(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        scale = info.data.get("scale", "none")
        if scale == "none":
            raise fail("level_unscaled", field=info.field_name)
        low, high = SCALE_RANGES[scale]
        if not low <= value <= high:
            raise fail("level_range", value=value, scale=scale.upper(), low=low, high=high)
        return value

    @field_validator("weight")
    @classmethod
    def _weight_for_gas(cls, value: float, info: ValidationInfo) -> float:
        if value != 1.0 and info.data.get("scale") != "gas":
            raise fail("weight_gas_only")
        return value

    @property
    def aimed_level(self) -> int | None:
        """The level aimed for: the target, or for a GAS goal without one 0 (GAS's expected outcome,
        as the PDF prints it); None on an ICF goal without a target or an unscaled goal."""
        if self.target is not None or self.scale != "gas":
            return self.target
        return 0


class Intervention(_Model):
    """An insats: what is given, and by whom."""

    id: Id
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(_no_control),
    ]
    provider: ShortText | None = None
    start: SaneDate | None = None


class Plan(_Model):
    """The plan followed up: its goals in order and its interventions."""

    type: PlanType = "genomforandeplan"
    start: SaneDate
    goals: list[Goal] = Field(default_factory=list, max_length=MAX_GOALS)
    interventions: list[Intervention] = Field(default_factory=list, max_length=MAX_INTERVENTIONS)

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        for gid, n in Counter(g.id for g in self.goals).items():
            if n > 1:
                raise fail("goal_id_twice", id=gid)
        for iid, n in Counter(i.id for i in self.interventions).items():
            if n > 1:
                raise fail("intervention_id_twice", id=iid)
        by_id = {g.id: g for g in self.goals}
        for g in self.goals:
            if g.parent is not None and g.parent not in by_id:
                raise fail("parent_missing", parent=g.parent)
            seen = {g.id}
            parent = g.parent
            while parent is not None:
                if parent in seen:
                    raise fail("parent_cycle", id=g.id)
                seen.add(parent)
                parent = by_id[parent].parent if parent in by_id else None
            if g.target_date is not None and g.target_date < self.start:
                raise fail(
                    "target_before_start",
                    value=g.target_date.isoformat(),
                    start=self.start.isoformat(),
                )
        return self

    def ordered_goals(self) -> list[tuple[Goal, int]]:
        """Goals in the order they are followed up: each goal, then its sub-goals; with depth."""
        children: dict[str | None, list[Goal]] = {}
        for g in self.goals:
            children.setdefault(g.parent, []).append(g)
        out: list[tuple[Goal, int]] = []

        def walk(parent: str | None, depth: int) -> None:
            for g in children.get(parent, []):
                out.append((g, depth))
                walk(g.id, depth + 1)

        walk(None, 0)
        return out

    def goal(self, gid: str) -> Goal | None:
        return next((g for g in self.goals if g.id == gid), None)


class Case(_Model):
    """A client's case in the workspace: the client and the current plan."""

    id: str = Field(default_factory=new_id)
    client: Client
    plan: Plan
    created_at: datetime = Field(default_factory=now)
