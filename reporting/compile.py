"""Group-level compilation (ISU): counts per code, goal attainment, change and GAS, by group.

Works on the stored data as plain dicts (Repository.records), so 10,000 follow-ups compile in about
the time it takes to read them.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forms.loader import STANDARD_FORM_ID
from forms.schema import ChoiceQuestion, FormDefinition, MultiQuestion
from interview import personnummer
from interview.case import SCALE_DIRECTION
from interview.derived import gas_t_score
from reporting.selection import Selection

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17), ("18-24", 18, 24), ("25-44", 25, 44), ("45-64", 45, 64), ("65-79", 65, 79),
    ("80+", 80, 200),
)  # fmt: skip
GENDERS = ("woman", "man", "other", "unknown")
ATTAINMENT = ("achieved", "partly_achieved", "not_achieved", "not_assessable")
ISU = ("positive_met", "positive_not_met", "no_change", "negative")


@dataclass
class Row:
    """One counted follow-up, reduced to what the compilation reads."""

    case_id: str
    gender: str
    age_band: str
    unit: str | None
    answers: dict[str, Any]
    goals: list[dict[str, Any]]  # per goal: life_area, scale, baseline, weight, attainment, level
    form_version: int = 0


@dataclass
class Measures:
    """The figures for one group; counts are plain ints here, suppression comes after."""

    followups: int = 0
    clients: int = 0
    questions: dict[str, dict[str, int]] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)  # multi questions: follow-ups answering
    attainment: dict[str, int] = field(default_factory=dict)
    attainment_by_life_area: dict[str, dict[str, int]] = field(default_factory=dict)
    isu: dict[str, int] = field(default_factory=dict)
    change_by_life_area: dict[str, dict[str, float | int]] = field(default_factory=dict)  # mean, n
    gas_t_mean: float | None = None
    gas_t_n: int = 0


def age_band(client: dict[str, Any], meeting: date) -> str:
    age = None
    pnr = client.get("personnummer")
    if pnr:
        try:
            born = personnummer.parse(pnr, meeting).birth_date
            age = meeting.year - born.year - ((meeting.month, meeting.day) < (born.month, born.day))
        except personnummer.PersonnummerError:
            age = None
    elif client.get("birth_year"):
        age = meeting.year - int(client["birth_year"])
    if age is None:
        return "unknown"
    return next((name for name, low, high in AGE_BANDS if low <= age <= high), "unknown")


def select(
    records: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]],
    sel: Selection,
    progress: Callable[[int], None] | None = None,
    form_id: str = STANDARD_FORM_ID,
) -> list[Row]:
    """The follow-ups the selection counts, in every unit (the unit is chosen at publication, so the
    suppression can see every unit at once): each client's latest final follow-up of the form in the
    period (every one with all_followups); with include_drafts, the latest draft (every draft) is
    counted beside it as a follow-up of its own, never instead of a signed one. Follow-ups made with
    another form are not counted: a substance-abuse unit's own form is reported on by itself."""
    rows: list[Row] = []
    first = sel.date_from.isoformat() if sel.date_from else None
    last = sel.date_to.isoformat() if sel.date_to else None
    for n, (case, followups) in enumerate(records, 1):
        if progress is not None and n % 500 == 0:
            progress(n)
        client = case["client"]
        finals: list[tuple[str, dict[str, Any]]] = []
        drafts: list[tuple[str, dict[str, Any]]] = []
        for fu in followups:
            final = fu["status"] == "final"
            if not final and not sel.include_drafts:
                continue
            if fu.get("form", STANDARD_FORM_ID) != form_id:
                continue
            meeting = fu["answers"].get("meeting_date")
            if not meeting:
                continue
            if first and meeting < first:
                continue
            if last and meeting > last:
                continue
            if sel.caseworker and (fu.get("caseworker") or client.get("caseworker")) != sel.caseworker:
                continue
            if sel.plan_type and fu["plan"].get("type") != sel.plan_type:
                continue
            (finals if final else drafts).append((meeting, fu))
        for chosen in (finals, drafts):
            if not chosen:
                continue
            chosen.sort(key=lambda x: x[0])
            for meeting, fu in chosen if sel.all_followups else chosen[-1:]:
                rows.append(_row(case["id"], client, meeting, fu))
    return rows


def _row(case_id: str, client: dict[str, Any], meeting: str, fu: dict[str, Any]) -> Row:
    goals = []
    answers_by_goal = fu.get("goals") or {}
    for g in fu["plan"].get("goals", []):
        ga = answers_by_goal.get(g["id"], {})
        goals.append(
            {
                "life_area": g["life_area"],
                "scale": g.get("scale", "none"),
                "baseline": g.get("baseline"),
                "weight": g.get("weight", 1.0),
                "attainment": ga.get("attainment"),
                "level": ga.get("level"),
                "answers": ga,
            }
        )
    gender = client.get("gender") or "unknown"
    band = age_band(client, date.fromisoformat(meeting))
    version = fu.get("form_version")
    return Row(case_id, gender, band, client.get("unit") or None, fu["answers"], goals,
               version if isinstance(version, int) else 0)


def _change(goal: dict[str, Any]) -> int | None:
    """Improvement in scale steps (positive is better, whatever the scale's direction)."""
    if goal["scale"] == "none" or goal["baseline"] is None or goal["level"] is None:
        return None
    return int((goal["level"] - goal["baseline"]) * SCALE_DIRECTION[goal["scale"]])


def _isu(goal: dict[str, Any]) -> str | None:
    delta = _change(goal)
    if delta is None:
        return None
    if delta < 0:
        return "negative"
    if delta == 0:
        return "no_change"
    return "positive_met" if goal["attainment"] == "achieved" else "positive_not_met"


@dataclass
class Contribution:
    """What one follow-up adds to every group it belongs to, worked out once."""

    codes: list[tuple[str, str]]  # (question, code)
    answered: list[str]
    attainment: list[tuple[str, str]]  # (life area, attainment)
    isu: list[str]
    icf_change: list[tuple[str, int]]  # (life area, improvement)
    gas_t: float | None


_CODES: dict[int, frozenset[str]] = {}


def _codes(q: ChoiceQuestion | MultiQuestion) -> frozenset[str]:
    key = id(q)
    found = _CODES.get(key)
    if found is None:
        found = _CODES[key] = frozenset(c.code for c in q.choices)
    return found


def contribution(row: Row, questions: list[ChoiceQuestion | MultiQuestion],
                 per_goal: frozenset[str] = frozenset()) -> Contribution:
    """What the follow-up adds; a question in `per_goal` is counted once for each goal answering it
    (its "answered" counts goals, not follow-ups)."""
    codes: list[tuple[str, str]] = []
    answered: list[str] = []
    for q in questions:
        per = q.id in per_goal
        values = [g["answers"].get(q.id) for g in row.goals] if per else [row.answers.get(q.id)]
        for value in values:
            if value is None:
                continue
            # Versions of a form are compiled together only where the question id and the code exist
            # in the version reported on: v1's other_principals codes that v2 moved to other_actors
            # are not counted as v2 principals.
            known = [code for code in (value if isinstance(value, list) else [value])
                     if code in _codes(q)]
            if not known:
                continue
            answered.append(q.id)
            codes.extend((q.id, code) for code in known)
    attainment, isu, changes, gas_pairs = [], [], [], []
    for g in row.goals:
        # A form of the organisation's own may give its per-goal "attainment" other codes: only the
        # standard classes are compiled as attainment, never a code the tables have no place for.
        if g["attainment"] in ATTAINMENT:
            attainment.append((g["life_area"], g["attainment"]))
        value = _isu(g)
        if value is not None:
            isu.append(value)
        delta = _change(g)
        if delta is not None and g["scale"] == "icf":
            changes.append((g["life_area"], delta))
        if g["scale"] == "gas" and g["level"] is not None:
            gas_pairs.append((g["level"], g["weight"]))
    return Contribution(codes, answered, attainment, isu, changes, gas_t_score(gas_pairs))


class Accumulator:
    """Sums contributions for one group."""

    def __init__(self, questions: list[ChoiceQuestion | MultiQuestion]) -> None:
        self.questions = {q.id: {c.code: 0 for c in q.choices} for q in questions}
        self.answered = {q.id: 0 for q in questions}
        self.followups = 0
        self.clients: set[str] = set()
        self.attainment = dict.fromkeys(ATTAINMENT, 0)
        self.by_area: dict[str, dict[str, int]] = {}
        self.isu = dict.fromkeys(ISU, 0)
        self.changes: dict[str, list[int]] = defaultdict(list)
        self.gas: list[float] = []

    def add(self, case_id: str, c: Contribution) -> None:
        self.followups += 1
        self.clients.add(case_id)
        for qid, code in c.codes:
            counts = self.questions[qid]
            counts[code] = counts.get(code, 0) + 1
        for qid in c.answered:
            self.answered[qid] += 1
        for area, value in c.attainment:
            self.attainment[value] += 1
            self.by_area.setdefault(area, dict.fromkeys(ATTAINMENT, 0))[value] += 1
        for value in c.isu:
            self.isu[value] += 1
        for area, delta in c.icf_change:
            self.changes[area].append(delta)
        if c.gas_t is not None:
            self.gas.append(c.gas_t)

    def merge(self, other: Accumulator) -> None:
        """Adds another group's sums (the all-units figures are the sum of the units' figures)."""
        self.followups += other.followups
        self.clients |= other.clients
        for qid, counts in other.questions.items():
            mine = self.questions.setdefault(qid, {})
            for code, n in counts.items():
                mine[code] = mine.get(code, 0) + n
        for qid, n in other.answered.items():
            self.answered[qid] = self.answered.get(qid, 0) + n
        for value, n in other.attainment.items():
            self.attainment[value] += n
        for area, counts in other.by_area.items():
            mine = self.by_area.setdefault(area, dict.fromkeys(ATTAINMENT, 0))
            for value, n in counts.items():
                mine[value] += n
        for value, n in other.isu.items():
            self.isu[value] += n
        for area, deltas in other.changes.items():
            self.changes[area].extend(deltas)
        self.gas.extend(other.gas)

    def result(self) -> Measures:
        m = Measures(
            followups=self.followups,
            clients=len(self.clients),
            questions=self.questions,
            answered=self.answered,
            attainment=self.attainment,
            attainment_by_life_area=dict(sorted(self.by_area.items())),
            isu=self.isu,
        )
        m.change_by_life_area = {
            area: {"mean": round(sum(v) / len(v), 2), "n": len(v)} for area, v in sorted(self.changes.items())
        }
        if self.gas:
            m.gas_t_mean = round(sum(self.gas) / len(self.gas), 2)
        m.gas_t_n = len(self.gas)
        return m


# Per-goal questions the goal tables compile already (attainment by class, life area and ISU).
GOAL_MEASURED = frozenset({"attainment"})


def choice_questions(form: FormDefinition) -> list[ChoiceQuestion | MultiQuestion]:
    """Every choice and multi-choice question the report compiles: those asked once, and those asked
    per goal (counted per goal) except the goal tables' own."""
    return [
        q
        for s in form.sections
        for q in s.questions
        if isinstance(q, ChoiceQuestion | MultiQuestion) and not (s.per_goal and q.id in GOAL_MEASURED)
    ]


def per_goal_ids(form: FormDefinition) -> frozenset[str]:
    return frozenset(q.id for s in form.sections if s.per_goal for q in s.questions)


def measure(rows: list[Row], form: FormDefinition) -> Measures:
    questions, per_goal = choice_questions(form), per_goal_ids(form)
    acc = Accumulator(questions)
    for r in rows:
        acc.add(r.case_id, contribution(r, questions, per_goal))
    return acc.result()


@dataclass
class Part:
    """One report's groups: every follow-up, by gender and by age band."""

    total: Measures
    by_gender: dict[str, Measures]
    by_age_band: dict[str, Measures]


FULL = "all"  # the all-units report in Report.system; units are "unit:<name>"
NO_UNIT = "no-unit"  # clients without a unit: never published alone, but the full report holds them


def unit_key(unit: str | None) -> str:
    return NO_UNIT if unit is None else f"unit:{unit}"


@dataclass
class Report:
    """The published report (all units, or selection.unit's) and the system it is suppressed with:
    the all-units report and every unit's report, which are linked (all = sum over units)."""

    selection: Selection
    total: Measures
    by_gender: dict[str, Measures]
    by_age_band: dict[str, Measures]
    attainment_by_gender: dict[str, dict[str, int]]
    # The form versions the counted follow-ups were made with: versions are compiled together
    # question by question where the id and the code exist in the version reported on.
    form_versions: tuple[int, ...] = ()
    system: dict[str, Part] = field(default_factory=dict)


BANDS = [name for name, _, _ in AGE_BANDS] + ["unknown"]


def compile_report(
    records: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]],
    form: FormDefinition,
    sel: Selection,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """One pass: each follow-up's contribution is worked out once and added to the total, its
    gender's group and its age band's group."""
    # Thousands of small dicts stay alive until the end: the cyclic collector would rescan them over
    # and over (they hold no cycles), so it is paused for the compilation.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compile(records, form, sel, progress)
    finally:
        if paused:
            gc.enable()


def _compile(
    records: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]],
    form: FormDefinition,
    sel: Selection,
    progress: Callable[[int], None] | None,
) -> Report:
    rows = select(records, sel, progress, form.id)
    questions = choice_questions(form)
    per_goal = per_goal_ids(form)

    def groups() -> tuple[Accumulator, dict[str, Accumulator], dict[str, Accumulator]]:
        return Accumulator(questions), {g: Accumulator(questions) for g in GENDERS}, {
            b: Accumulator(questions) for b in BANDS
        }

    # Each follow-up is added to its unit's three groups only; the all-units groups are the sums of
    # the units' (merged once at the end), so the per-unit reports cost no extra pass.
    units: dict[str, tuple[Accumulator, dict[str, Accumulator], dict[str, Accumulator]]] = {}
    for r in rows:
        key = unit_key(r.unit)
        if key not in units:
            units[key] = groups()
        total, genders, bands = units[key]
        c = contribution(r, questions, per_goal)
        total.add(r.case_id, c)
        genders[r.gender if r.gender in genders else "unknown"].add(r.case_id, c)
        bands[r.age_band].add(r.case_id, c)
    full = groups()
    for total, genders, bands in units.values():
        full[0].merge(total)
        for g in GENDERS:
            full[1][g].merge(genders[g])
        for b in BANDS:
            full[2][b].merge(bands[b])
    system = {
        key: Part(acc.result(), {g: a.result() for g, a in genders.items()},
                  {b: a.result() for b, a in bands.items()})
        for key, (acc, genders, bands) in [(FULL, full), *sorted(units.items())]
    }  # fmt: skip
    if sel.unit is None:
        shown = system[FULL]
    else:
        empty = groups()
        shown = system.get(unit_key(sel.unit)) or Part(
            empty[0].result(),
            {g: a.result() for g, a in empty[1].items()},
            {b: a.result() for b, a in empty[2].items()},
        )
    return Report(
        sel,
        shown.total,
        shown.by_gender,
        shown.by_age_band,
        {g: shown.by_gender[g].attainment for g in GENDERS},
        tuple(sorted({r.form_version for r in rows if r.form_version})),
        system,
    )
